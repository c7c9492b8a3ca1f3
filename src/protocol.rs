//! The wire protocol of the Realtime API: typed client and server events (GA, with
//! beta names mapped), validation of outgoing events, redaction of secrets.
//! Sans-IO: no tokio, sockets or clocks here.

pub mod client_event;
pub mod dialect;
pub mod direction;
pub mod error_help;
pub mod item;
pub mod nullable;
pub mod redact;
pub mod response;
pub mod server_event;
pub mod session_config;
pub mod validate;

pub use dialect::Dialect;
pub use direction::Direction;

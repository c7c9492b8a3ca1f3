//! The built-in mock of the Realtime API: HTTP signaling, a WebRTC answerer and a
//! deterministic simulated model, on loopback. `rtconsole mock` serves it to other
//! clients; `--mock` embeds it.
//!
//! The simulated model ([`model`]) is sans-IO like the core: the call driver feeds it
//! client events, decoded audio and clock ticks, and carries out what it asks.

pub mod model;
pub mod scenario;
pub mod vad;
pub mod voice;

mod api_error;
pub mod call;
pub mod call_driver;
mod http;
pub mod keys;
pub mod server;
mod socket;

pub use server::{MockConfig, MockServer};

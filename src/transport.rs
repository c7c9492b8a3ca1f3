//! The wire at the edge: HTTP signaling and the WebRTC peer, shared by the client and
//! the mock.

pub mod channel_io;
pub mod connect;
pub mod link;
pub mod proxy;
pub mod rtc_setup;
pub mod signaling;
pub mod stats;

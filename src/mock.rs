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
pub(crate) mod http;
pub mod keys;
pub mod server;
mod socket;

pub use server::{MockConfig, MockServer};

/// What the mock makes of a `POST /v1/realtime/calls` body given its
/// `Content-Type` (raw SDP, multipart or JSON): the offer's SDP and the checked
/// session, or the API error's `code: message`. Pure, for fuzzing and tests; the
/// offer itself is only read by WebRTC once a call starts.
pub fn parse_call_request(
    content_type: &str,
    body: &[u8],
) -> Result<(String, Option<serde_json::Value>), String> {
    let (sdp, session) = read_call_offer(content_type, body)?;
    if let Some(session) = &session {
        http::check_session(session, "session")
            .map_err(|e| format!("{}: {}", e.code.unwrap_or(e.kind), e.message))?;
    }
    Ok((sdp, session))
}

/// The offer's SDP and session as sent, in any of the body shapes, with the session
/// left unchecked: for the proxy, which leaves judging the session to its upstream.
pub fn read_call_offer(
    content_type: &str,
    body: &[u8],
) -> Result<(String, Option<serde_json::Value>), String> {
    let body = http::parse_call_body(content_type, bytes::Bytes::copy_from_slice(body))
        .map_err(|e| format!("{}: {}", e.code.unwrap_or(e.kind), e.message))?;
    Ok((body.sdp, body.session))
}

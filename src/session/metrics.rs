//! A session's latency figures as named millisecond values: what `run --runs N`
//! puts side by side across runs. Names repeat (one `first_output` per turn), so a
//! run is a list, and any other figure (audio measures of the runner) joins the
//! list under its own name without changes to the aggregation.

use super::Session;

/// Per turn: from the turn's start (request sent, or speech committed) to its first
/// output (audio if any, else the first delta).
pub const FIRST_OUTPUT: &str = "first_output";
/// Per turn: from its start to `response.done`.
pub const RESPONSE_DONE: &str = "response_done";
/// Once per run: from the start of connecting to the data channel being open.
pub const CHANNEL_OPEN: &str = "channel_open";

/// The wire figures the session measured, in the order they happened.
pub fn wire_metrics(session: &Session) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    if let Some(ms) = session.connect_breakdown().and_then(|b| b.channel_open_ms) {
        out.push((CHANNEL_OPEN.to_string(), ms));
    }
    for t in session.turns().all() {
        if let Some(ms) = t.first_output_ms() {
            out.push((FIRST_OUTPUT.to_string(), ms as f64));
        }
        if let Some(ms) = t.total_ms() {
            out.push((RESPONSE_DONE.to_string(), ms as f64));
        }
    }
    out
}

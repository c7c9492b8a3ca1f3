//! A server that stops sending: while a response is in progress, a quiet longer
//! than the stall limit is worth a warning (once per quiet spell), with what to do.
//! Time comes from the inputs, so this is checked on every input, ticks included.

use serde_json::json;

use super::{Effect, NoticeLevel, Session};

/// The default quiet time before a warning; `--stall-after` changes it.
pub const DEFAULT_STALL_AFTER_MS: u64 = 15_000;

#[derive(Debug, Clone, Copy, Default)]
pub(super) struct StallWatch {
    /// When the server last sent anything.
    last_server_ms: Option<u64>,
    /// The current quiet spell was already reported.
    warned: bool,
}

impl StallWatch {
    pub fn heard(&mut self, at: u64) {
        self.last_server_ms = Some(at);
        self.warned = false;
    }
}

impl Session {
    /// How long the server may be quiet during a response before a warning; `None`
    /// turns the watch off.
    pub fn set_stall_after(&mut self, ms: Option<u64>) {
        self.opts.stall_after_ms = ms;
    }

    pub(super) fn check_stall(&mut self, now: u64, fx: &mut Vec<Effect>) {
        let (Some(limit), Some(last)) = (self.opts.stall_after_ms, self.stall.last_server_ms)
        else {
            return;
        };
        if self.stall.warned || now.saturating_sub(last) < limit {
            return;
        }
        let Some(id) = self.responses.active().map(|r| r.id.clone()) else {
            return;
        };
        self.stall.warned = true;
        let quiet = now - last;
        self.push_note(
            now,
            json!({"type": "local.stall", "response_id": id, "quiet_ms": quiet}),
        );
        fx.push(Effect::Notice {
            level: NoticeLevel::Warning,
            text: format!(
                "the server has sent nothing for {:.0} s while response {id} is in progress: the connection may be stalled; check the network, or interrupt (Ctrl-X / response.cancel) and try again",
                quiet as f64 / 1000.0
            ),
        });
    }
}

//! A server that stops sending: while a response is in progress, a quiet longer
//! than the stall limit is worth a warning (once per quiet spell), with what to do.
//! Time comes from the inputs, so this is checked on every input, ticks included.
//!
//! Audio that stops is the same on the media track: between
//! `output_audio_buffer.started` and `stopped`/`cleared` the server says it is
//! speaking, so RTP must keep arriving. The edge reports when the last packet came
//! with each statistics sample, and the check runs at the sample's time, when that
//! figure is exact (between samples it would look older than it is).

use serde_json::json;

use super::{Effect, NoticeLevel, Session};

/// The default quiet time before a warning; `--stall-after` changes it.
pub const DEFAULT_STALL_AFTER_MS: u64 = 15_000;

#[derive(Debug, Clone, Default)]
pub(super) struct StallWatch {
    /// When the server last sent anything.
    last_server_ms: Option<u64>,
    /// The current quiet spell was already reported.
    warned: bool,
    /// The response whose audio the server says is playing, and since when.
    speaking: Option<(String, u64)>,
    /// This response's audio gap was already reported.
    audio_warned: bool,
}

impl StallWatch {
    pub fn heard(&mut self, at: u64) {
        self.last_server_ms = Some(at);
        self.warned = false;
    }

    /// `output_audio_buffer.started`.
    pub fn audio_started(&mut self, response_id: Option<&str>, at: u64) {
        self.speaking = Some((response_id.unwrap_or("?").to_string(), at));
        self.audio_warned = false;
    }

    /// `output_audio_buffer.stopped` or `cleared`.
    pub fn audio_ended(&mut self) {
        self.speaking = None;
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

impl Session {
    /// At a statistics sample: has the server's audio stopped while it says it is
    /// speaking? Uses the stall limit as the quiet time.
    pub(super) fn check_audio_stall(&mut self, at: u64, fx: &mut Vec<Effect>) {
        let Some(limit) = self.opts.stall_after_ms else {
            return;
        };
        let Some((id, since)) = self.stall.speaking.clone() else {
            return;
        };
        if self.stall.audio_warned {
            return;
        }
        // A packet from an earlier response says nothing about this one.
        let last = self.stats.last_audio_ms.map_or(since, |t| t.max(since));
        let quiet = at.saturating_sub(last);
        if quiet < limit {
            return;
        }
        self.stall.audio_warned = true;
        self.push_note(
            at,
            json!({"type": "local.audio_stall", "response_id": id, "quiet_ms": quiet}),
        );
        fx.push(Effect::Notice {
            level: NoticeLevel::Warning,
            text: format!(
                "no audio from the server for {:.0} s while response {id} is playing (output_audio_buffer.started, not yet stopped): the audio track stalled while the events go on; check for UDP loss (firewall, VPN, a congested link), the transcript still shows what is said",
                quiet as f64 / 1000.0
            ),
        });
    }
}

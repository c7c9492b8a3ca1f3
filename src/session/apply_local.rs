//! How transport changes and local notes (from the edges) change the session: the
//! phase, the connect breakdown, transport samples, and notes in the log.

use std::borrow::Cow;

use serde_json::{json, Value};

use super::event_log::{EntryKind, LogEntry};
use super::summary::one_line;
use super::{
    ConnectBreakdown, Effect, NoticeLevel, Phase, Session, TransportStats, TransportStatus,
};
use crate::protocol::redact::redact_text;
use crate::protocol::Direction;

impl Session {
    pub(super) fn on_transport(&mut self, at: u64, status: TransportStatus, fx: &mut Vec<Effect>) {
        // Transport text can quote a request (an HTTP 401 body names the key): it is
        // redacted before it reaches the phase, a notice or the log.
        let redact = |s: String| redact_text(&s).into_owned();
        let (phase, state, detail, level) = match status {
            TransportStatus::Stats(s) => {
                // Samples reach the status bar each time; the log (and so the
                // recording) gets one every STATS_LOG_EVERY_MS, enough to see a
                // trend without a row every other second.
                self.stats = s;
                self.check_audio_stall(at, fx);
                let due = self
                    .stats_logged_at
                    .is_none_or(|last| at.saturating_sub(last) >= STATS_LOG_EVERY_MS);
                if due {
                    self.stats_logged_at = Some(at);
                    self.stats_logged = Some(s);
                    self.push_note(at, stats_note(&s));
                }
                return;
            }
            TransportStatus::Breakdown(b) => {
                self.push_note(at, breakdown_note(&b));
                self.connect = Some(b);
                return;
            }
            TransportStatus::Connecting { endpoint } => (
                Phase::Connecting,
                "connecting",
                Some(("endpoint", redact(endpoint))),
                None,
            ),
            TransportStatus::Connected => (Phase::Connected, "connected", None, None),
            TransportStatus::ChannelOpen => (Phase::Open, "data channel open", None, None),
            TransportStatus::Closed { reason } => {
                // A close right after `session_expired` is the 60-minute limit, not a
                // fault: say so, with what to do.
                let reason = match self.errors.last() {
                    Some(e) if e.code.as_deref() == Some("session_expired") => format!(
                        "the session expired: {} Start a new session; sessions last at most 60 minutes.",
                        e.message
                    ),
                    _ => match self.responses.active() {
                        Some(r) => format!(
                            "{reason}; response {} was in progress and is cut short",
                            r.id
                        ),
                        None => reason,
                    },
                };
                let r = redact(reason);
                (
                    Phase::Closed(r.clone()),
                    "closed",
                    Some(("reason", r)),
                    Some(NoticeLevel::Warning),
                )
            }
            TransportStatus::Failed { reason } => {
                let r = redact(reason);
                (
                    Phase::Failed(r.clone()),
                    "failed",
                    Some(("reason", r)),
                    Some(NoticeLevel::Error),
                )
            }
        };
        let mut note = json!({"type": "local.transport", "state": state});
        if let Some((key, text)) = detail {
            if let Some(level) = level {
                fx.push(Effect::Notice {
                    level,
                    text: format!("connection {state}: {text}"),
                });
            }
            note[key] = Value::String(text);
        }
        if matches!(phase, Phase::Closed(_) | Phase::Failed(_)) {
            self.push_final_stats(at);
        }
        self.phase = phase;
        self.push_note(at, note);
    }

    /// The last transport sample, as a note for the log; also written when the
    /// session ends so a recording always holds the final byte counts.
    pub(super) fn push_final_stats(&mut self, at: u64) {
        let fresh = self.stats_logged != Some(self.stats);
        if fresh && self.stats != TransportStats::default() {
            self.stats_logged = Some(self.stats);
            let note = stats_note(&self.stats);
            self.push_note(at, note);
        }
    }

    pub(super) fn push_note(&mut self, at: u64, note: Value) {
        let type_name = note
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("local.note")
            .to_string();
        let summary = note
            .as_object()
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| *k != "type")
                    .map(|(k, v)| match v.as_str() {
                        Some(s) => format!("{k}={}", one_line(s, 80)),
                        None => format!("{k}={}", one_line(&v.to_string(), 80)),
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        let (kind, summary) = match note.get("error").and_then(Value::as_str) {
            Some(error) if type_name == "local.rejected" => {
                let first = error.lines().next().unwrap_or("invalid event");
                (
                    EntryKind::Rejected,
                    format!("not sent: {}", one_line(first, 200)),
                )
            }
            _ => (EntryKind::Note, summary),
        };
        if type_name == super::apply_client::INJECTED_NOTE {
            self.inject_next = true;
        }
        let raw = redact_text(&note.to_string()).into_owned();
        self.log.push(LogEntry {
            seq: 0,
            at_ms: at,
            dir: Direction::Local,
            kind,
            type_name: Cow::Owned(type_name),
            beta: false,
            injected: false,
            summary: redact_text(&summary).into_owned(),
            raw,
            response_id: None,
            item_id: None,
            call_id: None,
            help: None,
            delta_of: None,
        });
    }
}

/// Transport samples go into the log at most this often.
const STATS_LOG_EVERY_MS: u64 = 10_000;

fn stats_note(s: &TransportStats) -> Value {
    json!({"type": "local.stats", "rtt_ms": s.rtt_ms, "jitter_ms": s.jitter_ms,
           "packets_lost": s.packets_lost, "bytes_sent": s.bytes_sent,
           "bytes_received": s.bytes_received})
}

fn breakdown_note(b: &ConnectBreakdown) -> Value {
    let ms = |v: Option<f64>| v.map(|v| (v * 10.0).round() / 10.0);
    json!({"type": "local.connected", "call_id": b.call_id, "answer_setup": b.answer_setup,
           "secret_ms": ms(b.secret_ms), "sdp_post_ms": ms(b.sdp_post_ms),
           "ice_connected_ms": ms(b.ice_connected_ms), "dtls_connected_ms": ms(b.dtls_connected_ms),
           "channel_open_ms": ms(b.channel_open_ms), "session_created_ms": ms(b.session_created_ms),
           "first_rtp_ms": ms(b.first_rtp_ms)})
}

//! How server events, transport changes and notes change the session.

use std::borrow::Cow;

use serde_json::{json, Value};

use super::conversation::Placement;
use super::event_log::{EntryKind, LogEntry};
use super::summary::{one_line, server_summary};
use super::{
    ConnectBreakdown, Effect, ErrorRecord, NoticeLevel, Phase, Session, TransportStats,
    TransportStatus,
};
use crate::protocol::error_help::explain;
use crate::protocol::item::{ItemType, Role};
use crate::protocol::redact::{redact_text, redact_value};
use crate::protocol::server_event::{decode_server, DecodeOutcome, ServerEvent};
use crate::protocol::Direction;

/// The ids an event relates to, for "related events" in the log.
fn related_ids(ev: &ServerEvent) -> (Option<&str>, Option<&str>, Option<&str>) {
    use ServerEvent as E;
    match ev {
        E::ItemAdded(i) | E::ItemDone(i) => (None, i.item.id.as_deref(), i.item.call_id.as_deref()),
        E::ItemRetrieved(i) => (None, i.item.id.as_deref(), i.item.call_id.as_deref()),
        E::ItemTruncated(t) => (None, Some(&t.item_id), None),
        E::ItemDeleted(r)
        | E::McpListToolsInProgress(r)
        | E::McpListToolsCompleted(r)
        | E::McpListToolsFailed(r)
        | E::McpCallInProgress(r)
        | E::McpCallCompleted(r)
        | E::McpCallFailed(r) => (None, Some(&r.item_id), None),
        E::InputTranscriptionDelta(d) => (None, Some(&d.item_id), None),
        E::InputTranscriptionCompleted(c) => (None, Some(&c.item_id), None),
        E::InputTranscriptionFailed(f) => (None, Some(&f.item_id), None),
        E::InputTranscriptionSegment(s) => (None, Some(&s.item_id), None),
        E::InputAudioCommitted(c) => (None, Some(&c.item_id), None),
        E::SpeechStarted(s) => (None, Some(&s.item_id), None),
        E::SpeechStopped(s) => (None, Some(&s.item_id), None),
        E::InputAudioTimeoutTriggered(t) => (None, Some(&t.item_id), None),
        E::OutputAudioStarted(b) | E::OutputAudioStopped(b) | E::OutputAudioCleared(b) => {
            (b.response_id.as_deref(), None, None)
        }
        E::ResponseCreated(r) | E::ResponseDone(r) => (Some(&r.response.id), None, None),
        E::OutputItemAdded(o) | E::OutputItemDone(o) => (
            Some(&o.response_id),
            o.item.id.as_deref(),
            o.item.call_id.as_deref(),
        ),
        E::ContentPartAdded(p) | E::ContentPartDone(p) => {
            (Some(&p.response_id), Some(&p.item_id), None)
        }
        E::OutputTextDelta(d) | E::OutputAudioDelta(d) | E::OutputAudioTranscriptDelta(d) => {
            (Some(&d.response_id), Some(&d.item_id), None)
        }
        E::OutputTextDone(d) | E::OutputAudioDone(d) | E::OutputAudioTranscriptDone(d) => {
            (Some(&d.response_id), Some(&d.item_id), None)
        }
        E::FunctionCallArgumentsDelta(d) => {
            (Some(&d.response_id), Some(&d.item_id), Some(&d.call_id))
        }
        E::FunctionCallArgumentsDone(d) => {
            (Some(&d.response_id), Some(&d.item_id), Some(&d.call_id))
        }
        E::McpCallArgumentsDelta(a) | E::McpCallArgumentsDone(a) => {
            (Some(&a.response_id), Some(&a.item_id), None)
        }
        E::Error(_)
        | E::SessionCreated(_)
        | E::SessionUpdated(_)
        | E::ConversationCreated(_)
        | E::InputAudioCleared(_)
        | E::DtmfReceived(_)
        | E::RateLimitsUpdated(_) => (None, None, None),
    }
}

fn nonempty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_string)
}

impl Session {
    pub(super) fn on_server(&mut self, at: u64, raw: String, fx: &mut Vec<Effect>) {
        // Secrets never enter the session: what is decoded, summarized, kept and
        // shown is the redacted text.
        let raw = redact_server_text(raw);
        let decoded = decode_server(&raw);
        let type_name: Cow<'static, str> = match (decoded.ga_type, &decoded.wire_type) {
            (Some(ga), _) => Cow::Borrowed(ga),
            (None, Some(w)) => Cow::Owned(w.to_string()),
            (None, None) => Cow::Borrowed("(not an event)"),
        };
        let mut entry = LogEntry {
            seq: 0,
            at_ms: at,
            dir: Direction::Server,
            kind: EntryKind::Event,
            type_name,
            beta: decoded.beta,
            summary: String::new(),
            raw,
            response_id: None,
            item_id: None,
            call_id: None,
            help: None,
            delta_of: None,
        };
        match decoded.outcome {
            DecodeOutcome::Known(ev) => {
                let (r, i, c) = related_ids(&ev);
                entry.response_id = nonempty(r);
                entry.item_id = nonempty(i);
                entry.call_id = nonempty(c);
                entry.summary = server_summary(&ev);
                entry.delta_of = delta_key(&ev);
                if let ServerEvent::Error(e) = &ev {
                    entry.kind = EntryKind::Error;
                    entry.help = explain(e.error.code(), &e.error.message, e.error.param());
                }
                if let ServerEvent::InputTranscriptionFailed(f) = &ev {
                    entry.kind = EntryKind::Error;
                    entry.help = explain(f.error.code(), &f.error.message, f.error.param());
                }
                let seq = self.log.push(entry);
                self.apply(seq, at, ev, fx);
            }
            DecodeOutcome::Unknown => {
                entry.kind = EntryKind::Unknown;
                entry.summary =
                    format!("unknown event type — shown raw ({} bytes)", entry.raw.len());
                self.log.push(entry);
            }
            DecodeOutcome::Malformed { error } => {
                entry.kind = EntryKind::Malformed;
                entry.summary = format!(
                    "does not fit its type: {}",
                    one_line(&redact_text(&error), 160)
                );
                self.log.push(entry);
            }
            DecodeOutcome::NotAnEvent { error } => {
                entry.kind = EntryKind::Malformed;
                entry.summary = format!("{} — shown raw", one_line(&redact_text(&error), 160));
                self.log.push(entry);
            }
        }
    }

    fn apply(&mut self, seq: usize, at: u64, ev: ServerEvent, fx: &mut Vec<Effect>) {
        use ServerEvent as E;
        match ev {
            E::Error(e) => {
                let err = e.error;
                let client_event_type =
                    err.event_id().and_then(|id| self.sent_ids.get(id).cloned());
                let help = self.log.get(seq).and_then(|e| e.help.clone());
                let mut text = format!(
                    "server error {}: {}",
                    err.code().unwrap_or(&err.kind),
                    one_line(&redact_text(&err.message), 200)
                );
                if let Some(h) = &help {
                    text.push_str(" — ");
                    text.push_str(&h.fix);
                }
                fx.push(Effect::Notice {
                    level: NoticeLevel::Error,
                    text,
                });
                self.errors.push(ErrorRecord {
                    seq,
                    at_ms: at,
                    code: err.code().map(str::to_string),
                    message: redact_text(&err.message).into_owned(),
                    param: err.param().map(str::to_string),
                    client_event_id: err.event_id().map(str::to_string),
                    client_event_type,
                    help,
                });
            }
            E::SessionCreated(s) | E::SessionUpdated(s) => {
                self.config.effective = Some(*s.session);
                if self.config.awaiting_update {
                    self.config.awaiting_update = false;
                    if let (Some(req), Some(eff)) =
                        (&self.config.requested, self.config.effective_json())
                    {
                        self.config.diff = super::config_diff::diff(req, &eff);
                        if !self.config.diff.is_empty() {
                            fx.push(Effect::Notice {
                                level: NoticeLevel::Warning,
                                text: format!(
                                    "session.updated differs from the request in {} field(s): {}",
                                    self.config.diff.len(),
                                    self.config.diff[0]
                                ),
                            });
                        }
                    }
                }
            }
            E::ConversationCreated(_) | E::RateLimitsUpdated(_) | E::DtmfReceived(_) => {}
            E::ItemAdded(i) | E::ItemDone(i) => {
                let placement = match &i.previous_item_id {
                    Some(Some(p)) => Placement::After(p),
                    Some(None) => Placement::First,
                    None => Placement::End,
                };
                self.conversation.upsert(&i.item, placement, at);
                if i.item.kind == ItemType::FunctionCallOutput {
                    if let Some(c) = &i.item.call_id {
                        self.responses.call_answered(c);
                    }
                }
            }
            E::ItemRetrieved(i) => {
                if let Some(id) = &i.item.id {
                    let kind = i.item.kind.clone();
                    let _ = self.conversation.entry(id, kind, at);
                }
            }
            E::ItemTruncated(t) => {
                let item = self.conversation.entry(&t.item_id, ItemType::Message, at);
                item.truncated_at_ms = Some(t.audio_end_ms);
            }
            E::ItemDeleted(r) => self.conversation.remove(&r.item_id),
            E::InputTranscriptionDelta(d) => {
                let item = self.user_audio_item(&d.item_id, at);
                if let Some(part) = item.part_mut(d.content_index.unwrap_or(0)) {
                    part.text.push_str(&d.delta);
                }
            }
            E::InputTranscriptionCompleted(c) => {
                let item = self.user_audio_item(&c.item_id, at);
                if let Some(part) = item.part_mut(c.content_index) {
                    part.text = c.transcript;
                    part.transcript_pending = false;
                    part.transcript_final = true;
                }
            }
            E::InputTranscriptionFailed(f) => {
                let item = self.user_audio_item(&f.item_id, at);
                if let Some(part) = item.part_mut(f.content_index) {
                    part.transcript_pending = false;
                    part.transcript_final = true;
                }
                item.transcription_error = Some(format!(
                    "{}: {}",
                    f.error.code().unwrap_or("transcription failed"),
                    f.error.message
                ));
            }
            E::InputTranscriptionSegment(_) => {}
            E::InputAudioCommitted(_) => self.turns.committed(at),
            E::InputAudioCleared(_) => {}
            E::SpeechStarted(_) => self.turns.speech_started(at),
            E::SpeechStopped(_) => self.turns.speech_stopped(at),
            E::InputAudioTimeoutTriggered(_) => {}
            E::OutputAudioStarted(b) => {
                self.turns.audio_started(b.response_id.as_deref(), at);
                self.stall.audio_started(b.response_id.as_deref(), at);
            }
            E::OutputAudioStopped(_) => self.stall.audio_ended(),
            E::OutputAudioCleared(_) => {
                self.stall.audio_ended();
                fx.push(Effect::FlushPlayback);
            }
            E::ResponseCreated(r) => {
                self.responses.created(&r.response, at);
                self.turns.response_created(&r.response.id, at);
            }
            E::ResponseDone(r) => {
                let resp = r.response;
                let first = self.responses.done(&resp, at);
                self.turns.response_done(&resp.id, at);
                // A repeated response.done must not count its tokens twice.
                if let Some(u) = resp.usage().filter(|_| first) {
                    let model = self.config.effective.as_ref().and_then(|s| s.model.clone());
                    self.usage.add(u, model.as_deref(), &self.opts.prices);
                }
                for item in &resp.output {
                    if let Some(id) = &item.id {
                        let kind = item.kind.clone();
                        self.conversation.entry(id, kind, at);
                        // Only a response that names its conversation is known to write to
                        // it; beta servers omit conversation_id even for out-of-band ones.
                        if matches!(resp.conversation_id, Some(Some(_))) {
                            self.conversation.ensure_in_order(id);
                        }
                    }
                }
            }
            E::OutputItemAdded(o) | E::OutputItemDone(o) => {
                if let Some(id) = &o.item.id {
                    self.responses.output_item(&o.response_id, id);
                    let item = self.conversation.entry(id, o.item.kind.clone(), at);
                    item.response_id = Some(o.response_id.clone());
                    if item.role.is_none() {
                        item.role = o.item.role.clone();
                    }
                    if o.item.kind == ItemType::FunctionCall {
                        let call_id = o.item.call_id.clone().unwrap_or_default();
                        let name = o.item.name.clone();
                        item.call_id = Some(call_id.clone());
                        item.name = name.clone();
                        self.responses.call_requested(
                            &call_id,
                            name.as_deref(),
                            id,
                            &o.response_id,
                            at,
                        );
                        if let Some(a) = o.item.arguments.as_deref().filter(|a| !a.is_empty()) {
                            self.responses.call_arguments_done(&call_id, id, None, a);
                        }
                    }
                }
            }
            E::ContentPartAdded(p) | E::ContentPartDone(p) => {
                let item = self.conversation.entry(&p.item_id, ItemType::Message, at);
                if let Some(part) = item.part_mut(p.content_index) {
                    part.kind.get_or_insert(p.part.kind.clone());
                    if let Some(w) = p.part.words().filter(|w| !w.is_empty()) {
                        part.text = w.to_string();
                    }
                }
            }
            E::OutputTextDelta(d) | E::OutputAudioTranscriptDelta(d) => {
                self.turns.delta(&d.response_id, at);
                let item = self.conversation.entry(&d.item_id, ItemType::Message, at);
                item.role.get_or_insert(Role::Assistant);
                if let Some(part) = item.part_mut(d.content_index) {
                    part.text.push_str(&d.delta);
                }
            }
            E::OutputAudioDelta(d) => {
                self.audio_deltas += 1;
                self.turns.delta(&d.response_id, at);
            }
            E::OutputTextDone(d) | E::OutputAudioTranscriptDone(d) | E::OutputAudioDone(d) => {
                if let Some(words) = d.text.or(d.transcript) {
                    let item = self.conversation.entry(&d.item_id, ItemType::Message, at);
                    if let Some(part) = item.part_mut(d.content_index) {
                        part.text = words;
                    }
                }
            }
            E::FunctionCallArgumentsDelta(d) => {
                self.turns.delta(&d.response_id, at);
                self.responses
                    .call_arguments_delta(&d.call_id, &d.item_id, &d.delta);
                let item = self
                    .conversation
                    .entry(&d.item_id, ItemType::FunctionCall, at);
                item.arguments
                    .get_or_insert_with(String::new)
                    .push_str(&d.delta);
            }
            E::FunctionCallArgumentsDone(d) => {
                self.responses.call_arguments_done(
                    &d.call_id,
                    &d.item_id,
                    d.name.as_deref(),
                    &d.arguments,
                );
                let item = self
                    .conversation
                    .entry(&d.item_id, ItemType::FunctionCall, at);
                item.arguments = Some(d.arguments);
                if d.name.is_some() {
                    item.name = d.name;
                }
            }
            E::McpListToolsInProgress(_)
            | E::McpListToolsCompleted(_)
            | E::McpListToolsFailed(_)
            | E::McpCallArgumentsDelta(_)
            | E::McpCallArgumentsDone(_)
            | E::McpCallInProgress(_)
            | E::McpCallCompleted(_)
            | E::McpCallFailed(_) => {}
        }
    }

    fn user_audio_item(&mut self, id: &str, at: u64) -> &mut super::ConvItem {
        let item = self.conversation.entry(id, ItemType::Message, at);
        item.role.get_or_insert(Role::User);
        item
    }

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
        let raw = redact_text(&note.to_string()).into_owned();
        self.log.push(LogEntry {
            seq: 0,
            at_ms: at,
            dir: Direction::Local,
            kind,
            type_name: Cow::Owned(type_name),
            beta: false,
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

/// Fragments of key names whose values are secrets (MCP `authorization`, custom
/// headers), without their first letter so either case matches: a cheap test
/// before paying for a parse and a field-level redaction.
const SECRET_FIELD_HINTS: &[&str] = &[
    "uthorization",
    "eaders\"",
    "pi_key",
    "piKey",
    "pi-key",
    "ecret",
    "assword",
    "ccess_token",
];

fn redact_server_text(raw: String) -> String {
    let raw = match redact_text(&raw) {
        Cow::Borrowed(_) => raw,
        Cow::Owned(r) => r,
    };
    if !SECRET_FIELD_HINTS.iter().any(|h| raw.contains(h)) {
        return raw;
    }
    match serde_json::from_str::<Value>(&raw) {
        Ok(mut v) => {
            if redact_value(&mut v) {
                v.to_string()
            } else {
                raw
            }
        }
        Err(_) => raw,
    }
}

/// Deltas that append to one content part fold together in the log view.
fn delta_key(ev: &ServerEvent) -> Option<(String, u32)> {
    use ServerEvent as E;
    match ev {
        E::OutputTextDelta(d) | E::OutputAudioDelta(d) | E::OutputAudioTranscriptDelta(d) => {
            Some((d.item_id.clone(), d.content_index))
        }
        E::InputTranscriptionDelta(d) => Some((d.item_id.clone(), d.content_index.unwrap_or(0))),
        E::FunctionCallArgumentsDelta(d) => Some((d.item_id.clone(), 0)),
        E::McpCallArgumentsDelta(a) => Some((a.item_id.clone(), 0)),
        _ => None,
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

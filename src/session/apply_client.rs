//! What the client sends: validated first, then logged and turned into an
//! `Effect::Send`. An invalid event is logged as rejected and never sent.

use std::borrow::Cow;

use serde_json::Value;

use super::event_log::{EntryKind, LogEntry};
use super::summary::{one_line, session_summary};
use super::{shortcuts, Command, Effect, NoticeLevel, Session};
use crate::protocol::client_event::ClientEvent;
use crate::protocol::redact::{redact_text, redact_value};
use crate::protocol::session_config::{beta_to_ga, is_beta_session, SessionConfig};
use crate::protocol::validate::{validate_client_text, ValidationError};
use crate::protocol::Direction;

/// The note that marks the next client event as injected by the proxy's user (not
/// sent by the relayed app); `rtconsole proxy --record` writes it too.
pub const INJECTED_NOTE: &str = "local.proxy.injected";

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

/// One line about an outgoing event, from its JSON.
fn client_summary(v: &Value) -> String {
    let ty = v.get("type").and_then(Value::as_str).unwrap_or("");
    match ty {
        "session.update" => v
            .get("session")
            .and_then(|s| {
                let s = if is_beta_session(s) {
                    beta_to_ga(s.clone())
                } else {
                    s.clone()
                };
                serde_json::from_value::<SessionConfig>(s).ok()
            })
            .map(|s| session_summary(&s))
            .unwrap_or_default(),
        "conversation.item.create" => {
            let item = v.get("item").cloned().unwrap_or(Value::Null);
            let kind = str_at(&item, &["type"]).unwrap_or("");
            match kind {
                "function_call_output" => format!(
                    "function_call_output {} = {}",
                    str_at(&item, &["call_id"]).unwrap_or("?"),
                    one_line(str_at(&item, &["output"]).unwrap_or(""), 80)
                ),
                _ => {
                    let words: String = item
                        .get("content")
                        .and_then(Value::as_array)
                        .map(|parts| {
                            parts
                                .iter()
                                .filter_map(|p| p.get("text").and_then(Value::as_str))
                                .collect()
                        })
                        .unwrap_or_default();
                    let role = str_at(&item, &["role"]).unwrap_or("");
                    format!("{role} {kind}: \"{}\"", one_line(&words, 80))
                }
            }
        }
        "input_audio_buffer.append" => {
            super::summary::audio_size(str_at(v, &["audio"]).unwrap_or(""))
        }
        "conversation.item.retrieve" | "conversation.item.delete" => {
            str_at(v, &["item_id"]).unwrap_or("").to_string()
        }
        "conversation.item.truncate" => format!(
            "{} at {} ms",
            str_at(v, &["item_id"]).unwrap_or(""),
            v.get("audio_end_ms").cloned().unwrap_or(Value::Null)
        ),
        "response.create" => match v.get("response") {
            Some(r) => {
                let mut bits = Vec::new();
                if let Some(m) = r.get("output_modalities").or(r.get("modalities")) {
                    bits.push(m.to_string());
                }
                if r.get("conversation").and_then(Value::as_str) == Some("none") {
                    bits.push("out-of-band".into());
                }
                if let Some(i) = r.get("instructions").and_then(Value::as_str) {
                    bits.push(format!("\"{}\"", one_line(i, 60)));
                }
                bits.join(", ")
            }
            None => String::new(),
        },
        _ => String::new(),
    }
}

impl Session {
    pub(super) fn on_send_text(&mut self, at: u64, text: String, fx: &mut Vec<Effect>) {
        match validate_client_text(&text, self.opts.dialect) {
            Ok(value) => self.send_valid(at, value, fx),
            Err(error) => self.reject(at, text, error, fx),
        }
    }

    fn reject(&mut self, at: u64, text: String, error: ValidationError, fx: &mut Vec<Effect>) {
        // A rejected entry of its own (it never went over the wire) that carries the
        // typed text and why it was refused; the raw is the `local.rejected` note a
        // recording keeps, so a recording shows the attempt as it was.
        let shown = match serde_json::from_str::<Value>(&text) {
            Ok(mut v) => {
                redact_value(&mut v);
                v.to_string()
            }
            Err(_) => redact_text(&text).into_owned(),
        };
        let why = redact_text(&error.to_string()).into_owned();
        let first = why.lines().next().unwrap_or("invalid event");
        let summary = format!("not sent: {}", one_line(first, 200));
        let note = serde_json::json!({"type": "local.rejected", "error": why, "text": shown});
        self.log.push(LogEntry {
            seq: 0,
            at_ms: at,
            dir: Direction::Local,
            kind: EntryKind::Rejected,
            type_name: Cow::Borrowed("local.rejected"),
            beta: false,
            injected: false,
            summary,
            raw: note.to_string(),
            response_id: None,
            item_id: None,
            call_id: None,
            help: None,
            delta_of: None,
        });
        fx.push(Effect::Rejected { error });
    }

    fn send_valid(&mut self, at: u64, value: Value, fx: &mut Vec<Effect>) {
        // Compact, key order kept: one message per event, as it will be on the wire.
        let text = value.to_string();
        if self.relayed {
            // The same mark a recording of the relay holds before an injected event,
            // so the live log and a replayed recording read alike.
            self.push_note(at, serde_json::json!({"type": INJECTED_NOTE}));
        }
        let notice = self.apply_outgoing(at, &value, &text);
        fx.push(Effect::Send { text });
        fx.extend(notice);
    }

    /// A client event that already went over the wire (read from a recording):
    /// logged and applied as sent, never re-validated or sent again, because a
    /// recording shows what happened, not what today's validator thinks of it.
    pub(super) fn on_sent(&mut self, at: u64, raw: String) {
        match serde_json::from_str::<Value>(&raw) {
            Ok(value) if value.is_object() => {
                self.apply_outgoing(at, &value, &raw);
            }
            _ => {
                self.log.push(LogEntry {
                    seq: 0,
                    at_ms: at,
                    dir: Direction::Client,
                    kind: EntryKind::Malformed,
                    type_name: Cow::Borrowed("(not an event)"),
                    beta: false,
                    injected: std::mem::take(&mut self.inject_next),
                    summary: "a client message that is not a JSON object — shown raw".into(),
                    raw: redact_text(&raw).into_owned(),
                    response_id: None,
                    item_id: None,
                    call_id: None,
                    help: None,
                    delta_of: None,
                });
            }
        }
    }

    /// Updates the state for an event leaving the client and logs it. Returns a
    /// notice for the user when the event looks wrong in context.
    fn apply_outgoing(&mut self, at: u64, value: &Value, text: &str) -> Option<Effect> {
        let ty = value
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if let Some(id) = value.get("event_id").and_then(Value::as_str) {
            self.sent_ids.insert(id.to_string(), ty.clone());
        }
        let mut call_id = None;
        let mut notice = None;
        match ty.as_str() {
            "session.update" => {
                if let Some(s) = value.get("session") {
                    let mut ga = if is_beta_session(s) {
                        beta_to_ga(s.clone())
                    } else {
                        s.clone()
                    };
                    // Kept for the diff shown on screen: no credentials in it.
                    redact_value(&mut ga);
                    self.config.requested = Some(ga);
                    self.config.awaiting_update = true;
                }
            }
            "response.create" => self.turns.response_requested(at),
            "conversation.item.create" => {
                let item = value.get("item");
                if item.and_then(|i| i.get("type")).and_then(Value::as_str)
                    == Some("function_call_output")
                {
                    let id = str_at(value, &["item", "call_id"])
                        .unwrap_or("")
                        .to_string();
                    if !self.responses.call_answered(&id) {
                        notice = Some(Effect::Notice {
                            level: NoticeLevel::Warning,
                            text: format!(
                                "sent a function_call_output for call_id '{id}', but no call with that id is pending; the server rejects outputs for unknown calls"
                            ),
                        });
                    }
                    call_id = Some(id);
                }
            }
            _ => {}
        }
        let summary = redact_text(&client_summary(value)).into_owned();
        // The log is shown on screen and recorded: it gets the redacted form, the
        // wire gets the real one (an MCP `authorization` must reach the server).
        let mut shown = value.clone();
        let logged = if redact_value(&mut shown) {
            shown.to_string()
        } else {
            text.to_string()
        };
        let item_id = str_at(value, &["item_id"]).map(str::to_string);
        let response_id = str_at(value, &["response_id"]).map(str::to_string);
        let type_name: Cow<'static, str> = crate::protocol::client_event::CLIENT_EVENT_TYPES
            .iter()
            .find(|t| **t == ty)
            .map(|t| Cow::Borrowed(*t))
            .unwrap_or(Cow::Owned(ty));
        let injected = std::mem::take(&mut self.inject_next);
        self.log.push(LogEntry {
            seq: 0,
            at_ms: at,
            dir: Direction::Client,
            kind: EntryKind::Event,
            beta: false,
            injected,
            summary,
            raw: logged,
            response_id,
            item_id,
            call_id,
            help: None,
            // A microphone streams 25 appends a second: consecutive ones share a row.
            delta_of: (type_name == "input_audio_buffer.append")
                .then(|| ("input_audio_buffer".to_string(), 0)),
            type_name,
        });
        notice
    }

    fn send_event(&mut self, at: u64, ev: ClientEvent, fx: &mut Vec<Effect>) {
        self.on_send_text(at, ev.encode(), fx);
    }

    pub(super) fn on_command(&mut self, at: u64, command: Command, fx: &mut Vec<Effect>) {
        match command {
            Command::Interrupt => {
                if let Some(active) = self.responses.active() {
                    let id = active.id.clone();
                    self.send_event(
                        at,
                        ClientEvent::ResponseCancel {
                            event_id: None,
                            response_id: Some(id),
                        },
                        fx,
                    );
                }
                // A socket session has no server-side output buffer: the client's
                // own playback stops, and the link then asks for the truncate.
                if self.audio_deltas == 0 {
                    self.send_event(
                        at,
                        ClientEvent::OutputAudioBufferClear { event_id: None },
                        fx,
                    );
                }
                fx.push(Effect::FlushPlayback);
            }
            Command::TruncatePlayed {
                item_id,
                content_index,
                audio_end_ms,
            } => self.send_event(
                at,
                ClientEvent::ConversationItemTruncate {
                    event_id: None,
                    item_id,
                    content_index,
                    audio_end_ms,
                },
                fx,
            ),
            Command::PushToTalkPressed => {
                if !self.config.turn_detection_on() {
                    // Start the turn from a clean buffer, as the docs' push-to-talk flow does.
                    self.send_event(
                        at,
                        ClientEvent::InputAudioBufferClear { event_id: None },
                        fx,
                    );
                }
                fx.push(Effect::StartMic);
            }
            Command::PushToTalkReleased => {
                fx.push(Effect::StopMic);
                if !self.config.turn_detection_on() {
                    self.send_event(
                        at,
                        ClientEvent::InputAudioBufferCommit { event_id: None },
                        fx,
                    );
                    self.send_event(at, ClientEvent::response_create(), fx);
                }
            }
            Command::ToggleOutputModality => {
                let text = shortcuts::toggle_modality(self);
                self.on_send_text(at, text, fx);
            }
            Command::CycleTurnDetection => {
                let (text, label) = shortcuts::cycle_turn_detection(self);
                let before = fx.len();
                self.on_send_text(at, text, fx);
                if fx[before..]
                    .iter()
                    .any(|e| matches!(e, Effect::Send { .. }))
                {
                    fx.push(Effect::Notice {
                        level: NoticeLevel::Info,
                        text: format!("turn detection → {label}"),
                    });
                }
            }
            Command::ToggleTool(n) => {
                let mut tools = std::mem::take(&mut self.tools);
                let result = tools.toggle(self, n);
                self.tools = tools;
                match result {
                    Ok((text, what)) => {
                        self.on_send_text(at, text, fx);
                        fx.push(Effect::Notice {
                            level: NoticeLevel::Info,
                            text: what,
                        });
                    }
                    Err(why) => fx.push(Effect::Notice {
                        level: NoticeLevel::Warning,
                        text: why,
                    }),
                }
            }
            Command::UpdateSession(session) => {
                let text = serde_json::json!({"type": "session.update", "session": session});
                self.on_send_text(at, text.to_string(), fx);
            }
        }
    }
}

//! How server events change the session (transport and notes: `apply_local`).

use std::borrow::Cow;

use serde_json::Value;

use super::conversation::{Placement, Segment, TokenProb};
use super::event_log::{EntryKind, LogEntry};
use super::summary::{one_line, server_summary};
use super::{Effect, ErrorRecord, NoticeLevel, Session};
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
            injected: false,
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
                // With transcription off no transcript will come: say so, not "transcribing".
                if self
                    .config
                    .effective
                    .as_ref()
                    .is_some_and(|s| s.transcription_off())
                {
                    if let Some(item) = i
                        .item
                        .id
                        .as_deref()
                        .and_then(|id| self.conversation.get_mut(id))
                    {
                        item.parts
                            .iter_mut()
                            .for_each(|p| p.transcript_pending = false);
                    }
                }
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
                let logprobs = token_probs(c.extra.get("logprobs"));
                let item = self.user_audio_item(&c.item_id, at);
                if let Some(part) = item.part_mut(c.content_index) {
                    part.text = c.transcript;
                    part.transcript_pending = false;
                    part.transcript_final = true;
                    part.logprobs = logprobs;
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
            E::InputTranscriptionSegment(g) => {
                let item = self.user_audio_item(&g.item_id, at);
                if let Some(part) = item.part_mut(g.content_index) {
                    let segment = Segment {
                        id: g.id,
                        speaker: g.speaker,
                        text: g.text,
                        start_s: g.start,
                        end_s: g.end,
                    };
                    // A segment sent again with its id replaces the earlier one.
                    let known = part
                        .segments
                        .iter()
                        .position(|s| s.id.is_some() && s.id == segment.id);
                    match known {
                        Some(i) => part.segments[i] = segment,
                        None if part.segments.len() < MAX_SEGMENTS => part.segments.push(segment),
                        None => {}
                    }
                }
            }
            E::InputAudioCommitted(_) => self.turns.committed(at),
            E::InputAudioCleared(_) => {}
            E::SpeechStarted(_) => {
                self.turns.speech_started(at);
                // On a socket the client plays the audio, so a barge-in stops it here.
                if self.audio_deltas > 0 {
                    fx.push(Effect::FlushPlayback);
                }
            }
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
                // A socket has no output_audio_buffer.started: the first delta is it.
                self.turns.audio_started(Some(&d.response_id), at);
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

/// Segments kept per part: a hostile server must not grow one item without bound.
const MAX_SEGMENTS: usize = 10_000;

/// `logprobs: [{token, logprob, bytes}]` of a completed transcript; empty when
/// absent or not in that shape.
fn token_probs(v: Option<&serde_json::Value>) -> Vec<TokenProb> {
    v.and_then(serde_json::Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|t| {
                    Some(TokenProb {
                        token: t.get("token")?.as_str()?.to_string(),
                        logprob: t.get("logprob")?.as_f64()?,
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

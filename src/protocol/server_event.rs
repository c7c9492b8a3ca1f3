//! Server events: decoded from the raw text of a data-channel message into typed
//! values. GA names are canonical; beta names decode to the same variant and are
//! marked. Nothing is ever dropped: an unknown type, a payload that does not fit
//! its type, or text that is not JSON each decode to a variant that says so, and
//! the raw text stays with the caller.

mod payloads;

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::{Map, Value};

pub use payloads::*;

/// Declares the event table once: the enum, the decoder's dispatch and the list of
/// known names cannot drift apart.
macro_rules! server_events {
    (
        variants { $( $v:ident($p:ty) ),* $(,)? }
        wire { $( $wire:literal => $ga:literal, $beta:literal, $variant:ident($payload:ty) );* $(;)? }
    ) => {
        /// A server event's meaning, independent of the dialect it arrived in:
        /// `response.text.delta` (beta) and `response.output_text.delta` (GA) are
        /// both `OutputTextDelta`.
        #[derive(Debug, Clone, PartialEq)]
        pub enum ServerEvent {
            $( $v($p), )*
        }

        fn dispatch(ty: &str, raw: &str) -> Option<(&'static str, &'static str, bool, Result<ServerEvent, serde_json::Error>)> {
            // A variant listed under several wire names keeps the first arm; the
            // compiler checks that no wire name is listed twice.
            #[allow(unreachable_patterns)]
            Some(match ty {
                $( $wire => ($wire, $ga, $beta, serde_json::from_str::<$payload>(raw).map(ServerEvent::$variant)), )*
                _ => return None,
            })
        }

        /// Every wire name the decoder knows: (wire name, GA name, is a beta name).
        pub const KNOWN_SERVER_EVENTS: &[(&str, &str, bool)] = &[ $( ($wire, $ga, $beta), )* ];

        impl ServerEvent {
            fn payload_value(&self) -> Result<Value, serde_json::Error> {
                match self { $( ServerEvent::$v(p) => serde_json::to_value(p), )* }
            }

            /// Unknown keys of the payload; on decode these include `type` and
            /// `event_id` until the decoder takes them out.
            fn extra_mut(&mut self) -> &mut Map<String, Value> {
                match self { $( ServerEvent::$v(p) => &mut p.extra, )* }
            }

            /// The GA wire name of this event's meaning.
            pub fn ga_type(&self) -> &'static str {
                // GA names come first in the table, so the first arm per variant wins.
                #[allow(unreachable_patterns)]
                match self { $( ServerEvent::$variant(_) => $ga, )* }
            }
        }
    };
}

server_events! {
    variants {
        Error(ErrorEvent),
        SessionCreated(SessionEvent),
        SessionUpdated(SessionEvent),
        ConversationCreated(ConversationCreated),
        ItemAdded(ItemEvent),
        ItemDone(ItemEvent),
        ItemRetrieved(ItemRetrieved),
        ItemTruncated(ItemTruncated),
        ItemDeleted(ItemRef),
        InputTranscriptionDelta(InputTranscriptionDelta),
        InputTranscriptionCompleted(InputTranscriptionCompleted),
        InputTranscriptionFailed(InputTranscriptionFailed),
        InputTranscriptionSegment(InputTranscriptionSegment),
        InputAudioCommitted(Committed),
        InputAudioCleared(Empty),
        SpeechStarted(SpeechStarted),
        SpeechStopped(SpeechStopped),
        InputAudioTimeoutTriggered(TimeoutTriggered),
        DtmfReceived(DtmfReceived),
        OutputAudioStarted(OutputAudioBuffer),
        OutputAudioStopped(OutputAudioBuffer),
        OutputAudioCleared(OutputAudioBuffer),
        ResponseCreated(ResponseEvent),
        ResponseDone(ResponseEvent),
        OutputItemAdded(OutputItem),
        OutputItemDone(OutputItem),
        ContentPartAdded(ContentPartEvent),
        ContentPartDone(ContentPartEvent),
        OutputTextDelta(Delta),
        OutputTextDone(PartDone),
        OutputAudioDelta(Delta),
        OutputAudioDone(PartDone),
        OutputAudioTranscriptDelta(Delta),
        OutputAudioTranscriptDone(PartDone),
        FunctionCallArgumentsDelta(FunctionCallArgumentsDelta),
        FunctionCallArgumentsDone(FunctionCallArgumentsDone),
        McpListToolsInProgress(ItemRef),
        McpListToolsCompleted(ItemRef),
        McpListToolsFailed(ItemRef),
        McpCallArgumentsDelta(McpCallArguments),
        McpCallArgumentsDone(McpCallArguments),
        McpCallInProgress(ItemRef),
        McpCallCompleted(ItemRef),
        McpCallFailed(ItemRef),
        RateLimitsUpdated(RateLimits),
    }
    wire {
        "error" => "error", false, Error(ErrorEvent);
        "session.created" => "session.created", false, SessionCreated(SessionEvent);
        "session.updated" => "session.updated", false, SessionUpdated(SessionEvent);
        "transcription_session.created" => "session.created", true, SessionCreated(SessionEvent);
        "transcription_session.updated" => "session.updated", true, SessionUpdated(SessionEvent);
        "conversation.created" => "conversation.created", false, ConversationCreated(ConversationCreated);
        "conversation.item.added" => "conversation.item.added", false, ItemAdded(ItemEvent);
        "conversation.item.done" => "conversation.item.done", false, ItemDone(ItemEvent);
        "conversation.item.created" => "conversation.item.added", true, ItemAdded(ItemEvent);
        "conversation.item.retrieved" => "conversation.item.retrieved", false, ItemRetrieved(ItemRetrieved);
        "conversation.item.truncated" => "conversation.item.truncated", false, ItemTruncated(ItemTruncated);
        "conversation.item.deleted" => "conversation.item.deleted", false, ItemDeleted(ItemRef);
        "conversation.item.input_audio_transcription.delta" => "conversation.item.input_audio_transcription.delta", false, InputTranscriptionDelta(InputTranscriptionDelta);
        "conversation.item.input_audio_transcription.completed" => "conversation.item.input_audio_transcription.completed", false, InputTranscriptionCompleted(InputTranscriptionCompleted);
        "conversation.item.input_audio_transcription.failed" => "conversation.item.input_audio_transcription.failed", false, InputTranscriptionFailed(InputTranscriptionFailed);
        "conversation.item.input_audio_transcription.segment" => "conversation.item.input_audio_transcription.segment", false, InputTranscriptionSegment(InputTranscriptionSegment);
        "input_audio_buffer.committed" => "input_audio_buffer.committed", false, InputAudioCommitted(Committed);
        "input_audio_buffer.cleared" => "input_audio_buffer.cleared", false, InputAudioCleared(Empty);
        "input_audio_buffer.speech_started" => "input_audio_buffer.speech_started", false, SpeechStarted(SpeechStarted);
        "input_audio_buffer.speech_stopped" => "input_audio_buffer.speech_stopped", false, SpeechStopped(SpeechStopped);
        "input_audio_buffer.timeout_triggered" => "input_audio_buffer.timeout_triggered", false, InputAudioTimeoutTriggered(TimeoutTriggered);
        "input_audio_buffer.dtmf_event_received" => "input_audio_buffer.dtmf_event_received", false, DtmfReceived(DtmfReceived);
        "output_audio_buffer.started" => "output_audio_buffer.started", false, OutputAudioStarted(OutputAudioBuffer);
        "output_audio_buffer.stopped" => "output_audio_buffer.stopped", false, OutputAudioStopped(OutputAudioBuffer);
        "output_audio_buffer.cleared" => "output_audio_buffer.cleared", false, OutputAudioCleared(OutputAudioBuffer);
        "response.created" => "response.created", false, ResponseCreated(ResponseEvent);
        "response.done" => "response.done", false, ResponseDone(ResponseEvent);
        "response.output_item.added" => "response.output_item.added", false, OutputItemAdded(OutputItem);
        "response.output_item.done" => "response.output_item.done", false, OutputItemDone(OutputItem);
        "response.content_part.added" => "response.content_part.added", false, ContentPartAdded(ContentPartEvent);
        "response.content_part.done" => "response.content_part.done", false, ContentPartDone(ContentPartEvent);
        "response.output_text.delta" => "response.output_text.delta", false, OutputTextDelta(Delta);
        "response.text.delta" => "response.output_text.delta", true, OutputTextDelta(Delta);
        "response.output_text.done" => "response.output_text.done", false, OutputTextDone(PartDone);
        "response.text.done" => "response.output_text.done", true, OutputTextDone(PartDone);
        "response.output_audio.delta" => "response.output_audio.delta", false, OutputAudioDelta(Delta);
        "response.audio.delta" => "response.output_audio.delta", true, OutputAudioDelta(Delta);
        "response.output_audio.done" => "response.output_audio.done", false, OutputAudioDone(PartDone);
        "response.audio.done" => "response.output_audio.done", true, OutputAudioDone(PartDone);
        "response.output_audio_transcript.delta" => "response.output_audio_transcript.delta", false, OutputAudioTranscriptDelta(Delta);
        "response.audio_transcript.delta" => "response.output_audio_transcript.delta", true, OutputAudioTranscriptDelta(Delta);
        "response.output_audio_transcript.done" => "response.output_audio_transcript.done", false, OutputAudioTranscriptDone(PartDone);
        "response.audio_transcript.done" => "response.output_audio_transcript.done", true, OutputAudioTranscriptDone(PartDone);
        "response.function_call_arguments.delta" => "response.function_call_arguments.delta", false, FunctionCallArgumentsDelta(FunctionCallArgumentsDelta);
        "response.function_call_arguments.done" => "response.function_call_arguments.done", false, FunctionCallArgumentsDone(FunctionCallArgumentsDone);
        "mcp_list_tools.in_progress" => "mcp_list_tools.in_progress", false, McpListToolsInProgress(ItemRef);
        "mcp_list_tools.completed" => "mcp_list_tools.completed", false, McpListToolsCompleted(ItemRef);
        "mcp_list_tools.failed" => "mcp_list_tools.failed", false, McpListToolsFailed(ItemRef);
        "response.mcp_call_arguments.delta" => "response.mcp_call_arguments.delta", false, McpCallArgumentsDelta(McpCallArguments);
        "response.mcp_call_arguments.done" => "response.mcp_call_arguments.done", false, McpCallArgumentsDone(McpCallArguments);
        "response.mcp_call.in_progress" => "response.mcp_call.in_progress", false, McpCallInProgress(ItemRef);
        "response.mcp_call.completed" => "response.mcp_call.completed", false, McpCallCompleted(ItemRef);
        "response.mcp_call.failed" => "response.mcp_call.failed", false, McpCallFailed(ItemRef);
        "rate_limits.updated" => "rate_limits.updated", false, RateLimitsUpdated(RateLimits);
    }
}

/// What a server message turned out to be.
// Not boxed: an outcome lives only between decoding and handling, never in bulk,
// and a box would cost an allocation for every event on the hot path.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum DecodeOutcome {
    Known(ServerEvent),
    /// Valid JSON with a `type` this version does not know: shown raw, never dropped.
    Unknown,
    /// A known type whose payload does not fit (a required field missing or of the
    /// wrong type); `error` says which.
    Malformed {
        error: String,
    },
    /// Not a JSON object with a string `type`.
    NotAnEvent {
        error: String,
    },
}

/// A decoded server message. The raw text is not copied in here: the caller owns it
/// and the event log keeps it next to this.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The `type` exactly as sent (`None` when there was none).
    pub wire_type: Option<Cow<'static, str>>,
    /// The GA name of the meaning, for known types.
    pub ga_type: Option<&'static str>,
    /// The event came with a beta name or a beta-shaped session.
    pub beta: bool,
    pub event_id: Option<String>,
    pub outcome: DecodeOutcome,
}

impl Decoded {
    pub fn event(&self) -> Option<&ServerEvent> {
        match &self.outcome {
            DecodeOutcome::Known(e) => Some(e),
            _ => None,
        }
    }

    /// The name to show: the GA name when known, else what was sent.
    pub fn display_type(&self) -> &str {
        self.ga_type
            .or(self.wire_type.as_deref())
            .unwrap_or("(no type)")
    }
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "type", borrow, default)]
    ty: Option<Cow<'a, str>>,
    #[serde(default)]
    event_id: Option<String>,
}

/// The `type` of a message that starts `{"type":"…"` (as every server we know
/// sends), without parsing the rest. `None` sends the decoder the slow way.
fn leading_type(raw: &str) -> Option<&str> {
    let rest = raw.trim_start().strip_prefix('{')?.trim_start();
    let rest = rest
        .strip_prefix("\"type\"")?
        .trim_start()
        .strip_prefix(':')?;
    let rest = rest.trim_start().strip_prefix('"')?;
    let end = rest.find(['"', '\\'])?;
    (rest.as_bytes()[end] == b'"').then(|| &rest[..end])
}

/// Decodes one server message. Never fails: every outcome is data.
pub fn decode_server(raw: &str) -> Decoded {
    // Fast path, one parse: the type is read off the leading key and the payload's
    // `extra` catches `type` and `event_id`, which `settle` takes back out.
    if let Some(ty) = leading_type(raw) {
        if let Some(found) = dispatch(ty, raw) {
            return settle(found, None);
        }
    }
    decode_slow(raw)
}

/// Turns a dispatched decode into its outcome. `event_id` is the envelope's, for
/// when the payload could not be read.
fn settle(
    (wire, ga, beta, result): (
        &'static str,
        &'static str,
        bool,
        Result<ServerEvent, serde_json::Error>,
    ),
    event_id: Option<String>,
) -> Decoded {
    let (beta, event_id, outcome) = match result {
        Ok(mut event) => {
            let extra = event.extra_mut();
            extra.shift_remove("type");
            let event_id = match extra.shift_remove("event_id") {
                Some(Value::String(id)) => Some(id),
                Some(other) => {
                    extra.insert("event_id".into(), other);
                    None
                }
                None => None,
            };
            let beta_shape = matches!(&event,
                ServerEvent::SessionCreated(s) | ServerEvent::SessionUpdated(s) if s.beta_shape);
            (beta || beta_shape, event_id, DecodeOutcome::Known(event))
        }
        Err(e) if e.is_syntax() || e.is_eof() => (
            beta,
            event_id,
            DecodeOutcome::NotAnEvent {
                error: format!("not valid JSON: {e}"),
            },
        ),
        Err(e) => (
            beta,
            event_id,
            DecodeOutcome::Malformed {
                error: e.to_string(),
            },
        ),
    };
    Decoded {
        wire_type: Some(Cow::Borrowed(wire)),
        ga_type: Some(ga),
        beta,
        event_id,
        outcome,
    }
}

fn not_an_event(error: String, event_id: Option<String>) -> Decoded {
    Decoded {
        wire_type: None,
        ga_type: None,
        beta: false,
        event_id,
        outcome: DecodeOutcome::NotAnEvent { error },
    }
}

/// Any message the fast path did not settle: `type` not first, unknown types
/// (whose JSON must still be checked), escapes in the type.
fn decode_slow(raw: &str) -> Decoded {
    let env: Envelope = match serde_json::from_str(raw) {
        Ok(env) => env,
        Err(e) => {
            // Either not JSON at all, or `type`/`event_id` of the wrong JSON type.
            let error = match serde_json::from_str::<Value>(raw) {
                Err(e) => format!("not valid JSON: {e}"),
                Ok(Value::Object(_)) => format!("bad envelope: {e}"),
                Ok(_) => "not a JSON object".to_string(),
            };
            return not_an_event(error, None);
        }
    };
    let Some(ty) = env.ty else {
        return not_an_event("the message has no \"type\" field".into(), env.event_id);
    };
    match dispatch(&ty, raw) {
        Some(found) => settle(found, env.event_id),
        None => Decoded {
            wire_type: Some(Cow::Owned(ty.into_owned())),
            ga_type: None,
            beta: false,
            event_id: env.event_id,
            outcome: DecodeOutcome::Unknown,
        },
    }
}

impl ServerEvent {
    /// Encodes the event as a JSON object with `type` first, then `event_id`, then
    /// the payload, under the given wire name (GA or beta). For servers such as the
    /// mock, and for checking that decoding lost nothing.
    pub fn to_json(&self, wire_type: &str, event_id: Option<&str>) -> Value {
        let mut out = Map::new();
        out.insert("type".into(), Value::String(wire_type.into()));
        if let Some(id) = event_id {
            out.insert("event_id".into(), Value::String(id.into()));
        }
        if let Ok(Value::Object(fields)) = self.payload_value() {
            for (k, v) in fields {
                // `type`/`event_id` inside a payload's `extra` would shadow the envelope.
                if k != "type" && k != "event_id" {
                    out.insert(k, v);
                }
            }
        }
        Value::Object(out)
    }
}

//! Payloads of server events (protocol.md §4.2–4.3). Every struct keeps keys it
//! does not model in `extra` (GA deltas carry `obfuscation`, servers add fields),
//! so a decoded event re-encodes to what arrived.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::protocol::item::{ContentPart, Item};
use crate::protocol::response::Response;
use crate::protocol::session_config::SessionConfig;

/// `error.error`. `code`, `param` and `event_id` are `string|null`; absent and
/// null are kept apart so the event re-encodes as it arrived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ApiError {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::protocol::nullable"
    )]
    pub code: Option<Option<String>>,
    #[serde(default)]
    pub message: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::protocol::nullable"
    )]
    pub param: Option<Option<String>>,
    /// The client `event_id` that caused it; null for server-originated errors.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::protocol::nullable"
    )]
    pub event_id: Option<Option<String>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ApiError {
    pub fn code(&self) -> Option<&str> {
        self.code.as_ref().and_then(|c| c.as_deref())
    }
    pub fn param(&self) -> Option<&str> {
        self.param.as_ref().and_then(|c| c.as_deref())
    }
    pub fn event_id(&self) -> Option<&str> {
        self.event_id.as_ref().and_then(|c| c.as_deref())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ErrorEvent {
    #[serde(default)]
    pub error: ApiError,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Deserialize)]
struct SessionEventWire {
    session: Value,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

/// `session.created` / `session.updated` (and beta `transcription_session.*`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SessionEventWire")]
pub struct SessionEvent {
    /// Boxed: a session object is large and rare, deltas are small and frequent.
    pub session: Box<SessionConfig>,
    /// The server sent a beta flat session; `session` holds it in GA layout.
    #[serde(skip)]
    pub beta_shape: bool,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl TryFrom<SessionEventWire> for SessionEvent {
    type Error = serde_json::Error;
    fn try_from(w: SessionEventWire) -> Result<Self, Self::Error> {
        let (session, beta_shape) = SessionConfig::from_value(w.session)?;
        Ok(SessionEvent {
            session: Box::new(session),
            beta_shape,
            extra: w.extra,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ConversationCreated {
    #[serde(default)]
    pub conversation: Value,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `conversation.item.added` / `.done` / (beta and legacy) `.created`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemEvent {
    /// Absent and `null` differ: null places the item first, absent says nothing.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::protocol::nullable"
    )]
    pub previous_item_id: Option<Option<String>>,
    pub item: Item,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemRetrieved {
    pub item: Item,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemTruncated {
    pub item_id: String,
    #[serde(default)]
    pub content_index: u32,
    #[serde(default)]
    pub audio_end_ms: u64,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Events that only name an item (`conversation.item.deleted`, `mcp_list_tools.*`,
/// `response.mcp_call.*`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemRef {
    pub item_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_index: Option<u32>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputTranscriptionDelta {
    pub item_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_index: Option<u32>,
    #[serde(default)]
    pub delta: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputTranscriptionCompleted {
    pub item_id: String,
    #[serde(default)]
    pub content_index: u32,
    #[serde(default)]
    pub transcript: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputTranscriptionFailed {
    pub item_id: String,
    #[serde(default)]
    pub content_index: u32,
    #[serde(default)]
    pub error: ApiError,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputTranscriptionSegment {
    pub item_id: String,
    #[serde(default)]
    pub content_index: u32,
    #[serde(default)]
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker: Option<String>,
    #[serde(default)]
    pub start: f64,
    #[serde(default)]
    pub end: f64,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Committed {
    #[serde(default)]
    pub previous_item_id: Option<String>,
    pub item_id: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Events with nothing but `type` and `event_id` (`input_audio_buffer.cleared`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Empty {
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeechStarted {
    #[serde(default)]
    pub audio_start_ms: u64,
    #[serde(default)]
    pub item_id: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeechStopped {
    #[serde(default)]
    pub audio_end_ms: u64,
    #[serde(default)]
    pub item_id: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeoutTriggered {
    #[serde(default)]
    pub item_id: String,
    #[serde(default)]
    pub audio_start_ms: u64,
    #[serde(default)]
    pub audio_end_ms: u64,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DtmfReceived {
    #[serde(default)]
    pub event: String,
    #[serde(default)]
    pub received_at: i64,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `output_audio_buffer.started` / `.stopped` / `.cleared`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct OutputAudioBuffer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_id: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseEvent {
    pub response: Response,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputItem {
    #[serde(default)]
    pub response_id: String,
    #[serde(default)]
    pub output_index: u32,
    pub item: Item,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentPartEvent {
    #[serde(default)]
    pub response_id: String,
    pub item_id: String,
    #[serde(default)]
    pub output_index: u32,
    #[serde(default)]
    pub content_index: u32,
    pub part: ContentPart,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A streamed fragment of text, audio (base64) or transcript of one content part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delta {
    #[serde(default)]
    pub response_id: String,
    pub item_id: String,
    #[serde(default)]
    pub output_index: u32,
    #[serde(default)]
    pub content_index: u32,
    #[serde(default)]
    pub delta: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The end of a content part's stream; `text` / `transcript` carry the full words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartDone {
    #[serde(default)]
    pub response_id: String,
    pub item_id: String,
    #[serde(default)]
    pub output_index: u32,
    #[serde(default)]
    pub content_index: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionCallArgumentsDelta {
    #[serde(default)]
    pub response_id: String,
    pub item_id: String,
    #[serde(default)]
    pub output_index: u32,
    #[serde(default)]
    pub call_id: String,
    #[serde(default)]
    pub delta: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionCallArgumentsDone {
    #[serde(default)]
    pub response_id: String,
    pub item_id: String,
    #[serde(default)]
    pub output_index: u32,
    #[serde(default)]
    pub call_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub arguments: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `response.mcp_call_arguments.delta` (`delta`) and `.done` (`arguments`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McpCallArguments {
    #[serde(default)]
    pub response_id: String,
    pub item_id: String,
    #[serde(default)]
    pub output_index: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateLimit {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub limit: u64,
    #[serde(default)]
    pub remaining: u64,
    #[serde(default)]
    pub reset_seconds: f64,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct RateLimits {
    #[serde(default)]
    pub rate_limits: Vec<RateLimit>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

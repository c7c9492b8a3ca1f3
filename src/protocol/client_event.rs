//! Client events (protocol.md §4.1) as typed values. Building an event here and
//! encoding it gives JSON the API accepts; anything typed by hand goes through
//! [`crate::protocol::validate`] first.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::item::Item;
use super::session_config::{MaxTokens, SessionConfig, Tool};

/// `response.create.response`: per-response overrides of the session (GA names).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ResponseParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_modalities: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Tool>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<MaxTokens>,
    /// `"auto"` (default) or `"none"` for an out-of-band response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<Value>,
    /// Custom context: items and `item_reference`s; `[]` means no context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<Vec<Item>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ClientEvent {
    #[serde(rename = "session.update")]
    SessionUpdate {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        event_id: Option<String>,
        session: Box<SessionConfig>,
    },
    #[serde(rename = "input_audio_buffer.append")]
    InputAudioBufferAppend {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        event_id: Option<String>,
        /// Base64 audio in the session's input format.
        audio: String,
    },
    #[serde(rename = "input_audio_buffer.commit")]
    InputAudioBufferCommit {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        event_id: Option<String>,
    },
    #[serde(rename = "input_audio_buffer.clear")]
    InputAudioBufferClear {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        event_id: Option<String>,
    },
    #[serde(rename = "output_audio_buffer.clear")]
    OutputAudioBufferClear {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        event_id: Option<String>,
    },
    #[serde(rename = "conversation.item.create")]
    ConversationItemCreate {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        event_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        previous_item_id: Option<String>,
        item: Item,
    },
    #[serde(rename = "conversation.item.retrieve")]
    ConversationItemRetrieve {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        event_id: Option<String>,
        item_id: String,
    },
    #[serde(rename = "conversation.item.truncate")]
    ConversationItemTruncate {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        event_id: Option<String>,
        item_id: String,
        content_index: u32,
        audio_end_ms: u64,
    },
    #[serde(rename = "conversation.item.delete")]
    ConversationItemDelete {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        event_id: Option<String>,
        item_id: String,
    },
    #[serde(rename = "response.create")]
    ResponseCreate {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        event_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        response: Option<ResponseParams>,
    },
    #[serde(rename = "response.cancel")]
    ResponseCancel {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        event_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        response_id: Option<String>,
    },
    /// Beta only; GA configures transcription through `session.update`.
    #[serde(rename = "transcription_session.update")]
    TranscriptionSessionUpdate {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        event_id: Option<String>,
        session: Value,
    },
}

/// Every client event type, in protocol order: GA first, then the beta-only one.
pub const CLIENT_EVENT_TYPES: &[&str] = &[
    "session.update",
    "input_audio_buffer.append",
    "input_audio_buffer.commit",
    "input_audio_buffer.clear",
    "output_audio_buffer.clear",
    "conversation.item.create",
    "conversation.item.retrieve",
    "conversation.item.truncate",
    "conversation.item.delete",
    "response.create",
    "response.cancel",
    "transcription_session.update",
];

/// The GA client event types: all but the beta-only last one.
pub const GA_CLIENT_EVENT_TYPES: &[&str] =
    CLIENT_EVENT_TYPES.split_at(CLIENT_EVENT_TYPES.len() - 1).0;

impl ClientEvent {
    pub fn type_name(&self) -> &'static str {
        match self {
            ClientEvent::SessionUpdate { .. } => "session.update",
            ClientEvent::InputAudioBufferAppend { .. } => "input_audio_buffer.append",
            ClientEvent::InputAudioBufferCommit { .. } => "input_audio_buffer.commit",
            ClientEvent::InputAudioBufferClear { .. } => "input_audio_buffer.clear",
            ClientEvent::OutputAudioBufferClear { .. } => "output_audio_buffer.clear",
            ClientEvent::ConversationItemCreate { .. } => "conversation.item.create",
            ClientEvent::ConversationItemRetrieve { .. } => "conversation.item.retrieve",
            ClientEvent::ConversationItemTruncate { .. } => "conversation.item.truncate",
            ClientEvent::ConversationItemDelete { .. } => "conversation.item.delete",
            ClientEvent::ResponseCreate { .. } => "response.create",
            ClientEvent::ResponseCancel { .. } => "response.cancel",
            ClientEvent::TranscriptionSessionUpdate { .. } => "transcription_session.update",
        }
    }

    pub fn event_id(&self) -> Option<&str> {
        match self {
            ClientEvent::SessionUpdate { event_id, .. }
            | ClientEvent::InputAudioBufferAppend { event_id, .. }
            | ClientEvent::InputAudioBufferCommit { event_id }
            | ClientEvent::InputAudioBufferClear { event_id }
            | ClientEvent::OutputAudioBufferClear { event_id }
            | ClientEvent::ConversationItemCreate { event_id, .. }
            | ClientEvent::ConversationItemRetrieve { event_id, .. }
            | ClientEvent::ConversationItemTruncate { event_id, .. }
            | ClientEvent::ConversationItemDelete { event_id, .. }
            | ClientEvent::ResponseCreate { event_id, .. }
            | ClientEvent::ResponseCancel { event_id, .. }
            | ClientEvent::TranscriptionSessionUpdate { event_id, .. } => event_id.as_deref(),
        }
    }

    /// Compact JSON, `type` first, ready for the data channel.
    pub fn encode(&self) -> String {
        // Serializing plain data into a String cannot fail: no maps with non-string keys.
        serde_json::to_string(self).expect("client events always serialize")
    }

    pub fn decode(text: &str) -> Result<ClientEvent, serde_json::Error> {
        serde_json::from_str(text)
    }

    pub fn session_update(session: SessionConfig) -> Self {
        ClientEvent::SessionUpdate {
            event_id: None,
            session: Box::new(session),
        }
    }

    pub fn user_text(text: impl Into<String>) -> Self {
        ClientEvent::ConversationItemCreate {
            event_id: None,
            previous_item_id: None,
            item: Item::user_text(text),
        }
    }

    pub fn function_call_output(call_id: impl Into<String>, output: impl Into<String>) -> Self {
        ClientEvent::ConversationItemCreate {
            event_id: None,
            previous_item_id: None,
            item: Item::function_call_output(call_id, output),
        }
    }

    pub fn response_create() -> Self {
        ClientEvent::ResponseCreate {
            event_id: None,
            response: None,
        }
    }

    pub fn response_cancel() -> Self {
        ClientEvent::ResponseCancel {
            event_id: None,
            response_id: None,
        }
    }
}

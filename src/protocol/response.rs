//! The response object (protocol.md §4.5) and its usage block.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::item::Item;

crate::wire_enum!(
    /// `response.status`.
    ResponseStatus {
        InProgress = "in_progress",
        Completed = "completed",
        Cancelled = "cancelled",
        Failed = "failed",
        Incomplete = "incomplete",
    }
);

/// A count that a server sent as `null` is 0: one odd field must not make a
/// whole `response.done` unreadable.
fn zero_if_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    Ok(Option::<u64>::deserialize(d)?.unwrap_or(0))
}

/// Why a response ended the way it did (`turn_detected`, `client_cancelled`,
/// `max_output_tokens`, `content_filter`, or a failure's error).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct StatusDetails {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CachedTokenDetails {
    #[serde(default, deserialize_with = "zero_if_null")]
    pub text_tokens: u64,
    #[serde(default, deserialize_with = "zero_if_null")]
    pub audio_tokens: u64,
    #[serde(default, deserialize_with = "zero_if_null")]
    pub image_tokens: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct InputTokenDetails {
    #[serde(default, deserialize_with = "zero_if_null")]
    pub cached_tokens: u64,
    #[serde(default, deserialize_with = "zero_if_null")]
    pub text_tokens: u64,
    #[serde(default, deserialize_with = "zero_if_null")]
    pub audio_tokens: u64,
    #[serde(default, deserialize_with = "zero_if_null")]
    pub image_tokens: u64,
    #[serde(default)]
    pub cached_tokens_details: CachedTokenDetails,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct OutputTokenDetails {
    #[serde(default, deserialize_with = "zero_if_null")]
    pub text_tokens: u64,
    #[serde(default, deserialize_with = "zero_if_null")]
    pub audio_tokens: u64,
}

/// Token usage of one response; all counts default to 0 when a server omits them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Usage {
    #[serde(default, deserialize_with = "zero_if_null")]
    pub total_tokens: u64,
    #[serde(default, deserialize_with = "zero_if_null")]
    pub input_tokens: u64,
    #[serde(default, deserialize_with = "zero_if_null")]
    pub output_tokens: u64,
    #[serde(default)]
    pub input_token_details: InputTokenDetails,
    #[serde(default)]
    pub output_token_details: OutputTokenDetails,
}

impl Response {
    pub fn status_details(&self) -> Option<&StatusDetails> {
        self.status_details.as_ref().and_then(Option::as_ref)
    }

    /// `null` until the response is done.
    pub fn usage(&self) -> Option<&Usage> {
        self.usage.as_ref().and_then(Option::as_ref)
    }

    pub fn metadata(&self) -> Option<&Map<String, Value>> {
        self.metadata.as_ref().and_then(Option::as_ref)
    }

    /// Out of band: `conversation: "none"`, reported as `conversation_id: null`.
    pub fn is_out_of_band(&self) -> bool {
        matches!(self.conversation_id, Some(None))
    }
}

impl std::ops::AddAssign for Usage {
    fn add_assign(&mut self, o: Usage) {
        self.total_tokens = self.total_tokens.saturating_add(o.total_tokens);
        self.input_tokens = self.input_tokens.saturating_add(o.input_tokens);
        self.output_tokens = self.output_tokens.saturating_add(o.output_tokens);
        let (a, b) = (&mut self.input_token_details, o.input_token_details);
        a.cached_tokens = a.cached_tokens.saturating_add(b.cached_tokens);
        a.text_tokens = a.text_tokens.saturating_add(b.text_tokens);
        a.audio_tokens = a.audio_tokens.saturating_add(b.audio_tokens);
        a.image_tokens = a.image_tokens.saturating_add(b.image_tokens);
        a.cached_tokens_details.text_tokens = a
            .cached_tokens_details
            .text_tokens
            .saturating_add(b.cached_tokens_details.text_tokens);
        a.cached_tokens_details.audio_tokens = a
            .cached_tokens_details
            .audio_tokens
            .saturating_add(b.cached_tokens_details.audio_tokens);
        a.cached_tokens_details.image_tokens = a
            .cached_tokens_details
            .image_tokens
            .saturating_add(b.cached_tokens_details.image_tokens);
        self.output_token_details.text_tokens = self
            .output_token_details
            .text_tokens
            .saturating_add(o.output_token_details.text_tokens);
        self.output_token_details.audio_tokens = self
            .output_token_details
            .audio_tokens
            .saturating_add(o.output_token_details.audio_tokens);
    }
}

/// `response` in `response.created` / `response.done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    #[serde(default)]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ResponseStatus>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::protocol::nullable"
    )]
    pub status_details: Option<Option<StatusDetails>>,
    #[serde(default)]
    pub output: Vec<Item>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::protocol::nullable"
    )]
    pub usage: Option<Option<Usage>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::protocol::nullable"
    )]
    pub metadata: Option<Option<Map<String, Value>>>,
    /// `Some(None)` (explicit null) marks an out-of-band response.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::protocol::nullable"
    )]
    pub conversation_id: Option<Option<String>>,
    /// GA name; beta's `modalities` is read into it.
    #[serde(default, alias = "modalities", skip_serializing_if = "Option::is_none")]
    pub output_modalities: Option<Vec<String>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

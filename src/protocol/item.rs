//! Conversation items and their content parts (protocol.md §4.4), GA names with
//! the beta names (`text`, `audio` content) understood as the same thing.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

crate::wire_enum!(
    /// `item.type`.
    ItemType {
        Message = "message",
        FunctionCall = "function_call",
        FunctionCallOutput = "function_call_output",
        McpListTools = "mcp_list_tools",
        McpCall = "mcp_call",
        McpApprovalRequest = "mcp_approval_request",
        McpApprovalResponse = "mcp_approval_response",
        ItemReference = "item_reference",
    }
);

crate::wire_enum!(
    /// `item.role` of a message.
    Role { User = "user", Assistant = "assistant", System = "system" }
);

crate::wire_enum!(
    /// `item.status`.
    ItemStatus { Completed = "completed", Incomplete = "incomplete", InProgress = "in_progress" }
);

crate::wire_enum!(
    /// `content[].type`; beta's `text`/`audio` are the GA `output_text`/`output_audio`.
    ContentType {
        InputText = "input_text",
        InputAudio = "input_audio",
        InputImage = "input_image",
        OutputText = "output_text",
        OutputAudio = "output_audio",
        Text = "text",
        Audio = "audio",
        ItemReference = "item_reference",
    }
);

impl ContentType {
    /// True for parts whose words are `text` (typed input or model text output).
    pub fn is_text(&self) -> bool {
        matches!(
            self,
            ContentType::InputText | ContentType::OutputText | ContentType::Text
        )
    }

    /// True for parts whose words are a `transcript` of audio.
    pub fn is_audio(&self) -> bool {
        matches!(
            self,
            ContentType::InputAudio | ContentType::OutputAudio | ContentType::Audio
        )
    }
}

/// One content part of a message item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentPart {
    #[serde(rename = "type")]
    pub kind: ContentType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// `null` until the input transcription finishes, hence the double option.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::protocol::nullable"
    )]
    pub transcript: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For `item_reference` parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl ContentPart {
    pub fn input_text(text: impl Into<String>) -> Self {
        ContentPart {
            kind: ContentType::InputText,
            text: Some(text.into()),
            transcript: None,
            audio: None,
            image_url: None,
            detail: None,
            id: None,
        }
    }

    /// The words this part carries, whichever field holds them.
    pub fn words(&self) -> Option<&str> {
        self.text
            .as_deref()
            .or(self.transcript.as_ref().and_then(|t| t.as_deref()))
    }
}

/// A conversation item of any type. Fields that do not apply to a type are absent.
/// Unknown fields are kept in `extra` so nothing a server sent is lost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub kind: ItemType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ItemStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Absent for non-message items; `[]` is kept distinct because servers send it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Vec<ContentPart>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Item {
    fn empty(kind: ItemType) -> Self {
        Item {
            id: None,
            kind,
            object: None,
            status: None,
            role: None,
            content: None,
            call_id: None,
            name: None,
            arguments: None,
            output: None,
            extra: Map::new(),
        }
    }

    /// A user message with one `input_text` part.
    pub fn user_text(text: impl Into<String>) -> Self {
        Item {
            role: Some(Role::User),
            content: Some(vec![ContentPart::input_text(text)]),
            ..Item::empty(ItemType::Message)
        }
    }

    /// The output of a function call, sent back so the model can use it.
    pub fn function_call_output(call_id: impl Into<String>, output: impl Into<String>) -> Self {
        Item {
            call_id: Some(call_id.into()),
            output: Some(output.into()),
            ..Item::empty(ItemType::FunctionCallOutput)
        }
    }

    /// A reference to an existing item, for `response.create.response.input`.
    pub fn reference(id: impl Into<String>) -> Self {
        Item {
            id: Some(id.into()),
            ..Item::empty(ItemType::ItemReference)
        }
    }

    pub fn parts(&self) -> &[ContentPart] {
        self.content.as_deref().unwrap_or_default()
    }

    /// All words of the item joined: text parts, transcripts, or a call's arguments.
    pub fn words(&self) -> String {
        let mut out = String::new();
        for part in self.parts() {
            if let Some(w) = part.words() {
                out.push_str(w);
            }
        }
        out
    }
}

//! `error` events in the API's own words (protocol.md §4.7). Where the real wording is
//! not confirmed, the choice is noted next to the builder.

use serde_json::{json, Value};

use crate::protocol::validate::{client_event_types, codes, Problem};
use crate::protocol::Dialect;

#[derive(Debug, Clone, PartialEq)]
pub struct ApiErr {
    pub kind: &'static str,
    pub code: Option<String>,
    pub message: String,
    pub param: Option<String>,
    /// The client `event_id` that caused it; `None` for server-originated errors.
    pub event_id: Option<String>,
}

fn sentence(s: &str) -> String {
    let s = s.trim();
    if s.ends_with('.') {
        s.to_string()
    } else {
        format!("{s}.")
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The value a `param`-style path (`session.tools[3].description`) points at.
fn value_at<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = root;
    for seg in path.split('.') {
        let (name, rest) = match seg.find('[') {
            Some(i) => (&seg[..i], &seg[i..]),
            None => (seg, ""),
        };
        if !name.is_empty() {
            cur = cur.get(name)?;
        }
        for idx in rest.split('[').filter(|s| !s.is_empty()) {
            cur = cur.get(idx.trim_end_matches(']').parse::<usize>().ok()?)?;
        }
    }
    Some(cur)
}

impl ApiErr {
    pub fn new(code: Option<&str>, message: impl Into<String>, param: Option<&str>) -> Self {
        ApiErr {
            kind: "invalid_request_error",
            code: code.map(String::from),
            message: message.into(),
            param: param.map(String::from),
            event_id: None,
        }
    }

    pub fn for_event(mut self, event_id: Option<String>) -> Self {
        self.event_id = event_id;
        self
    }

    /// The `error` event (GA and beta share the shape); `event_id` is added on send.
    pub fn to_event(&self) -> Value {
        json!({"type": "error", "error": {
            "type": self.kind,
            "code": self.code,
            "message": self.message,
            "param": self.param,
            "event_id": self.event_id,
        }})
    }

    /// The first validation problem of a client event, worded like the API.
    pub fn from_problem(p: &Problem, event: &Value, dialect: Dialect) -> Self {
        let path = p.path.as_str();
        let param = (path != "event").then_some(path);
        let given = value_at(event, path);
        let message = match p.code {
            codes::UNKNOWN_PARAMETER => format!("Unknown parameter: '{path}'."),
            codes::MISSING_REQUIRED_PARAMETER => format!("Missing required parameter: '{path}'."),
            codes::INVALID_TYPE => format!("Invalid type for '{path}': {}", sentence(&p.message)),
            codes::INVALID_EVENT => sentence(&p.message),
            codes::INVALID_VALUE => match given.and_then(Value::as_str) {
                Some(v) if path == "type" => {
                    let supported: Vec<String> = client_event_types(dialect)
                        .iter()
                        .map(|t| format!("'{t}'"))
                        .collect();
                    format!(
                        "Invalid value: '{v}'. Supported values are: {}.",
                        supported.join(", ")
                    )
                }
                Some(v) => {
                    let detail = match p.message.split_once(": ") {
                        Some((head, rest)) if head.starts_with("invalid value") => rest,
                        _ => p.message.as_str(),
                    };
                    format!("Invalid value: '{v}'. {}", sentence(&capitalize(detail)))
                }
                None => format!("Invalid value for '{path}': {}", sentence(&p.message)),
            },
            _ => format!("Invalid '{path}': {}", sentence(&p.message)),
        };
        ApiErr::new(Some(p.code), message, param)
    }

    /// Text that is not JSON. Code `invalid_json` is our choice (UNCONFIRMED).
    pub fn invalid_json(detail: &str) -> Self {
        ApiErr::new(
            Some("invalid_json"),
            format!(
                "The event is not valid JSON ({detail}). Send one JSON object per data-channel message."
            ),
            None,
        )
    }

    /// §4.7, observed.
    pub fn active_response(id: &str) -> Self {
        ApiErr::new(
            Some("conversation_already_has_active_response"),
            format!(
                "Conversation already has an active response in progress: {id}. Wait until the response is finished before creating a new one."
            ),
            None,
        )
    }

    /// §4.7, observed.
    pub fn cancel_not_active() -> Self {
        ApiErr::new(
            Some("response_cancel_not_active"),
            "Cancellation failed: no active response found",
            None,
        )
    }

    /// §4.7, observed.
    pub fn commit_empty(buffered_ms: f64) -> Self {
        ApiErr::new(
            Some("input_audio_buffer_commit_empty"),
            format!(
                "Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has {buffered_ms:.2}ms of audio."
            ),
            None,
        )
    }

    /// §4.7 has the 30-minute beta wording; the minutes follow the limit.
    pub fn session_expired(limit_ms: u64) -> Self {
        let minutes = limit_ms.div_ceil(60_000);
        ApiErr::new(
            Some("session_expired"),
            format!("Your session hit the maximum duration of {minutes} minutes."),
            None,
        )
    }

    /// Observed (openai-python#2607): code `cannot_update_voice`, param null.
    pub fn cannot_update_voice() -> Self {
        ApiErr::new(
            Some("cannot_update_voice"),
            "Cannot update a conversation's voice if assistant audio is present.",
            None,
        )
    }

    /// UNCONFIRMED wording; code `invalid_value`, param `session.model`.
    pub fn model_fixed(current: &str, wanted: &str) -> Self {
        ApiErr::new(
            Some("invalid_value"),
            format!(
                "Invalid value: '{wanted}'. A session's model cannot be changed after it was created (it is '{current}')."
            ),
            Some("session.model"),
        )
    }

    /// UNCONFIRMED wording; code `invalid_value`, param `session.type`.
    pub fn session_type_fixed(current: &str, wanted: &str) -> Self {
        ApiErr::new(
            Some("invalid_value"),
            format!(
                "Invalid value: '{wanted}'. This is a '{current}' session; its type cannot be changed."
            ),
            Some("session.type"),
        )
    }

    /// Observed codes `item_delete_invalid_item_id`, `item_retrieve_invalid_item_id`,
    /// `item_truncate_invalid_item_id` (param null), wording of the delete case.
    pub fn no_such_item(op: &str, id: &str) -> Self {
        let (code, verb) = match op {
            "delete" => ("item_delete_invalid_item_id", "deleting"),
            "retrieve" => ("item_retrieve_invalid_item_id", "retrieving"),
            _ => ("item_truncate_invalid_item_id", "truncating"),
        };
        ApiErr::new(
            Some(code),
            format!("Error {verb} item: the item with id '{id}' does not exist."),
            None,
        )
    }

    /// UNCONFIRMED: code `invalid_value`, param `previous_item_id`.
    pub fn no_previous_item(id: &str) -> Self {
        ApiErr::new(
            Some("invalid_value"),
            format!("Error adding item: the previous item with id '{id}' does not exist."),
            Some("previous_item_id"),
        )
    }

    /// UNCONFIRMED: code `invalid_value`, param `item.id`.
    pub fn duplicate_item(id: &str) -> Self {
        ApiErr::new(
            Some("invalid_value"),
            format!("Error adding item: an item with id '{id}' already exists."),
            Some("item.id"),
        )
    }

    /// UNCONFIRMED for the Realtime API; the wording is the Responses API's.
    pub fn no_tool_call(call_id: &str) -> Self {
        ApiErr::new(
            Some("invalid_value"),
            format!("No tool call found for function call output with call_id {call_id}."),
            Some("item.call_id"),
        )
    }

    /// UNCONFIRMED: an `item_reference` in `response.input` naming no item.
    pub fn no_referenced_item(id: &str, param: &str) -> Self {
        ApiErr::new(
            Some("invalid_value"),
            format!("Invalid value: '{id}'. No conversation item has this id."),
            Some(param),
        )
    }

    /// Observed message (livekit/agents#6158) with code `unsupported_content_type`.
    pub fn truncate_not_audio() -> Self {
        ApiErr::new(
            Some("unsupported_content_type"),
            "Only model output audio messages can be truncated",
            None,
        )
    }

    /// UNCONFIRMED code; param `content_index`.
    pub fn truncate_bad_index(index: u64, parts: usize) -> Self {
        ApiErr::new(
            Some("invalid_value"),
            format!("Invalid value: {index}. The item has {parts} content part(s)."),
            Some("content_index"),
        )
    }

    /// Observed wording ("Audio content of 9250ms is already shorter than 57340ms");
    /// code `invalid_value`, param `audio_end_ms` are our choice.
    pub fn truncate_too_long(have_ms: u64, asked_ms: u64) -> Self {
        ApiErr::new(
            Some("invalid_value"),
            format!("Audio content of {have_ms}ms is already shorter than {asked_ms}ms"),
            Some("audio_end_ms"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::validate::validate_client_text;

    fn first(text: &str) -> ApiErr {
        let err = validate_client_text(text, Dialect::Ga).unwrap_err();
        let event: Value = serde_json::from_str(text).unwrap();
        ApiErr::from_problem(&err.problems()[0], &event, Dialect::Ga)
    }

    #[test]
    fn problems_read_like_the_api() {
        let e = first(r#"{"type":"session.update","session":{"instructions":"x"}}"#);
        assert_eq!(e.code.as_deref(), Some("missing_required_parameter"));
        assert_eq!(e.message, "Missing required parameter: 'session.type'.");
        assert_eq!(e.param.as_deref(), Some("session.type"));

        let e = first(r#"{"type":"session.update","session":{"type":"realtime","foo":1}}"#);
        assert_eq!(e.code.as_deref(), Some("unknown_parameter"));
        assert_eq!(e.message, "Unknown parameter: 'session.foo'.");

        let e = first(r#"{"type":"scooby.dooby.doo","event_id":"my_awesome_event"}"#);
        assert_eq!(e.code.as_deref(), Some("invalid_value"));
        assert_eq!(e.param.as_deref(), Some("type"));
        assert!(e.message.starts_with(
            "Invalid value: 'scooby.dooby.doo'. Supported values are: 'session.update'"
        ));
    }

    #[test]
    fn paths_with_indexes_find_their_value() {
        let v = json!({"a": {"b": [1, {"c": "x"}]}});
        assert_eq!(value_at(&v, "a.b[1].c"), Some(&json!("x")));
        assert_eq!(value_at(&v, "a.z"), None);
    }

    #[test]
    fn session_expired_counts_minutes() {
        assert_eq!(
            ApiErr::session_expired(3_600_000).message,
            "Your session hit the maximum duration of 60 minutes."
        );
    }
}

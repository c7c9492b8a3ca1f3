//! Client event envelopes per dialect (protocol §4.1) and the checks on `type` itself.

use serde_json::Value;

use super::beta_items::BETA_ITEM;
use super::beta_session::{BETA_SESSION, BETA_TRANSCRIPTION_SESSION};
use super::checks::check_append_audio;
use super::common::NON_NEG_INT;
use super::ga_session::GA_SESSION;
use super::items::GA_ITEM;
use super::report::{got, show};
use super::response_params::{BETA_RESPONSE_PARAMS, GA_RESPONSE_PARAMS};
use super::shape::{opt, req, Field, ObjectShape, Shape};
use super::suggest::{closest, quoted_list};
use super::walk::walk;
use super::{codes, Problem};
use crate::protocol::client_event::{CLIENT_EVENT_TYPES, GA_CLIENT_EVENT_TYPES};
use crate::protocol::server_event::KNOWN_SERVER_EVENTS;
use crate::protocol::Dialect;

// One source for the names: the typed events and the decoder's table.
pub(crate) const GA_CLIENT_TYPES: &[&str] = GA_CLIENT_EVENT_TYPES;
pub(crate) const BETA_CLIENT_TYPES: &[&str] = CLIENT_EVENT_TYPES;

/// A server event type (of either dialect): pasting one from the log is a common mistake.
fn is_server_type(kind: &str) -> bool {
    KNOWN_SERVER_EVENTS.iter().any(|(wire, _, _)| *wire == kind)
}

const TYPE: Field = opt("type", &Shape::Any);
const EVENT_ID: Field = opt("event_id", &Shape::StrMax(512));
const ITEM_ID: Field = req(
    "item_id",
    &Shape::Str,
    "add \"item_id\": the id of an existing item (item_…)",
);

const BARE: ObjectShape = ObjectShape::new(&[TYPE, EVENT_ID]);

const GA_SESSION_UPDATE: ObjectShape = ObjectShape::new(&[
    TYPE,
    EVENT_ID,
    req(
        "session",
        &GA_SESSION,
        "add \"session\": {\"type\": \"realtime\", …the fields to change}",
    ),
]);

const BETA_SESSION_UPDATE: ObjectShape = ObjectShape::new(&[
    TYPE,
    EVENT_ID,
    req(
        "session",
        &BETA_SESSION,
        "add \"session\": {…the fields to change}",
    ),
]);

const BETA_TRANSCRIPTION_UPDATE: ObjectShape = ObjectShape::new(&[
    TYPE,
    EVENT_ID,
    req(
        "session",
        &BETA_TRANSCRIPTION_SESSION,
        "add \"session\": {…the transcription fields to change}",
    ),
]);

const APPEND: ObjectShape = ObjectShape::new(&[
    TYPE,
    EVENT_ID,
    req(
        "audio",
        &Shape::Checked(&Shape::Str, check_append_audio),
        "add \"audio\": base64 audio in the session's input format",
    ),
]);

const PREVIOUS_ITEM_ID: Field = opt("previous_item_id", &Shape::Str);
const ITEM_FIX: &str =
    "add \"item\": {\"type\": \"message\", \"role\": \"user\", \"content\": [{\"type\": \"input_text\", \"text\": \"…\"}]}";

const GA_ITEM_CREATE: ObjectShape = ObjectShape::new(&[
    TYPE,
    EVENT_ID,
    PREVIOUS_ITEM_ID,
    req("item", &GA_ITEM, ITEM_FIX),
]);

const BETA_ITEM_CREATE: ObjectShape = ObjectShape::new(&[
    TYPE,
    EVENT_ID,
    PREVIOUS_ITEM_ID,
    req("item", &BETA_ITEM, ITEM_FIX),
]);

const ITEM_BY_ID: ObjectShape = ObjectShape::new(&[TYPE, EVENT_ID, ITEM_ID]);

const TRUNCATE: ObjectShape = ObjectShape::new(&[
    TYPE,
    EVENT_ID,
    ITEM_ID,
    req("content_index", &NON_NEG_INT, "add \"content_index\": 0"),
    req(
        "audio_end_ms",
        &NON_NEG_INT,
        "add \"audio_end_ms\": how many ms of the assistant audio were played",
    ),
]);

const GA_RESPONSE_CREATE: ObjectShape =
    ObjectShape::new(&[TYPE, EVENT_ID, opt("response", &GA_RESPONSE_PARAMS)]);

const BETA_RESPONSE_CREATE: ObjectShape =
    ObjectShape::new(&[TYPE, EVENT_ID, opt("response", &BETA_RESPONSE_PARAMS)]);

const RESPONSE_CANCEL: ObjectShape =
    ObjectShape::new(&[TYPE, EVENT_ID, opt("response_id", &Shape::Str)]);

fn event_shape(kind: &str, dialect: Dialect) -> Option<&'static ObjectShape> {
    let beta = dialect == Dialect::Beta;
    Some(match kind {
        "session.update" if beta => &BETA_SESSION_UPDATE,
        "session.update" => &GA_SESSION_UPDATE,
        "transcription_session.update" if beta => &BETA_TRANSCRIPTION_UPDATE,
        "input_audio_buffer.append" => &APPEND,
        "input_audio_buffer.commit" | "input_audio_buffer.clear" | "output_audio_buffer.clear" => {
            &BARE
        }
        "conversation.item.create" if beta => &BETA_ITEM_CREATE,
        "conversation.item.create" => &GA_ITEM_CREATE,
        "conversation.item.retrieve" | "conversation.item.delete" => &ITEM_BY_ID,
        "conversation.item.truncate" => &TRUNCATE,
        "response.create" if beta => &BETA_RESPONSE_CREATE,
        "response.create" => &GA_RESPONSE_CREATE,
        "response.cancel" => &RESPONSE_CANCEL,
        _ => return None,
    })
}

pub(crate) fn client_types(dialect: Dialect) -> &'static [&'static str] {
    match dialect {
        Dialect::Ga => GA_CLIENT_TYPES,
        Dialect::Beta => BETA_CLIENT_TYPES,
    }
}

/// Check a whole client event. The event's own problems come first, then its fields.
pub(crate) fn check_event(value: &Value, dialect: Dialect, out: &mut Vec<Problem>) {
    let Some(map) = value.as_object() else {
        out.push(
            Problem::new(
                "event",
                format!("a client event must be a JSON object, got {}", got(value)),
            )
            .with_hint("write an object such as {\"type\": \"response.create\"}")
            .with_code(codes::INVALID_EVENT),
        );
        return;
    };
    let kind = match map.get("type") {
        Some(Value::String(kind)) => kind,
        None => {
            out.push(
                Problem::new("type", "The 'type' field is missing")
                    .with_hint("add \"type\": the event to send, e.g. \"response.create\"")
                    .with_code(codes::INVALID_EVENT),
            );
            return check_event_id_only(value, out);
        }
        Some(other) => {
            out.push(
                Problem::new(
                    "type",
                    format!("expected an event type string, got {}", got(other)),
                )
                .with_hint("write the event type in quotes, e.g. \"type\": \"response.create\"")
                .with_code(codes::INVALID_TYPE),
            );
            return check_event_id_only(value, out);
        }
    };
    match event_shape(kind, dialect) {
        Some(shape) => walk(&Shape::Object(shape), value, "", out),
        None => {
            out.push(unknown_type(kind, dialect));
            check_event_id_only(value, out);
        }
    }
}

/// Fields of an unknown event cannot be judged, but a bad `event_id` still can.
fn check_event_id_only(value: &Value, out: &mut Vec<Problem>) {
    if let Some(id) = value.get("event_id") {
        walk(EVENT_ID.shape, id, "event_id", out);
    }
}

fn unknown_type(kind: &str, dialect: Dialect) -> Problem {
    let valid = client_types(dialect);
    let shown = show(&Value::String(kind.to_string()));
    let suggestion = closest(kind, valid.iter().copied());
    if kind == "transcription_session.update" {
        return Problem::new(
            "type",
            format!("invalid value {shown}: GA removed transcription_session.update"),
        )
        .with_hint("send session.update with \"session\": {\"type\": \"transcription\", …}");
    }
    if is_server_type(kind) {
        let hint = match suggestion {
            Some(s) => format!("send \"{s}\" (the server answers it with \"{kind}\")"),
            None => format!("send one of the client events: {}", quoted_list(valid)),
        };
        return Problem::new(
            "type",
            format!("{shown} is a server event: only the server sends it"),
        )
        .with_hint(hint);
    }
    let hint = match suggestion {
        Some(s) => format!("did you mean \"{s}\"?"),
        None => "check the spelling; event types are lowercase with dots".to_string(),
    };
    Problem::new(
        "type",
        format!(
            "invalid value {shown}: not a {} client event type (valid: {})",
            match dialect {
                Dialect::Ga => "GA",
                Dialect::Beta => "beta",
            },
            valid.join(", ")
        ),
    )
    .with_hint(hint)
}

#[cfg(test)]
mod tests;

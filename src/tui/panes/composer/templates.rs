//! The composer's templates: every GA client event a person sends by hand, one key
//! each, prefilled from the session (the effective config, the oldest pending call,
//! the active response, the last item) so that most are ready to send as they are.
//! Where only the user can know a value (no call is pending, no item exists yet) the
//! template carries `null` there: the validator flags it with its path until filled.

use serde_json::{json, Map, Value};

use crate::protocol::item::Role;
use crate::session::Session;

/// A template filled in for the session as it is now.
#[derive(Debug, Clone, PartialEq)]
pub struct Filled {
    pub event: Value,
    /// The cursor goes just after the first occurrence of this text in the pretty
    /// JSON (inside the quotes when it ends with `""`): where the user types next.
    pub cursor_after: Option<&'static str>,
    /// Said in the status line: what was prefilled, or what is missing.
    pub notice: Option<String>,
}

impl Filled {
    fn ready(event: Value) -> Filled {
        Filled {
            event,
            cursor_after: None,
            notice: None,
        }
    }

    fn cursor(mut self, after: &'static str) -> Filled {
        self.cursor_after = Some(after);
        self
    }

    fn notice(mut self, text: impl Into<String>) -> Filled {
        self.notice = Some(text.into());
        self
    }

    /// The event as it goes into the editor.
    pub fn text(&self) -> String {
        serde_json::to_string_pretty(&self.event).unwrap_or_default()
    }
}

pub struct Template {
    /// The key that picks it in the menu.
    pub key: char,
    pub label: &'static str,
    build: fn(&Session) -> Filled,
}

impl Template {
    pub fn fill(&self, session: &Session) -> Filled {
        (self.build)(session)
    }
}

/// In menu order; keys 1–9 then 0.
pub const TEMPLATES: &[Template] = &[
    Template {
        key: '1',
        label: "session.update",
        build: session_update,
    },
    Template {
        key: '2',
        label: "response.create + overrides",
        build: response_create,
    },
    Template {
        key: '3',
        label: "user text message",
        build: user_message,
    },
    Template {
        key: '4',
        label: "function_call_output",
        build: function_call_output,
    },
    Template {
        key: '5',
        label: "response.cancel",
        build: response_cancel,
    },
    Template {
        key: '6',
        label: "output_audio_buffer.clear",
        build: |_| Filled::ready(json!({"type": "output_audio_buffer.clear"})),
    },
    Template {
        key: '7',
        label: "input_audio_buffer.commit",
        build: |_| Filled::ready(json!({"type": "input_audio_buffer.commit"})),
    },
    Template {
        key: '8',
        label: "input_audio_buffer.clear",
        build: |_| Filled::ready(json!({"type": "input_audio_buffer.clear"})),
    },
    Template {
        key: '9',
        label: "conversation.item.delete",
        build: item_delete,
    },
    Template {
        key: '0',
        label: "conversation.item.truncate",
        build: item_truncate,
    },
];

pub fn by_key(key: char) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.key == key)
}

/// The effective session as JSON, or an empty object before `session.created`.
fn effective(session: &Session) -> Value {
    session
        .config()
        .effective_json()
        .unwrap_or_else(|| json!({}))
}

/// The fields people change by hand, at their current values.
fn session_update(session: &Session) -> Filled {
    let eff = effective(session);
    let kind = eff
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("realtime");
    let mut body = Map::new();
    body.insert("type".into(), Value::from(kind));
    if kind == "transcription" {
        // A transcription session has no instructions or output; its knob is the model.
        let model = eff
            .pointer("/audio/input/transcription")
            .cloned()
            .filter(|t| !t.is_null())
            .unwrap_or_else(|| json!({"model": "gpt-4o-transcribe"}));
        body.insert("audio".into(), json!({"input": {"transcription": model}}));
        return Filled::ready(json!({"type": "session.update", "session": body}))
            .cursor("\"model\": \"");
    }
    body.insert(
        "instructions".into(),
        field_or(&eff, "instructions", json!("")),
    );
    body.insert(
        "output_modalities".into(),
        field_or(&eff, "output_modalities", json!(["audio"])),
    );
    Filled::ready(json!({"type": "session.update", "session": body})).cursor("\"instructions\": \"")
}

fn field_or(v: &Value, key: &str, default: Value) -> Value {
    v.get(key)
        .filter(|x| !x.is_null())
        .cloned()
        .unwrap_or(default)
}

/// Every per-response override, starting from the session's values: edit what this
/// one response should do differently.
fn response_create(session: &Session) -> Filled {
    let eff = effective(session);
    let response = json!({
        "instructions": field_or(&eff, "instructions", json!("")),
        "output_modalities": field_or(&eff, "output_modalities", json!(["audio"])),
        "tools": field_or(&eff, "tools", json!([])),
        "tool_choice": field_or(&eff, "tool_choice", json!("auto")),
        "metadata": {"source": "rtconsole"},
        "conversation": "auto",
    });
    Filled::ready(json!({"type": "response.create", "response": response}))
        .cursor("\"instructions\": \"")
}

fn user_message(_: &Session) -> Filled {
    Filled::ready(json!({
        "type": "conversation.item.create",
        "item": {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": ""}],
        },
    }))
    .cursor("\"text\": \"\"")
}

/// Answers the oldest call still waiting: calls are answered in the order asked.
fn function_call_output(session: &Session) -> Filled {
    let call = session.pending_calls().first();
    let call_id = call.map_or(Value::Null, |c| Value::from(c.call_id.clone()));
    let filled = Filled::ready(json!({
        "type": "conversation.item.create",
        "item": {"type": "function_call_output", "call_id": call_id, "output": ""},
    }));
    match call {
        Some(c) => {
            let waiting = session.pending_calls().len();
            let name = if c.name.is_empty() { "?" } else { &c.name };
            filled.cursor("\"output\": \"\"").notice(format!(
                "answering {name} ({}); {waiting} call(s) pending; put the result in output",
                c.call_id
            ))
        }
        None => filled
            .cursor("\"call_id\": ")
            .notice("no pending function call: fill in call_id"),
    }
}

fn response_cancel(session: &Session) -> Filled {
    match session.responses().active() {
        Some(r) => Filled::ready(json!({"type": "response.cancel", "response_id": r.id})),
        None => Filled::ready(json!({"type": "response.cancel"}))
            .notice("no response is active: the server will answer response_cancel_not_active"),
    }
}

fn item_delete(session: &Session) -> Filled {
    let last = session
        .conversation()
        .ordered()
        .last()
        .map(|i| i.id.clone());
    item_event(
        json!({"type": "conversation.item.delete"}),
        last,
        "no conversation item yet: fill in item_id",
    )
}

/// The last assistant message with audio: the one a barge-in would cut.
fn item_truncate(session: &Session) -> Filled {
    let last = session
        .conversation()
        .ordered()
        .filter(|i| i.role == Some(Role::Assistant))
        .filter(|i| {
            i.parts
                .iter()
                .any(|p| p.kind.as_ref().is_some_and(|k| k.is_audio()))
        })
        .last()
        .map(|i| i.id.clone());
    let mut filled = item_event(
        json!({"type": "conversation.item.truncate"}),
        last,
        "no assistant audio item yet: fill in item_id",
    );
    if let Some(map) = filled.event.as_object_mut() {
        map.insert("content_index".into(), json!(0));
        map.insert("audio_end_ms".into(), json!(0));
    }
    if filled.notice.is_none() {
        filled = filled.cursor("\"audio_end_ms\": ");
    }
    filled
}

/// An event naming an item: the id when there is one, else `null` and a notice.
fn item_event(mut event: Value, id: Option<String>, missing: &str) -> Filled {
    let known = id.is_some();
    if let Some(map) = event.as_object_mut() {
        map.insert("item_id".into(), id.map_or(Value::Null, Value::from));
    }
    let filled = Filled::ready(event);
    if known {
        filled
    } else {
        filled.cursor("\"item_id\": ").notice(missing)
    }
}

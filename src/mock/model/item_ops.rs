//! `conversation.item.create` / `.retrieve` / `.delete` / `.truncate`.

use serde_json::{json, Map, Value};

use super::errors::ApiErr;
use super::items::{without_audio, Place, Stored};
use super::Model;

fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Milliseconds of 24 kHz pcm16 in a base64 string.
fn b64_audio_ms(b64: &str) -> u64 {
    let n = b64.trim_end_matches('=').len();
    (n / 4 * 3 + [0, 0, 1, 2][n % 4]) as u64 / 48
}

impl Model {
    pub(super) fn item_create(&mut self, event: &Value) -> Result<(), ApiErr> {
        let given = &event["item"];
        let place = match str_at(event, "previous_item_id") {
            None => Place::End,
            Some("root") => Place::Root,
            Some(id) if self.conv.contains(id) => Place::After(id),
            Some(id) => return Err(ApiErr::no_previous_item(id)),
        };
        if let Some(id) = str_at(given, "id") {
            if self.conv.contains(id) {
                return Err(ApiErr::duplicate_item(id));
            }
        }
        let kind = str_at(given, "type").unwrap_or("message");
        if kind == "function_call_output" {
            let call_id = str_at(given, "call_id").unwrap_or_default();
            if self.conv.function_call(call_id).is_none() {
                return Err(ApiErr::no_tool_call(call_id));
            }
        }
        let id = match str_at(given, "id") {
            Some(id) => id.to_string(),
            None => self.ids.item(),
        };
        let mut item = Map::new();
        item.insert("id".into(), json!(id));
        item.insert("object".into(), json!("realtime.item"));
        item.insert("type".into(), json!(kind));
        // Status has no effect on create: a client item is complete.
        item.insert("status".into(), json!("completed"));
        for (k, v) in given.as_object().into_iter().flatten() {
            if !matches!(k.as_str(), "id" | "object" | "type" | "status") {
                item.insert(k.clone(), v.clone());
            }
        }
        if kind == "function_call" && !item.contains_key("call_id") {
            item.insert("call_id".into(), json!(self.ids.call()));
        }
        let mut audio_ms = 0;
        if let Some(parts) = item.get_mut("content").and_then(Value::as_array_mut) {
            for part in parts
                .iter_mut()
                .filter(|p| str_at(p, "type") == Some("input_audio"))
            {
                audio_ms += str_at(part, "audio").map_or(0, b64_audio_ms);
                if part.get("transcript").is_none() {
                    part["transcript"] = Value::Null;
                }
            }
        }
        let item = Value::Object(item);
        let shown = without_audio(&item);
        let stored = Stored {
            item,
            audio_ms,
            heard: None,
        };
        let prev = match place {
            Place::After(p) => {
                let p = p.to_string();
                self.conv.insert(Place::After(&p), stored)
            }
            other => self.conv.insert(other, stored),
        };
        let added =
            json!({"type": "conversation.item.added", "previous_item_id": prev, "item": shown});
        let done =
            json!({"type": "conversation.item.done", "previous_item_id": prev, "item": shown});
        self.event(added);
        self.event(done);
        Ok(())
    }

    pub(super) fn item_retrieve(&mut self, event: &Value) -> Result<(), ApiErr> {
        let id = str_at(event, "item_id").unwrap_or_default();
        let Some(stored) = self.conv.get(id) else {
            return Err(ApiErr::no_such_item("retrieve", id));
        };
        let item = stored.item.clone();
        self.event(json!({"type": "conversation.item.retrieved", "item": item}));
        Ok(())
    }

    pub(super) fn item_delete(&mut self, event: &Value) -> Result<(), ApiErr> {
        let id = str_at(event, "item_id").unwrap_or_default();
        if self.conv.remove(id).is_none() {
            return Err(ApiErr::no_such_item("delete", id));
        }
        self.event(json!({"type": "conversation.item.deleted", "item_id": id}));
        Ok(())
    }

    /// Only an assistant item's audio part, and never past the audio's end; the
    /// transcript goes with the cut.
    pub(super) fn item_truncate(&mut self, event: &Value) -> Result<(), ApiErr> {
        let id = str_at(event, "item_id").unwrap_or_default();
        let index = event
            .get("content_index")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let end_ms = event
            .get("audio_end_ms")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let Some(stored) = self.conv.get_mut(id) else {
            return Err(ApiErr::no_such_item("truncate", id));
        };
        let item = &mut stored.item;
        if str_at(item, "type") != Some("message") || str_at(item, "role") != Some("assistant") {
            return Err(ApiErr::truncate_not_audio());
        }
        let parts = item
            .get_mut("content")
            .and_then(Value::as_array_mut)
            .ok_or_else(ApiErr::truncate_not_audio)?;
        let count = parts.len();
        let part = parts
            .get_mut(index as usize)
            .ok_or_else(|| ApiErr::truncate_bad_index(index, count))?;
        if str_at(part, "type") != Some("output_audio") {
            return Err(ApiErr::truncate_not_audio());
        }
        if end_ms > stored.audio_ms {
            return Err(ApiErr::truncate_too_long(stored.audio_ms, end_ms));
        }
        if let Some(p) = part.as_object_mut() {
            p.shift_remove("transcript");
        }
        stored.audio_ms = end_ms;
        self.event(json!({"type": "conversation.item.truncated", "item_id": id,
            "content_index": index, "audio_end_ms": end_ms}));
        Ok(())
    }
}

//! The default conversation: items in order, each with what the mock knows beyond
//! the JSON (how long an assistant's audio is, what it "heard" in a user's audio).

use serde_json::{json, Value};

pub struct Stored {
    /// The full item as `conversation.item.retrieve` returns it.
    pub item: Value,
    /// Length of an assistant audio part, for `conversation.item.truncate`.
    pub audio_ms: u64,
    /// What the mock understood of a user audio item, transcribed or not.
    pub heard: Option<String>,
}

/// Where a new item goes.
pub enum Place<'a> {
    End,
    Root,
    After(&'a str),
}

#[derive(Default)]
pub struct Conversation {
    items: Vec<Stored>,
}

pub fn item_id(v: &Value) -> Option<&str> {
    v.get("id").and_then(Value::as_str)
}

impl Conversation {
    pub fn items(&self) -> &[Stored] {
        &self.items
    }

    fn position(&self, id: &str) -> Option<usize> {
        self.items.iter().position(|s| item_id(&s.item) == Some(id))
    }

    pub fn contains(&self, id: &str) -> bool {
        self.position(id).is_some()
    }

    pub fn get(&self, id: &str) -> Option<&Stored> {
        self.items.iter().find(|s| item_id(&s.item) == Some(id))
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut Stored> {
        self.items.iter_mut().find(|s| item_id(&s.item) == Some(id))
    }

    /// The id of the item before `id` (`None` when it is first).
    pub fn previous_of(&self, id: &str) -> Option<String> {
        let i = self.position(id)?;
        let prev = self.items.get(i.checked_sub(1)?)?;
        item_id(&prev.item).map(String::from)
    }

    /// Inserts an item; the id of the item now before it. The caller checked that
    /// an `After` id exists.
    pub fn insert(&mut self, place: Place<'_>, stored: Stored) -> Option<String> {
        let at = match place {
            Place::End => self.items.len(),
            Place::Root => 0,
            Place::After(id) => self.position(id).map_or(self.items.len(), |i| i + 1),
        };
        self.items.insert(at, stored);
        let prev = at.checked_sub(1).and_then(|i| self.items.get(i));
        prev.and_then(|s| item_id(&s.item)).map(String::from)
    }

    pub fn remove(&mut self, id: &str) -> Option<Stored> {
        let i = self.position(id)?;
        Some(self.items.remove(i))
    }

    /// The `function_call` item with this `call_id`.
    pub fn function_call(&self, call_id: &str) -> Option<&Value> {
        self.items.iter().map(|s| &s.item).find(|i| {
            i.get("type").and_then(Value::as_str) == Some("function_call")
                && i.get("call_id").and_then(Value::as_str) == Some(call_id)
        })
    }
}

/// An item as events show it: audio bytes are only returned by `retrieve`.
pub fn without_audio(item: &Value) -> Value {
    let mut out = item.clone();
    if let Some(parts) = out.get_mut("content").and_then(Value::as_array_mut) {
        for part in parts {
            if let Some(p) = part.as_object_mut() {
                p.shift_remove("audio");
            }
        }
    }
    out
}

/// A user audio item as a commit creates it: transcript null until transcribed.
pub fn user_audio_item(id: &str) -> Value {
    json!({"id": id, "object": "realtime.item", "type": "message", "status": "completed",
           "role": "user", "content": [{"type": "input_audio", "transcript": null}]})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(id: &str) -> Stored {
        Stored {
            item: json!({"id": id, "type": "message"}),
            audio_ms: 0,
            heard: None,
        }
    }

    #[test]
    fn insert_reports_the_previous_item() {
        let mut c = Conversation::default();
        assert_eq!(c.insert(Place::End, stored("a")), None);
        assert_eq!(c.insert(Place::End, stored("b")), Some("a".into()));
        assert_eq!(c.insert(Place::Root, stored("r")), None);
        assert_eq!(c.insert(Place::After("a"), stored("x")), Some("a".into()));
        let order: Vec<&str> = c.items().iter().filter_map(|s| item_id(&s.item)).collect();
        assert_eq!(order, ["r", "a", "x", "b"]);
        assert_eq!(c.previous_of("b").as_deref(), Some("x"));
        assert!(c.remove("x").is_some());
        assert!(!c.contains("x"));
    }

    #[test]
    fn events_never_carry_audio_bytes() {
        let item =
            json!({"content": [{"type": "input_audio", "audio": "AAAA", "transcript": null}]});
        assert!(without_audio(&item)["content"][0].get("audio").is_none());
    }
}

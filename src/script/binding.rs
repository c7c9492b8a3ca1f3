//! Which response a script's request created, so response-scoped expectations bind
//! to the script's own answer rather than to whatever response came first.
//!
//! A request is a `response.create` the run sent (by `say`, a `send` step or an
//! `on-call` answer). The response it created is the first `response.created` at or
//! after the moment it was sent that no earlier request has claimed and that is of
//! the same kind: a request for the default conversation takes a response with a
//! `conversation_id`, an out-of-band one (`conversation: "none"`) one without; a
//! request with `metadata` takes only a response carrying the same metadata.
//! A response the server starts by itself in the default conversation (server VAD)
//! right after a request cannot be told apart from the request's own.

use std::collections::HashMap;

use serde_json::Value;

use super::outcome::SeenEvent;

#[derive(Debug, Clone, PartialEq)]
struct Request {
    /// Index of the first event that arrived after it was sent.
    from_event: usize,
    out_of_band: bool,
    metadata: Option<Value>,
}

/// The run's requests, in the order it sent them.
#[derive(Debug, Clone, Default)]
pub struct Requests {
    list: Vec<Request>,
}

impl Requests {
    /// Records a sent `response.create` (`event` is its JSON), sent when
    /// `events_so_far` server events had arrived.
    pub fn sent(&mut self, events_so_far: usize, event: &Value) {
        let response = event.get("response");
        let out_of_band = response
            .and_then(|r| r.get("conversation"))
            .and_then(Value::as_str)
            == Some("none");
        let metadata = response
            .and_then(|r| r.get("metadata"))
            .filter(|m| !m.is_null())
            .cloned();
        self.list.push(Request {
            from_event: events_so_far,
            out_of_band,
            metadata,
        });
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// The response id each request created, so far (`None`: not created yet).
    pub fn responses(&self, events: &[SeenEvent]) -> Vec<Option<String>> {
        let mut claimed: Vec<Option<String>> = Vec::with_capacity(self.list.len());
        let mut taken: Vec<usize> = Vec::new();
        for req in &self.list {
            let found = events
                .iter()
                .enumerate()
                .skip(req.from_event)
                .find(|(i, e)| {
                    e.event_type == "response.created"
                        && !taken.contains(i)
                        && created_fits(req, &e.value)
                })
                .map(|(i, e)| (i, e.value.pointer("/response/id").and_then(Value::as_str)));
            match found {
                Some((i, id)) => {
                    taken.push(i);
                    claimed.push(id.map(str::to_string));
                }
                None => claimed.push(None),
            }
        }
        claimed
    }

    /// The responses of requests `from..` (the ones a bound step accepts).
    pub fn bound_ids(&self, events: &[SeenEvent], from: usize) -> Vec<String> {
        self.responses(events)
            .into_iter()
            .skip(from)
            .flatten()
            .collect()
    }
}

fn created_fits(req: &Request, created: &Value) -> bool {
    let response = created.get("response").unwrap_or(&Value::Null);
    // Servers that never send `conversation_id` (older beta) say nothing of the kind.
    if let Some(conv) = response.get("conversation_id") {
        if conv.is_null() != req.out_of_band {
            return false;
        }
    }
    match &req.metadata {
        Some(m) => response.get("metadata") == Some(m),
        None => true,
    }
}

/// Item id → the response that produced it, from `response.output_item.added`.
pub fn item_responses(events: &[SeenEvent]) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for e in events {
        if e.event_type == "response.output_item.added" {
            let item = e.value.pointer("/item/id").and_then(Value::as_str);
            let resp = e.value.get("response_id").and_then(Value::as_str);
            if let (Some(item), Some(resp)) = (item, resp) {
                map.insert(item.to_string(), resp.to_string());
            }
        }
    }
    map
}

/// The response an event belongs to, when it is response-scoped: `response.*`
/// events, and conversation item events of an item a response produced.
pub fn response_of<'a>(
    event: &'a SeenEvent,
    items: &'a HashMap<String, String>,
) -> Option<&'a str> {
    let v = &event.value;
    if event.event_type.starts_with("response.") {
        return v
            .pointer("/response/id")
            .or_else(|| v.get("response_id"))
            .and_then(Value::as_str);
    }
    if event.event_type.starts_with("conversation.item.") {
        let item = v
            .pointer("/item/id")
            .or_else(|| v.get("item_id"))
            .and_then(Value::as_str)?;
        return items.get(item).map(String::as_str);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn seen(v: Value) -> SeenEvent {
        SeenEvent {
            at_ms: 0,
            event_type: v["type"].as_str().unwrap().to_string(),
            value: v,
        }
    }

    fn created(id: &str, conv: Value, metadata: Value) -> SeenEvent {
        seen(
            json!({"type":"response.created","response":{"id":id,"conversation_id":conv,"metadata":metadata}}),
        )
    }

    #[test]
    fn a_request_takes_the_first_fitting_response_after_it() {
        let events = vec![
            created("early", json!("conv"), Value::Null),
            created("oob", Value::Null, Value::Null),
            created("mine", json!("conv"), Value::Null),
            created("tagged", json!("conv"), json!({"k":"v"})),
        ];
        let mut r = Requests::default();
        r.sent(1, &json!({"type":"response.create"}));
        r.sent(
            1,
            &json!({"type":"response.create","response":{"conversation":"none"}}),
        );
        r.sent(
            0,
            &json!({"type":"response.create","response":{"metadata":{"k":"v"}}}),
        );
        assert_eq!(
            r.responses(&events),
            vec![
                Some("mine".to_string()),
                Some("oob".to_string()),
                Some("tagged".to_string())
            ]
        );
        assert_eq!(r.bound_ids(&events, 1), vec!["oob", "tagged"]);
    }

    #[test]
    fn items_belong_to_the_response_that_added_them() {
        let events = vec![seen(
            json!({"type":"response.output_item.added","response_id":"r1","item":{"id":"i1"}}),
        )];
        let items = item_responses(&events);
        let done = seen(json!({"type":"conversation.item.done","item":{"id":"i1"}}));
        assert_eq!(response_of(&done, &items), Some("r1"));
        let user = seen(json!({"type":"conversation.item.done","item":{"id":"u1"}}));
        assert_eq!(response_of(&user, &items), None);
        let delta = seen(json!({"type":"response.output_text.delta","response_id":"r2"}));
        assert_eq!(response_of(&delta, &items), Some("r2"));
    }
}

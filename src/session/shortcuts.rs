//! The one-key session changes (output modality, turn detection, tools on/off) as
//! `session.update` texts built from the effective session. The session turns its
//! `Command`s into these and sends them through validation like anything typed, so
//! no front-end builds protocol JSON for a shortcut.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::Session;

/// `["audio"]` ↔ `["text"]`. The GA API takes one output modality at a time.
pub(super) fn toggle_modality(session: &Session) -> String {
    let current = effective(session)
        .and_then(|s| s.get("output_modalities").cloned())
        .and_then(|m| m.get(0).and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| "audio".into());
    let next = if current == "text" { "audio" } else { "text" };
    update(json!({"type": "realtime", "output_modalities": [next]}))
}

/// server_vad → semantic_vad → off (null: push-to-talk) → server_vad.
pub(super) fn cycle_turn_detection(session: &Session) -> (String, &'static str) {
    let current = effective(session)
        .and_then(|s| s.pointer("/audio/input/turn_detection").cloned())
        .unwrap_or_else(|| json!({"type": "server_vad"}));
    let (next, label) = match current.get("type").and_then(Value::as_str) {
        _ if current.is_null() => (json!({"type": "server_vad"}), "server_vad"),
        Some("server_vad") => (json!({"type": "semantic_vad"}), "semantic_vad"),
        _ => (Value::Null, "off (push-to-talk)"),
    };
    let text = update(json!({"type": "realtime", "audio": {"input": {"turn_detection": next}}}));
    (text, label)
}

/// Tools switched off by the user, kept so they can come back with their full
/// definitions. Numbers are stable: tools are numbered in the order first seen.
#[derive(Debug, Default, Clone)]
pub struct ToolSwitch {
    order: Vec<String>,
    off: BTreeMap<String, Value>,
}

impl ToolSwitch {
    /// The numbered tools with whether each is on: what the help line shows. Tools
    /// the server reports that were never toggled are numbered after the known ones.
    pub fn list(&self, session: &Session) -> Vec<(usize, String, bool)> {
        let on: Vec<String> = effective_tools(session).iter().map(tool_name).collect();
        let mut order = self.order.clone();
        for name in &on {
            if !order.contains(name) {
                order.push(name.clone());
            }
        }
        order
            .into_iter()
            .enumerate()
            .map(|(i, name)| {
                let is_on = on.contains(&name);
                (i + 1, name, is_on)
            })
            .collect()
    }

    /// The `session.update` that turns tool `number` (1-based) on or off, and what it did.
    pub(super) fn toggle(
        &mut self,
        session: &Session,
        number: usize,
    ) -> Result<(String, String), String> {
        let on = self.learn(session);
        let Some(name) = self.order.get(number.wrapping_sub(1)).cloned() else {
            return Err(format!(
                "there is no tool {number}: the session has {} tool(s); add tools in the session config editor",
                self.order.len()
            ));
        };
        let mut tools: Vec<Value> = on.iter().map(|(_, t)| t.clone()).collect();
        let what = if let Some(pos) = on.iter().position(|(n, _)| *n == name) {
            let def = tools.remove(pos);
            self.off.insert(name.clone(), def);
            format!("tool {number} `{name}` off")
        } else {
            let def = self
                .off
                .remove(&name)
                .expect("an unlisted tool was switched off");
            // Put it back where it was in the numbering.
            let at = tools
                .iter()
                .filter(|t| {
                    let n = tool_name(t);
                    self.order.iter().position(|o| *o == n)
                        < self.order.iter().position(|o| *o == name)
                })
                .count();
            tools.insert(at, def);
            format!("tool {number} `{name}` on")
        };
        Ok((update(json!({"type": "realtime", "tools": tools})), what))
    }

    fn learn(&mut self, session: &Session) -> Vec<(String, Value)> {
        let on: Vec<(String, Value)> = effective_tools(session)
            .into_iter()
            .map(|t| (tool_name(&t), t))
            .collect();
        for (name, _) in &on {
            if !self.order.contains(name) {
                self.order.push(name.clone());
            }
            self.off.remove(name);
        }
        on
    }
}

fn tool_name(tool: &Value) -> String {
    tool.get("name")
        .or_else(|| tool.get("server_label"))
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_string()
}

fn effective_tools(session: &Session) -> Vec<Value> {
    effective(session)
        .and_then(|s| s.get("tools").and_then(Value::as_array).cloned())
        .unwrap_or_default()
}

fn effective(session: &Session) -> Option<Value> {
    session.config().effective_json()
}

fn update(session: Value) -> String {
    json!({"type": "session.update", "session": session}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::validate::validate_client_text;
    use crate::protocol::Dialect;
    use crate::session::{Input, SessionOptions};

    fn session_with(config: Value) -> Session {
        let mut s = Session::new(SessionOptions::default());
        let mut full = json!({"type": "realtime", "object": "realtime.session", "id": "sess_1", "model": "gpt-realtime"});
        for (k, v) in config.as_object().unwrap() {
            full[k] = v.clone();
        }
        let _ = s.handle(Input::Server {
            at_ms: 0,
            raw: json!({"type": "session.created", "event_id": "e1", "session": full}).to_string(),
        });
        s
    }

    fn valid(text: &str) -> Value {
        validate_client_text(text, Dialect::Ga).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn modality_flips_between_audio_and_text() {
        let s = session_with(json!({"output_modalities": ["audio"]}));
        let v = valid(&toggle_modality(&s));
        assert_eq!(v["session"]["output_modalities"], json!(["text"]));
        let s = session_with(json!({"output_modalities": ["text"]}));
        assert_eq!(
            valid(&toggle_modality(&s))["session"]["output_modalities"],
            json!(["audio"])
        );
    }

    #[test]
    fn turn_detection_cycles_through_off() {
        let s =
            session_with(json!({"audio": {"input": {"turn_detection": {"type": "server_vad"}}}}));
        let (t, label) = cycle_turn_detection(&s);
        assert_eq!(label, "semantic_vad");
        assert_eq!(
            valid(&t)["session"]["audio"]["input"]["turn_detection"]["type"],
            "semantic_vad"
        );
        let s =
            session_with(json!({"audio": {"input": {"turn_detection": {"type": "semantic_vad"}}}}));
        let (t, label) = cycle_turn_detection(&s);
        assert_eq!(label, "off (push-to-talk)");
        assert!(valid(&t)["session"]["audio"]["input"]["turn_detection"].is_null());
        let s = session_with(json!({"audio": {"input": {"turn_detection": null}}}));
        assert_eq!(cycle_turn_detection(&s).1, "server_vad");
    }

    #[test]
    fn a_tool_goes_off_and_comes_back_in_its_place() {
        let tool = |n: &str| json!({"type": "function", "name": n, "description": "d", "parameters": {"type": "object", "properties": {}}});
        let mut sw = ToolSwitch::default();
        let s = session_with(json!({"tools": [tool("a"), tool("b"), tool("c")]}));
        let (t, what) = sw.toggle(&s, 2).unwrap();
        assert_eq!(what, "tool 2 `b` off");
        let sent = valid(&t);
        let names: Vec<_> = sent["session"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].clone())
            .collect();
        assert_eq!(names, vec![json!("a"), json!("c")]);
        // The server confirms; tool 2 is still numbered 2 and turns back on in place.
        let s = session_with(json!({"tools": [tool("a"), tool("c")]}));
        assert_eq!(sw.list(&s)[1], (2, "b".to_string(), false));
        let (t, what) = sw.toggle(&s, 2).unwrap();
        assert_eq!(what, "tool 2 `b` on");
        let names: Vec<_> = valid(&t)["session"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].clone())
            .collect();
        assert_eq!(names, vec![json!("a"), json!("b"), json!("c")]);
        assert!(sw.toggle(&s, 7).unwrap_err().contains("there is no tool 7"));
    }
}

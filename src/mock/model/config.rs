//! The effective session configuration (GA layout, protocol.md §3.2): the defaults a
//! fresh session reports, `session.update` merging, and the rules that refuse an
//! update (model and type fixed, voice fixed once audio was produced).

use serde_json::{json, Map, Value};

use super::errors::ApiErr;
use crate::mock::vad::VadParams;

pub const DEFAULT_MODEL: &str = "gpt-realtime";
pub const DEFAULT_INSTRUCTIONS: &str = "You are the rtconsole mock model. You answer \
deterministically: you repeat what you understood, call tools when asked to, and follow the \
scenario file when one is given.";

/// What turn detection does, read off `audio.input.turn_detection`.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnConfig {
    pub vad: VadParams,
    pub create_response: bool,
    pub interrupt_response: bool,
    pub idle_timeout_ms: Option<u64>,
}

pub struct SessionState {
    value: Value,
}

fn audio_format() -> Value {
    json!({"type": "audio/pcm", "rate": 24000})
}

/// A `turn_detection` object with everything its type leaves out filled with the
/// defaults the API reports; `null` stays `null`.
pub fn turn_detection_with_defaults(given: &Value) -> Value {
    let Some(map) = given.as_object() else {
        return Value::Null;
    };
    let kind = map
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("server_vad");
    let mut out = if kind == "semantic_vad" {
        json!({"type": "semantic_vad", "eagerness": "auto", "create_response": true,
               "interrupt_response": true})
    } else {
        json!({"type": kind, "threshold": 0.5, "prefix_padding_ms": 300,
               "silence_duration_ms": 200, "idle_timeout_ms": null, "create_response": true,
               "interrupt_response": true})
    };
    deep_merge(&mut out, given);
    out
}

/// Objects merge key by key; anything else (arrays, null, scalars) replaces.
pub fn deep_merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                match b.get_mut(k) {
                    Some(slot) if slot.is_object() && v.is_object() => deep_merge(slot, v),
                    _ => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

fn defaults(kind: &str, id: &str, expires_at: i64, voice: &str) -> Value {
    let td = turn_detection_with_defaults(&json!({"type": "server_vad"}));
    if kind == "transcription" {
        return json!({
            "type": "transcription",
            "object": "realtime.transcription_session",
            "id": id,
            "expires_at": expires_at,
            "audio": {"input": {
                "format": audio_format(),
                "transcription": {"model": "gpt-4o-transcribe", "language": null, "prompt": ""},
                "noise_reduction": null,
                "turn_detection": td,
            }},
            "include": null,
        });
    }
    json!({
        "type": "realtime",
        "object": "realtime.session",
        "id": id,
        "model": DEFAULT_MODEL,
        "output_modalities": ["audio"],
        "instructions": DEFAULT_INSTRUCTIONS,
        "tools": [],
        "tool_choice": "auto",
        "max_output_tokens": "inf",
        "tracing": null,
        "truncation": "auto",
        "prompt": null,
        "expires_at": expires_at,
        "audio": {
            "input": {
                "format": audio_format(),
                "transcription": null,
                "noise_reduction": null,
                "turn_detection": td,
            },
            "output": {"format": audio_format(), "voice": voice, "speed": 1.0},
        },
        "include": null,
    })
}

fn pointer_str<'a>(v: &'a Value, p: &str) -> Option<&'a str> {
    v.pointer(p).and_then(Value::as_str)
}

/// The voice as a name: a custom voice `{"id": "voice_…"}` gives its id.
pub fn voice_name(v: &Value) -> Option<&str> {
    v.as_str().or_else(|| v.get("id").and_then(Value::as_str))
}

impl SessionState {
    /// A fresh session of the type `initial` asks for (realtime by default), with
    /// `initial` merged over the defaults. `initial` was validated by the caller.
    pub fn new(id: &str, expires_at: i64, default_voice: &str, initial: Option<&Value>) -> Self {
        let kind = initial
            .and_then(|v| pointer_str(v, "/type"))
            .unwrap_or("realtime");
        let mut state = SessionState {
            value: defaults(kind, id, expires_at, default_voice),
        };
        if let Some(patch) = initial {
            state.merge(patch);
        }
        state
    }

    pub fn value(&self) -> &Value {
        &self.value
    }

    pub fn set_expires_at(&mut self, unix_s: i64) {
        if let Some(m) = self.value.as_object_mut() {
            m.insert("expires_at".into(), json!(unix_s));
        }
    }

    pub fn kind(&self) -> &str {
        pointer_str(&self.value, "/type").unwrap_or("realtime")
    }

    pub fn model(&self) -> &str {
        pointer_str(&self.value, "/model").unwrap_or(DEFAULT_MODEL)
    }

    pub fn voice(&self) -> &str {
        self.value
            .pointer("/audio/output/voice")
            .and_then(voice_name)
            .unwrap_or("marin")
    }

    pub fn instructions(&self) -> &str {
        pointer_str(&self.value, "/instructions").unwrap_or("")
    }

    pub fn output_modalities(&self) -> Vec<String> {
        let list = self
            .value
            .get("output_modalities")
            .and_then(Value::as_array);
        match list {
            Some(l) => l
                .iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect(),
            None => vec!["audio".to_string()],
        }
    }

    pub fn tools(&self) -> Vec<Value> {
        self.value
            .get("tools")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    }

    pub fn tool_choice(&self) -> Value {
        self.value
            .get("tool_choice")
            .cloned()
            .unwrap_or(json!("auto"))
    }

    pub fn max_output_tokens(&self) -> Value {
        self.value
            .get("max_output_tokens")
            .cloned()
            .unwrap_or(json!("inf"))
    }

    pub fn output_format(&self) -> Value {
        self.value
            .pointer("/audio/output/format")
            .cloned()
            .unwrap_or_else(audio_format)
    }

    /// `audio.input.transcription` when it is configured (not null).
    pub fn transcription(&self) -> Option<&Value> {
        self.value
            .pointer("/audio/input/transcription")
            .filter(|v| v.is_object())
    }

    /// Turn detection, or `None` when it is off (`null`).
    pub fn turn(&self) -> Option<TurnConfig> {
        let td = self
            .value
            .pointer("/audio/input/turn_detection")?
            .as_object()?;
        let num = |k: &str, d: f64| td.get(k).and_then(Value::as_f64).unwrap_or(d);
        let flag = |k: &str| td.get(k).and_then(Value::as_bool).unwrap_or(true);
        let semantic = td.get("type").and_then(Value::as_str) == Some("semantic_vad");
        let silence = if semantic {
            match td.get("eagerness").and_then(Value::as_str) {
                Some("low") => 800,
                Some("high") => 250,
                _ => 500,
            }
        } else {
            num("silence_duration_ms", 200.0) as u32
        };
        Some(TurnConfig {
            vad: VadParams {
                threshold: num("threshold", 0.5) as f32,
                prefix_padding_ms: num("prefix_padding_ms", 300.0) as u32,
                silence_duration_ms: silence,
                // Not an API parameter: the detector's own default.
                min_speech_ms: VadParams::default().min_speech_ms,
            },
            create_response: flag("create_response"),
            interrupt_response: flag("interrupt_response"),
            idle_timeout_ms: td.get("idle_timeout_ms").and_then(Value::as_u64),
        })
    }

    /// Applies a validated `session.update` (GA layout). Nothing changes when it
    /// is refused.
    pub fn update(&mut self, patch: &Value, audio_produced: bool) -> Result<(), ApiErr> {
        if let Some(kind) = pointer_str(patch, "/type") {
            if kind != self.kind() {
                return Err(ApiErr::session_type_fixed(self.kind(), kind));
            }
        }
        if let Some(model) = pointer_str(patch, "/model") {
            if model != self.model() {
                return Err(ApiErr::model_fixed(self.model(), model));
            }
        }
        if let Some(voice) = patch.pointer("/audio/output/voice").and_then(voice_name) {
            if audio_produced && voice != self.voice() {
                return Err(ApiErr::cannot_update_voice());
            }
        }
        self.merge(patch);
        Ok(())
    }

    fn merge(&mut self, patch: &Value) {
        let mut patch = patch.clone();
        let td = patch
            .pointer_mut("/audio/input")
            .and_then(Value::as_object_mut)
            .and_then(|input| input.remove("turn_detection"));
        deep_merge(&mut self.value, &patch);
        if let Some(td) = td {
            let input = ensure_object(&mut self.value, &["audio", "input"]);
            input.insert("turn_detection".into(), turn_detection_with_defaults(&td));
        }
    }
}

/// The object at `path`, created empty where missing.
fn ensure_object<'a>(root: &'a mut Value, path: &[&str]) -> &'a mut Map<String, Value> {
    let mut cur = root;
    for key in path {
        if !cur.is_object() {
            *cur = Value::Object(Map::new());
        }
        cur = cur
            .as_object_mut()
            .expect("just made an object")
            .entry(key.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    if !cur.is_object() {
        *cur = Value::Object(Map::new());
    }
    cur.as_object_mut().expect("just made an object")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> SessionState {
        SessionState::new("sess_x", 100, "marin", None)
    }

    #[test]
    fn defaults_match_the_documented_session() {
        let s = state();
        let v = s.value();
        assert_eq!(v["model"], "gpt-realtime");
        assert_eq!(v["audio"]["output"]["voice"], "marin");
        let td = &v["audio"]["input"]["turn_detection"];
        assert_eq!(td["silence_duration_ms"], 200);
        assert_eq!(td["idle_timeout_ms"], Value::Null);
        assert_eq!(v["max_output_tokens"], "inf");
        assert_eq!(s.turn().unwrap().vad.prefix_padding_ms, 300);
    }

    #[test]
    fn update_merges_objects_and_replaces_the_rest() {
        let mut s = state();
        let patch = json!({"type": "realtime", "instructions": "be brief",
            "audio": {"input": {"turn_detection": {"type": "semantic_vad", "eagerness": "high"}}},
            "tools": []});
        s.update(&patch, false).unwrap();
        let v = s.value();
        assert_eq!(v["instructions"], "be brief");
        assert_eq!(
            v["audio"]["output"]["voice"], "marin",
            "untouched field kept"
        );
        assert_eq!(
            v["audio"]["input"]["turn_detection"]["create_response"],
            true
        );
        assert!(v["audio"]["input"]["turn_detection"]
            .get("threshold")
            .is_none());
        assert_eq!(s.turn().unwrap().vad.silence_duration_ms, 250);
        s.update(
            &json!({"audio": {"input": {"turn_detection": null}}}),
            false,
        )
        .unwrap();
        assert!(s.turn().is_none());
    }

    #[test]
    fn model_type_and_voice_after_audio_are_fixed() {
        let mut s = state();
        let before = s.value().clone();
        assert!(s.update(&json!({"model": "gpt-4o"}), false).is_err());
        assert!(s.update(&json!({"type": "transcription"}), false).is_err());
        let voice = json!({"audio": {"output": {"voice": "cedar"}}, "instructions": "x"});
        let e = s.update(&voice, true).unwrap_err();
        assert_eq!(e.code.as_deref(), Some("cannot_update_voice"));
        assert_eq!(s.value(), &before, "a refused update changes nothing");
        s.update(&voice, false).unwrap();
        assert_eq!(s.voice(), "cedar");
    }
}

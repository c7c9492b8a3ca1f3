//! The GA session object (protocol.md §3.2) as typed values, and the mapping of a
//! beta flat session (§3.1) onto it so old recordings read in today's terms.
//!
//! Every struct keeps unknown keys in `extra`: a session object is what the server
//! says its configuration is, and an inspector that dropped new fields would lie.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `max_output_tokens`: a count or `"inf"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MaxTokens {
    Count(u64),
    Named(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct AudioFormat {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct TurnDetection {
    /// `server_vad` or `semantic_vad`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix_padding_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub silence_duration_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_response: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupt_response: Option<bool>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::protocol::nullable"
    )]
    pub idle_timeout_ms: Option<Option<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eagerness: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct AudioInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<AudioFormat>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::protocol::nullable"
    )]
    pub transcription: Option<Option<Value>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::protocol::nullable"
    )]
    pub noise_reduction: Option<Option<Value>>,
    /// `Some(None)` is `null`: turn detection off (push-to-talk).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::protocol::nullable"
    )]
    pub turn_detection: Option<Option<TurnDetection>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct AudioOutput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<AudioFormat>,
    /// A voice name, or `{"id": "voice_…"}` for a custom voice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed: Option<f64>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct AudioConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<AudioInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<AudioOutput>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A function or MCP tool. MCP's many fields stay in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Tool {
    pub fn function(
        name: impl Into<String>,
        description: impl Into<String>,
        parameters: Value,
    ) -> Self {
        Tool {
            kind: "function".into(),
            name: Some(name.into()),
            description: Some(description.into()),
            parameters: Some(parameters),
            extra: Map::new(),
        }
    }

    /// The name shown to users: the function name, or an MCP server's label.
    pub fn label(&self) -> String {
        match (
            &self.name,
            self.extra.get("server_label").and_then(Value::as_str),
        ) {
            (Some(n), _) => n.clone(),
            (None, Some(l)) => format!("mcp:{l}"),
            (None, None) => self.kind.clone(),
        }
    }
}

/// A GA session (`type: "realtime"` or `"transcription"`). All fields optional
/// because `session.update` sends a subset and only present fields change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SessionConfig {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_modalities: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<AudioConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Tool>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<MaxTokens>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::protocol::nullable"
    )]
    pub tracing: Option<Option<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncation: Option<Value>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::protocol::nullable"
    )]
    pub prompt: Option<Option<Value>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::protocol::nullable"
    )]
    pub include: Option<Option<Vec<String>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl SessionConfig {
    /// An empty realtime session, the starting point of a `session.update`.
    pub fn realtime() -> Self {
        SessionConfig {
            kind: Some("realtime".into()),
            ..Default::default()
        }
    }

    /// The session says input transcription is off (`transcription: null`).
    pub fn transcription_off(&self) -> bool {
        matches!(
            self.audio
                .as_ref()
                .and_then(|a| a.input.as_ref())
                .map(|i| &i.transcription),
            Some(Some(None))
        )
    }

    pub fn turn_detection(&self) -> Option<Option<&TurnDetection>> {
        let td = self
            .audio
            .as_ref()?
            .input
            .as_ref()?
            .turn_detection
            .as_ref()?;
        Some(td.as_ref())
    }

    pub fn voice(&self) -> Option<&Value> {
        self.audio.as_ref()?.output.as_ref()?.voice.as_ref()
    }

    /// Reads a session object of either dialect. A beta flat session (no `type`,
    /// top-level `voice`/`modalities`/…) is moved into the GA layout; the second
    /// value says whether that happened.
    pub fn from_value(value: Value) -> Result<(SessionConfig, bool), serde_json::Error> {
        if is_beta_session(&value) {
            let ga = beta_to_ga(value);
            Ok((serde_json::from_value(ga)?, true))
        } else {
            Ok((serde_json::from_value(value)?, false))
        }
    }
}

/// Beta fields that have no place in a GA session; their presence (with no
/// `type`) marks a session object as beta-shaped.
const BETA_ONLY: &[&str] = &[
    "modalities",
    "voice",
    "input_audio_format",
    "output_audio_format",
    "input_audio_transcription",
    "turn_detection",
    "input_audio_noise_reduction",
    "max_response_output_tokens",
    "temperature",
];

pub fn is_beta_session(v: &Value) -> bool {
    match v.as_object() {
        Some(m) => !m.contains_key("type") && BETA_ONLY.iter().any(|k| m.contains_key(*k)),
        None => false,
    }
}

/// Where each beta flat audio field lives in GA's nested `audio`: (beta key, `input`
/// or `output`, GA key). Both directions of the conversion read this one table.
const BETA_AUDIO_FIELDS: [(&str, &str, &str); 7] = [
    ("input_audio_format", "input", "format"),
    ("input_audio_transcription", "input", "transcription"),
    ("input_audio_noise_reduction", "input", "noise_reduction"),
    ("turn_detection", "input", "turn_detection"),
    ("output_audio_format", "output", "format"),
    ("voice", "output", "voice"),
    ("speed", "output", "speed"),
];

fn format_to_ga(v: Value) -> Value {
    match v.as_str() {
        Some("pcm16") => serde_json::json!({"type": "audio/pcm", "rate": 24000}),
        Some("g711_ulaw") => serde_json::json!({"type": "audio/pcmu"}),
        Some("g711_alaw") => serde_json::json!({"type": "audio/pcma"}),
        _ => v,
    }
}

/// A GA format object by its beta name; anything but G.711 is `pcm16`.
pub fn format_to_beta(ga: &Value) -> Value {
    match ga.get("type").and_then(Value::as_str) {
        Some("audio/pcmu") => Value::from("g711_ulaw"),
        Some("audio/pcma") => Value::from("g711_alaw"),
        _ => Value::from("pcm16"),
    }
}

/// GA `output_modalities` in beta terms: audio always came with its transcript.
pub fn modalities_to_beta(ga: Option<&Value>) -> Value {
    let audio = ga
        .and_then(Value::as_array)
        .is_none_or(|l| l.iter().any(|m| m == "audio"));
    if audio {
        serde_json::json!(["audio", "text"])
    } else {
        serde_json::json!(["text"])
    }
}

/// Moves a beta flat session into GA's nested layout (§3.1 → §3.2). Fields with
/// no GA equivalent (`temperature`) are kept as they were, so nothing is lost.
pub fn beta_to_ga(value: Value) -> Value {
    let Value::Object(mut m) = value else {
        return value;
    };
    let mut input = Map::new();
    let mut output = Map::new();
    for (beta, side, key) in BETA_AUDIO_FIELDS {
        if let Some(v) = m.remove(beta) {
            let v = if key == "format" { format_to_ga(v) } else { v };
            let to = if side == "input" {
                &mut input
            } else {
                &mut output
            };
            to.insert(key.into(), v);
        }
    }
    if let Some(v) = m.remove("modalities") {
        // Beta's default ["audio","text"] means audio with a transcript: GA ["audio"].
        let audio = v.as_array().is_some_and(|a| a.iter().any(|x| x == "audio"));
        let ga = if audio { "audio" } else { "text" };
        m.insert("output_modalities".into(), serde_json::json!([ga]));
    }
    if let Some(v) = m.remove("max_response_output_tokens") {
        m.insert("max_output_tokens".into(), v);
    }
    let mut audio = Map::new();
    if !input.is_empty() {
        audio.insert("input".into(), Value::Object(input));
    }
    if !output.is_empty() {
        audio.insert("output".into(), Value::Object(output));
    }
    if !audio.is_empty() {
        m.insert("audio".into(), Value::Object(audio));
    }
    let kind = if m.get("object").and_then(Value::as_str) == Some("realtime.transcription_session")
    {
        "transcription"
    } else {
        "realtime"
    };
    m.insert("type".into(), Value::String(kind.into()));
    Value::Object(m)
}

/// Moves a GA session into the beta flat layout (§3.2 → §3.1), the inverse of
/// [`beta_to_ga`]: what a beta server shows in `session.created`. GA-only fields
/// (`truncation`, `prompt`, `idle_timeout_ms`) have no beta place and are dropped.
pub fn ga_to_beta(ga: &Value) -> Value {
    let at = |p: &str| ga.pointer(p).cloned().unwrap_or(Value::Null);
    let mut out = Map::new();
    out.insert("id".into(), at("/id"));
    out.insert("object".into(), Value::from("realtime.session"));
    out.insert("model".into(), at("/model"));
    out.insert("expires_at".into(), at("/expires_at"));
    out.insert(
        "modalities".into(),
        modalities_to_beta(ga.get("output_modalities")),
    );
    out.insert("instructions".into(), at("/instructions"));
    for (beta, side, key) in BETA_AUDIO_FIELDS {
        let mut v = at(&format!("/audio/{side}/{key}"));
        match key {
            "format" => v = format_to_beta(&v),
            "turn_detection" => {
                if let Some(m) = v.as_object_mut() {
                    m.shift_remove("idle_timeout_ms");
                }
            }
            _ => {}
        }
        out.insert(beta.into(), v);
    }
    out.insert("tools".into(), at("/tools"));
    out.insert("tool_choice".into(), at("/tool_choice"));
    let temperature = ga.get("temperature").cloned().unwrap_or(Value::from(0.8));
    out.insert("temperature".into(), temperature);
    out.insert(
        "max_response_output_tokens".into(),
        at("/max_output_tokens"),
    );
    out.insert("tracing".into(), at("/tracing"));
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ga_to_beta_and_back_keeps_every_shared_field() {
        let ga = json!({"type": "realtime", "model": "gpt-realtime", "output_modalities": ["text"],
            "instructions": "hi", "max_output_tokens": 100, "tools": [], "tool_choice": "auto",
            "audio": {"input": {"format": {"type": "audio/pcmu"}, "transcription": {"model": "whisper-1"},
                "noise_reduction": null, "turn_detection": {"type": "server_vad", "idle_timeout_ms": 6000}},
                "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "cedar", "speed": 1.2}}});
        let beta = ga_to_beta(&ga);
        assert_eq!(beta["modalities"], json!(["text"]));
        assert_eq!(beta["input_audio_format"], "g711_ulaw");
        assert_eq!(beta["voice"], "cedar");
        assert!(beta["turn_detection"].get("idle_timeout_ms").is_none());
        let back = beta_to_ga(beta);
        for p in [
            "/audio/input/format",
            "/audio/output/format",
            "/audio/output/voice",
            "/audio/output/speed",
            "/audio/input/transcription",
            "/output_modalities",
            "/max_output_tokens",
            "/instructions",
        ] {
            assert_eq!(back.pointer(p), ga.pointer(p), "{p}");
        }
    }
}

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

fn beta_format(v: Value) -> Value {
    match v.as_str() {
        Some("pcm16") => serde_json::json!({"type": "audio/pcm", "rate": 24000}),
        Some("g711_ulaw") => serde_json::json!({"type": "audio/pcmu"}),
        Some("g711_alaw") => serde_json::json!({"type": "audio/pcma"}),
        _ => v,
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
    let mut moves = |from: &str, to: &mut Map<String, Value>, key: &str, f: fn(Value) -> Value| {
        if let Some(v) = m.remove(from) {
            to.insert(key.into(), f(v));
        }
    };
    let id = |v: Value| v;
    moves("input_audio_format", &mut input, "format", beta_format);
    moves("input_audio_transcription", &mut input, "transcription", id);
    moves(
        "input_audio_noise_reduction",
        &mut input,
        "noise_reduction",
        id,
    );
    moves("turn_detection", &mut input, "turn_detection", id);
    moves("output_audio_format", &mut output, "format", beta_format);
    moves("voice", &mut output, "voice", id);
    moves("speed", &mut output, "speed", id);
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

//! The types of a recording and their line shapes; see the [`crate::recording`] docs
//! for the format itself.

use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::protocol::{Dialect, Direction};

/// The format version written in the header's `rtconsole_recording` key.
pub const FORMAT_VERSION: u32 = 1;

/// What a header looks like, quoted in errors about a missing or broken one.
pub const HEADER_EXAMPLE: &str = r#"{"rtconsole_recording":1,"tool":"rtconsole","version":"0.1.0","started_at":"2026-11-21T08:05:00.123Z","endpoint":"https://api.openai.com/v1","model":"gpt-realtime","dialect":"ga","call_id":null}"#;

/// The first line of a recording: what recorded it, when, and against what.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// The `rtconsole_recording` format version; [`FORMAT_VERSION`] when written.
    pub format_version: u32,
    pub tool: String,
    /// The version of the tool that wrote the recording.
    pub version: String,
    /// Stored with millisecond precision, so a round trip drops anything finer.
    pub started_at: SystemTime,
    pub endpoint: Option<String>,
    pub model: Option<String>,
    pub dialect: Dialect,
    /// The WebRTC call id (`rtc_…`) from the `Location` of the SDP answer.
    pub call_id: Option<String>,
    /// Header keys this version does not know, kept so that reading and rewriting a
    /// newer recording loses nothing.
    pub extra: Map<String, Value>,
}

impl Header {
    pub fn new(started_at: SystemTime, dialect: Dialect) -> Self {
        Header {
            format_version: FORMAT_VERSION,
            tool: "rtconsole".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            started_at,
            endpoint: None,
            model: None,
            dialect,
            call_id: None,
            extra: Map::new(),
        }
    }

    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    pub fn with_model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    pub fn with_call_id(mut self, call_id: impl Into<String>) -> Self {
        self.call_id = Some(call_id.into());
        self
    }

    /// The header line as JSON, before redaction.
    pub(super) fn to_value(&self) -> Value {
        let line = HeaderLine {
            rtconsole_recording: self.format_version,
            tool: self.tool.clone(),
            version: self.version.clone(),
            started_at: humantime::format_rfc3339_millis(self.started_at).to_string(),
            endpoint: self.endpoint.clone(),
            model: self.model.clone(),
            dialect: self.dialect,
            call_id: self.call_id.clone(),
            extra: self.extra.clone(),
        };
        serde_json::to_value(line).expect("a header always serializes")
    }

    /// Parses a header line already known to be a JSON object with an
    /// `rtconsole_recording` key. The error is a sentence for a person.
    pub(super) fn from_object(object: Map<String, Value>) -> Result<Self, String> {
        let line: HeaderLine = serde_json::from_value(Value::Object(object))
            .map_err(|e| format!("the header is malformed: {e}"))?;
        // Weak parsing also accepts a space for `T` or a missing `Z`, as a person
        // editing a header by hand might write.
        let started_at = humantime::parse_rfc3339_weak(&line.started_at).map_err(|e| {
            format!(
                "started_at '{}' is not an RFC 3339 UTC time such as 2026-11-21T08:05:00.123Z ({e})",
                line.started_at
            )
        })?;
        Ok(Header {
            format_version: line.rtconsole_recording,
            tool: line.tool,
            version: line.version,
            started_at,
            endpoint: line.endpoint,
            model: line.model,
            dialect: line.dialect,
            call_id: line.call_id,
            extra: line.extra,
        })
    }
}

#[derive(Serialize, Deserialize)]
struct HeaderLine {
    rtconsole_recording: u32,
    #[serde(default)]
    tool: String,
    #[serde(default)]
    version: String,
    started_at: String,
    #[serde(default)]
    endpoint: Option<String>,
    #[serde(default)]
    model: Option<String>,
    dialect: Dialect,
    #[serde(default)]
    call_id: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

/// One recorded event, kept as text: the reader does not interpret events, so a
/// recording from any dialect or era reads the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Milliseconds since the header's `started_at`.
    pub t_ms: u64,
    pub dir: Direction,
    /// The event's JSON text exactly as stored, or the verbatim text of a message
    /// that was not a JSON object (see [`Entry::json`]).
    pub raw: String,
    /// Whether `raw` is a JSON event object (`event` in the file) rather than
    /// verbatim text (`raw` in the file).
    pub json: bool,
}

impl Entry {
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// The event parsed, for JSON entries.
    pub fn event(&self) -> Option<Value> {
        if !self.json {
            return None;
        }
        serde_json::from_str(&self.raw).ok()
    }
}

/// An event line as read. `event` borrows the line so its bytes survive unchanged.
#[derive(Deserialize)]
pub(super) struct EntryLine<'a> {
    pub t_ms: u64,
    pub dir: Direction,
    #[serde(borrow, default)]
    pub event: Option<&'a RawValue>,
    #[serde(default)]
    pub raw: Option<String>,
}

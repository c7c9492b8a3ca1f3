use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

use serde_json::Value;

use super::format::Header;
use crate::protocol::redact::{redact_text, redact_value};
use crate::protocol::Direction;

/// Appends a session to a recording, one line per event, redacted, flushed per line.
///
/// Each line goes out in a single `write_all` followed by `flush`, so a crash leaves
/// every earlier line intact and at most one partial last line, which the reader
/// skips with a warning.
pub struct RecordingWriter<W: Write> {
    out: W,
    line: Vec<u8>,
}

impl RecordingWriter<File> {
    /// Creates a recording file and writes its header.
    ///
    /// Refuses (`AlreadyExists`) when the file already has content, so an earlier
    /// recording is never destroyed by a reused name. An existing empty file, such
    /// as one made by `mktemp`, is used as is.
    pub fn create(path: impl AsRef<Path>, header: &Header) -> io::Result<Self> {
        let path = path.as_ref();
        let file = open_new_recording(path)?;
        RecordingWriter::new(file, header)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))
    }
}

/// Opens `path` for a new recording (see [`RecordingWriter::create`]) without
/// writing anything yet.
pub fn open_new_recording(path: &Path) -> io::Result<File> {
    let with_path = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
    // Append mode: every line lands at the end even if the length check races
    // with another writer.
    let file = OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map_err(with_path)?;
    let len = file.metadata().map_err(with_path)?.len();
    if len > 0 {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "refusing to overwrite {}: it already holds {len} bytes (probably an \
                 earlier recording); choose another file name or delete it first",
                path.display()
            ),
        ));
    }
    Ok(file)
}

impl<W: Write> RecordingWriter<W> {
    /// Writes the (redacted) header line and returns a writer for the events.
    pub fn new(out: W, header: &Header) -> io::Result<Self> {
        let mut writer = RecordingWriter {
            out,
            line: Vec::with_capacity(256),
        };
        // The endpoint may be a URL with a key in its query string.
        let mut value = header.to_value();
        redact_value(&mut value);
        let text = value.to_string();
        writer.emit(|line| line.extend_from_slice(text.as_bytes()))?;
        Ok(writer)
    }

    /// Records one message as it went over the wire.
    ///
    /// A JSON object is stored as `event`: verbatim (minus surrounding whitespace)
    /// when it fits on one line and redaction changed nothing, else re-serialized
    /// compactly. Anything else (a bad server message, a JSON scalar) is stored as a
    /// `raw` string, redacted.
    pub fn write_event(&mut self, t_ms: u64, dir: Direction, raw_text: &str) -> io::Result<()> {
        // Audio the link spooled to disk goes back in as the base64 that was on the wire.
        let resolved = super::audio_spool::resolve(raw_text);
        let raw_text: &str = &resolved;
        let trimmed = raw_text.trim();
        match serde_json::from_str::<Value>(trimmed) {
            Ok(mut value) => {
                let changed = redact_value(&mut value);
                let is_object = value.is_object();
                let text = if changed || trimmed.contains(['\n', '\r']) {
                    value.to_string()
                } else {
                    trimmed.to_string()
                };
                if is_object {
                    self.emit_event(t_ms, dir, &text)
                } else {
                    self.emit_raw(t_ms, dir, if changed { &text } else { raw_text })
                }
            }
            Err(_) => self.emit_raw(t_ms, dir, &redact_text(raw_text)),
        }
    }

    /// Records a local note from transport or audio: a JSON object whose `type`
    /// starts with `local.`, e.g. `{"type":"local.connection","state":"connected"}`.
    ///
    /// Anything else is refused with `InvalidInput`, so notes cannot be mistaken for
    /// wire events when a recording is replayed.
    pub fn write_local(&mut self, t_ms: u64, note: &Value) -> io::Result<()> {
        let is_local = note
            .get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.starts_with("local."));
        if !is_local {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "a local note must be a JSON object whose \"type\" starts with \"local.\", got: {}",
                    redact_text(&note.to_string())
                ),
            ));
        }
        let mut note = note.clone();
        redact_value(&mut note);
        self.emit_event(t_ms, Direction::Local, &note.to_string())
    }

    pub fn get_ref(&self) -> &W {
        &self.out
    }

    pub fn into_inner(self) -> W {
        self.out
    }

    /// `event_json` must be valid single-line JSON: it is embedded as is.
    fn emit_event(&mut self, t_ms: u64, dir: Direction, event_json: &str) -> io::Result<()> {
        self.emit(|line| {
            line.extend_from_slice(entry_prefix(t_ms, dir).as_bytes());
            line.extend_from_slice(b"\"event\":");
            line.extend_from_slice(event_json.as_bytes());
            line.push(b'}');
        })
    }

    fn emit_raw(&mut self, t_ms: u64, dir: Direction, text: &str) -> io::Result<()> {
        let quoted = serde_json::to_string(text).expect("a string always serializes");
        self.emit(|line| {
            line.extend_from_slice(entry_prefix(t_ms, dir).as_bytes());
            line.extend_from_slice(b"\"raw\":");
            line.extend_from_slice(quoted.as_bytes());
            line.push(b'}');
        })
    }

    fn emit(&mut self, fill: impl FnOnce(&mut Vec<u8>)) -> io::Result<()> {
        self.line.clear();
        fill(&mut self.line);
        self.line.push(b'\n');
        self.out.write_all(&self.line)?;
        self.out.flush()
    }
}

fn entry_prefix(t_ms: u64, dir: Direction) -> String {
    format!(r#"{{"t_ms":{t_ms},"dir":"{}","#, dir.as_str())
}

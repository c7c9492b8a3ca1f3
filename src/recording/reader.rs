use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::error::RecordingError;
use super::format::{Entry, EntryLine, Header, FORMAT_VERSION};
use crate::protocol::redact::redact_text;

/// A recording as read: everything that could be read, and what could not.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    pub header: Header,
    pub entries: Vec<Entry>,
    /// One sentence per skipped or doubtful line, naming the line number.
    pub warnings: Vec<String>,
}

/// Opens and reads a recording file. See [`read_recording`].
pub fn open_recording(path: impl AsRef<Path>) -> Result<Recording, RecordingError> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|cause| RecordingError::Io {
        path: path.to_path_buf(),
        cause,
    })?;
    read_named(BufReader::new(file), path, false)
}

/// Like [`open_recording`], but the audio inside events (a socket session's deltas
/// and appends, ~460 MB of base64 an hour) goes to the audio spool as it is read, so
/// browsing a long recording does not hold it in memory. Writing such a recording
/// again puts the audio back; replaying one to a server wants [`open_recording`].
pub fn open_recording_spooled(path: impl AsRef<Path>) -> Result<Recording, RecordingError> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|cause| RecordingError::Io {
        path: path.to_path_buf(),
        cause,
    })?;
    read_named(BufReader::new(file), path, true)
}

/// Reads a recording from a stream (errors name it `<input>`).
///
/// Only a missing or broken header is an error. A broken event line, including the
/// partial last line a crash leaves, is skipped with a warning and the rest is read.
pub fn read_recording<R: BufRead>(r: R) -> Result<Recording, RecordingError> {
    read_named(r, Path::new("<input>"), false)
}

fn read_named<R: BufRead>(
    mut r: R,
    path: &Path,
    spool_audio: bool,
) -> Result<Recording, RecordingError> {
    let mut header: Option<Header> = None;
    let mut entries = Vec::new();
    let mut warnings = Vec::new();
    let mut buf = Vec::new();
    let mut line_no = 0;
    loop {
        buf.clear();
        let read = r
            .read_until(b'\n', &mut buf)
            .map_err(|cause| RecordingError::Io {
                path: path.to_path_buf(),
                cause,
            })?;
        if read == 0 {
            break;
        }
        line_no += 1;
        // `read_until` only stops short of a newline at the end of the input.
        let terminated = buf.last() == Some(&b'\n');
        let bytes = buf.trim_ascii_end();
        if bytes.is_empty() {
            continue;
        }
        if header.is_none() {
            let (parsed, warning) =
                parse_header(bytes).map_err(|problem| bad_header(path, line_no, problem))?;
            warnings.extend(warning.map(|w| format!("line {line_no}: {w}")));
            header = Some(parsed);
            continue;
        }
        match parse_entry(bytes) {
            Ok((mut entry, note)) => {
                warnings.extend(note.map(|n| format!("line {line_no}: {n}")));
                if spool_audio {
                    entry.raw = super::audio_spool::spool_event(entry.raw);
                }
                entries.push(entry);
            }
            Err(_) if !terminated => warnings.push(format!(
                "line {line_no}: incomplete last line skipped (no trailing newline and not a \
                 complete entry); the recording was probably cut off while it was being written"
            )),
            // serde errors quote offending values, which could be anything.
            Err(problem) => warnings.push(format!(
                "line {line_no}: skipped, {}: {}",
                redact_text(&problem),
                snippet(bytes)
            )),
        }
    }
    let mut header = header.ok_or_else(|| {
        bad_header(
            path,
            line_no.max(1),
            "the file is empty, there is no header line".to_string(),
        )
    })?;
    // Live recordings write their header before the call is up; the call id comes
    // later, in the connect breakdown.
    if header.call_id.is_none() {
        header.call_id = entries.iter().find_map(|e| {
            let v = e.event()?;
            (v.get("type")?.as_str()? == "local.connected")
                .then(|| v.get("call_id")?.as_str().map(str::to_string))
                .flatten()
        });
    }
    Ok(Recording {
        header,
        entries,
        warnings,
    })
}

fn bad_header(path: &Path, line: usize, problem: String) -> RecordingError {
    RecordingError::BadHeader {
        path: PathBuf::from(path),
        line,
        problem: redact_text(&problem).into_owned(),
    }
}

/// The header, plus a warning when it comes from a newer format version.
fn parse_header(bytes: &[u8]) -> Result<(Header, Option<String>), String> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| format!("the first line is not UTF-8 text ({e})"))?;
    let object: Map<String, Value> = serde_json::from_str(text)
        .map_err(|e| format!("the first line is not a JSON object ({e})"))?;
    if !object.contains_key("rtconsole_recording") {
        // Explicitly refused rather than guessed at: without a header there is no
        // start time or dialect, and silently assuming them would mislead.
        let problem = if object.contains_key("t_ms") && object.contains_key("dir") {
            "the first line is an event entry: the header line is missing"
        } else {
            "the first line has no \"rtconsole_recording\" key"
        };
        return Err(problem.to_string());
    }
    let header = Header::from_object(object)?;
    let warning = (header.format_version > FORMAT_VERSION).then(|| {
        format!(
            "recording format {} is newer than this rtconsole understands ({FORMAT_VERSION}); \
             reading what it can",
            header.format_version
        )
    });
    Ok((header, warning))
}

/// The entry, plus a note when the line was readable but odd.
fn parse_entry(bytes: &[u8]) -> Result<(Entry, Option<String>), String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8 text ({e})"))?;
    let line: EntryLine<'_> =
        serde_json::from_str(text).map_err(|e| format!("not a recording entry ({e})"))?;
    let (raw, json, note) = match (line.event, line.raw) {
        (Some(event), raw) => (
            event.get().to_string(),
            true,
            raw.map(|_| "has both \"event\" and \"raw\"; kept \"event\"".to_string()),
        ),
        (None, Some(raw)) => (raw, false, None),
        (None, None) => return Err("the entry has neither \"event\" nor \"raw\"".to_string()),
    };
    let entry = Entry {
        t_ms: line.t_ms,
        dir: line.dir,
        raw,
        json,
    };
    Ok((entry, note))
}

/// The start of a bad line for a warning: enough to find it, never a secret.
fn snippet(bytes: &[u8]) -> String {
    const MAX_CHARS: usize = 80;
    // Redact before cutting: a cut through a key would leave a stub too short to be
    // recognised as one.
    let lossy = String::from_utf8_lossy(bytes);
    let text = redact_text(&lossy);
    let cut = text
        .char_indices()
        .nth(MAX_CHARS)
        .map_or(text.len(), |(i, _)| i);
    let ellipsis = if cut < text.len() { "…" } else { "" };
    format!("{}{ellipsis}", &text[..cut])
}

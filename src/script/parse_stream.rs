//! Parsing `audio FILE [after TYPE CONDITION… [+D] [within D]]` and
//! `silence D [after …]`: audio that starts when the script gets there, or at a
//! moment tied to a server event.

use std::path::PathBuf;

use serde_json::Value;

use super::cursor::{Bad, Cursor};
use super::parse::parse_duration;
use super::parse_wait::{bad, expectation};
use super::step::{Expectation, Step, Stream};

const AUDIO_HINT: &str =
    "write audio examples/audio/question.wav, or audio interrupt.wav after output_audio_buffer.started +800ms to barge in";
const SILENCE_HINT: &str =
    "write silence 1s, or silence 500ms after response.done +200ms to start it at an event";

/// `audio …`; the cursor is past the keyword.
pub fn parse_audio(c: &mut Cursor<'_>) -> Result<Step, Vec<Bad>> {
    c.skip_ws();
    let at = c.pos();
    let rest = c.text_rest();
    let path = if rest.starts_with('"') {
        match c.json() {
            Ok(Value::String(p)) if !p.is_empty() => p,
            Ok(_) => {
                return Err(vec![bad(
                    at,
                    "a quoted path must be a non-empty JSON string",
                    AUDIO_HINT,
                )])
            }
            Err(b) => return Err(vec![b]),
        }
    } else {
        // A bare path runs up to a separate word `after`; quote a path that has one.
        let end = after_word(rest).unwrap_or(rest.len());
        let path = rest[..end].trim_end();
        c.rewind(at + end);
        path.to_string()
    };
    if path.is_empty() {
        return Err(vec![bad(at, "audio needs a WAV file", AUDIO_HINT)]);
    }
    let path = PathBuf::from(path);
    match anchor(c, "audio", AUDIO_HINT)? {
        None => Ok(Step::Audio(path)),
        Some((anchor, offset_ms)) => Ok(Step::StreamAfter {
            stream: Stream::Audio(path),
            anchor,
            offset_ms,
        }),
    }
}

/// `silence …`; the cursor is past the keyword.
pub fn parse_silence(c: &mut Cursor<'_>) -> Result<Step, Vec<Bad>> {
    let (at, d) = c.word();
    let ms = parse_duration(at, d).map_err(|(a, m, _)| vec![bad(a, m, SILENCE_HINT)])?;
    match anchor(c, "silence", SILENCE_HINT)? {
        None => Ok(Step::Silence(ms)),
        Some((anchor, offset_ms)) => Ok(Step::StreamAfter {
            stream: Stream::Silence(ms),
            anchor,
            offset_ms,
        }),
    }
}

/// What follows the stream: nothing, or `after TYPE CONDITION… [+D] [within D]`.
fn anchor(
    c: &mut Cursor<'_>,
    kw: &str,
    hint: &str,
) -> Result<Option<(Expectation, u64)>, Vec<Bad>> {
    if c.at_end() {
        return Ok(None);
    }
    let (at, word) = c.word();
    if word != "after" {
        return Err(vec![bad(
            at,
            format!("unexpected `{word}` after what {kw} streams"),
            format!("{hint} (quote a path with spaces: audio \"my file.wav\")"),
        )]);
    }
    if c.at_end() {
        return Err(vec![bad(
            at,
            format!("`{kw} … after` needs the server event to wait for"),
            hint,
        )]);
    }
    let mut problems = Vec::new();
    let (anchor, offset) = expectation(c, true, &mut problems);
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Some((anchor, offset.unwrap_or(0))))
}

/// Where a separate word `after` starts in a bare path's line.
fn after_word(text: &str) -> Option<usize> {
    text.match_indices("after").map(|(i, _)| i).find(|&i| {
        let before = text[..i].chars().next_back();
        let after = text[i + 5..].chars().next();
        before.is_some_and(char::is_whitespace) && after.is_none_or(char::is_whitespace)
    })
}

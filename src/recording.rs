//! Session recordings: JSONL files written while a session runs and read back by
//! `rtconsole open` and replay.
//!
//! # Format (version 1)
//!
//! UTF-8 text, one JSON object per line, each line ending in `\n`.
//!
//! **Line 1, the header:**
//!
//! ```json
//! {"rtconsole_recording":1,"tool":"rtconsole","version":"0.1.0","started_at":"2026-11-21T08:05:00.123Z","endpoint":"https://api.openai.com/v1","model":"gpt-realtime","dialect":"ga","call_id":"rtc_u1_9c6574da8b8a41a18da9308f4ad974ce"}
//! ```
//!
//! - `rtconsole_recording`: the format version (an integer; marks the file as a recording).
//! - `tool`, `version`: what wrote the file.
//! - `started_at`: RFC 3339 UTC with milliseconds; every entry's `t_ms` counts from it.
//! - `endpoint`, `model`, `call_id`: strings or `null` when unknown (the mock has no endpoint,
//!   a WebSocket session has no call id).
//! - `dialect`: `"ga"` or `"beta"`: the API shape the events inside are in.
//! - Readers ignore header keys they do not know (and keep them in [`Header::extra`]).
//!
//! **Then one line per event, in the order they happened:**
//!
//! ```json
//! {"t_ms":1234,"dir":"client","event":{"type":"response.create","event_id":"evt_1"}}
//! {"t_ms":1301,"dir":"server","event":{"type":"response.created","event_id":"event_C9G8pqbTEddBSIxbBN6Os","response":{}}}
//! {"t_ms":1302,"dir":"server","raw":"<html>502 Bad Gateway</html>"}
//! {"t_ms":1400,"dir":"local","event":{"type":"local.connection","state":"connected"}}
//! ```
//!
//! - `t_ms`: milliseconds since `started_at`.
//! - `dir`: `"client"` (sent by rtconsole), `"server"` (received), or `"local"` (a note
//!   from transport or audio that never went over the wire).
//! - `event`: the event object. It is the wire text byte for byte when that was a single
//!   line and carried no secret; otherwise the same object re-serialized compactly.
//! - `raw`: instead of `event`, the verbatim text of a message that was not a JSON object
//!   (a malformed server message is kept, not dropped).
//! - `local` events have a `type` starting with `local.`.
//!
//! **Secrets never reach the file.** Every line, the header included, is redacted
//! before it is written (see [`crate::protocol::redact`]): API keys, client secrets,
//! bearer tokens and credential fields are replaced by `sk-…[redacted]`-style markers.
//!
//! **Crash safety.** Files are append-only and every line is flushed as it is written, so
//! a crash loses nothing already received; at worst the last line is cut short, and the
//! reader skips it with a warning. A corrupt line elsewhere is also skipped with a
//! warning naming its line number; only a missing or unreadable header makes a file
//! unreadable. A file without a header (event lines only) is refused rather than given
//! a made-up start time and dialect.
//!
//! Beta-era recordings (`"dialect":"beta"`, beta event names) read like any other: the
//! reader keeps each event's text and leaves interpretation to [`crate::protocol`].

pub mod audio_spool;
mod error;
mod format;
mod reader;
mod replay;
mod session_recorder;
mod writer;

pub use error::RecordingError;
pub use format::{Entry, Header, FORMAT_VERSION, HEADER_EXAMPLE};
pub use reader::{open_recording, open_recording_spooled, read_recording, Recording};
pub use session_recorder::{fresh_path, SessionRecorder};
pub use writer::{open_new_recording, RecordingWriter};

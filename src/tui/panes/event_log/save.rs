//! `s` and `S`: the selected event as a pretty JSON file, the whole log as a
//! recording that `rtconsole open` reads back; `y`: the event to the clipboard. Files are created, never
//! overwritten: a name that is taken gets the next free number.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde_json::Value;

use super::row::group;
use super::EventLogPane;
use crate::protocol::Direction;
use crate::recording::{Header, RecordingWriter};
use crate::session::{EventLog, LogEntry, Session};
use crate::tui::clipboard;
use crate::tui::pane::{ConnInfo, PaneCtx, PaneReply};

/// How many numbered names to try before giving up on a crowded directory.
const MAX_ATTEMPTS: usize = 10_000;

/// Creates `dir/<name(n)>` for the first free `n` from 1.
fn create_new(dir: &Path, name: impl Fn(usize) -> String) -> io::Result<(PathBuf, File)> {
    fs::create_dir_all(dir)?;
    for n in 1..=MAX_ATTEMPTS {
        let path = dir.join(name(n));
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("{MAX_ATTEMPTS} files with that name already exist"),
    ))
}

/// The event as `s` saves it and `y` copies it: pretty JSON, or the message
/// verbatim when it is not JSON (then `false`).
pub(super) fn pretty(e: &LogEntry) -> (String, bool) {
    match serde_json::from_str::<Value>(&e.raw)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
    {
        Some(text) => (text, true),
        None => (e.raw.clone(), false),
    }
}

/// `rtconsole-event-<seq>.json`, the raw event pretty-printed; a message that is
/// not JSON is kept verbatim in `rtconsole-event-<seq>.txt` instead.
pub(super) fn save_event(dir: &Path, e: &LogEntry) -> io::Result<PathBuf> {
    let (text, json) = pretty(e);
    let ext = if json { "json" } else { "txt" };
    let seq = e.seq;
    let (path, mut file) = create_new(dir, |n| match n {
        1 => format!("rtconsole-event-{seq}.{ext}"),
        n => format!("rtconsole-event-{seq}-{n}.{ext}"),
    })?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")?;
    Ok(path)
}

/// The recording header for this session. The pane does not know when the session
/// started on the wall clock, so the start is now minus the session's clock.
pub(super) fn header(session: &Session, conn: &ConnInfo) -> Header {
    let started_at = SystemTime::now()
        .checked_sub(Duration::from_millis(session.now_ms()))
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let mut header = Header::new(started_at, session.dialect());
    // The recording format writes null for the mock's endpoint; offline, the
    // endpoint field holds the recording's file name, which is no endpoint.
    if !conn.read_only && !conn.endpoint.is_empty() && conn.endpoint != "mock" {
        header = header.with_endpoint(conn.endpoint.clone());
    }
    if let Some(model) = session
        .config()
        .effective
        .as_ref()
        .and_then(|s| s.model.clone())
    {
        header = header.with_model(model);
    }
    if let Some(call) = &conn.call_id {
        header = header.with_call_id(call.clone());
    }
    header
}

/// `rtconsole-log-<n>.jsonl`: every entry in the recording format, in order.
pub(super) fn save_log(dir: &Path, log: &EventLog, header: &Header) -> io::Result<PathBuf> {
    let (path, file) = create_new(dir, |n| format!("rtconsole-log-{n}.jsonl"))?;
    let mut w = RecordingWriter::new(file, header)?;
    for e in log.iter() {
        match e.dir {
            // A note replays as a note only when stored as a `local.` object.
            Direction::Local => match serde_json::from_str::<Value>(&e.raw) {
                Ok(note) if note.is_object() => match w.write_local(e.at_ms, &note) {
                    Err(err) if err.kind() == io::ErrorKind::InvalidInput => {
                        w.write_event(e.at_ms, e.dir, &e.raw)?
                    }
                    other => other?,
                },
                _ => w.write_event(e.at_ms, e.dir, &e.raw)?,
            },
            Direction::Client | Direction::Server => w.write_event(e.at_ms, e.dir, &e.raw)?,
        }
    }
    Ok(path)
}

/// The pane's `s`, `S` and `y`.
impl EventLogPane {
    /// `y`: the selected event, as `s` would save it, to the clipboard (OSC 52).
    pub(super) fn copy_selected(&self, log: &EventLog) -> PaneReply {
        let Some(e) = self.selected_seq().and_then(|s| log.get(s)) else {
            return PaneReply::Notice("no event selected to copy".into());
        };
        let (text, _) = pretty(&e);
        PaneReply::Notice(clipboard::copy(&text, &format!("event #{}", e.seq)))
    }

    pub(super) fn save_selected(&self, log: &EventLog) -> PaneReply {
        let Some(e) = self.selected_seq().and_then(|s| log.get(s)) else {
            return PaneReply::Notice("no event selected to save".into());
        };
        PaneReply::Notice(match save_event(&self.save_dir, &e) {
            Ok(path) => format!("saved event #{} to {}", e.seq, path.display()),
            Err(err) => format!(
                "could not save event #{}: {err}; check that {} is a writable directory",
                e.seq,
                self.save_dir.display()
            ),
        })
    }

    pub(super) fn save_all(&self, ctx: &PaneCtx) -> PaneReply {
        let log = ctx.session.log();
        if log.is_empty() {
            return PaneReply::Notice("the log is empty: nothing to save yet".into());
        }
        let header = header(ctx.session, ctx.conn);
        PaneReply::Notice(match save_log(&self.save_dir, log, &header) {
            Ok(path) => format!(
                "saved the log ({} events) to {}; open it with `rtconsole open {}`",
                group(log.len()),
                path.display(),
                path.display()
            ),
            Err(err) => format!(
                "could not save the log: {err}; check that {} is a writable directory",
                self.save_dir.display()
            ),
        })
    }
}

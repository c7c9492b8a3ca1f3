//! Recording a live session from the TUI (F9, or `--record FILE`). The core's event
//! log is the source: starting mid-session writes everything so far, then each new
//! entry as it lands, flushed per line, so a crash loses nothing already received.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::Value;

use crate::protocol::{Dialect, Direction};
use crate::recording::{Header, RecordingWriter};
use crate::session::{EntryKind, LogEntry, Session};

pub struct Recorder {
    path: PathBuf,
    writer: RecordingWriter<File>,
    /// Log entries before this one are in the file.
    written: usize,
}

impl Recorder {
    /// Creates `path` (refusing to overwrite) and writes the log so far.
    pub fn start(path: &Path, header: &Header, session: &Session) -> io::Result<Recorder> {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)?;
        let writer = RecordingWriter::new(file, header)?;
        let mut rec = Recorder {
            path: path.to_path_buf(),
            writer,
            written: 0,
        };
        rec.sync(session)?;
        Ok(rec)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends the entries logged since the last call.
    pub fn sync(&mut self, session: &Session) -> io::Result<()> {
        let entries = session.log().entries();
        while self.written < entries.len() {
            write_entry(&mut self.writer, &entries[self.written])?;
            self.written += 1;
        }
        Ok(())
    }
}

/// One log entry as a recording line. Rejected events never went over the wire, so
/// they are not recorded (a recording replays as what was sent).
pub fn write_entry<W: io::Write>(w: &mut RecordingWriter<W>, e: &LogEntry) -> io::Result<()> {
    match (e.kind, e.dir) {
        (EntryKind::Rejected, _) => Ok(()),
        (_, Direction::Local) => match serde_json::from_str::<Value>(&e.raw) {
            Ok(note) if note.is_object() => w.write_local(e.at_ms, &note),
            _ => w.write_local(
                e.at_ms,
                &serde_json::json!({"type": "local.note", "text": e.raw}),
            ),
        },
        (_, dir) => w.write_event(e.at_ms, dir, &e.raw),
    }
}

/// A fresh file name in `dir` that does not exist yet: `rtconsole-<unix>.jsonl`.
pub fn fresh_path(dir: &Path, stem: &str) -> PathBuf {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut n = 0;
    loop {
        let name = if n == 0 {
            format!("{stem}-{secs}.jsonl")
        } else {
            format!("{stem}-{secs}-{n}.jsonl")
        };
        let p = dir.join(name);
        if !p.exists() {
            return p;
        }
        n += 1;
    }
}

/// The header for a live session's recording.
pub fn header(
    started_at: SystemTime,
    dialect: Dialect,
    endpoint: &str,
    model: Option<&str>,
    call_id: Option<&str>,
) -> Header {
    let mut h = Header::new(started_at, dialect).with_endpoint(endpoint);
    if let Some(m) = model {
        h = h.with_model(m);
    }
    if let Some(c) = call_id {
        h = h.with_call_id(c);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recording::open_recording;
    use crate::session::{Input, SessionOptions};

    #[test]
    fn a_recording_started_late_holds_the_whole_log_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Session::new(SessionOptions::default());
        s.handle(Input::Server {
            at_ms: 5,
            raw: r#"{"type":"session.created","event_id":"e1","session":{"type":"realtime","model":"gpt-realtime"}}"#.into(),
        });
        s.handle(Input::SendText {
            at_ms: 6,
            text: r#"{"type":"response.create"}"#.into(),
        });
        // Not sent, so not recorded.
        s.handle(Input::SendText {
            at_ms: 7,
            text: r#"{"type":"response.nope"}"#.into(),
        });
        let path = fresh_path(dir.path(), "rtconsole");
        let mut rec = Recorder::start(
            &path,
            &header(SystemTime::now(), Dialect::Ga, "mock", None, None),
            &s,
        )
        .unwrap();
        s.handle(Input::Server {
            at_ms: 9,
            raw: "not json".into(),
        });
        rec.sync(&s).unwrap();
        let read = open_recording(&path).unwrap();
        let dirs: Vec<_> = read.entries.iter().map(|e| (e.t_ms, e.dir)).collect();
        assert_eq!(
            dirs,
            vec![
                (5, Direction::Server),
                (6, Direction::Client),
                (9, Direction::Server)
            ]
        );
        assert_eq!(read.entries[2].raw, "not json");
        assert!(
            Recorder::start(
                &path,
                &header(SystemTime::now(), Dialect::Ga, "mock", None, None),
                &s
            )
            .is_err(),
            "never overwrites"
        );
    }
}

//! Recording a live session from the core's event log: the one place both
//! front-ends write recordings from, so the same session makes the same file. The
//! header is written at once (so a recording killed during connect still opens; the
//! call id, known later, is in the `local.connected` note and the reader takes it
//! from there), then each entry as it lands, flushed per line, so a crash loses
//! nothing already received.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::Value;

use super::format::Header;
use super::writer::{open_new_recording, RecordingWriter};
use crate::protocol::Direction;
use crate::session::{EntryKind, LogEntry, Session};

type Out = Box<dyn Write + Send>;

pub struct SessionRecorder {
    /// `None` for standard output.
    path: Option<PathBuf>,
    /// `None` once a write failed: nothing more is written.
    writer: Option<RecordingWriter<Out>>,
    /// Log entries before this one are written.
    written: usize,
}

impl SessionRecorder {
    /// A new file at `path` with its header; refuses one that already has content.
    pub fn create(path: &Path, header: Header) -> io::Result<SessionRecorder> {
        let file = open_new_recording(path)?;
        let writer = RecordingWriter::new(Box::new(file) as Out, &header)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        Ok(SessionRecorder {
            path: Some(path.to_path_buf()),
            writer: Some(writer),
            written: 0,
        })
    }

    /// The recording on any writer (standard output for `run`), header first.
    pub fn to_writer(out: Out, header: Header) -> io::Result<SessionRecorder> {
        Ok(SessionRecorder {
            path: None,
            writer: Some(RecordingWriter::new(out, &header)?),
            written: 0,
        })
    }

    /// Where it goes, for messages: the file, or `standard output`.
    pub fn describe(&self) -> String {
        match &self.path {
            Some(p) => p.display().to_string(),
            None => "standard output".into(),
        }
    }

    /// Appends what was logged since the last call. After a failed write every
    /// call fails: the recording has stopped.
    pub fn sync(&mut self, session: &Session) -> io::Result<()> {
        let Some(writer) = self.writer.as_mut() else {
            return Err(io::Error::other("an earlier write to the recording failed"));
        };
        let log = session.log();
        while let Some(entry) = log.get(self.written) {
            if let Err(e) = write_entry(writer, &entry) {
                self.writer = None;
                return Err(e);
            }
            self.written += 1;
        }
        Ok(())
    }
}

/// One log entry as a recording line. A rejected event is kept as its
/// `local.rejected` note: it never went over the wire, and replay skips notes.
pub fn write_entry<W: io::Write>(w: &mut RecordingWriter<W>, e: &LogEntry) -> io::Result<()> {
    match (e.kind, e.dir) {
        (EntryKind::Rejected, _) | (_, Direction::Local) => {
            match serde_json::from_str::<Value>(&e.raw) {
                Ok(note) if note.is_object() => w.write_local(e.at_ms, &note),
                _ => w.write_local(
                    e.at_ms,
                    &serde_json::json!({"type": "local.note", "text": e.raw}),
                ),
            }
        }
        (_, dir) => w.write_event(e.at_ms, dir, &e.raw),
    }
}

/// A fresh file name in `dir` that does not exist yet: `<stem>-<unix>.jsonl`.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Dialect;
    use crate::recording::open_recording;
    use crate::session::{Input, SessionOptions, TransportStatus};

    fn feed(s: &mut Session, input: Input) {
        let _ = s.handle(input);
    }

    #[test]
    fn every_entry_is_written_as_it_lands_after_the_header() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.jsonl");
        let mut s = Session::new(SessionOptions::default());
        let header = Header::new(SystemTime::now(), Dialect::Ga).with_endpoint("mock");
        let mut rec = SessionRecorder::create(&path, header).unwrap();
        feed(
            &mut s,
            Input::Transport {
                at_ms: 1,
                status: TransportStatus::Connecting {
                    endpoint: "mock".into(),
                },
            },
        );
        rec.sync(&s).unwrap();
        assert!(open_recording(&path).is_ok(), "opens at once");
        feed(
            &mut s,
            Input::Transport {
                at_ms: 2,
                status: TransportStatus::ChannelOpen,
            },
        );
        feed(
            &mut s,
            Input::SendText {
                at_ms: 3,
                text: r#"{"type":"response.create"}"#.into(),
            },
        );
        // Refused: kept as its note, never as a client event.
        feed(
            &mut s,
            Input::SendText {
                at_ms: 4,
                text: r#"{"type":"response.nope"}"#.into(),
            },
        );
        rec.sync(&s).unwrap();
        feed(
            &mut s,
            Input::Server {
                at_ms: 9,
                raw: "not json".into(),
            },
        );
        rec.sync(&s).unwrap();
        let read = open_recording(&path).unwrap();
        let dirs: Vec<_> = read.entries.iter().map(|e| (e.t_ms, e.dir)).collect();
        assert_eq!(
            dirs,
            vec![
                (1, Direction::Local),
                (2, Direction::Local),
                (3, Direction::Client),
                (4, Direction::Local),
                (9, Direction::Server)
            ]
        );
        assert_eq!(read.entries[4].raw, "not json");
        let header = Header::new(SystemTime::now(), Dialect::Ga);
        assert!(
            SessionRecorder::create(&path, header).is_err(),
            "never overwrites"
        );
    }

    #[test]
    fn a_failed_write_is_an_error_and_stops_the_recording() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::from_raw_os_error(28))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let s = Session::new(SessionOptions::default());
        let header = Header::new(SystemTime::now(), Dialect::Ga);
        assert!(SessionRecorder::to_writer(Box::new(Full), header).is_err());
        struct FailLater(usize);
        impl Write for FailLater {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                if self.0 == 0 {
                    return Err(io::Error::from_raw_os_error(28));
                }
                self.0 -= 1;
                Ok(b.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let header = Header::new(SystemTime::now(), Dialect::Ga);
        let mut rec = SessionRecorder::to_writer(Box::new(FailLater(1)), header).unwrap();
        let mut s = s;
        feed(
            &mut s,
            Input::Server {
                at_ms: 1,
                raw: "x".into(),
            },
        );
        assert!(rec.sync(&s).is_err());
        assert!(rec.sync(&s).is_err(), "stays broken");
    }
}

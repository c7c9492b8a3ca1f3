//! Recording a live session from the core's event log: the one place both
//! front-ends write recordings from, so the same session makes the same file. The
//! header waits until the call is up (or has failed), so it can name the call;
//! everything logged before is written then, and each new entry as it lands,
//! flushed per line, so a crash loses nothing already received.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::Value;

use super::format::Header;
use super::writer::{open_new_recording, RecordingWriter};
use crate::protocol::Direction;
use crate::session::{EntryKind, LogEntry, Phase, Session};

type Out = Box<dyn Write + Send>;

enum State {
    /// Opened; the header is not written yet.
    Pending {
        out: Out,
        header: Header,
    },
    Open(RecordingWriter<Out>),
    /// A write failed; nothing more is written.
    Broken,
}

pub struct SessionRecorder {
    /// `None` for standard output.
    path: Option<PathBuf>,
    state: State,
    /// Log entries before this one are written.
    written: usize,
}

impl SessionRecorder {
    /// A new file at `path`; refuses one that already has content.
    pub fn create(path: &Path, header: Header) -> io::Result<SessionRecorder> {
        let file = open_new_recording(path)?;
        Ok(SessionRecorder {
            path: Some(path.to_path_buf()),
            state: State::Pending {
                out: Box::new(file),
                header,
            },
            written: 0,
        })
    }

    /// The recording on any writer (standard output for `run`).
    pub fn to_writer(out: Out, header: Header) -> SessionRecorder {
        SessionRecorder {
            path: None,
            state: State::Pending { out, header },
            written: 0,
        }
    }

    /// Where it goes, for messages: the file, or `standard output`.
    pub fn describe(&self) -> String {
        match &self.path {
            Some(p) => p.display().to_string(),
            None => "standard output".into(),
        }
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The call's id for the header, when it is known before the header is out.
    pub fn set_call_id(&mut self, call_id: Option<&str>) {
        if let (State::Pending { header, .. }, Some(id)) = (&mut self.state, call_id) {
            header.call_id = Some(id.to_string());
        }
    }

    /// Appends what was logged since the last call. Before the connection is up
    /// (or has failed) it only holds on; `finish` forces the header out.
    pub fn sync(&mut self, session: &Session) -> io::Result<()> {
        if matches!(self.state, State::Pending { .. })
            && matches!(session.phase(), Phase::Idle | Phase::Connecting)
        {
            return Ok(());
        }
        self.write_new(session)
    }

    /// Writes everything still unwritten, header included.
    pub fn finish(&mut self, session: &Session) -> io::Result<()> {
        self.write_new(session)
    }

    fn write_new(&mut self, session: &Session) -> io::Result<()> {
        let result = self.try_write_new(session);
        if result.is_err() {
            self.state = State::Broken;
        }
        result
    }

    fn try_write_new(&mut self, session: &Session) -> io::Result<()> {
        if let State::Pending { .. } = self.state {
            let State::Pending { out, mut header } =
                std::mem::replace(&mut self.state, State::Broken)
            else {
                unreachable!("matched above")
            };
            if header.model.is_none() {
                header.model = session
                    .config()
                    .effective
                    .as_ref()
                    .and_then(|s| s.model.clone());
            }
            self.state = State::Open(RecordingWriter::new(out, &header)?);
        }
        let State::Open(writer) = &mut self.state else {
            return Err(io::Error::other("an earlier write to the recording failed"));
        };
        let entries = session.log().entries();
        while self.written < entries.len() {
            write_entry(writer, &entries[self.written])?;
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
    fn the_header_waits_for_the_call_and_then_holds_its_id() {
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
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "");
        rec.set_call_id(Some("rtc_1"));
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
        assert_eq!(read.header.call_id.as_deref(), Some("rtc_1"));
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
        let mut rec = SessionRecorder::to_writer(Box::new(Full), header);
        assert!(rec.finish(&s).is_err());
        assert!(rec.finish(&s).is_err(), "stays broken");
    }
}

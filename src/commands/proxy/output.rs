//! What `rtconsole proxy --headless` prints and records: one JSONL line per relayed
//! message on stdout (with its connection and direction), and one recording per
//! connection. Everything passes through the secret redaction first.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use serde_json::{json, Map, Value};

use crate::protocol::redact::{redact_text, redact_value};
use crate::protocol::{Dialect, Direction};
use crate::recording::{fresh_path, Header, RecordingWriter};
use crate::transport::link::{note_of, RelayRecorder};
use crate::transport::proxy::{Flow, ProxyEvent};

/// Where relayed events go.
pub struct ProxyOutput<W: Write> {
    out: W,
    started: Instant,
    upstream: String,
    dialect: Dialect,
    record_dir: Option<PathBuf>,
    recordings: HashMap<u64, Recorded>,
    /// Recordings that could not be created or written (each reported).
    pub record_failures: usize,
    /// What the user should be told about the recordings, until taken.
    messages: Vec<String>,
}

struct Recorded {
    opened: Instant,
    writer: RecordingWriter<File>,
}

impl<W: Write> ProxyOutput<W> {
    pub fn new(out: W, upstream: &str, dialect: Dialect, record_dir: Option<PathBuf>) -> Self {
        ProxyOutput {
            out,
            started: Instant::now(),
            upstream: upstream.to_string(),
            dialect,
            record_dir,
            recordings: HashMap::new(),
            record_failures: 0,
            messages: Vec::new(),
        }
    }

    /// What happened to the recordings since the last call (one started, one
    /// failed), for stderr or the TUI's log.
    pub fn take_messages(&mut self) -> Vec<String> {
        std::mem::take(&mut self.messages)
    }

    /// Prints (and records) one event; an error is stdout failing.
    pub fn handle(&mut self, event: &ProxyEvent) -> io::Result<()> {
        let note = note_of(event);
        match (event, note) {
            (
                ProxyEvent::Text {
                    conn,
                    at,
                    flow,
                    text,
                },
                _,
            ) => {
                self.record_text(*conn, *at, *flow, text);
                let line = message_line(self.ms(*at), *conn, flow.as_str(), text);
                self.print(&line)
            }
            (
                ProxyEvent::Binary {
                    conn,
                    at,
                    flow,
                    len,
                },
                _,
            ) => {
                let line = json!({"t_ms": self.ms(*at), "conn": conn, "dir": flow.as_str(), "binary_bytes": len});
                self.print(&line.to_string())
            }
            (ProxyEvent::Audio { conn, at, flow, .. }, Some(note)) => {
                self.record_note(*conn, *at, &note);
                let line = json!({"t_ms": self.ms(*at), "conn": conn, "dir": flow.as_str(), "audio": note["audio"]});
                self.print(&line.to_string())
            }
            (
                ProxyEvent::Opened {
                    conn,
                    at,
                    target,
                    call_id,
                },
                Some(note),
            ) => {
                self.open_recording(*conn, *at, target, call_id.as_deref());
                self.record_note(*conn, *at, &note);
                self.print_note(*at, *conn, note)
            }
            (ProxyEvent::Closed { conn, at, .. }, Some(note)) => {
                self.record_note(*conn, *at, &note);
                self.recordings.remove(conn);
                self.print_note(*at, *conn, note)
            }
            (ProxyEvent::Held { conn, at, .. }, Some(mut note)) => {
                // The recording holds the event once, as relayed after the decision.
                let event = note.as_object_mut().and_then(|m| m.remove("event"));
                self.record_note(*conn, *at, &note);
                if let Some(e) = event {
                    note["event"] = e;
                }
                self.print_note(*at, *conn, note)
            }
            (ProxyEvent::Decided { conn, at, .. }, Some(note)) => {
                self.record_note(*conn, *at, &note);
                self.print_note(*at, *conn, note)
            }
            // Not in a connection's recording: they are not its socket's or call's.
            (
                ProxyEvent::Refused { conn, at, .. } | ProxyEvent::Http { conn, at, .. },
                Some(note),
            ) => self.print_note(*at, *conn, note),
            (_, None) => Ok(()),
        }
    }

    fn ms(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.started).as_millis() as u64
    }

    fn print_note(&mut self, at: Instant, conn: u64, mut note: Value) -> io::Result<()> {
        redact_value(&mut note);
        let line = json!({"t_ms": self.ms(at), "conn": conn, "dir": "local", "event": note});
        self.print(&line.to_string())
    }

    fn print(&mut self, line: &str) -> io::Result<()> {
        self.out.write_all(line.as_bytes())?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }

    fn open_recording(&mut self, conn: u64, at: Instant, target: &str, call_id: Option<&str>) {
        let Some(dir) = &self.record_dir else {
            return;
        };
        let mut header = Header::new(SystemTime::now(), self.dialect).with_endpoint(&self.upstream);
        let query = reqwest::Url::parse(&format!("http://proxy{target}")).ok();
        for (name, value) in query.iter().flat_map(|u| u.query_pairs()) {
            match name.as_ref() {
                "model" => header = header.with_model(value.as_ref()),
                "call_id" => header = header.with_call_id(value.as_ref()),
                _ => {}
            }
        }
        if let Some(id) = call_id {
            header = header.with_call_id(id);
        }
        let path = fresh_path(dir, &format!("proxy-conn{conn}"));
        match RecordingWriter::create(&path, &header) {
            Ok(writer) => {
                self.messages.push(format!(
                    "proxy: recording connection {conn} to {}",
                    path.display()
                ));
                self.recordings
                    .insert(conn, Recorded { opened: at, writer });
            }
            Err(e) => self.record_failed(conn, &e),
        }
    }

    fn record_text(&mut self, conn: u64, at: Instant, flow: Flow, text: &str) {
        if flow == Flow::Injected {
            self.record_note(conn, at, &json!({"type": "local.proxy.injected"}));
        }
        let dir = match flow {
            Flow::Server => Direction::Server,
            Flow::Client | Flow::Injected => Direction::Client,
        };
        let Some(r) = self.recordings.get_mut(&conn) else {
            return;
        };
        let t = at.saturating_duration_since(r.opened).as_millis() as u64;
        if let Err(e) = r.writer.write_event(t, dir, text) {
            self.record_failed(conn, &e);
        }
    }

    fn record_note(&mut self, conn: u64, at: Instant, note: &Value) {
        let Some(r) = self.recordings.get_mut(&conn) else {
            return;
        };
        let t = at.saturating_duration_since(r.opened).as_millis() as u64;
        if let Err(e) = r.writer.write_local(t, note) {
            self.record_failed(conn, &e);
        }
    }

    /// A recording that fails stops; the relay and the printing go on.
    fn record_failed(&mut self, conn: u64, e: &io::Error) {
        self.recordings.remove(&conn);
        self.record_failures += 1;
        self.messages.push(format!(
            "proxy: connection {conn} is no longer recorded: {}; free space or choose another --record directory",
            redact_text(&e.to_string())
        ));
    }
}

/// `{"t_ms","conn","dir","event"}` for a JSON object, else `"raw"`; redacted.
fn message_line(t_ms: u64, conn: u64, dir: &str, text: &str) -> String {
    let mut line = Map::new();
    line.insert("t_ms".into(), json!(t_ms));
    line.insert("conn".into(), json!(conn));
    line.insert("dir".into(), json!(dir));
    match serde_json::from_str::<Value>(text) {
        Ok(mut value) if value.is_object() => {
            redact_value(&mut value);
            line.insert("event".into(), value);
        }
        _ => {
            line.insert("raw".into(), json!(redact_text(text)));
        }
    }
    Value::Object(line).to_string()
}

/// The TUI's relay link records through the same code as `--headless`; its
/// output is not printed (`W` is a sink there).
impl<W: Write + Send + Sync> RelayRecorder for ProxyOutput<W> {
    fn record(&mut self, event: &ProxyEvent) -> Vec<String> {
        if let Err(e) = self.handle(event) {
            self.messages
                .push(format!("proxy: cannot write the event output: {e}"));
        }
        self.take_messages()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_carry_connection_and_direction_and_hide_secrets() {
        // Assembled here so no key-shaped literal sits in the source.
        let key = format!("sk-proj-{}", "abcdefghijklmnopqrstuv");
        let line = message_line(
            5,
            2,
            "injected",
            &format!(
                r#"{{"type":"session.update","session":{{"type":"realtime","instructions":"key {key}"}}}}"#
            ),
        );
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["conn"], 2);
        assert_eq!(v["dir"], "injected");
        assert_eq!(v["event"]["type"], "session.update");
        assert!(!line.contains("abcdefghijklmnopqrstuv"), "{line}");
        let raw = message_line(1, 1, "server", "not json ek_abcdefghijklmnopqrstuv");
        assert!(raw.contains("\"raw\"") && !raw.contains("abcdefghijklmnopqrstuv"));
    }

    #[test]
    fn a_minted_secret_is_not_printed() {
        let mut out = ProxyOutput::new(Vec::new(), "http://x/v1", Dialect::Ga, None);
        out.handle(&ProxyEvent::Http {
            conn: 1,
            at: Instant::now(),
            method: "POST".into(),
            path: "/v1/realtime/client_secrets".into(),
            status: 200,
            request: "{}".into(),
            response: r#"{"value":"ek_68af296e8e408191a1120ab6383263c2","expires_at":1}"#.into(),
        })
        .unwrap();
        let text = String::from_utf8(out.out).unwrap();
        assert!(text.contains("local.proxy.http"), "{text}");
        assert!(!text.contains("68af296e8e408191a1120ab6383263c2"), "{text}");
    }
}

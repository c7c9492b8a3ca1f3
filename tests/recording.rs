//! The recording format through the public API: what is written is what is read,
//! nothing is lost to a crash, and no secret reaches the file.

use std::fs;
use std::io::{BufReader, Cursor, Write};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rtconsole::protocol::{Dialect, Direction};
use rtconsole::recording::{
    open_recording, read_recording, Entry, Header, Recording, RecordingError, RecordingWriter,
};
use serde_json::json;

mod common;

use common::{EK, SK_PROJ};

fn started_at() -> SystemTime {
    // Whole milliseconds: the header stores no finer precision.
    UNIX_EPOCH + Duration::from_millis(1_795_248_300_123)
}

fn header() -> Header {
    Header::new(started_at(), Dialect::Ga)
        .with_endpoint("https://api.openai.com/v1")
        .with_model("gpt-realtime")
        .with_call_id("rtc_u1_9c6574da8b8a41a18da9308f4ad974ce")
}

fn write_to_vec(events: &[(u64, Direction, &str)]) -> Vec<u8> {
    let mut w = RecordingWriter::new(Vec::new(), &header()).unwrap();
    for (t, dir, raw) in events {
        w.write_event(*t, *dir, raw).unwrap();
    }
    w.into_inner()
}

fn read_bytes(bytes: &[u8]) -> Recording {
    read_recording(BufReader::new(Cursor::new(bytes))).unwrap()
}

fn lines(bytes: &[u8]) -> Vec<String> {
    String::from_utf8(bytes.to_vec())
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn a_recording_reads_back_as_it_was_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.jsonl");
    let mut w = RecordingWriter::create(&path, &header()).unwrap();
    w.write_event(
        0,
        Direction::Server,
        r#"{"type":"session.created","session":{}}"#,
    )
    .unwrap();
    w.write_event(12, Direction::Client, r#"{"type":"response.create"}"#)
        .unwrap();
    w.write_local(15, &json!({"type":"local.connection","state":"connected"}))
        .unwrap();
    drop(w);

    let rec = open_recording(&path).unwrap();
    assert_eq!(rec.header, header());
    assert!(rec.warnings.is_empty(), "{:?}", rec.warnings);
    assert_eq!(
        rec.entries,
        vec![
            Entry {
                t_ms: 0,
                dir: Direction::Server,
                raw: r#"{"type":"session.created","session":{}}"#.into(),
                json: true,
            },
            Entry {
                t_ms: 12,
                dir: Direction::Client,
                raw: r#"{"type":"response.create"}"#.into(),
                json: true,
            },
            Entry {
                t_ms: 15,
                dir: Direction::Local,
                raw: r#"{"type":"local.connection","state":"connected"}"#.into(),
                json: true,
            },
        ]
    );
    assert_eq!(rec.entries[1].event().unwrap()["type"], "response.create");
}

#[test]
fn the_header_line_has_the_documented_shape() {
    let bytes = write_to_vec(&[]);
    let first = &lines(&bytes)[0];
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        *first,
        format!(
            r#"{{"rtconsole_recording":1,"tool":"rtconsole","version":"{version}","started_at":"2026-11-21T08:05:00.123Z","endpoint":"https://api.openai.com/v1","model":"gpt-realtime","dialect":"ga","call_id":"rtc_u1_9c6574da8b8a41a18da9308f4ad974ce"}}"#
        )
    );
    let bare = RecordingWriter::new(Vec::new(), &Header::new(started_at(), Dialect::Beta))
        .unwrap()
        .into_inner();
    assert!(
        lines(&bare)[0].contains(r#""endpoint":null,"model":null,"dialect":"beta","call_id":null"#)
    );
}

#[test]
fn every_line_is_on_disk_while_the_writer_is_still_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.jsonl");
    let mut w = RecordingWriter::create(&path, &header()).unwrap();
    assert_eq!(open_recording(&path).unwrap().entries.len(), 0);
    for t in 0..3 {
        w.write_event(
            t,
            Direction::Server,
            r#"{"type":"response.output_text.delta","delta":"x"}"#,
        )
        .unwrap();
        let rec = open_recording(&path).unwrap();
        assert_eq!(rec.entries.len() as u64, t + 1);
        assert!(rec.warnings.is_empty());
    }
    // Flushing is the writer's job even over a buffered sink.
    let mut buffered = RecordingWriter::new(
        std::io::BufWriter::new(fs::File::create(dir.path().join("b.jsonl")).unwrap()),
        &header(),
    )
    .unwrap();
    buffered
        .write_event(1, Direction::Client, r#"{"type":"response.create"}"#)
        .unwrap();
    assert_eq!(
        open_recording(dir.path().join("b.jsonl"))
            .unwrap()
            .entries
            .len(),
        1
    );
    drop((w, buffered));
}

#[test]
fn an_existing_recording_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keep.jsonl");
    drop(RecordingWriter::create(&path, &header()).unwrap());
    let before = fs::read(&path).unwrap();
    let err = RecordingWriter::create(&path, &header())
        .err()
        .expect("refused");
    assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
    assert!(err.to_string().contains("keep.jsonl"), "{err}");
    assert_eq!(fs::read(&path).unwrap(), before);

    // An empty file (as mktemp leaves) is fine to record into.
    let empty = dir.path().join("empty.jsonl");
    fs::write(&empty, "").unwrap();
    drop(RecordingWriter::create(&empty, &header()).unwrap());
    assert!(open_recording(&empty).is_ok());
}

#[test]
fn a_truncated_last_line_is_skipped_with_a_warning() {
    let mut bytes = write_to_vec(&[
        (1, Direction::Server, r#"{"type":"a"}"#),
        (2, Direction::Server, r#"{"type":"b"}"#),
    ]);
    bytes.extend_from_slice(br#"{"t_ms":3,"dir":"server","event":{"type":"respo"#);

    let rec = read_bytes(&bytes);
    assert_eq!(rec.entries.len(), 2);
    assert_eq!(rec.warnings.len(), 1, "{:?}", rec.warnings);
    assert!(
        rec.warnings[0].starts_with("line 4:"),
        "{}",
        rec.warnings[0]
    );
    assert!(rec.warnings[0].contains("incomplete last line"));
}

#[test]
fn a_last_line_cut_inside_a_multibyte_character_is_skipped_too() {
    let mut bytes = write_to_vec(&[(1, Direction::Server, r#"{"type":"a"}"#)]);
    let line = r#"{"t_ms":2,"dir":"server","event":{"type":"x","delta":"héllo"}}"#;
    let cut = line.find('é').unwrap() + 1;
    bytes.extend_from_slice(&line.as_bytes()[..cut]);
    let rec = read_bytes(&bytes);
    assert_eq!(rec.entries.len(), 1);
    assert!(rec.warnings[0].starts_with("line 3:"));
}

#[test]
fn a_garbage_line_in_the_middle_is_reported_and_the_rest_is_read() {
    let mut text =
        String::from_utf8(write_to_vec(&[(1, Direction::Server, r#"{"type":"a"}"#)])).unwrap();
    text.push_str("this is not json\n");
    text.push_str(r#"{"t_ms":2,"dir":"sideways","event":{}}"#);
    text.push('\n');
    text.push_str(r#"{"t_ms":3,"dir":"server"}"#);
    text.push('\n');
    text.push_str(r#"{"t_ms":4,"dir":"server","event":{"type":"b"}}"#);
    text.push('\n');

    let rec = read_bytes(text.as_bytes());
    let types: Vec<_> = rec
        .entries
        .iter()
        .map(|e| e.event().unwrap()["type"].clone())
        .collect();
    assert_eq!(types, vec![json!("a"), json!("b")]);
    assert_eq!(rec.warnings.len(), 3, "{:?}", rec.warnings);
    assert!(rec.warnings[0].starts_with("line 3: skipped, not a recording entry"));
    assert!(
        rec.warnings[0].ends_with(": this is not json"),
        "{}",
        rec.warnings[0]
    );
    assert!(rec.warnings[1].starts_with("line 4:") && rec.warnings[1].contains("sideways"));
    assert!(rec.warnings[2].starts_with("line 5:") && rec.warnings[2].contains("neither"));
}

#[test]
fn secrets_never_reach_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secret.jsonl");
    let h = Header::new(started_at(), Dialect::Ga)
        .with_endpoint(format!("https://proxy.example/v1?api_key={SK_PROJ}"));
    let mut w = RecordingWriter::create(&path, &h).unwrap();
    w.write_event(
        1,
        Direction::Client,
        &json!({"type":"session.update","session":{"type":"realtime","tools":[{
            "type":"mcp","server_label":"crm","server_url":"https://mcp.example",
            "authorization":"opaque-oauth-token-0001",
            "headers":{"X-Api-Key":"hdr-secret-0002"}}]}})
        .to_string(),
    )
    .unwrap();
    w.write_event(
        2,
        Direction::Local,
        &json!({"value": EK, "expires_at": 1756310470}).to_string(),
    )
    .unwrap();
    w.write_event(
        3,
        Direction::Server,
        &format!("502 from upstream, Authorization: Bearer {SK_PROJ}"),
    )
    .unwrap();
    w.write_local(
        4,
        &json!({"type":"local.signaling","note":format!("minted {EK}")}),
    )
    .unwrap();
    drop(w);

    let bytes = fs::read_to_string(&path).unwrap();
    for secret in [SK_PROJ, EK, "opaque-oauth-token-0001", "hdr-secret-0002"] {
        assert!(!bytes.contains(secret), "{secret} leaked:\n{bytes}");
    }
    let rec = open_recording(&path).unwrap();
    assert!(rec.warnings.is_empty(), "{:?}", rec.warnings);
    assert_eq!(
        rec.header.endpoint.as_deref(),
        Some("https://proxy.example/v1?api_key=sk-proj-…[redacted]")
    );
    let tool = &rec.entries[0].event().unwrap()["session"]["tools"][0];
    assert_eq!(tool["authorization"], "…[redacted]");
    assert_eq!(tool["server_url"], "https://mcp.example");
    assert_eq!(
        rec.entries[2].raw,
        "502 from upstream, Authorization: Bearer sk-proj-…[redacted]"
    );
}

#[test]
fn clean_json_is_stored_byte_for_byte() {
    // Key order, spacing and number spelling all survive, as they went over the wire.
    let wire = r#"{"type": "response.done", "response": {"usage": {"total_tokens": 1.0e2}}, "event_id":"event_1"}"#;
    let bytes = write_to_vec(&[(5, Direction::Server, wire)]);
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(
        text.contains(&format!(r#"{{"t_ms":5,"dir":"server","event":{wire}}}"#)),
        "{text}"
    );
    assert_eq!(read_bytes(&bytes).entries[0].raw, wire);
}

#[test]
fn multi_line_json_is_compacted_onto_one_line() {
    let wire = "{\n  \"type\": \"response.create\"\n}\n";
    let bytes = write_to_vec(&[(5, Direction::Client, wire)]);
    assert_eq!(lines(&bytes).len(), 2);
    assert_eq!(
        read_bytes(&bytes).entries[0].raw,
        r#"{"type":"response.create"}"#
    );
}

#[test]
fn non_json_server_text_is_kept_verbatim() {
    let garbage = "<html>\n502 Bad Gateway\n</html>";
    let bytes = write_to_vec(&[
        (7, Direction::Server, garbage),
        (8, Direction::Server, "[1,2,3]"),
    ]);
    assert_eq!(
        lines(&bytes).len(),
        3,
        "one line per event, even with newlines inside"
    );
    let rec = read_bytes(&bytes);
    assert_eq!(rec.entries[0].raw, garbage);
    assert!(!rec.entries[0].is_json());
    assert_eq!(rec.entries[0].event(), None);
    assert_eq!(rec.entries[1].raw, "[1,2,3]");
    assert!(!rec.entries[1].is_json());
}

#[test]
fn a_beta_recording_reads_with_its_dialect_and_event_names() {
    let text = concat!(
        r#"{"rtconsole_recording":1,"tool":"rtconsole","version":"0.0.9","started_at":"2025-01-10T09:00:00.000Z","endpoint":"https://api.openai.com/v1","model":"gpt-4o-realtime-preview-2024-12-17","dialect":"beta","call_id":null,"future_key":{"x":1}}"#,
        "\n",
        r#"{"t_ms":40,"dir":"server","event":{"type":"session.created","session":{"modalities":["audio","text"],"voice":"alloy"}}}"#,
        "\n",
        r#"{"t_ms":900,"dir":"server","event":{"type":"response.audio_transcript.delta","delta":"Hi"}}"#,
        "\n",
    );
    let rec = read_bytes(text.as_bytes());
    assert_eq!(rec.header.dialect, Dialect::Beta);
    assert_eq!(rec.header.version, "0.0.9");
    assert_eq!(rec.header.call_id, None);
    assert_eq!(rec.header.extra["future_key"], json!({"x":1}));
    assert_eq!(rec.entries.len(), 2);
    assert_eq!(
        rec.entries[1].event().unwrap()["type"],
        "response.audio_transcript.delta"
    );
    assert!(rec.warnings.is_empty());
}

#[test]
fn a_missing_header_is_an_error_naming_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("headless.jsonl");
    let mut f = fs::File::create(&path).unwrap();
    writeln!(f, r#"{{"t_ms":1,"dir":"server","event":{{"type":"a"}}}}"#).unwrap();
    drop(f);

    let err = open_recording(&path).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, RecordingError::BadHeader { line: 1, .. }));
    assert!(msg.contains("headless.jsonl:1:"), "{msg}");
    assert!(msg.contains("header line is missing"), "{msg}");
    assert!(
        msg.contains(r#"{"rtconsole_recording":1"#),
        "shows what a header looks like: {msg}"
    );
}

#[test]
fn a_broken_or_empty_header_is_an_error() {
    for (text, expected) in [
        ("", "empty"),
        ("not json\n", "not a JSON object"),
        ("{\"rtconsole_recording\":1}\n", "missing field"),
        (
            "{\"rtconsole_recording\":1,\"started_at\":\"yesterday\",\"dialect\":\"ga\"}\n",
            "started_at 'yesterday'",
        ),
        (
            "{\"rtconsole_recording\":1,\"started_at\":\"2026-01-01T00:00:00Z\",\"dialect\":\"v2\"}\n",
            "v2",
        ),
    ] {
        let err = read_recording(Cursor::new(text)).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("<input>:1: not a rtconsole recording"), "{msg}");
        assert!(msg.contains(expected), "{expected}: {msg}");
    }
}

#[test]
fn a_missing_file_is_an_io_error_naming_the_path() {
    let err = open_recording("/nonexistent/rtconsole/rec.jsonl").unwrap_err();
    assert!(matches!(err, RecordingError::Io { .. }));
    assert!(
        err.to_string().contains("/nonexistent/rtconsole/rec.jsonl"),
        "{err}"
    );
}

#[test]
fn a_local_note_must_be_a_local_event() {
    let mut w = RecordingWriter::new(Vec::new(), &header()).unwrap();
    let err = w
        .write_local(1, &json!({"type":"response.create"}))
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert_eq!(lines(&w.into_inner()).len(), 1, "nothing written");
}

#[test]
fn a_warning_never_quotes_a_secret() {
    let mut text = String::from_utf8(write_to_vec(&[])).unwrap();
    text.push_str(&format!("garbage {SK_PROJ} more\n"));
    // serde quotes an unknown variant in its error message.
    text.push_str(&format!(r#"{{"t_ms":1,"dir":"{SK_PROJ}","event":{{}}}}"#));
    text.push('\n');
    text.push_str(r#"{"t_ms":2,"dir":"server","event":{}}"#);
    text.push('\n');
    let rec = read_bytes(text.as_bytes());
    assert_eq!(rec.warnings.len(), 2, "{:?}", rec.warnings);
    for warning in &rec.warnings {
        assert!(!warning.contains(SK_PROJ), "{warning}");
    }

    let header = format!(r#"{{"rtconsole_recording":1,"started_at":"{EK}","dialect":"ga"}}"#);
    let err = read_recording(Cursor::new(header)).unwrap_err();
    assert!(!err.to_string().contains(EK), "{err}");
}

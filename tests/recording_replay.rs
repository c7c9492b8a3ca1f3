//! A session recorded while it runs, read back and replayed, ends in the same state.

mod common;

use std::time::SystemTime;

use common::sequence;
use rtconsole::protocol::{Dialect, Direction};
use rtconsole::recording::{open_recording, Header, RecordingWriter};
use rtconsole::session::{Effect, Input, Session, SessionOptions};

/// Runs a sequence live, recording what the session logged, as a front-end does.
fn record_live(name: &str, path: &std::path::Path) -> Session {
    let header = Header::new(SystemTime::now(), Dialect::Ga).with_model("gpt-realtime");
    let mut w = RecordingWriter::create(path, &header).unwrap();
    let mut s = Session::new(SessionOptions::default());
    let mut written = 0;
    for step in sequence(name) {
        let input = if step.dir == "server" {
            Input::Server {
                at_ms: step.t_ms,
                raw: step.text,
            }
        } else {
            Input::SendText {
                at_ms: step.t_ms,
                text: step.text,
            }
        };
        // errors.jsonl sends invalid events on purpose: they are rejected and recorded as such.
        let _ = s.handle(input);
        for e in s.log().iter_from(written) {
            w.write_event(e.at_ms, e.dir, &e.raw).unwrap();
        }
        written = s.log().len();
    }
    s
}

#[test]
fn a_recorded_session_replays_to_the_same_state() {
    for name in [
        "text_turn.jsonl",
        "voice_turn.jsonl",
        "function_call.jsonl",
        "barge_in.jsonl",
        "errors.jsonl",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("session.jsonl");
        let live = record_live(name, &path);
        let rec = open_recording(&path).unwrap();
        assert!(rec.warnings.is_empty(), "{:?}", rec.warnings);
        assert_eq!(rec.entries.len(), live.log().len());
        let mut replayed = Session::new(SessionOptions::default());
        for input in rec.inputs() {
            let fx = replayed.handle(input);
            assert!(
                fx.iter().all(|e| !matches!(e, Effect::Send { .. })),
                "replay must not send: {fx:?}"
            );
        }
        let summary = |s: &Session| {
            s.log()
                .iter()
                .map(|e| (e.at_ms, e.dir, e.type_name.to_string(), e.summary.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(summary(&replayed), summary(&live), "{name}");
        let words = |s: &Session| {
            s.conversation()
                .ordered()
                .map(|i| i.text())
                .collect::<Vec<_>>()
        };
        assert_eq!(words(&replayed), words(&live), "{name}");
        assert_eq!(replayed.usage(), live.usage(), "{name}");
        assert_eq!(replayed.turns().all(), live.turns().all(), "{name}");
        assert_eq!(replayed.pending_calls(), live.pending_calls(), "{name}");
        assert_eq!(replayed.errors().len(), live.errors().len(), "{name}");
        let kinds = |s: &Session| s.log().iter().map(|e| e.kind).collect::<Vec<_>>();
        assert_eq!(kinds(&replayed), kinds(&live), "{name}");
    }
}

#[test]
fn a_client_event_in_a_recording_is_shown_even_if_todays_validator_would_reject_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.jsonl");
    let mut w =
        RecordingWriter::create(&path, &Header::new(SystemTime::now(), Dialect::Ga)).unwrap();
    // A beta-shaped update in a GA recording: invalid today, but it was sent.
    w.write_event(
        5,
        Direction::Client,
        r#"{"type":"session.update","session":{"modalities":["text"]}}"#,
    )
    .unwrap();
    drop(w);
    let rec = open_recording(&path).unwrap();
    let mut s = Session::new(SessionOptions::default());
    for input in rec.inputs() {
        assert!(s.handle(input).is_empty());
    }
    let e = &s.log().get(0).unwrap();
    assert_eq!(e.dir, Direction::Client);
    assert_eq!(e.type_name, "session.update");
}

#[test]
fn a_beta_era_recording_replays_with_ga_meanings() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("beta.jsonl");
    let mut w =
        RecordingWriter::create(&path, &Header::new(SystemTime::now(), Dialect::Beta)).unwrap();
    for step in sequence("beta_text_turn.jsonl") {
        let dir = if step.dir == "server" {
            Direction::Server
        } else {
            Direction::Client
        };
        w.write_event(step.t_ms, dir, &step.text).unwrap();
    }
    drop(w);
    let rec = open_recording(&path).unwrap();
    assert_eq!(rec.header.dialect, Dialect::Beta);
    let mut s = Session::new(SessionOptions {
        dialect: rec.header.dialect,
        ..Default::default()
    });
    for input in rec.inputs() {
        let _ = s.handle(input);
    }
    let texts: Vec<_> = s.conversation().ordered().map(|i| i.text()).collect();
    assert_eq!(texts.len(), 2);
    assert!(!texts[1].is_empty());
    assert!(s
        .log()
        .iter()
        .any(|e| e.beta && e.type_name == "response.output_text.delta"));
}

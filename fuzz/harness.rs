//! What each fuzz target does with one input, shared by the targets in
//! `fuzz_targets/` and by `tests/fuzz_regressions.rs`, which replays the minimized
//! crashers under `cargo test` on stable. Each function must return (no panic, no
//! hang) for any bytes; what it returns is a rough size, for bounded-result checks.
#![allow(dead_code)]

use std::io::Cursor;

use rtconsole::protocol::validate::validate_client_text;
use rtconsole::protocol::Dialect;
use rtconsole::recording::read_recording;
use rtconsole::session::{report, Input, Session, SessionOptions};

fn dialect_of(selector: u8) -> Dialect {
    if selector & 1 == 0 {
        Dialect::Ga
    } else {
        Dialect::Beta
    }
}

fn session(dialect: Dialect) -> Session {
    Session::new(SessionOptions {
        dialect,
        ..SessionOptions::default()
    })
}

/// Everything a front-end reads back after a sequence: the report walks the log,
/// conversation, turns and usage.
fn read_back(s: &Session) -> usize {
    report::render(s).len() + s.log().len() + s.conversation().len()
}

/// Target `server_session`: the first byte picks the dialect (even GA, odd beta);
/// the rest, split at newlines, is a sequence of server messages.
pub fn server_session(data: &[u8]) -> usize {
    let Some((&first, rest)) = data.split_first() else {
        return 0;
    };
    let text = String::from_utf8_lossy(rest);
    let mut s = session(dialect_of(first));
    let mut at_ms = 0;
    for line in text.split('\n') {
        at_ms += 17;
        let _ = s.handle(Input::Server {
            at_ms,
            raw: line.to_string(),
        });
    }
    let _ = s.handle(Input::Tick {
        at_ms: at_ms + 60_000,
    });
    read_back(&s)
}

/// Target `client_validate`: the first byte picks the dialect; each line is
/// validated alone and then typed into a session (`Input::SendText`).
pub fn client_validate(data: &[u8]) -> usize {
    let Some((&first, rest)) = data.split_first() else {
        return 0;
    };
    let dialect = dialect_of(first);
    let text = String::from_utf8_lossy(rest);
    let mut s = session(dialect);
    let mut at_ms = 0;
    let mut valid = 0;
    for line in text.split('\n') {
        at_ms += 17;
        if validate_client_text(line, dialect).is_ok() {
            valid += 1;
        }
        let _ = s.handle(Input::SendText {
            at_ms,
            text: line.to_string(),
        });
    }
    valid + read_back(&s)
}

/// Target `script_parse`.
pub fn script_parse(data: &[u8]) -> usize {
    let text = String::from_utf8_lossy(data);
    match rtconsole::script::parse_script(&text, "fuzz.rtc") {
        Ok(script) => script.steps.len(),
        Err(e) => e.to_string().len(),
    }
}

/// Target `recording_replay`: read a recording, then replay it into a session of
/// its dialect.
pub fn recording_replay(data: &[u8]) -> usize {
    let Ok(rec) = read_recording(Cursor::new(data)) else {
        return 0;
    };
    let mut s = session(rec.header.dialect);
    for input in rec.inputs() {
        let _ = s.handle(input);
    }
    rec.warnings.len() + read_back(&s)
}

/// Target `toml_loaders`: the same text as a mock scenario and as the user config.
pub fn toml_loaders(data: &[u8]) -> usize {
    let text = String::from_utf8_lossy(data);
    let scenario = rtconsole::mock::scenario::Scenario::parse(&text).is_ok() as usize;
    let no_color = data.first().is_some_and(|b| b & 1 == 1);
    let config =
        rtconsole::tui::user_config::from_text(&text, "fuzz.toml", None, no_color).is_ok() as usize;
    scenario + config
}

/// Target `mock_call_body`: the first line is the Content-Type, the rest the body
/// of a `POST /v1/realtime/calls` (raw SDP, multipart or JSON).
pub fn mock_call_body(data: &[u8]) -> usize {
    let (content_type, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let content_type = String::from_utf8_lossy(content_type);
    match rtconsole::mock::parse_call_request(content_type.trim_end_matches('\r'), body) {
        Ok((sdp, _session)) => sdp.len(),
        Err(message) => message.len(),
    }
}

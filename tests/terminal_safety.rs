//! Terminal safety as a property: no server- or file-controlled string can put a
//! control byte, a bidi override or an invisible character into the screen buffer,
//! whichever pane shows it (event log, detail view, error footer, transcript,
//! config editor, status bar, help, prompts), and no line is wider than the screen,
//! whatever the mix of combining marks, wide CJK and emoji.

use std::path::PathBuf;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use proptest::prelude::*;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use rtconsole::audio::meter::Meters;
use rtconsole::session::{Input, Session, SessionOptions, TransportStatus};
use rtconsole::tui::app::App;
use rtconsole::tui::keymap::Keymap;
use rtconsole::tui::pane::ConnInfo;
use rtconsole::tui::theme::Theme;
use serde_json::json;
use unicode_width::UnicodeWidthStr;

/// Pieces that break terminals, mixed with ordinary text by the strategy.
const NASTY: &[&str] = &[
    "\u{1b}[2J",
    "\u{1b}[31mred",
    "\u{1b}]0;pwned\u{7}",
    "\u{1b}]8;;http://x\u{1b}\\link",
    "\u{1b}P+q\u{1b}\\",
    "\u{9b}1;1H",
    "\u{85}",
    "\u{7}",
    "\u{8}\u{8}",
    "\r",
    "\n",
    "\t",
    "\u{7f}",
    "\u{0}",
    "\u{202e}evil",
    "\u{2066}iso\u{2069}",
    "\u{200b}",
    "\u{200d}",
    "\u{feff}",
    "\u{2028}",
    "e\u{301}\u{302}\u{303}",
    "漢字かな",
    "👩\u{200d}👩\u{200d}👧",
    "🇫🇷",
    "\u{fe0f}",
    "ｗｉｄｅ",
    "\u{1f600}",
];

fn nasty_string() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => prop::sample::select(NASTY).prop_map(str::to_string),
        2 => "[a-z ]{0,12}",
        1 => any::<char>().prop_map(|c| c.to_string()),
    ];
    prop::collection::vec(piece, 1..12).prop_map(|v| v.concat())
}

/// A cell symbol that must never be on screen.
fn forbidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200b}' | '\u{200c}'
            | '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{061c}')
}

fn session_with(s: &str) -> Session {
    let mut session = Session::new(SessionOptions::default());
    let mut at = 0;
    let mut feed = |input: Input| {
        let _ = session.handle(input);
    };
    let mut server = |v: serde_json::Value| {
        at += 1;
        Input::Server {
            at_ms: at,
            raw: v.to_string(),
        }
    };
    let tool = json!({"type": "function", "name": s, "description": s,
        "parameters": {"type": "object", "properties": {}}});
    feed(server(
        json!({"type": "session.created", "event_id": "e1", "session": {
        "type": "realtime", "object": "realtime.session", "id": "sess_1", "model": s,
        "instructions": s, "tools": [tool], "output_modalities": ["text"]}}),
    ));
    feed(server(
        json!({"type": "conversation.item.added", "event_id": "e2", "previous_item_id": null,
        "item": {"id": "item_u", "type": "message", "role": "user", "status": "completed",
            "content": [{"type": "input_text", "text": s}]}}),
    ));
    feed(server(json!({"type": "response.created", "event_id": "e3",
        "response": {"id": "resp_1", "object": "realtime.response", "status": "in_progress", "output": []}})));
    feed(server(
        json!({"type": "response.output_text.delta", "event_id": "e4", "response_id": "resp_1",
        "item_id": "item_a", "output_index": 0, "content_index": 0, "delta": s}),
    ));
    feed(server(json!({"type": s, "event_id": "e5", "text": s})));
    feed(server(
        json!({"type": "error", "event_id": "e6", "error": {"type": "invalid_request_error",
        "code": s, "message": s, "param": s, "event_id": null}}),
    ));
    at += 1;
    feed(Input::Server {
        at_ms: at,
        raw: format!("not json {s}"),
    });
    feed(Input::SendText {
        at_ms: at,
        text: s.to_string(),
    });
    feed(Input::Transport {
        at_ms: at,
        status: TransportStatus::Closed {
            reason: s.to_string(),
        },
    });
    session
}

fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, mods)
}

/// Every cell of the frame: nothing forbidden, and no row wider than the screen.
fn check(terminal: &Terminal<TestBackend>, what: &str, s: &str) -> Result<(), TestCaseError> {
    let buf = terminal.backend().buffer();
    for y in 0..buf.area.height {
        // A wide symbol covers the cells after it (drawn blank): count it once.
        let mut cells = 0usize;
        let mut x = 0u16;
        while x < buf.area.width {
            let sym = buf[(x, y)].symbol();
            if let Some(c) = sym.chars().find(|c| forbidden(*c)) {
                return Err(TestCaseError::fail(format!(
                    "{what}: U+{:04X} at ({x},{y}) from {s:?}",
                    c as u32
                )));
            }
            let w = sym.width().max(1);
            cells += w;
            x += w as u16;
        }
        prop_assert!(
            cells <= buf.area.width as usize,
            "{what}: row {y} is {cells} cells wide on a {}-cell screen, from {s:?}",
            buf.area.width
        );
    }
    Ok(())
}

fn screens(s: &str) -> Result<(), TestCaseError> {
    let conn = ConnInfo {
        endpoint: s.to_string(),
        call_id: Some(s.to_string()),
        session_limit_ms: 3_600_000,
        ..ConnInfo::default()
    };
    let mut app = App::new(
        session_with(s),
        Keymap::default(),
        Theme::default(),
        conn,
        PathBuf::from("."),
    );
    app.meters = Some(Arc::new(Meters::default()));
    app.audio.input = s.to_string();
    app.audio.output = s.to_string();
    let mut t = Terminal::new(TestBackend::new(100, 30)).unwrap();
    let mut draw = |app: &mut App, what: &str| -> Result<(), TestCaseError> {
        t.draw(|f| app.draw(f)).unwrap();
        check(&t, what, s)
    };
    draw(&mut app, "all panes")?;
    // The event log: every row, then each event's detail and the error footer.
    let _ = app.on_key(key(KeyCode::Char('e'), KeyModifiers::ALT), 1);
    for _ in 0..12 {
        let _ = app.on_key(key(KeyCode::Up, KeyModifiers::NONE), 1);
        draw(&mut app, "event log")?;
        let _ = app.on_key(key(KeyCode::Enter, KeyModifiers::NONE), 1);
        draw(&mut app, "detail view")?;
        let _ = app.on_key(key(KeyCode::Esc, KeyModifiers::NONE), 1);
    }
    // A prompt holding pasted text.
    let _ = app.on_key(key(KeyCode::Char('/'), KeyModifiers::NONE), 1);
    let _ = app.on_paste(s, 1);
    draw(&mut app, "regex prompt")?;
    let _ = app.on_key(key(KeyCode::Esc, KeyModifiers::NONE), 1);
    for (c, what) in [
        ('t', "transcript"),
        ('s', "config editor"),
        ('c', "composer"),
    ] {
        let _ = app.on_key(key(KeyCode::Char(c), KeyModifiers::ALT), 1);
        let _ = app.on_paste(s, 1);
        draw(&mut app, what)?;
    }
    let _ = app.on_key(key(KeyCode::F(1), KeyModifiers::NONE), 1);
    draw(&mut app, "help")?;
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn no_string_reaches_the_terminal_raw(s in nasty_string()) {
        screens(&s)?;
    }
}

#[test]
fn each_nasty_piece_alone_is_safe() {
    for piece in NASTY {
        screens(piece).unwrap_or_else(|e| panic!("{e}"));
    }
}

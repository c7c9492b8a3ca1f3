//! The whole TUI driven by injected keys against the embedded mock, over real WebRTC
//! on loopback, through the same `run_ui` loop the binary runs: type a message and
//! see the reply; edit the session config, apply it and see the server's answer;
//! answer a function call from the composer.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use rtconsole::audio::engine::{AudioEngine, AudioOptions};
use rtconsole::cli::{ConnectArgs, TuiArgs};
use rtconsole::protocol::Dialect;
use rtconsole::session::{Session, SessionOptions};
use rtconsole::tui::app::App;
use rtconsole::tui::keymap::Keymap;
use rtconsole::tui::live::{run_ui, Hooks, LiveSetup};
use rtconsole::tui::pane::ConnInfo;
use rtconsole::tui::theme::Theme;
use tokio::sync::{mpsc, watch};

fn connect_args() -> ConnectArgs {
    ConnectArgs {
        mock: true,
        transport: rtconsole::cli::TransportArg::Webrtc,
        base_url: "http://unused.invalid/v1".into(),
        api_key_env: "RTCONSOLE_TEST_NO_KEY".into(),
        model: None,
        voice: None,
        instructions: None,
        session: None,
        transcribe: None,
        open_timeout: Duration::from_secs(15),
        http_timeout: Duration::from_secs(20),
        scenario: None,
        seed: Some(7),
        stall_after: Duration::from_secs(15),
    }
}

fn tui_args() -> TuiArgs {
    TuiArgs {
        theme: None,
        config: None,
        record: None,
        input_device: None,
        output_device: None,
        half_duplex: false,
        input: None,
        output: None,
    }
}

/// A fresh app over an empty session, saving into `dir`.
fn app_with(conn: ConnInfo, dir: &std::path::Path) -> App {
    App::new(
        Session::new(SessionOptions::default()),
        Keymap::default(),
        Theme::default(),
        conn,
        PathBuf::from(dir),
    )
}

struct Driver {
    keys: mpsc::UnboundedSender<Event>,
    screen: watch::Receiver<String>,
}

impl Driver {
    fn key(&self, code: KeyCode, mods: KeyModifiers) {
        self.keys
            .send(Event::Key(KeyEvent::new(code, mods)))
            .expect("the UI is running");
    }

    fn type_text(&self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c), KeyModifiers::NONE);
        }
    }

    /// Waits until the drawn screen satisfies `pred`; the bound only stops a hung test.
    async fn wait_for(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let waited = tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                {
                    let s = self.screen.borrow_and_update();
                    if pred(&s) {
                        return s.clone();
                    }
                }
                if self.screen.changed().await.is_err() {
                    return String::new();
                }
            }
        })
        .await;
        match waited {
            Ok(s) if pred(&s) => s,
            _ => panic!(
                "waited 30 s for {what}; the screen:\n{}",
                *self.screen.borrow()
            ),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_drive_a_whole_session_against_the_mock() {
    let (key_tx, key_rx) = mpsc::unbounded_channel::<Event>();
    // Terminal events from a channel, as crossterm's `EventStream` yields them.
    let keys = Box::pin(futures_util::stream::unfold(key_rx, |mut rx| async move {
        rx.recv().await.map(|e| (Ok::<_, io::Error>(e), rx))
    }));
    let (screen_tx, screen_rx) = watch::channel(String::new());
    let conn = ConnInfo {
        endpoint: "mock".into(),
        session_limit_ms: 3_600_000,
        ..ConnInfo::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_with(conn, dir.path());
    let setup = LiveSetup {
        connect: connect_args(),
        tui: tui_args(),
        token_url: None,
        dialect: Dialect::Ga,
        session: serde_json::json!({"type": "realtime"}),
        attach: None,
    };
    // No sound card here: the engine runs text-only on its own clock.
    let engine = AudioEngine::start(AudioOptions::default()).expect("engine");
    let mut terminal = Terminal::new(TestBackend::new(160, 50)).unwrap();
    let mut d = Driver {
        keys: key_tx,
        screen: screen_rx,
    };
    let hooks = Hooks {
        screen: Some(screen_tx),
    };
    let ui = run_ui(
        &mut terminal,
        &mut app,
        keys,
        Some(setup),
        Some(engine),
        hooks,
    );
    let script = async move {
        d.wait_for("the session to open", |s| {
            s.contains("● Open") && s.contains("← ")
        })
        .await;

        // 1. Focus starts in the composer: type a sentence, press Enter, see the reply.
        d.type_text("hello from the keys");
        d.key(KeyCode::Enter, KeyModifiers::NONE);
        d.wait_for("the reply in the transcript", |s| {
            s.contains("\"hello from the keys\". This is the rtconsole mock")
                && s.contains("response.done")
        })
        .await;

        // 2. The config editor: add instructions at the top, apply, see the outcome.
        d.key(KeyCode::Char('s'), KeyModifiers::ALT);
        d.key(KeyCode::Home, KeyModifiers::CONTROL);
        d.key(KeyCode::End, KeyModifiers::NONE);
        d.key(KeyCode::Enter, KeyModifiers::NONE);
        d.type_text("\"max_output_tokens\": 321,");
        d.wait_for("the edit to validate", |s| {
            s.contains("321") && s.contains("valid")
        })
        .await;
        d.key(KeyCode::Char('s'), KeyModifiers::CONTROL);
        let s = d
            .wait_for("the server's answer to the edit", |s| {
                s.contains("applied everything as sent")
                    || s.contains("→ got")
                    || s.contains("dropped by the server")
            })
            .await;
        assert!(s.contains("session.updated"), "{s}");

        // 3. A function call answered from the composer with the template.
        d.key(KeyCode::Char('c'), KeyModifiers::ALT);
        let update = r#"{"type":"session.update","session":{"type":"realtime","output_modalities":["text"],"tools":[{"type":"function","name":"get_weather","description":"The weather in a city.","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}]}}"#;
        d.keys.send(Event::Paste(update.into())).unwrap();
        d.key(KeyCode::Enter, KeyModifiers::NONE);
        d.wait_for("the text-only session with the tool", |s| {
            s.contains("\"text\"") && s.contains("applied everything as sent")
        })
        .await;
        d.type_text("What's the weather in Paris? Use get_weather.");
        d.key(KeyCode::Enter, KeyModifiers::NONE);
        d.wait_for("the call in the transcript", |s| {
            s.contains("get_weather({")
        })
        .await;
        d.key(KeyCode::Char('t'), KeyModifiers::CONTROL);
        d.key(KeyCode::Char('4'), KeyModifiers::NONE);
        d.wait_for("the template with the call id", |s| {
            s.contains("answering get_weather")
        })
        .await;
        d.type_text("21 C and sunny");
        d.key(KeyCode::Enter, KeyModifiers::NONE);
        d.key(KeyCode::Char('r'), KeyModifiers::CONTROL);
        d.wait_for("the reply using the tool's output", |s| {
            s.matches("21 C and sunny").count() >= 2 && s.contains("assistant")
        })
        .await;

        d.key(KeyCode::Char('c'), KeyModifiers::CONTROL);
    };
    let (result, ()) = tokio::join!(ui, script);
    result.expect("the UI ends cleanly");
    // Every step went through the core: the log holds what was sent and received.
    let log = app.session.log();
    let sent: Vec<_> = log
        .iter()
        .filter(|e| e.dir == rtconsole::protocol::Direction::Client)
        .map(|e| e.type_name.to_string())
        .collect();
    assert!(
        sent.iter().filter(|t| *t == "session.update").count() >= 2,
        "{sent:?}"
    );
    assert!(
        sent.iter().any(|t| t == "conversation.item.create"),
        "{sent:?}"
    );
    assert!(
        app.session.pending_calls().is_empty(),
        "the call was answered"
    );
}

/// (direction, type) of every line of a recording.
fn shape(path: &std::path::Path) -> (rtconsole::recording::Header, Vec<(String, String)>) {
    let rec = rtconsole::recording::open_recording(path).expect("the recording reads");
    let lines = rec
        .entries
        .iter()
        .map(|e| {
            let ty = e
                .event()
                .and_then(|v| v["type"].as_str().map(str::to_string))
                .unwrap_or_else(|| "(raw)".into());
            (format!("{:?}", e.dir), ty)
        })
        .collect();
    (rec.header, lines)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tui_and_run_record_the_same_session() {
    let dir = tempfile::tempdir().unwrap();
    let tui_rec = dir.path().join("tui.jsonl");
    let run_rec = dir.path().join("run.jsonl");

    // The TUI: type one message, wait for the answer, quit.
    let (key_tx, key_rx) = mpsc::unbounded_channel::<Event>();
    let keys = Box::pin(futures_util::stream::unfold(key_rx, |mut rx| async move {
        rx.recv().await.map(|e| (Ok::<_, io::Error>(e), rx))
    }));
    let (screen_tx, screen_rx) = watch::channel(String::new());
    let conn = ConnInfo {
        endpoint: "mock".into(),
        session_limit_ms: 3_600_000,
        ..ConnInfo::default()
    };
    let mut app = app_with(conn, dir.path());
    let mut tui = tui_args();
    tui.record = Some(tui_rec.clone());
    let setup = LiveSetup {
        connect: connect_args(),
        tui,
        token_url: None,
        dialect: Dialect::Ga,
        session: serde_json::json!({"type": "realtime"}),
        attach: None,
    };
    let mut terminal = Terminal::new(TestBackend::new(160, 50)).unwrap();
    let mut d = Driver {
        keys: key_tx,
        screen: screen_rx,
    };
    let hooks = Hooks {
        screen: Some(screen_tx),
    };
    let ui = run_ui(&mut terminal, &mut app, keys, Some(setup), None, hooks);
    let script = async move {
        d.wait_for("the session to open", |s| s.contains("● Open"))
            .await;
        d.type_text("hello there");
        d.key(KeyCode::Enter, KeyModifiers::NONE);
        d.wait_for("the reply", |s| s.contains("response.done"))
            .await;
        d.key(KeyCode::Char('c'), KeyModifiers::CONTROL);
    };
    let (result, ()) = tokio::join!(ui, script);
    result.expect("the UI ends cleanly");

    // `run`: the same turn from a script.
    let script_path = dir.path().join("turn.rtc");
    std::fs::write(&script_path, "say hello there\nexpect response.done\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rtconsole"))
        .args(["run", "--mock", "--seed", "7", "--record"])
        .arg(&run_rec)
        .arg(&script_path)
        .output()
        .expect("rtconsole runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let (tui_header, tui_lines) = shape(&tui_rec);
    let (run_header, run_lines) = shape(&run_rec);
    assert_eq!(tui_header.endpoint, run_header.endpoint);
    assert!(tui_header.call_id.is_some() && run_header.call_id.is_some());
    // The wire, in order each way (the script may send before `session.created`
    // lands; a person typing never does).
    let wire = |l: &[(String, String)], dir: &str| -> Vec<String> {
        l.iter()
            .filter(|(d, _)| d == dir)
            .map(|(_, t)| t.clone())
            .collect()
    };
    for dir in ["Client", "Server"] {
        assert_eq!(wire(&tui_lines, dir), wire(&run_lines, dir), "{dir}");
    }
    // The same kinds of notes from the one link: transport states, the connect
    // breakdown, stats, and how it closed.
    let notes = |l: &[(String, String)]| -> std::collections::BTreeSet<String> {
        l.iter()
            .filter(|(d, _)| d == "Local")
            .map(|(_, t)| t.clone())
            .collect()
    };
    assert_eq!(notes(&tui_lines), notes(&run_lines));
    for needed in ["local.transport", "local.connected", "local.stats"] {
        assert!(notes(&tui_lines).contains(needed), "{tui_lines:?}");
    }
    let last = |l: &[(String, String)]| l.last().cloned().unwrap();
    assert_eq!(last(&tui_lines).1, "local.transport");
    assert_eq!(last(&run_lines).1, "local.transport");
}

#[path = "support/mock_client.rs"]
mod mock_client;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tui_attaches_to_a_call_and_drives_it_from_the_composer() {
    let server = mock_client::start_mock(rtconsole::mock::MockConfig::default()).await;
    let mut caller = mock_client::connect_default(&server).await;
    caller.wait_for("session.created").await;
    let call_id = caller.conn.answer.call_id.clone().unwrap();
    let (key_tx, key_rx) = mpsc::unbounded_channel::<Event>();
    let keys = Box::pin(futures_util::stream::unfold(key_rx, |mut rx| async move {
        rx.recv().await.map(|e| (Ok::<_, io::Error>(e), rx))
    }));
    let (screen_tx, screen_rx) = watch::channel(String::new());
    let dir = tempfile::tempdir().unwrap();
    let conn = ConnInfo {
        endpoint: format!("sideband {call_id}"),
        session_limit_ms: 3_600_000,
        ..ConnInfo::default()
    };
    let mut app = app_with(conn, dir.path());
    let mut connect = connect_args();
    connect.mock = false;
    connect.base_url = server.base_url();
    connect.api_key_env = "RTCONSOLE_TUI_TEST_MOCK_KEY".into();
    std::env::set_var("RTCONSOLE_TUI_TEST_MOCK_KEY", server.key());
    let setup = LiveSetup {
        connect,
        tui: tui_args(),
        token_url: None,
        dialect: Dialect::Ga,
        session: serde_json::json!({"type": "realtime"}),
        attach: Some(call_id.clone()),
    };
    let mut terminal = Terminal::new(TestBackend::new(160, 50)).unwrap();
    let mut d = Driver {
        keys: key_tx,
        screen: screen_rx,
    };
    let hooks = Hooks {
        screen: Some(screen_tx),
    };
    let ui = run_ui(&mut terminal, &mut app, keys, Some(setup), None, hooks);
    let script = async move {
        d.wait_for("the sideband to open", |s| s.contains("● Open"))
            .await;
        // Typed in the composer: a turn in someone else's call.
        d.type_text("hello through the sideband");
        d.key(KeyCode::Enter, KeyModifiers::NONE);
        d.wait_for("the reply", |s| {
            s.contains("\"hello through the sideband\"") && s.contains("response.done")
        })
        .await;
        d.key(KeyCode::Char('c'), KeyModifiers::CONTROL);
    };
    let (result, ()) = tokio::join!(ui, script);
    result.expect("the UI ends cleanly");
    // The caller heard the turn the TUI started.
    let done = caller.wait_for("response.done").await;
    assert_eq!(done["response"]["status"], "completed");
    caller.close().await;
    server.shutdown().await;
}

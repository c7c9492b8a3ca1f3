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
        base_url: "http://unused.invalid/v1".into(),
        api_key_env: "RTCONSOLE_TEST_NO_KEY".into(),
        model: None,
        voice: None,
        instructions: None,
        session: None,
        open_timeout: Duration::from_secs(15),
        scenario: None,
        seed: Some(7),
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
    let mut app = App::new(
        Session::new(SessionOptions::default()),
        Keymap::default(),
        Theme::default(),
        conn,
        PathBuf::from(dir.path()),
    );
    let setup = LiveSetup {
        connect: connect_args(),
        tui: tui_args(),
        token_url: None,
        dialect: Dialect::Ga,
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
        .entries()
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

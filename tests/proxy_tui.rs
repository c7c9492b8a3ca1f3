//! The TUI view of `rtconsole proxy`, driven in-process through the same loop the
//! binary runs (`run_ui_on` over the proxy's relay link, a test backend for a
//! screen): a socket app talks to the mock through the proxy, the panes show both
//! directions and the reply, the composer injects an event the mock answers, a
//! second connection takes over the view, and no key is ever on screen.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
#[path = "support/socket_app.rs"]
mod socket_app;

use ratatui::backend::TestBackend;
use ratatui::Terminal;
use rtconsole::commands::proxy::screen::relay_view;
use rtconsole::mock::{MockConfig, MockServer};
use rtconsole::protocol::{Dialect, Direction};
use rtconsole::transport::proxy::{Proxy, ProxyConfig};
use rtconsole::tui::live::{run_ui_on, Hooks};
use rtconsole::tui::user_config;
use serde_json::json;
use socket_app::{said, send, until, Socket};
use tokio::sync::{mpsc, watch};

const WAIT: Duration = Duration::from_secs(30);

/// Assembled at run time: no key-shaped literal in the source.
fn key() -> String {
    format!("sk-proj-{}", "ptuiTest0123456789abcdefXYZ")
}

/// A mock, a proxy to it and the TUI's app and edge over the proxy.
struct Setup {
    mock: MockServer,
    proxy: Proxy,
    socket_url: String,
    records: tempfile::TempDir,
    app: rtconsole::tui::app::App,
    edge: Option<rtconsole::tui::live::Edge>,
}

async fn setup(key: &str) -> Setup {
    let mock = MockServer::start(MockConfig {
        key: Some(key.to_string()),
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let mut proxy = Proxy::start(ProxyConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        upstream: mock.base_url(),
        open_timeout: Duration::from_secs(15),
    })
    .await
    .unwrap();
    let socket_url = format!(
        "{}/realtime?model=gpt-realtime",
        proxy.base_url().replacen("http", "ws", 1)
    );
    let records = tempfile::tempdir().unwrap();
    let ui = user_config::from_text("", "test config", None, true).unwrap();
    let (app, edge) = relay_view(
        &mut proxy,
        &mock.base_url(),
        true,
        Some(records.path()),
        ui,
        Dialect::Ga,
    );
    Setup {
        mock,
        proxy,
        socket_url,
        records,
        app,
        edge: Some(edge),
    }
}

type Keys = std::pin::Pin<Box<dyn futures_util::Stream<Item = io::Result<Event>> + Send>>;

/// The key stream the UI reads and the driver that feeds it and reads the screen.
fn driver(key: &str) -> (Keys, Hooks, Driver) {
    let (key_tx, key_rx) = mpsc::unbounded_channel::<Event>();
    let keys: Keys = Box::pin(futures_util::stream::unfold(key_rx, |mut rx| async move {
        rx.recv().await.map(|e| (Ok::<_, io::Error>(e), rx))
    }));
    let (screen_tx, screen_rx) = watch::channel(String::new());
    let hooks = Hooks {
        screen: Some(screen_tx),
    };
    let d = Driver {
        keys: key_tx,
        screen: screen_rx,
        key: key.to_string(),
    };
    (keys, hooks, d)
}

struct Driver {
    keys: mpsc::UnboundedSender<Event>,
    screen: watch::Receiver<String>,
    key: String,
}

impl Driver {
    fn press(&self, code: KeyCode, mods: KeyModifiers) {
        self.keys
            .send(Event::Key(KeyEvent::new(code, mods)))
            .expect("the UI is running");
    }

    /// In the events pane: only client events, select the newest, `b` on it, then
    /// every event again (the notes that say what `b` did are local).
    fn break_on_newest_client_event(&self) {
        self.press(KeyCode::Char('e'), KeyModifiers::ALT);
        self.press(KeyCode::Char('d'), KeyModifiers::NONE);
        self.press(KeyCode::End, KeyModifiers::NONE);
        self.press(KeyCode::Char('b'), KeyModifiers::NONE);
        self.press(KeyCode::Char('c'), KeyModifiers::NONE);
    }

    fn type_text(&self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c), KeyModifiers::NONE);
        }
    }

    /// Waits until the drawn screen satisfies `pred`; every screen seen on the way
    /// is checked for the key.
    async fn wait_for(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let key = self.key.clone();
        let tail = &key[key.len() - 12..];
        let waited = tokio::time::timeout(WAIT, async {
            loop {
                {
                    let s = self.screen.borrow_and_update();
                    assert!(!s.contains(tail), "part of the key is on screen:\n{}", *s);
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
            _ => panic!("waited for {what}; the screen:\n{}", *self.screen.borrow()),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relayed_session_shows_both_ways_and_the_composer_injects() {
    let key = key();
    let Setup {
        mock,
        proxy,
        socket_url,
        records,
        mut app,
        edge,
    } = setup(&key).await;
    let (keys, hooks, mut d) = driver(&key);
    let mut terminal = Terminal::new(TestBackend::new(180, 50)).unwrap();
    let ui = run_ui_on(&mut terminal, &mut app, keys, edge, None, hooks);
    let script = async move {
        d.wait_for("the proxy's URL in the status bar", |s| {
            s.contains("proxy: point your app at http://127.0.0.1:")
        })
        .await;

        // The app's own turn, with its key in the instructions it sends.
        let mut app1 = connect(&socket_url, &key).await;
        until(&mut app1, "session.created").await;
        send(
            &mut app1,
            json!({"type": "session.update", "session": {"type": "realtime",
                "output_modalities": ["text"], "instructions": format!("my key is {key}")}}),
        )
        .await;
        until(&mut app1, "session.updated").await;
        send(
            &mut app1,
            json!({"type": "conversation.item.create", "item": {"type": "message", "role": "user",
                "content": [{"type": "input_text", "text": "app says hello"}]}}),
        )
        .await;
        send(&mut app1, json!({"type": "response.create"})).await;
        until(&mut app1, "response.done").await;
        let s = d
            .wait_for("both directions and the reply", |s| {
                s.contains("conn 1 · proxy")
                    && s.contains("→")
                    && s.contains("conversation.item.create")
                    && s.contains("response.done")
                    && s.contains("\"app says hello\". This is the rtconsole mock")
            })
            .await;
        assert!(s.contains("● Open"), "{s}");
        assert!(!s.contains("⇢"), "nothing was injected yet:\n{s}");

        // Typed in the composer (focused at start): injected on the app's connection.
        d.type_text("typed in the proxy");
        d.press(KeyCode::Enter, KeyModifiers::NONE);
        let turn = until(&mut app1, "response.done").await;
        assert!(
            said(&turn).contains("\"typed in the proxy\""),
            "the mock answered the injected event: {turn:?}"
        );
        d.wait_for("the injected events and the reply to them", |s| {
            s.contains("⇢") && s.contains("injected:") && s.contains("\"typed in the proxy\". ")
        })
        .await;

        // A second connection takes over the view, with a session of its own.
        let mut app2 = connect(&socket_url, &key).await;
        until(&mut app2, "session.created").await;
        let s = d
            .wait_for("the second connection", |s| {
                s.contains("conn 2 · proxy") && s.contains("session.created")
            })
            .await;
        assert!(!s.contains("typed in the proxy"), "a fresh session:\n{s}");
        app2.close(None).await.unwrap();
        d.wait_for("the close", |s| s.contains("local.proxy.closed"))
            .await;
        app1.close(None).await.unwrap();
        d.press(KeyCode::Char('c'), KeyModifiers::CONTROL);
    };
    let (result, ()) = tokio::join!(ui, script);
    result.expect("the UI ends cleanly");
    // The core logged the injected events as injected, the app's as the app's.
    let log: Vec<_> = app.session.log().iter().collect();
    assert!(
        log.iter().all(|e| !e.injected),
        "connection 2 injected nothing"
    );
    proxy.shutdown().await;
    mock.shutdown().await;

    // One recording per connection, as `--headless --record` writes them.
    let mut recordings: Vec<_> = std::fs::read_dir(records.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    recordings.sort();
    assert_eq!(recordings.len(), 2, "{recordings:?}");
    let first = std::fs::read_to_string(&recordings[0]).unwrap();
    assert!(first.contains("local.proxy.injected"), "{first}");
    assert!(first.contains(r#""dir":"server","event":{"type":"response.done""#));
    assert!(!first.contains("ptuiTest0123456789"), "no key recorded");
    // Replayed (as `rtconsole open` does), the injected events read as injected.
    let rec = rtconsole::recording::open_recording(&recordings[0]).unwrap();
    let mut session = rtconsole::session::Session::new(Default::default());
    for input in rec.inputs() {
        let _ = session.handle(input);
    }
    let injected: Vec<String> = session
        .log()
        .iter()
        .filter(|e| e.dir == Direction::Client && e.injected)
        .map(|e| e.type_name.to_string())
        .collect();
    assert_eq!(
        injected,
        vec!["conversation.item.create", "response.create"],
        "the composer's two events"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_breakpoint_set_from_the_events_pane_holds_an_event_to_edit_release_or_drop() {
    let key = key();
    let Setup {
        mock,
        proxy,
        socket_url,
        records: _records,
        mut app,
        edge,
    } = setup(&key).await;
    let (keys, hooks, mut d) = driver(&key);
    let mut terminal = Terminal::new(TestBackend::new(180, 50)).unwrap();
    let ui = run_ui_on(&mut terminal, &mut app, keys, edge, None, hooks);
    let script = async move {
        let mut app1 = connect(&socket_url, &key).await;
        until(&mut app1, "session.created").await;
        send(
            &mut app1,
            json!({"type": "session.update", "session": {"type": "realtime", "output_modalities": ["text"]}}),
        )
        .await;
        until(&mut app1, "session.updated").await;
        send(&mut app1, json!({"type": "response.create"})).await;
        until(&mut app1, "response.done").await;
        d.wait_for("the app's turn", |s| s.contains("response.done"))
            .await;

        // The app's newest event is its response.create: break on that type.
        d.break_on_newest_client_event();
        d.wait_for("the breakpoint", |s| {
            s.contains("breakpoint=client:response.create set=true")
        })
        .await;

        // Held, opened in the composer, edited and released: the mock gets the edit.
        send(&mut app1, json!({"type": "response.create"})).await;
        d.wait_for("the held event in the composer", |s| {
            s.contains("held #1 (client event of connection 1)")
                && s.contains("{\"type\":\"response.create\"}")
        })
        .await;
        d.press(KeyCode::Esc, KeyModifiers::NONE);
        let edit = r#"{"type":"response.create","response":{"instructions":"Say \"edited in the proxy\""}}"#;
        d.keys.send(Event::Paste(edit.into())).unwrap();
        d.press(KeyCode::Char('r'), KeyModifiers::ALT);
        let turn = until(&mut app1, "response.done").await;
        assert!(
            said(&turn).contains("edited in the proxy"),
            "the mock answered the edited event: {turn:?}"
        );
        d.wait_for("the release", |s| {
            s.contains("local.proxy.released") && s.contains("edited=true")
        })
        .await;

        // Held again and dropped: the mock never sees it.
        send(&mut app1, json!({"type": "response.create"})).await;
        d.wait_for("the second held event", |s| s.contains("held #2"))
            .await;
        d.press(KeyCode::Char('d'), KeyModifiers::ALT);
        d.wait_for("the drop", |s| s.contains("local.proxy.dropped"))
            .await;
        // Cleared with `b` on the app's newest response.create; the next one passes.
        d.break_on_newest_client_event();
        d.wait_for("the breakpoint cleared", |s| {
            s.contains("breakpoint=client:response.create set=false")
        })
        .await;
        send(&mut app1, json!({"type": "response.create"})).await;
        let turn = until(&mut app1, "response.done").await;
        let created = turn
            .iter()
            .filter(|e| e["type"] == "response.created")
            .count();
        assert_eq!(created, 1, "the dropped event made no response: {turn:?}");
        app1.close(None).await.unwrap();
        d.press(KeyCode::Char('c'), KeyModifiers::CONTROL);
    };
    let (result, ()) = tokio::join!(ui, script);
    result.expect("the UI ends cleanly");
    assert_eq!(app.held_count(), 0);
    proxy.shutdown().await;
    mock.shutdown().await;
}

async fn connect(url: &str, key: &str) -> Socket {
    socket_app::connect(url, key, false)
        .await
        .expect("the mock accepts the key through the proxy")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relayed_webrtc_call_shows_like_a_session_of_its_own() {
    let key = key();
    let Setup {
        mock,
        proxy,
        records: _records,
        mut app,
        edge,
        ..
    } = setup(&key).await;
    let base = proxy.base_url();
    let (keys, hooks, mut d) = driver(&key);
    let mut terminal = Terminal::new(TestBackend::new(180, 50)).unwrap();
    let ui = run_ui_on(&mut terminal, &mut app, keys, edge, None, hooks);
    let script = async move {
        d.wait_for("the proxy's URL in the status bar", |s| {
            s.contains("proxy: point your app at http://127.0.0.1:")
        })
        .await;
        // rtconsole's own client as the app: a text turn over a WebRTC call.
        let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scripts");
        let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_rtconsole"))
            .arg("run")
            .arg(format!("{examples}/text_turn.rtc"))
            .args(["--base-url", &base])
            .env("OPENAI_API_KEY", &key)
            .output();
        let out = tokio::time::timeout(WAIT, run)
            .await
            .expect("the app's run ends")
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let s = d
            .wait_for("the call's events, its reply and its id", |s| {
                s.contains("rtc_")
                    && s.contains("session.update")
                    && s.contains("response.done")
                    && s.contains("The weather in Paris is sunny.")
            })
            .await;
        assert!(!s.contains("⇢"), "the app's events are not injected:\n{s}");
        d.wait_for("the call's end", |s| s.contains("local.proxy.closed"))
            .await;
        d.press(KeyCode::Char('c'), KeyModifiers::CONTROL);
    };
    let (result, ()) = tokio::join!(ui, script);
    result.expect("the UI ends cleanly");
    let types: Vec<String> = app
        .session
        .log()
        .iter()
        .map(|e| e.type_name.to_string())
        .collect();
    assert!(types.iter().any(|t| t == "session.created"), "{types:?}");
    assert!(
        types.iter().any(|t| t == "response.output_text.done"),
        "{types:?}"
    );
    proxy.shutdown().await;
    mock.shutdown().await;
}

//! `rtconsole proxy --upstream mock` (the TUI view) in a real terminal: tmux runs
//! it, a socket app connects through it, the screen shows the app's events both
//! ways and the mock's reply; a sentence typed in the composer reaches the mock
//! (which answers the app) and shows as injected; no key is ever on screen; Ctrl-C
//! ends it with status 0.

#[path = "support/socket_app.rs"]
mod socket_app;
#[path = "support/tmux.rs"]
mod tmux;

use serde_json::json;
use socket_app::{connect, said, send, until};
use tmux::{wait_file, Tmux};

/// Assembled at run time: no key-shaped literal in the source.
fn key() -> String {
    format!("sk-proj-{}", "tmuxProxy0123456789abcdefXYZ")
}

fn no_key(screen: &str) {
    assert!(
        !screen.contains("tmuxProxy0123456789"),
        "part of the key is on screen:\n{screen}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_through_the_proxy_shows_both_ways_and_the_composer_injects() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The key reaches the proxy from a file, so not even the command line shows it.
    std::fs::write(d.join("key.txt"), key()).unwrap();
    let tmux = Tmux::start(d, 160, 45);
    let bin = env!("CARGO_BIN_EXE_rtconsole");
    let script = format!(
        "cd {dir}; RTCONSOLE_MOCK_KEY=$(cat key.txt) {bin} proxy --upstream mock --record rec; echo EXIT=$? > exit.txt",
        dir = d.display()
    );
    tmux.run(&["send-keys", "-t", "t", &script, "Enter"]);
    let screen = tmux.wait_for("the proxy's URL", |s| {
        s.contains("point your app at http://127.0.0.1:")
    });
    let url = screen
        .split("point your app at ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .to_string();
    assert!(url.ends_with("/v1"), "{url}");

    let socket_url = format!(
        "{}/realtime?model=gpt-realtime",
        url.replacen("http", "ws", 1)
    );
    let mut app = connect(&socket_url, &key(), false)
        .await
        .expect("the mock accepts the app through the proxy");
    until(&mut app, "session.created").await;
    let events = [
        json!({"type": "session.update", "session": {"type": "realtime", "output_modalities": ["text"]}}),
        json!({"type": "conversation.item.create", "item": {"type": "message", "role": "user",
            "content": [{"type": "input_text", "text": "the app speaks"}]}}),
        json!({"type": "response.create"}),
    ];
    for e in events {
        send(&mut app, e).await;
    }
    until(&mut app, "response.done").await;
    let screen = tmux.wait_for("the app's turn, both ways", |s| {
        s.contains("→")
            && s.contains("conversation.item.create")
            && s.contains("←")
            && s.contains("response.done")
            && s.contains("\"the app speaks\". This is the rtconsole mock")
    });
    assert!(screen.contains("conn 1"), "{screen}");
    no_key(&screen);

    tmux.run(&["send-keys", "-t", "t", "-l", "typed in tmux"]);
    tmux.run(&["send-keys", "-t", "t", "Enter"]);
    let turn = until(&mut app, "response.done").await;
    assert!(said(&turn).contains("\"typed in tmux\""), "{turn:?}");
    let screen = tmux.wait_for("the injected events and the reply", |s| {
        s.contains("⇢") && s.contains("injected:") && s.contains("\"typed in tmux\". ")
    });
    no_key(&screen);

    tmux.run(&["send-keys", "-t", "t", "C-c"]);
    let exit = wait_file(&d.join("exit.txt"));
    assert_eq!(exit.trim(), "EXIT=0");
    let after = tmux.wait_for("the shell back", |s| !s.contains("Composer"));
    no_key(&after);
    let recordings: Vec<_> = std::fs::read_dir(d.join("rec"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(recordings.len(), 1, "{recordings:?}");
    let recording = std::fs::read_to_string(&recordings[0]).unwrap();
    assert!(recording.contains("local.proxy.injected"));
    assert!(!recording.contains("tmuxProxy0123456789"));
}

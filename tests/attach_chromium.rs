//! `rtconsole run --attach` on a call a real browser made: headless Chromium runs
//! OpenAI's browser flow against the mock, rtconsole joins by the call id over the
//! sideband, sees the browser's turn, and sends a `response.create` whose response
//! the page receives.

#[path = "support/chromium.rs"]
mod chromium;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::response::Html;
use axum::routing::{get, post};
use axum::{Json, Router};
use rtconsole::mock::{MockConfig, MockServer};
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot};

const PAGE: &str = include_str!("support/attach_page.html");

#[derive(Clone)]
struct Page {
    api: String,
    key: String,
    call: mpsc::UnboundedSender<String>,
    go: Arc<AtomicBool>,
    report: Arc<Mutex<Option<oneshot::Sender<Value>>>>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attach_watches_and_drives_a_browsers_call() {
    let server = MockServer::start(MockConfig::default()).await.unwrap();
    let (call_tx, mut call_rx) = mpsc::unbounded_channel();
    let (report_tx, report_rx) = oneshot::channel();
    let page = Page {
        api: server.base_url(),
        key: server.key().to_string(),
        call: call_tx,
        go: Arc::new(AtomicBool::new(false)),
        report: Arc::new(Mutex::new(Some(report_tx))),
    };
    let go = page.go.clone();
    let app =
        Router::new()
            .route("/", get(|| async { Html(PAGE) }))
            .route(
                "/token",
                get(|State(p): State<Page>| async move {
                    // The page's backend mints the secret; the key never reaches the page.
                    let r = reqwest::Client::new()
                        .post(format!("{}/realtime/client_secrets", p.api))
                        .bearer_auth(&p.key)
                        .json(&json!({"session": {"type": "realtime"}}))
                        .send()
                        .await
                        .unwrap();
                    Json(r.json::<Value>().await.unwrap())
                }),
            )
            .route(
                "/call",
                post(|State(p): State<Page>, Json(v): Json<Value>| async move {
                    let _ = p.call.send(v["callId"].as_str().unwrap_or("").to_string());
                    "ok"
                }),
            )
            .route(
                "/go",
                get(|State(p): State<Page>| async move {
                    Json(json!({"go": p.go.load(Ordering::SeqCst)}))
                }),
            )
            .route(
                "/report",
                post(|State(p): State<Page>, Json(v): Json<Value>| async move {
                    if let Some(tx) = p.report.lock().unwrap().take() {
                        let _ = tx.send(v);
                    }
                    "ok"
                }),
            )
            .with_state(page);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let page_addr = listener.local_addr().unwrap();
    let page_server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let profile = tempfile::tempdir().unwrap();
    let mut browser = tokio::process::Command::new(chromium::CHROMIUM)
        .args(chromium::FLAGS)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("http://{page_addr}/?api={}", server.base_url()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chromium starts");

    let call_id = tokio::time::timeout(Duration::from_secs(30), call_rx.recv())
        .await
        .expect("the page made its call")
        .unwrap();
    assert!(call_id.starts_with("rtc_"), "{call_id}");

    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("attach.rtc");
    std::fs::write(
        &script,
        r#"expect conversation.item.added item.role=user item.content[0].text~/from the page/ within 20s
expect response.done within 20s
send {"type": "response.create", "response": {"output_modalities": ["text"], "instructions": "Say exactly: \"hello from the sideband\""}}
expect response.done within 20s
"#,
    )
    .unwrap();
    let rec = dir.path().join("sideband.jsonl");
    let mut run = Command::new(env!("CARGO_BIN_EXE_rtconsole"))
        .args([
            "run",
            "--attach",
            &call_id,
            "--base-url",
            &server.base_url(),
        ])
        .args(["--api-key-env", "RTCONSOLE_TEST_MOCK_KEY", "--record"])
        .arg(&rec)
        .arg(&script)
        .env("RTCONSOLE_TEST_MOCK_KEY", server.key())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The page takes its turn once rtconsole says it is attached.
    let stderr = run.stderr.take().unwrap();
    let lines = tokio::task::spawn_blocking(move || {
        let mut seen = Vec::new();
        let mut reader = BufReader::new(stderr);
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap_or(0) > 0 {
            if line.starts_with("connected: call") {
                go.store(true, Ordering::SeqCst);
            }
            seen.push(std::mem::take(&mut line));
        }
        seen.concat()
    });
    let report = tokio::time::timeout(Duration::from_secs(60), report_rx)
        .await
        .expect("the page reported")
        .unwrap();
    let status = tokio::task::spawn_blocking(move || run.wait().unwrap())
        .await
        .unwrap();
    let err = lines.await.unwrap();
    let _ = browser.kill().await;
    page_server.abort();
    server.shutdown().await;

    assert_eq!(report["ok"], true, "page: {report}\nrtconsole: {err}");
    assert!(
        report["injectedText"]
            .as_str()
            .unwrap()
            .contains("hello from the sideband"),
        "{report}"
    );
    assert_eq!(status.code(), Some(0), "{err}");
    let read = rtconsole::recording::open_recording(&rec).unwrap();
    assert_eq!(read.header.call_id.as_deref(), Some(call_id.as_str()));
}

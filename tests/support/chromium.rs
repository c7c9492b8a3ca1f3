//! Headless Chromium as a real browser peer of the mock: a page on its own origin (a
//! second loopback server) runs OpenAI's browser flow and posts its results back.
#![allow(dead_code)]

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::response::Html;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::sync::oneshot;

const PAGE: &str = include_str!("chromium_page.html");

pub const CHROMIUM: &str = "/usr/bin/chromium";

/// Flags from the team's notes; loopback must be allowed explicitly or Chromium never
/// pairs with the mock's 127.0.0.1 candidate.
pub const FLAGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
    "--no-first-run",
];

#[derive(Clone)]
struct PageState {
    api: String,
    key: String,
    report: Arc<Mutex<Option<oneshot::Sender<Value>>>>,
}

/// Runs the page once in headless Chromium and returns its report.
/// `runs` connections in sequence; the first also does a text turn when `turn`.
pub async fn run_page(
    api_base: &str,
    key: &str,
    runs: usize,
    turn: bool,
    limit: Duration,
) -> Value {
    run_page_with(api_base, Some(key), runs, turn, limit).await
}

/// As [`run_page`]; with `key` `None` the page mints no client secret and posts its
/// offer with a dummy bearer, for answerers that have no `/client_secrets`.
pub async fn run_page_with(
    api_base: &str,
    key: Option<&str>,
    runs: usize,
    turn: bool,
    limit: Duration,
) -> Value {
    let query = format!(
        "runs={runs}&turn={}&token={}",
        if turn { 1 } else { 0 },
        if key.is_some() { 1 } else { 0 }
    );
    run_html(PAGE, api_base, key.unwrap_or_default(), &query, limit).await
}

/// Serves `page` from a loopback origin of its own (with `/token`, which mints a
/// client secret at `api_base` with `key`, and `/report`), opens it in headless
/// Chromium with `?api=API_BASE&QUERY`, and returns what it reports.
pub async fn run_html(
    page: &'static str,
    api_base: &str,
    key: &str,
    query: &str,
    limit: Duration,
) -> Value {
    let (tx, rx) = oneshot::channel();
    let state = PageState {
        api: api_base.to_string(),
        key: key.to_string(),
        report: Arc::new(Mutex::new(Some(tx))),
    };
    let app = Router::new()
        .route("/", get(move || async move { Html(page) }))
        .route("/token", get(token))
        .route("/report", post(report))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let page_addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let url = format!("http://{page_addr}/?api={api_base}&{query}");
    let browser = Browser::launch(&url);
    let result = tokio::time::timeout(limit, rx).await;
    browser.close().await;
    server.abort();
    match result {
        Ok(Ok(v)) => v,
        _ => panic!("Chromium sent no report within {limit:?} (page {url})"),
    }
}

/// A headless Chromium on one page, with a fresh profile; killed on `close` or drop.
pub struct Browser {
    child: tokio::process::Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub fn launch(url: &str) -> Browser {
        assert!(
            Path::new(CHROMIUM).exists(),
            "{CHROMIUM} is missing: install Debian's chromium (`apt-get install chromium`); .ci/run does this"
        );
        let profile = tempfile::tempdir().unwrap();
        let child = tokio::process::Command::new(CHROMIUM)
            .args(FLAGS)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromium starts");
        Browser {
            child,
            _profile: profile,
        }
    }

    pub async fn close(mut self) {
        let _ = self.child.kill().await;
        let _ = self.child.wait().await;
    }
}

/// The page's backend: mints a client secret with the standard key, as the `/session`
/// endpoint in OpenAI's guide does. The key never reaches the page.
async fn token(State(s): State<PageState>) -> Json<Value> {
    let resp = reqwest::Client::new()
        .post(format!("{}/realtime/client_secrets", s.api))
        .bearer_auth(&s.key)
        .json(&json!({"session": {"type": "realtime"}}))
        .send()
        .await
        .expect("mint from the page backend");
    Json(resp.json().await.expect("secret JSON"))
}

async fn report(State(s): State<PageState>, Json(v): Json<Value>) -> &'static str {
    if let Some(tx) = s.report.lock().unwrap().take() {
        let _ = tx.send(v);
    }
    "ok"
}

pub fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = xs.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

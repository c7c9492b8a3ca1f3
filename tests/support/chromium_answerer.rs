//! Headless Chromium as the WebRTC answerer, behind the Realtime API's call endpoint:
//! a loopback relay takes `POST /v1/realtime/calls` (raw SDP), hands the offer to a page
//! in Chromium, and returns the page's answer as `201 application/sdp`. Chromium never
//! gathers loopback candidates, so its answer names the machine's own interface address
//! (webrtc-notes §3); offerers on 127.0.0.1 reach it there.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot, watch};
use tower_http::cors::CorsLayer;

use super::chromium::Browser;

const PAGE: &str = include_str!("chromium_answerer.html");
/// How long a POSTed offer waits for the page's answer.
const ANSWER_LIMIT: Duration = Duration::from_secs(10);

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Result<String, String>>>>>;

#[derive(Clone)]
struct Relay {
    offers_tx: mpsc::UnboundedSender<(u64, String)>,
    offers_rx: Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<(u64, String)>>>,
    pending: Pending,
    next_id: Arc<AtomicU64>,
    polling: Arc<watch::Sender<bool>>,
}

/// A running Chromium answerer; `base_url()` is its API base (`…/v1`).
pub struct ChromiumAnswerer {
    addr: std::net::SocketAddr,
    browser: Option<Browser>,
    server: tokio::task::JoinHandle<()>,
}

impl ChromiumAnswerer {
    /// Starts the relay and Chromium, and returns once the page is waiting for offers.
    pub async fn start(limit: Duration) -> ChromiumAnswerer {
        let (offers_tx, offers_rx) = mpsc::unbounded_channel();
        let (polling, mut polling_rx) = watch::channel(false);
        let relay = Relay {
            offers_tx,
            offers_rx: Arc::new(tokio::sync::Mutex::new(offers_rx)),
            pending: Arc::default(),
            next_id: Arc::new(AtomicU64::new(1)),
            polling: Arc::new(polling),
        };
        let app = Router::new()
            .route("/", get(|| async { Html(PAGE) }))
            .route("/next-offer", get(next_offer))
            .route("/answer/{id}", post(answer))
            .route("/v1/realtime/calls", post(call))
            .layer(CorsLayer::permissive())
            .with_state(relay);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let browser = Browser::launch(&format!("http://{addr}/"));
        let ready = tokio::time::timeout(limit, polling_rx.wait_for(|p| *p)).await;
        assert!(
            matches!(ready, Ok(Ok(_))),
            "the Chromium answerer page did not start within {limit:?}"
        );
        ChromiumAnswerer {
            addr,
            browser: Some(browser),
            server,
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    pub async fn stop(mut self) {
        if let Some(b) = self.browser.take() {
            b.close().await;
        }
        self.server.abort();
    }
}

impl Drop for ChromiumAnswerer {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The page's long poll: the next offer, or 204 after a while so it asks again.
async fn next_offer(State(r): State<Relay>) -> Response {
    r.polling.send_replace(true);
    let mut rx = r.offers_rx.lock().await;
    match tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
        Ok(Some((id, sdp))) => Json(json!({"id": id, "sdp": sdp})).into_response(),
        _ => StatusCode::NO_CONTENT.into_response(),
    }
}

async fn answer(State(r): State<Relay>, Path(id): Path<u64>, Json(v): Json<Value>) -> StatusCode {
    let result = match v["sdp"].as_str() {
        Some(sdp) => Ok(sdp.to_string()),
        None => Err(v["error"].as_str().unwrap_or("no sdp").to_string()),
    };
    if let Some(tx) = r.pending.lock().unwrap().remove(&id) {
        let _ = tx.send(result);
    }
    StatusCode::NO_CONTENT
}

async fn call(State(r): State<Relay>, body: Bytes) -> Response {
    let id = r.next_id.fetch_add(1, Ordering::Relaxed);
    let (tx, rx) = oneshot::channel();
    r.pending.lock().unwrap().insert(id, tx);
    let _ = r
        .offers_tx
        .send((id, String::from_utf8_lossy(&body).into_owned()));
    match tokio::time::timeout(ANSWER_LIMIT, rx).await {
        Ok(Ok(Ok(sdp))) => (
            StatusCode::CREATED,
            [
                (header::CONTENT_TYPE, "application/sdp".to_string()),
                (header::LOCATION, format!("/v1/realtime/calls/rtc_{id}")),
            ],
            sdp,
        )
            .into_response(),
        Ok(Ok(Err(e))) => (StatusCode::BAD_REQUEST, e).into_response(),
        _ => {
            r.pending.lock().unwrap().remove(&id);
            (
                StatusCode::GATEWAY_TIMEOUT,
                "the Chromium page did not answer",
            )
                .into_response()
        }
    }
}

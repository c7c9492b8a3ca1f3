//! The relay behind `rtconsole proxy`: the API's surface served on a local port, each
//! request passed to the upstream (the API or a mock) with the app's own credential,
//! and everything relayed reported as [`ProxyEvent`]s for a front-end to show.
//!
//! WebSocket sessions (`GET /v1/realtime?…`) are relayed frame by frame, WebRTC
//! calls (`POST /v1/realtime/calls`) by a peer on each side, and the other
//! `/v1/realtime/…` requests (`client_secrets`, hangup) are forwarded.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::routing::{get, post};
use axum::serve::ListenerExt;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, Notify};
use tokio::task::JoinHandle;

use super::link::{websocket_base, SetupError};

mod audio_meter;
mod breakpoints;
mod call_bridge;
mod call_relay;
mod http_forward;
mod rtp_out;
mod socket_relay;

pub use breakpoints::{Breakpoint, Breakpoints, DecideError, Decision, HeldInfo};

/// Where the proxy listens and what it relays to.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    pub listen: SocketAddr,
    /// The upstream's base URL, `http(s)://host/v1`, as an app would use it.
    pub upstream: String,
    /// How long the upstream may take to accept a WebSocket handshake.
    pub open_timeout: Duration,
}

/// Who a relayed message came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Flow {
    /// The app, on its way to the API.
    Client,
    /// The API, on its way to the app.
    Server,
    /// The proxy's user, sent to the API on the app's connection.
    Injected,
}

impl Flow {
    pub fn as_str(self) -> &'static str {
        match self {
            Flow::Client => "client",
            Flow::Server => "server",
            Flow::Injected => "injected",
        }
    }
}

/// What happened on the proxy; `conn` numbers the app's requests from 1.
#[derive(Debug, Clone)]
pub enum ProxyEvent {
    /// The upstream accepted the app's socket, or answered its call; `target` is the
    /// path and query the app opened, `call_id` the call's id (from `Location`).
    Opened {
        conn: u64,
        at: Instant,
        target: String,
        call_id: Option<String>,
    },
    /// One text frame relayed (or injected), as it went over the wire.
    Text {
        conn: u64,
        at: Instant,
        flow: Flow,
        text: String,
    },
    /// The audio of a relayed call since the last report (about once a second while
    /// it flows): packets relayed one way, and how loud they were once decoded.
    Audio {
        conn: u64,
        at: Instant,
        flow: Flow,
        packets: u64,
        bytes: u64,
        undecodable: u64,
        rms_dbfs: f32,
        peak_dbfs: f32,
    },
    /// One binary frame relayed; only its size is reported.
    Binary {
        conn: u64,
        at: Instant,
        flow: Flow,
        len: usize,
    },
    /// The socket ended: `by` closed it (or dropped it, without a code).
    Closed {
        conn: u64,
        at: Instant,
        by: Flow,
        code: Option<u16>,
        reason: String,
        /// What an upstream close code means, for a person.
        explanation: Option<String>,
    },
    /// The upstream refused the handshake or could not be reached; the app got
    /// `status` and `body`.
    Refused {
        conn: u64,
        at: Instant,
        target: String,
        status: u16,
        body: String,
    },
    /// A breakpoint holds this event (`flow` says which way it was going) until
    /// [`Breakpoints::decide`] is called with `hold`.
    Held {
        conn: u64,
        at: Instant,
        hold: u64,
        flow: Flow,
        text: String,
    },
    /// Held event `hold` was released (then relayed, reported as a `Text`, edited if
    /// `edited`) or dropped.
    Decided {
        conn: u64,
        at: Instant,
        hold: u64,
        flow: Flow,
        released: bool,
        edited: bool,
    },
    /// An HTTP request forwarded (or answered by the proxy itself).
    Http {
        conn: u64,
        at: Instant,
        method: String,
        path: String,
        status: u16,
        request: String,
        response: String,
    },
}

/// Why an injected event was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InjectError {
    #[error("no app is connected through the proxy yet; connect your app (a WebRTC call or a WebSocket session) first, then type the event again")]
    NoConnection,
}

/// Sends events into the most recent live socket connection, as if the app had.
#[derive(Clone, Default)]
pub struct Injector {
    live: Arc<Mutex<BTreeMap<u64, mpsc::UnboundedSender<String>>>>,
}

impl Injector {
    /// Queues `text` on the newest live connection; its number.
    pub fn inject(&self, text: String) -> Result<u64, InjectError> {
        let live = self.live.lock().expect("live connections lock");
        let (conn, tx) = live.iter().next_back().ok_or(InjectError::NoConnection)?;
        tx.send(text).map_err(|_| InjectError::NoConnection)?;
        Ok(*conn)
    }

    fn register(&self, conn: u64) -> mpsc::UnboundedReceiver<String> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.live
            .lock()
            .expect("live connections lock")
            .insert(conn, tx);
        rx
    }

    fn forget(&self, conn: u64) {
        self.live
            .lock()
            .expect("live connections lock")
            .remove(&conn);
    }
}

/// What every request handler shares.
struct Shared {
    /// The upstream's base URL, without a trailing slash.
    upstream: String,
    /// The same with ws/wss, for sockets.
    upstream_socket: reqwest::Url,
    open_timeout: Duration,
    http: reqwest::Client,
    next_conn: AtomicU64,
    events: mpsc::Sender<ProxyEvent>,
    injector: Injector,
    breakpoints: Breakpoints,
    /// The address the proxy listens on, for `Location` when the app sent no `Host`.
    listen: SocketAddr,
    /// Where the app-side peer of a relayed call binds its UDP socket.
    app_bind: String,
    /// Live relayed calls by call id: notified when the app hangs up through us.
    calls: Mutex<BTreeMap<String, Arc<Notify>>>,
}

impl Shared {
    fn next_conn(&self) -> u64 {
        self.next_conn.fetch_add(1, Ordering::Relaxed) + 1
    }

    fn register_call(&self, call_id: &str, hangup: Arc<Notify>) {
        self.calls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(call_id.to_string(), hangup);
    }

    fn forget_call(&self, call_id: &str) {
        self.calls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(call_id);
    }

    /// Ends the relay of `call_id`, if it is one of ours.
    fn hang_up_call(&self, call_id: &str) {
        let calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(hangup) = calls.get(call_id) {
            hangup.notify_one();
        }
    }

    /// Reports an event; waits when the front-end is behind, so a slow terminal
    /// slows the relay rather than growing memory.
    async fn emit(&self, event: ProxyEvent) {
        let _ = self.events.send(event).await;
    }

    /// The upstream path for an app's path under `/v1`: the upstream's base path
    /// takes the place of `/v1`.
    fn upstream_path(&self, base_path: &str, app_path: &str) -> String {
        let rest = app_path.strip_prefix("/v1").unwrap_or(app_path);
        format!("{}{rest}", base_path.trim_end_matches('/'))
    }
}

/// The app-side peer of a call binds where the proxy listens: loopback for a
/// loopback proxy, every interface for `0.0.0.0`, else that address.
fn app_bind(listen: SocketAddr) -> String {
    SocketAddr::new(listen.ip(), 0).to_string()
}

/// A running proxy; dropping it without [`Proxy::shutdown`] leaves the server task
/// running until the runtime ends.
pub struct Proxy {
    addr: SocketAddr,
    events: Option<mpsc::Receiver<ProxyEvent>>,
    injector: Injector,
    breakpoints: Breakpoints,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Proxy {
    /// Binds `config.listen` and serves until [`Proxy::shutdown`].
    pub async fn start(config: ProxyConfig) -> Result<Proxy, SetupError> {
        let upstream = config.upstream.trim_end_matches('/').to_string();
        let parsed = reqwest::Url::parse(&upstream)
            .map_err(|e| SetupError(format!("--upstream {upstream} is not a URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(SetupError(format!(
                "--upstream {upstream}: the upstream is an HTTP base URL like https://api.openai.com/v1 (or `mock`)"
            )));
        }
        let upstream_socket = websocket_base(&upstream, "--upstream")?;
        let listener = TcpListener::bind(config.listen).await.map_err(|e| {
            SetupError(format!(
                "cannot listen on {}: {e}; pick another address with --listen (port 0 picks a free port)",
                config.listen
            ))
        })?;
        let addr = listener.local_addr()?;
        let (events_tx, events_rx) = mpsc::channel(1024);
        let injector = Injector::default();
        let breakpoints = Breakpoints::default();
        let shared = Arc::new(Shared {
            upstream,
            upstream_socket,
            open_timeout: config.open_timeout,
            http: reqwest::Client::new(),
            next_conn: AtomicU64::new(0),
            events: events_tx,
            injector: injector.clone(),
            breakpoints: breakpoints.clone(),
            listen: addr,
            app_bind: app_bind(addr),
            calls: Mutex::new(BTreeMap::new()),
        });
        let router = Router::new()
            .route(
                "/v1/realtime",
                get(socket_relay::upgrade).post(call_relay::create_call),
            )
            .route("/v1/realtime/client_secrets", post(http_forward::forward))
            .route("/v1/realtime/calls", post(call_relay::create_call))
            .route(
                "/v1/realtime/calls/{call_id}/{action}",
                post(http_forward::call_action),
            )
            .fallback(http_forward::not_served)
            // A web page calls the API from its own origin; so it may call the proxy.
            .layer(crate::mock::http::browser_cors())
            .with_state(shared);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            // Events are small frames sent one at a time: Nagle would hold them back.
            let listener = listener.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Proxy {
            addr,
            events: Some(events_rx),
            injector,
            breakpoints,
            stop: Some(stop),
            task: Some(task),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/v1`: the base URL to give the app.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The stream of what the proxy relays; taken once.
    pub fn take_events(&mut self) -> Option<mpsc::Receiver<ProxyEvent>> {
        self.events.take()
    }

    pub fn injector(&self) -> Injector {
        self.injector.clone()
    }

    /// Where breakpoints are set and held events released or dropped.
    pub fn breakpoints(&self) -> Breakpoints {
        self.breakpoints.clone()
    }

    /// Stops listening; relayed sockets still open are cut after a short grace.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take() {
            // Upgraded sockets are not tracked by the graceful shutdown, and an app
            // may keep its session open for an hour.
            if tokio::time::timeout(Duration::from_secs(2), &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }
}

//! Starting and stopping the mock: the listener, the shared state of its calls.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::{broadcast, mpsc, oneshot, Notify};
use tokio::task::JoinHandle;

use super::call::CallSpec;
use super::keys::Keys;
use super::model::{Model, ModelInput, ModelOptions, ModelOutput};
use super::scenario::Scenario;
use crate::protocol::Dialect;

/// How the mock is run; `MockConfig::default()` is `rtconsole mock` with no flags.
#[derive(Debug, Clone)]
pub struct MockConfig {
    pub listen: SocketAddr,
    /// `Beta` also serves the retired beta paths and event names.
    pub dialect: Dialect,
    /// The first call's seed; each later call takes the next one. `rtconsole mock`
    /// fills it from `--seed`, else the scenario's `seed`.
    pub seed: u64,
    pub scenario: Arc<Scenario>,
    /// One JSONL recording per call in this directory, named after the call id.
    pub record_dir: Option<PathBuf>,
    /// The standard key clients must use; random when not given.
    pub key: Option<String>,
    pub session_limit: Duration,
}

impl Default for MockConfig {
    fn default() -> Self {
        MockConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            dialect: Dialect::Ga,
            seed: 0,
            scenario: Arc::new(Scenario::default()),
            record_dir: None,
            key: None,
            session_limit: Duration::from_secs(60 * 60),
        }
    }
}

/// State shared by the HTTP handlers.
pub struct App {
    pub keys: Keys,
    pub dialect: Dialect,
    pub scenario: Arc<Scenario>,
    pub signaling_failures: AtomicU32,
    /// Recordings (one per call) that could not be written.
    record_failures: Arc<AtomicU32>,
    config: MockConfig,
    base_url: String,
    next_seed: AtomicU64,
    calls: Mutex<HashMap<String, LiveCall>>,
}

impl App {
    fn new(config: MockConfig, base_url: String) -> App {
        let seed = config.seed;
        App {
            keys: Keys::new(config.key.clone()),
            dialect: config.dialect,
            scenario: config.scenario.clone(),
            signaling_failures: AtomicU32::new(0),
            record_failures: Arc::new(AtomicU32::new(0)),
            base_url,
            next_seed: AtomicU64::new(seed),
            calls: Mutex::new(HashMap::new()),
            config,
        }
    }

    /// A new call's spec, registered so `/hangup` can end it.
    pub fn new_call(
        &self,
        offer: String,
        session: Option<Value>,
        dialect: Dialect,
    ) -> (CallSpec, Arc<Notify>) {
        let call_id = format!("rtc_{}", super::keys::random_hex(16));
        let hangup = Arc::new(Notify::new());
        let (events, _) = broadcast::channel(SIDEBAND_BACKLOG);
        let (inject, injected) = mpsc::channel(SIDEBAND_BACKLOG);
        let live = LiveCall {
            hangup: hangup.clone(),
            sideband: Sideband {
                events: events.clone(),
                inject,
            },
        };
        self.calls
            .lock()
            .expect("calls lock")
            .insert(call_id.clone(), live);
        let bind = match self.config.listen.ip() {
            ip if ip.is_unspecified() => "0.0.0.0:0".to_string(),
            ip => SocketAddr::new(ip, 0).to_string(),
        };
        let spec = CallSpec {
            record: self
                .config
                .record_dir
                .as_ref()
                .map(|d| d.join(format!("{call_id}.jsonl"))),
            record_failures: self.record_failures.clone(),
            call_id,
            offer,
            session,
            dialect,
            seed: self.next_seed.fetch_add(1, Ordering::SeqCst),
            scenario: self.scenario.clone(),
            session_limit: self.config.session_limit,
            endpoint: self.base_url.clone(),
            bind,
            sideband: SidebandEnd { events, injected },
        };
        (spec, hangup)
    }

    /// A fresh seed for a session's model.
    pub fn next_seed(&self) -> u64 {
        self.next_seed.fetch_add(1, Ordering::SeqCst)
    }

    pub fn session_limit_ms(&self) -> u64 {
        self.config.session_limit.as_millis() as u64
    }

    /// A sideband onto a live call, for `?call_id=`: its events from now on, and a
    /// way in. It holds no sender of the events, so it sees them end with the call.
    pub fn attach(&self, call_id: &str) -> Option<Attached> {
        let calls = self.calls.lock().expect("calls lock");
        calls.get(call_id).map(|c| Attached {
            events: c.sideband.events.subscribe(),
            inject: c.sideband.inject.clone(),
        })
    }

    pub fn forget_call(&self, call_id: &str) {
        self.calls.lock().expect("calls lock").remove(call_id);
    }

    /// Ends a call; false when no such call is live.
    pub fn hang_up(&self, call_id: &str) -> bool {
        match self.calls.lock().expect("calls lock").remove(call_id) {
            Some(c) => {
                c.hangup.notify_one();
                true
            }
            None => false,
        }
    }

    /// The full session a client secret would start, as `session.created` shows it.
    pub fn effective_session(&self, session: Option<&Value>) -> Value {
        self.session_as_created(session, Dialect::Ga)
    }

    pub fn effective_beta_session(&self, session: Option<&Value>) -> Value {
        self.session_as_created(session, Dialect::Beta)
    }

    /// Asks the model itself, so the HTTP answer and `session.created` cannot differ.
    fn session_as_created(&self, session: Option<&Value>, dialect: Dialect) -> Value {
        let mut model = Model::new(ModelOptions {
            seed: self.next_seed.load(Ordering::SeqCst),
            dialect,
            session: session.cloned(),
            scenario: Arc::new(Scenario::default()),
            session_limit_ms: self.config.session_limit.as_millis() as u64,
            socket: false,
        });
        model.set_wall_clock(super::keys::unix_seconds(std::time::SystemTime::now()) as i64);
        model
            .handle(ModelInput::Open { at_ms: 0 })
            .into_iter()
            .find_map(|out| match out {
                ModelOutput::Send(text) => serde_json::from_str::<Value>(&text)
                    .ok()
                    .and_then(|v| v.get("session").cloned()),
                _ => None,
            })
            .unwrap_or(Value::Null)
    }

    fn hang_up_all(&self) {
        for (_, c) in self.calls.lock().expect("calls lock").drain() {
            c.hangup.notify_one();
        }
    }
}

/// How many events a slow sideband may fall behind (it is told when it does), and
/// how many injected events may wait for the call.
const SIDEBAND_BACKLOG: usize = 4096;

/// A live call: how to hang it up, and its sideband.
struct LiveCall {
    hangup: Arc<Notify>,
    sideband: Sideband,
}

/// What a sideband socket holds of a call: every server event, and a way in for
/// client events (they reach the call's model as if sent on its data channel).
struct Sideband {
    pub events: broadcast::Sender<String>,
    pub inject: mpsc::Sender<String>,
}

/// A sideband socket's hold on a call.
pub struct Attached {
    pub events: broadcast::Receiver<String>,
    pub inject: mpsc::Sender<String>,
}

/// The call's end of its sideband.
pub struct SidebandEnd {
    pub events: broadcast::Sender<String>,
    pub injected: mpsc::Receiver<String>,
}

/// A running mock. Dropping it without `shutdown` leaves the server running until
/// the runtime ends.
pub struct MockServer {
    addr: SocketAddr,
    app: Arc<App>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl MockServer {
    pub async fn start(config: MockConfig) -> std::io::Result<MockServer> {
        let listener = TcpListener::bind(config.listen).await.map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("cannot listen on {}: {e}; pick another address with --listen (port 0 picks a free port)", config.listen),
            )
        })?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}/v1");
        let app = Arc::new(App::new(config, base_url));
        let router = super::http::router(app.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(MockServer {
            addr,
            app,
            stop: Some(stop),
            task: Some(task),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/v1`: what a client uses as its base URL.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The standard key the mock accepts.
    pub fn key(&self) -> &str {
        self.app.keys.standard()
    }

    /// Counts calls whose recording could not be written (or created); it keeps
    /// counting while calls end during `shutdown`.
    pub fn recording_failures(&self) -> Arc<AtomicU32> {
        self.app.record_failures.clone()
    }

    /// Calls still running.
    pub fn live_calls(&self) -> usize {
        self.app.calls.lock().expect("calls lock").len()
    }

    /// Ends every call and stops listening.
    pub async fn shutdown(mut self) {
        self.app.hang_up_all();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
    }
}

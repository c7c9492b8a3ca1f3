//! What the fault table's tests share: run `rtconsole run` with a recording, check
//! what it said, its exit status and that the recording is intact; and the local
//! servers that stage what the mock cannot (one that never answers, a TLS server
//! with a self-signed certificate, a relay that rewrites the mock's answers).
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rtconsole::mock::{MockConfig, MockServer};
use rtconsole::recording::{open_recording, Recording};
use rtconsole::session::{Session, SessionOptions};
use tokio::net::TcpListener;
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;

/// A key-shaped value that must never appear on stderr or in a recording.
pub const FAKE_KEY: &str = concat!("sk-", "faulttable-", "NOTAREALKEY0000");
pub const KEY_ENV: &str = "RTCONSOLE_FAULT_KEY";

/// What one run left behind.
pub struct Ran {
    pub code: Option<i32>,
    pub stderr: String,
    pub recording: Recording,
    pub recording_text: String,
}

impl Ran {
    /// The named message with its fix, the documented exit status, no secret.
    pub fn says(&self, code: i32, needles: &[&str]) -> &Ran {
        let err = &self.stderr;
        assert_eq!(self.code, Some(code), "exit status; stderr:\n{err}");
        for n in needles {
            assert!(err.contains(n), "stderr lacks {n:?}:\n{err}");
        }
        assert!(!err.contains(FAKE_KEY), "a secret on stderr:\n{err}");
        assert!(!self.recording_text.contains(FAKE_KEY), "a secret recorded");
        self
    }

    /// The last `local.transport` note of the recording: how the call ended.
    pub fn last_transport(&self) -> serde_json::Value {
        self.notes("local.transport")
            .pop()
            .expect("the recording says how the call ended")
    }

    pub fn notes(&self, kind: &str) -> Vec<serde_json::Value> {
        self.recording
            .entries
            .iter()
            .filter_map(|e| e.event())
            .filter(|e| e["type"] == kind)
            .collect()
    }
}

/// `rtconsole run ARGS --record REC SCRIPT`, the key (when given) in its own
/// variable; then the recording is checked to be intact.
pub fn run(args: &[&str], script: &str, key: Option<&str>) -> Ran {
    let dir = tempfile::tempdir().unwrap();
    let script_path = dir.path().join("fault.rtc");
    std::fs::write(&script_path, script).unwrap();
    let rec = dir.path().join("fault.jsonl");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rtconsole"));
    cmd.env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL")
        .env_remove("RTCONSOLE_LOG")
        .arg("run")
        .args(args)
        .args(["--api-key-env", KEY_ENV, "--record"])
        .arg(&rec)
        .arg(&script_path);
    if let Some(key) = key {
        cmd.env(KEY_ENV, key);
    }
    let out = cmd.output().expect("rtconsole runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let recording = intact(&rec, &stderr);
    Ran {
        code: out.status.code(),
        stderr,
        recording,
        recording_text: std::fs::read_to_string(&rec).unwrap(),
    }
}

/// Opens, every line valid, header first, and replays through the core.
pub fn intact(path: &Path, stderr: &str) -> Recording {
    let rec = open_recording(path)
        .unwrap_or_else(|e| panic!("the recording does not open: {e}\nstderr:\n{stderr}"));
    assert!(rec.warnings.is_empty(), "bad lines: {:?}", rec.warnings);
    let text = std::fs::read_to_string(path).unwrap();
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert!(
        first.get("rtconsole_recording").is_some(),
        "header first: {first}"
    );
    assert!(text.ends_with('\n'), "the last line is complete");
    let mut session = Session::new(SessionOptions {
        dialect: rec.header.dialect,
        ..SessionOptions::default()
    });
    for input in rec.inputs() {
        let _ = session.handle(input);
    }
    assert_eq!(
        session.log().len(),
        rec.entries.len(),
        "replays entry by entry"
    );
    rec
}

/// A scenario file for `--mock --scenario`.
pub fn scenario_file(dir: &Path, text: &str) -> String {
    let p = dir.join("fault.toml");
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

/// A mock on loopback for the test's life, with its runtime.
pub struct LiveMock {
    pub rt: Runtime,
    pub server: Option<MockServer>,
}

impl LiveMock {
    pub fn start() -> LiveMock {
        let rt = Runtime::new().unwrap();
        let server = rt
            .block_on(MockServer::start(MockConfig::default()))
            .unwrap();
        LiveMock {
            rt,
            server: Some(server),
        }
    }

    pub fn base_url(&self) -> String {
        self.server.as_ref().unwrap().base_url()
    }

    pub fn key(&self) -> String {
        self.server.as_ref().unwrap().key().to_string()
    }
}

impl Drop for LiveMock {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            self.rt.block_on(s.shutdown());
        }
    }
}

/// A loopback port where nothing listens: connecting is refused at once.
pub fn refused_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Accepts connections and never answers; stops with the runtime.
pub fn silent_server(rt: &Runtime) -> (SocketAddr, JoinHandle<()>) {
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let task = rt.spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    (addr, task)
}

/// A TLS server whose certificate is self-signed: no client trusts it.
pub fn self_signed_tls_server(rt: &Runtime) -> (SocketAddr, JoinHandle<()>) {
    use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    use tokio_rustls::rustls::{crypto::ring, ServerConfig};

    let cert =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()));
    let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.cert.der().clone()], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let task = rt.spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            // The client gives up in the handshake; what it says is the test's.
            tokio::spawn(async move {
                let _ = acceptor.accept(stream).await;
            });
        }
    });
    (addr, task)
}

/// How the relay changes the mock's SDP answer: (Content-Type, body) from the body.
pub type Rewrite = Arc<dyn Fn(&str) -> (String, String) + Send + Sync>;

struct Relay {
    upstream: String,
    http: reqwest::Client,
    rewrite: Rewrite,
}

/// An HTTP relay in front of `mock` that passes everything through and rewrites
/// the answer of `POST …/realtime/calls`. Returns its base URL (`…/v1`).
pub fn answer_rewriting_relay(mock: &LiveMock, rewrite: Rewrite) -> (String, JoinHandle<()>) {
    let base = mock.base_url();
    let upstream = base.trim_end_matches("/v1").to_string();
    let relay = Arc::new(Relay {
        upstream,
        http: reqwest::Client::new(),
        rewrite,
    });
    let app = axum::Router::new()
        .fallback(relay_request)
        .with_state(relay);
    let listener = mock.rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let task = mock.rt.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/v1"), task)
}

async fn relay_request(
    State(relay): State<Arc<Relay>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut req = relay
        .http
        .request(method, format!("{}{path}", relay.upstream))
        .body(body);
    for name in ["authorization", "content-type"] {
        if let Some(v) = headers.get(name) {
            req = req.header(name, v);
        }
    }
    let resp = match req.send().await {
        Ok(r) => r,
        Err(e) => return (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    };
    let status = resp.status();
    let location = resp.headers().get("location").cloned();
    let content_type = resp.headers().get("content-type").cloned();
    let text = resp.text().await.unwrap_or_default();
    let is_answer = uri.path().ends_with("/realtime/calls") && status.is_success();
    let mut out = if is_answer {
        let (ct, body) = (relay.rewrite)(&text);
        let mut r = (status, body).into_response();
        r.headers_mut()
            .insert("content-type", ct.parse().expect("content type"));
        r
    } else {
        let mut r = (status, text).into_response();
        if let Some(ct) = content_type {
            r.headers_mut().insert("content-type", ct);
        }
        r
    };
    if let Some(l) = location {
        out.headers_mut().insert("location", l);
    }
    out
}

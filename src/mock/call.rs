//! One call: answer the client's SDP offer with a WebRTC peer, then hand the peer to
//! the driver that runs the simulated model until the call ends.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::{json, Value};
use tokio::sync::Notify;

use super::call_driver::{drive, CallParts, OnEnd};
use super::model::{Model, ModelOptions};
use super::scenario::Scenario;
use super::server::SidebandEnd;
use crate::protocol::Dialect;
use crate::recording::{Header, RecordingWriter};
use crate::transport::rtc_setup::{AudioSender, Peer, PeerSettings, RTCSessionDescription};

/// Everything a new call needs from the server.
pub struct CallSpec {
    pub call_id: String,
    pub offer: String,
    pub session: Option<Value>,
    pub dialect: Dialect,
    pub seed: u64,
    pub scenario: Arc<Scenario>,
    pub session_limit: Duration,
    /// Where this call's recording goes, if the mock records.
    pub record: Option<PathBuf>,
    /// Counts recordings that could not be written, for the exit status.
    pub record_failures: Arc<AtomicU32>,
    pub endpoint: String,
    /// The address the answerer's UDP socket binds (`127.0.0.1:0` on loopback).
    pub bind: String,
    pub sideband: SidebandEnd,
}

/// Why an offer could not be answered; `Offer` is the client's fault (400).
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("the SDP offer was rejected: {0}. Post the `sdp` of the offer from createOffer()/setLocalDescription, with an audio m-line and the `oai-events` data channel")]
    Offer(String),
    #[error("the mock could not set up WebRTC: {0}")]
    Setup(String),
}

/// Answers the offer and starts the call in the background. Returns the SDP answer;
/// `hangup` ends the call when notified; `on_end` runs once it has ended.
pub async fn start(
    spec: CallSpec,
    hangup: Arc<Notify>,
    on_end: OnEnd,
) -> Result<String, CallError> {
    let setup = |e: &dyn std::fmt::Display| CallError::Setup(e.to_string());
    let settings = PeerSettings {
        bind: spec.bind.clone(),
        ..PeerSettings::loopback_answerer()
    };
    let mut peer = Peer::build(&settings).await.map_err(|e| setup(&e))?;
    let audio = AudioSender::add_to(&peer.pc, rand::random())
        .await
        .map_err(|e| setup(&e))?;
    let offer = RTCSessionDescription::offer(spec.offer.clone())
        .map_err(|e| CallError::Offer(e.to_string()))?;
    if let Err(e) = peer.pc.set_remote_description(offer).await {
        let _ = peer.pc.close().await;
        return Err(CallError::Offer(e.to_string()));
    }
    let answer = peer.pc.create_answer(None).await.map_err(|e| setup(&e))?;
    peer.pc
        .set_local_description(answer)
        .await
        .map_err(|e| setup(&e))?;
    peer.gathered(Duration::from_secs(2))
        .await
        .map_err(|e| setup(&e))?;
    let sdp = peer
        .pc
        .local_description()
        .await
        .map(|d| d.sdp)
        .ok_or_else(|| CallError::Setup("no local description after answering".into()))?;

    let recorder = match &spec.record {
        Some(path) => {
            let header = Header::new(SystemTime::now(), spec.dialect)
                .with_endpoint(spec.endpoint.clone())
                .with_call_id(spec.call_id.clone());
            match RecordingWriter::create(path, &header) {
                Ok(w) => Some(w),
                Err(e) => {
                    tracing::error!(
                        "mock: cannot record call {} to {}: {e}",
                        spec.call_id,
                        path.display()
                    );
                    spec.record_failures.fetch_add(1, Ordering::Relaxed);
                    None
                }
            }
        }
        None => None,
    };
    let mut model = Model::new(ModelOptions {
        seed: spec.seed,
        dialect: spec.dialect,
        session: spec.session,
        scenario: spec.scenario,
        session_limit_ms: spec.session_limit.as_millis() as u64,
        socket: false,
    });
    model.set_wall_clock(crate::mock::keys::unix_seconds(SystemTime::now()) as i64);
    let parts = CallParts {
        call_id: spec.call_id,
        seed: spec.seed,
        peer,
        audio,
        model,
        recorder,
        record_failures: spec.record_failures,
        sideband: spec.sideband,
        hangup,
        on_end,
    };
    tokio::spawn(drive(parts));
    Ok(sdp)
}

/// A local note for the mock's recordings.
pub fn note(kind: &str, fields: Value) -> Value {
    let mut v = json!({ "type": format!("local.{kind}") });
    if let (Some(obj), Value::Object(extra)) = (v.as_object_mut(), fields) {
        obj.extend(extra);
    }
    v
}

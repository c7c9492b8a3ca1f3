//! A small WebRTC test client of the mock: rtconsole's own signaling and peer setup,
//! plus helpers to wait for events and to stream and capture audio.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rtconsole::audio::opus_codec::OpusEncoder;
use rtconsole::audio::FRAME;
use rtconsole::mock::{MockConfig, MockServer};
use rtconsole::transport::channel_io::{decode_track, forward_messages};
use rtconsole::transport::connect::{connect, Connection, DEFAULT_OPEN_TIMEOUT};
use rtconsole::transport::rtc_setup::{PeerEvent, PeerSettings};
use rtconsole::transport::signaling::Signaling;
use serde_json::Value;
use tokio::sync::mpsc;
use webrtc::media_stream::track_remote::TrackRemote;

/// Every wait in these tests is bounded; generous because CI machines are slow.
pub const WAIT: Duration = Duration::from_secs(10);

pub struct TestClient {
    pub conn: Connection,
    /// Messages as they come; `None` once the channel has closed.
    pub msgs: mpsc::UnboundedReceiver<Option<String>>,
    /// Everything received, in order, as parsed JSON (non-JSON kept as a string).
    pub seen: Vec<Value>,
    /// Decoded remote audio, 48 kHz mono.
    pub heard: Arc<Mutex<Vec<i16>>>,
}

pub async fn start_mock(config: MockConfig) -> MockServer {
    MockServer::start(config).await.expect("mock starts")
}

/// Connects with a client secret minted for `session`.
pub async fn connect_with_session(server: &MockServer, session: Option<&Value>) -> TestClient {
    let signaling = Signaling::new(&server.base_url());
    let secret = signaling
        .mint_secret(server.key(), session)
        .await
        .expect("mint secret");
    let conn = connect(
        &PeerSettings::loopback_offerer(),
        DEFAULT_OPEN_TIMEOUT,
        |sdp| async move { signaling.post_offer(&secret.value, &sdp).await },
    )
    .await
    .expect("connect");
    TestClient::from_connection(conn)
}

pub async fn connect_default(server: &MockServer) -> TestClient {
    connect_with_session(server, None).await
}

impl TestClient {
    pub fn from_connection(mut conn: Connection) -> TestClient {
        let msgs = forward_messages(conn.dc.clone());
        let heard = Arc::new(Mutex::new(Vec::new()));
        for t in conn.early_tracks.drain(..) {
            listen(t, heard.clone());
        }
        // Later track announcements arrive on the peer's event stream.
        let mut events = std::mem::replace(&mut conn.events, mpsc::unbounded_channel().1);
        let h = heard.clone();
        tokio::spawn(async move {
            while let Some(ev) = events.recv().await {
                if let PeerEvent::Track(t) = ev {
                    listen(t, h.clone());
                }
            }
        });
        TestClient {
            conn,
            msgs,
            seen: Vec::new(),
            heard,
        }
    }

    pub async fn send(&self, event: &Value) {
        self.conn
            .dc
            .send_text(&event.to_string())
            .await
            .expect("send on the data channel");
    }

    pub async fn send_text(&self, text: &str) {
        self.conn.dc.send_text(text).await.expect("send");
    }

    /// The next message, or None when the channel closed or WAIT passed.
    pub async fn next(&mut self) -> Option<Value> {
        match tokio::time::timeout(WAIT, self.msgs.recv()).await {
            Ok(Some(Some(t))) => {
                let v = serde_json::from_str(&t).unwrap_or(Value::String(t));
                self.seen.push(v.clone());
                Some(v)
            }
            _ => None,
        }
    }

    /// Reads until an event of `ty` arrives; returns it. Panics with what came instead.
    pub async fn wait_for(&mut self, ty: &str) -> Value {
        let start = self.seen.len();
        while let Some(v) = self.next().await {
            if v.get("type").and_then(Value::as_str) == Some(ty) {
                return v;
            }
        }
        panic!(
            "no {ty} within {WAIT:?}; got: {:?}",
            self.types_since(start)
        );
    }

    /// True when the channel closes within `limit`, skipping messages.
    pub async fn closes_within(&mut self, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            match tokio::time::timeout_at(deadline, self.msgs.recv()).await {
                Ok(Some(Some(t))) => {
                    self.seen
                        .push(serde_json::from_str(&t).unwrap_or(Value::String(t)));
                }
                Ok(Some(None)) | Ok(None) => return true,
                Err(_) => return false,
            }
        }
    }

    pub fn types_since(&self, start: usize) -> Vec<String> {
        self.seen[start..]
            .iter()
            .map(|v| {
                v.get("type")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("<raw {v}>"))
            })
            .collect()
    }

    /// Streams 48 kHz mono samples up the track in real time (20 ms frames).
    pub async fn stream_audio(&mut self, samples: &[i16]) {
        let mut enc = OpusEncoder::new().expect("encoder");
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        for chunk in samples.chunks(FRAME) {
            let mut frame = [0i16; FRAME];
            frame[..chunk.len()].copy_from_slice(chunk);
            tick.tick().await;
            let pkt = enc.encode(&frame).expect("encode");
            self.conn.audio.send_frame(&pkt).await.expect("send frame");
        }
    }

    pub async fn close(self) {
        let _ = tokio::time::timeout(Duration::from_secs(2), self.conn.pc.close()).await;
    }
}

fn listen(track: Arc<dyn TrackRemote>, heard: Arc<Mutex<Vec<i16>>>) {
    decode_track(track, move |pcm| {
        heard.lock().unwrap().extend_from_slice(&pcm);
        true
    });
}

//! The TUI's connection: signaling and WebRTC in a background task, then the data
//! channel, peer events and remote tracks turned into `LinkEvent`s for the UI task.
//! Shares setup (credentials, mock, signaling) with `rtconsole run`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use webrtc::data_channel::DataChannel;
use webrtc::media_stream::track_remote::TrackRemote;
use webrtc::peer_connection::{PeerConnection, RTCPeerConnectionState};

use super::live::connected_note;
use crate::audio::engine::AudioEngine;
use crate::cli::ConnectArgs;
use crate::headless::setup::{self, Target};
use crate::protocol::Dialect;
use crate::transport::channel_io::{forward_messages, forward_rtp};
use crate::transport::rtc_setup::{AudioSender, PeerEvent};

/// What the connection reports to the UI task.
pub enum LinkEvent {
    Connected(Box<Link>),
    /// Setup failed; the message says why and what to do (secrets redacted).
    Failed(String),
    /// A data-channel message, exactly as received.
    Message(String),
    /// The data channel closed.
    Closed(String),
    Track(Arc<dyn TrackRemote>),
    State(RTCPeerConnectionState),
}

/// An open call and what it takes to end it cleanly.
pub struct Link {
    pub pc: Arc<dyn PeerConnection>,
    pub dc: Arc<dyn DataChannel>,
    pub call_id: Option<String>,
    /// Unix seconds, when a client secret was minted or fetched.
    pub secret_expires_at: Option<u64>,
    pub connected_note: Value,
    audio: Option<AudioSender>,
    early_tracks: Vec<Arc<dyn TrackRemote>>,
    target: Target,
    tasks: Vec<JoinHandle<()>>,
}

/// Connects and reports on `tx`: `Connected`, then messages and peer events, or
/// `Failed`. Runs until the channel closes.
pub async fn connect_link(
    connect: ConnectArgs,
    token_url: Option<String>,
    dialect: Dialect,
    tx: mpsc::UnboundedSender<LinkEvent>,
) {
    let fail = |tx: &mpsc::UnboundedSender<LinkEvent>, m: String| {
        let _ = tx.send(LinkEvent::Failed(m));
    };
    let session = match setup::initial_session(&connect) {
        Ok(s) => s,
        Err(e) => return fail(&tx, e.0),
    };
    let target = match setup::target(&connect, token_url.as_deref(), dialect, None).await {
        Ok(t) => t,
        Err(e) => return fail(&tx, e.0),
    };
    let opened = match setup::open(&target, token_url.as_deref(), &session, &connect).await {
        Ok(o) => o,
        Err(e) => {
            if let Some(m) = target.mock {
                m.shutdown().await;
            }
            return fail(&tx, e.0);
        }
    };
    let conn = opened.conn;
    // The forwarders hold back until `Connected` is out, so the UI sees the call
    // open before its first message.
    let (go_tx, go_rx) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    let mut dc_rx = forward_messages(conn.dc.clone());
    let msg_tx = tx.clone();
    let mut go = go_rx.clone();
    tasks.push(tokio::spawn(async move {
        let _ = go.wait_for(|ready| *ready).await;
        while let Some(msg) = dc_rx.recv().await {
            match msg {
                Some(text) => {
                    if msg_tx.send(LinkEvent::Message(text)).is_err() {
                        return;
                    }
                }
                None => {
                    let _ = msg_tx.send(LinkEvent::Closed(
                        "the server closed the data channel (the call ended or the session expired)".into(),
                    ));
                    return;
                }
            }
        }
    }));
    let mut events = conn.events;
    let ev_tx = tx.clone();
    let mut go = go_rx;
    tasks.push(tokio::spawn(async move {
        let _ = go.wait_for(|ready| *ready).await;
        while let Some(ev) = events.recv().await {
            let out = match ev {
                PeerEvent::State(s) => LinkEvent::State(s),
                PeerEvent::Track(t) => LinkEvent::Track(t),
                PeerEvent::DataChannel(_) => continue,
            };
            if ev_tx.send(out).is_err() {
                return;
            }
        }
    }));
    let note = connected_note(
        conn.answer.call_id.as_deref(),
        conn.answer_setup.as_deref(),
        conn.timings.offer_to_open_ms,
    );
    let link = Link {
        pc: conn.pc,
        dc: conn.dc,
        call_id: conn.answer.call_id,
        secret_expires_at: opened.secret_expires_at,
        connected_note: note,
        audio: Some(conn.audio),
        early_tracks: conn.early_tracks,
        target,
        tasks,
    };
    let _ = tx.send(LinkEvent::Connected(Box::new(link)));
    let _ = go_tx.send(true);
}

impl Link {
    /// Our microphone's packets go up the track; remote tracks that arrived before
    /// the channel opened start playing.
    pub fn attach_audio(&mut self, engine: &mut AudioEngine) {
        if let (Some(mut sender), Some(mut packets)) = (self.audio.take(), engine.take_packets()) {
            self.tasks.push(tokio::spawn(async move {
                while let Some(p) = packets.recv().await {
                    if let Err(e) = sender.send_frame(&p).await {
                        tracing::debug!("audio frame not sent: {e}");
                    }
                }
            }));
        }
        for t in std::mem::take(&mut self.early_tracks) {
            self.play_track(t, engine);
        }
    }

    /// The model's audio, packet by packet with sequence numbers, into the engine's
    /// jitter buffer.
    pub fn play_track(&self, track: Arc<dyn TrackRemote>, engine: &AudioEngine) {
        let remote = engine.remote();
        forward_rtp(track, move |seq, payload| remote.push(seq, payload));
    }

    /// Hangs up (so the server stops at once), closes the peer, stops the mock.
    pub async fn close(self) {
        if let (Some(key), Some(id)) = (&self.target.key, &self.call_id) {
            if let Err(e) = self.target.signaling.hangup(key, id).await {
                tracing::debug!("hangup: {e}");
            }
        }
        for t in &self.tasks {
            t.abort();
        }
        let _ = tokio::time::timeout(Duration::from_secs(1), self.dc.close()).await;
        let _ = tokio::time::timeout(Duration::from_secs(2), self.pc.close()).await;
        if let Some(m) = self.target.mock {
            m.shutdown().await;
        }
    }
}

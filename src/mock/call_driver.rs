//! The life of one mock call: data-channel messages, decoded microphone audio and
//! clock ticks go into the simulated model; what it asks for (events, voice on the
//! track, closing) is carried out here. Nothing here decides what the model says.

use std::fs::File;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::{broadcast, mpsc, Notify};
use tokio::time::{Instant, MissedTickBehavior};
use webrtc::data_channel::DataChannel;
use webrtc::media_stream::track_remote::TrackRemote;
use webrtc::peer_connection::RTCPeerConnectionState;

use super::call::note;
use super::model::{Model, ModelInput, ModelOutput};
use super::server::SidebandEnd;
use super::voice::Voice;
use crate::audio::opus_codec::OpusEncoder;
use crate::audio::FRAME;
use crate::protocol::Direction;
use crate::recording::RecordingWriter;
use crate::transport::channel_io::{decode_track, forward_messages};
use crate::transport::rtc_setup::{AudioSender, Peer, PeerEvent, EVENTS_LABEL, NUDGE_EVERY};

/// A client that never opens its data channel is given up on after this long.
const OPEN_TIMEOUT: Duration = Duration::from_secs(20);

/// Runs once the call is over, e.g. to unregister it.
pub type OnEnd = Box<dyn FnOnce() + Send>;

pub struct CallParts {
    pub call_id: String,
    pub seed: u64,
    pub peer: Peer,
    pub audio: AudioSender,
    pub model: Model,
    pub recorder: Option<RecordingWriter<File>>,
    pub record_failures: Arc<AtomicU32>,
    pub sideband: SidebandEnd,
    pub hangup: Arc<Notify>,
    pub on_end: OnEnd,
}

/// The voice currently going out on the track.
struct Speaking {
    voice: Voice,
    frames_left: u64,
}

struct Call {
    started: Instant,
    model: Model,
    recorder: Option<RecordingWriter<File>>,
    record_failures: Arc<AtomicU32>,
    /// Every server event goes to the call's sideband sockets too.
    sideband: broadcast::Sender<String>,
    dc: Option<Arc<dyn DataChannel>>,
    speaking: Option<Speaking>,
    seed: u64,
    ended: Option<String>,
}

pub async fn drive(parts: CallParts) {
    let CallParts {
        call_id,
        seed,
        mut peer,
        mut audio,
        model,
        recorder,
        record_failures,
        sideband,
        hangup,
        on_end,
    } = parts;
    let SidebandEnd {
        events: sideband_events,
        mut injected,
    } = sideband;
    let mut call = Call {
        started: Instant::now(),
        model,
        recorder,
        record_failures,
        sideband: sideband_events,
        dc: None,
        speaking: None,
        seed,
        ended: None,
    };
    // Replaced by the channel's reader once it opens; until then nothing arrives.
    let (_no_channel, mut dc_rx) = mpsc::unbounded_channel::<Option<String>>();
    // Bounded: if the model falls behind, old microphone frames are worth less than
    // keeping up; the reader drops rather than queueing without limit.
    let (mic_tx, mut mic_rx) = mpsc::channel::<Vec<i16>>(64);
    let mut encoder = match OpusEncoder::new() {
        Ok(e) => Some(e),
        Err(e) => {
            tracing::warn!("mock call {call_id}: no Opus encoder, replies will be silent: {e}");
            None
        }
    };
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    tick.set_missed_tick_behavior(MissedTickBehavior::Burst);
    // Until the channel is open, silent RTP wakes webrtc's driver; see NUDGE_EVERY.
    let silence = encoder.as_mut().and_then(|e| e.encode(&[0i16; FRAME]).ok());
    let mut nudge = tokio::time::interval(NUDGE_EVERY);
    let open_deadline = tokio::time::sleep(OPEN_TIMEOUT);
    tokio::pin!(open_deadline);
    let mut was_speaking = false;

    while call.ended.is_none() {
        let deadline = call
            .model
            .next_deadline()
            .map(|ms| call.started + Duration::from_millis(ms));
        let model_timer = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        let speaking = call.speaking.is_some();
        if speaking && !was_speaking {
            // The frame clock is not polled while the model is quiet; without a
            // reset its missed ticks would burst seconds of voice out at once, where
            // a real server streams in real time (and a barge-in could not cut it).
            tick.reset_immediately();
        }
        was_speaking = speaking;
        tokio::select! {
            ev = peer.events.recv() => match ev {
                Some(PeerEvent::DataChannel(dc)) => {
                    if let Some(rx) = call.on_channel(dc).await {
                        dc_rx = rx;
                    }
                }
                Some(PeerEvent::Track(track)) => spawn_track_reader(track, mic_tx.clone()),
                Some(PeerEvent::State(state)) => call.on_state(state),
                None => call.end("peer connection dropped"),
            },
            msg = dc_rx.recv() => match msg {
                Some(Some(text)) => {
                    let at_ms = call.now_ms();
                    call.record(Direction::Client, &text);
                    let out = call.model.handle(ModelInput::Client { at_ms, text: &text });
                    call.apply(out).await;
                }
                Some(None) | None if call.dc.is_some() => call.end("the client closed the data channel"),
                _ => {}
            },
            Some(text) = injected.recv() => {
                // A client event from a sideband socket: the model hears it as if it
                // came on the data channel.
                let at_ms = call.now_ms();
                call.record(Direction::Client, &text);
                let out = call.model.handle(ModelInput::Client { at_ms, text: &text });
                call.apply(out).await;
            }
            Some(samples) = mic_rx.recv() => {
                let at_ms = call.now_ms();
                let out = call.model.handle(ModelInput::Audio { at_ms, samples: &samples });
                call.apply(out).await;
            }
            _ = model_timer => {
                let at_ms = call.now_ms();
                let out = call.model.handle(ModelInput::Tick { at_ms });
                call.apply(out).await;
            }
            _ = tick.tick(), if speaking => call.speak(&mut audio, encoder.as_mut()).await,
            _ = nudge.tick(), if call.dc.is_none() && silence.is_some() => {
                if let Some(p) = &silence {
                    let _ = audio.send_frame(p).await;
                }
            }
            _ = hangup.notified() => call.end("hung up via /hangup"),
            _ = &mut open_deadline, if call.dc.is_none() => call.end("the client never opened the oai-events data channel"),
        }
    }

    let reason = call.ended.take().unwrap_or_default();
    tracing::debug!("mock call {call_id} ended: {reason}");
    call.record_note(note(
        "connection",
        json!({"state": "closed", "reason": reason}),
    ));
    if let Some(dc) = call.dc.take() {
        // Events queued just before the end (an error saying why, say) must reach the
        // client before the channel and the connection go away.
        drain(&dc).await;
        let _ = tokio::time::timeout(Duration::from_secs(1), dc.close()).await;
        drain(&dc).await;
    }
    let _ = tokio::time::timeout(Duration::from_secs(2), peer.pc.close()).await;
    on_end();
}

impl Call {
    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    fn end(&mut self, reason: &str) {
        if self.ended.is_none() {
            self.ended = Some(reason.to_string());
        }
    }

    fn record(&mut self, dir: Direction, text: &str) {
        let t = self.now_ms();
        self.write_recording(|rec| rec.write_event(t, dir, text));
    }

    fn record_note(&mut self, note: Value) {
        let t = self.now_ms();
        self.write_recording(|rec| rec.write_local(t, &note));
    }

    /// A failed write ends this call's recording and counts against the exit status.
    fn write_recording(
        &mut self,
        write: impl FnOnce(&mut RecordingWriter<File>) -> std::io::Result<()>,
    ) {
        if let Some(rec) = self.recorder.as_mut() {
            if let Err(e) = write(rec) {
                tracing::error!("mock: recording stopped: {e}");
                self.recorder = None;
                self.record_failures.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Takes the client's events channel; returns its reader.
    async fn on_channel(
        &mut self,
        dc: Arc<dyn DataChannel>,
    ) -> Option<mpsc::UnboundedReceiver<Option<String>>> {
        let label = dc.label().await.unwrap_or_default();
        if label != EVENTS_LABEL || self.dc.is_some() {
            tracing::warn!("mock: ignoring data channel {label:?}; Realtime clients use one channel named {EVENTS_LABEL:?}");
            return None;
        }
        self.dc = Some(dc.clone());
        let reader = forward_messages(dc);
        let t = self.now_ms();
        self.record_note(note("connection", json!({"state": "channel_open"})));
        let out = self.model.handle(ModelInput::Open { at_ms: t });
        self.apply(out).await;
        Some(reader)
    }

    fn on_state(&mut self, state: RTCPeerConnectionState) {
        match state {
            RTCPeerConnectionState::Failed => self.end("ICE/DTLS failed"),
            RTCPeerConnectionState::Closed => self.end("peer connection closed"),
            // A vanished peer shows up only as Disconnected, seconds later.
            RTCPeerConnectionState::Disconnected => {
                self.end("the client disappeared (ICE timeout)")
            }
            _ => {}
        }
    }

    async fn apply(&mut self, outputs: Vec<ModelOutput>) {
        for out in outputs {
            match out {
                ModelOutput::Send(text) => {
                    self.record(Direction::Server, &text);
                    // No sideband listening is not an error.
                    let _ = self.sideband.send(text.clone());
                    if let Some(dc) = &self.dc {
                        if dc.send_text(&text).await.is_err() {
                            self.end("the data channel refused a send");
                        }
                    }
                }
                ModelOutput::PlayAudio {
                    duration_ms, voice, ..
                } => {
                    self.seed = self.seed.wrapping_add(1);
                    self.speaking = Some(Speaking {
                        voice: Voice::new(self.seed, &voice),
                        frames_left: duration_ms.div_ceil(20),
                    });
                }
                ModelOutput::StopAudio => self.speaking = None,
                ModelOutput::Close { reason } => self.end(&reason),
            }
        }
    }

    async fn speak(&mut self, audio: &mut AudioSender, encoder: Option<&mut OpusEncoder>) {
        let Some(speaking) = self.speaking.as_mut() else {
            return;
        };
        let mut frame = [0i16; FRAME];
        speaking.voice.fill(&mut frame);
        speaking.frames_left = speaking.frames_left.saturating_sub(1);
        if speaking.frames_left == 0 {
            self.speaking = None;
        }
        let Some(encoder) = encoder else { return };
        match encoder.encode(&frame) {
            Ok(packet) => {
                // Before the connection is up there is nowhere to send; the model's
                // timing does not depend on it.
                let _ = audio.send_frame(&packet).await;
            }
            Err(e) => tracing::warn!("mock: Opus encode failed: {e}"),
        }
    }
}

/// Waits (at most a second) until SCTP has delivered what was queued on `dc`.
async fn drain(dc: &Arc<dyn DataChannel>) {
    let deadline = Instant::now() + Duration::from_secs(1);
    while Instant::now() < deadline {
        match dc.outstanding_bytes().await {
            Ok(0) | Err(_) => return,
            Ok(_) => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
}

/// Decodes the client's microphone into 48 kHz mono frames for the model's VAD.
fn spawn_track_reader(track: Arc<dyn TrackRemote>, tx: mpsc::Sender<Vec<i16>>) {
    // try_send: a full queue drops a frame rather than stalling the decoder.
    decode_track(track, move |pcm| {
        !(tx.try_send(pcm).is_err() && tx.is_closed())
    });
}

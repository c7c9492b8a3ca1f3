//! The WebRTC link: set up the call, then one loop over the data channel, the
//! peer's events, the front-end's commands, the stats timer and the connect
//! breakdown, until either side ends the call.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::sync::{mpsc, watch};
use webrtc::data_channel::{DataChannel, DataChannelEvent};
use webrtc::media_stream::track_remote::TrackRemote;
use webrtc::peer_connection::{PeerConnection, RTCPeerConnectionState};

use super::driver::{apply_audio_effect, is_session_created, Driver, Ending};
use super::setup::{self, SetupError, Target};
use super::{CallInfo, Clock, Command, LinkEvent, LinkOptions, Playback};
use crate::protocol::Dialect;
use crate::session::{ConnectBreakdown, Input, TransportStatus};
use crate::transport::channel_io::forward_rtp;
use crate::transport::connect::{connect, Connection};
use crate::transport::rtc_setup::{AudioSender, PeerEvent, PeerSettings};
use crate::transport::stats;

/// How often transport statistics are sampled into the core.
const STATS_EVERY: Duration = Duration::from_secs(2);
/// The breakdown waits this long after the channel opened for `session.created` and
/// the first RTP packet; a server that sends neither still gets its note.
const BREAKDOWN_WAIT: Duration = Duration::from_secs(3);

/// A WebRTC call: signaling, the peer, then the call until either side ends it.
pub(super) async fn run(mut d: Driver) {
    let options = d.options.clone();
    let Some(established) = d.until_set_up(establish(&options, d.clock)).await else {
        return;
    };
    let (target, call) = match established {
        Ok(ok) => ok,
        Err((e, target)) => {
            let ending = Ending {
                status: TransportStatus::Failed { reason: e.0 },
            };
            finish(&d, target, None, ending).await;
            return;
        }
    };
    let (ending, open) = live(&mut d, call).await;
    finish(&d, Some(target), Some(open), ending).await;
}

/// An open call and what the connect measured.
struct Call {
    conn: Connection,
    breakdown: ConnectBreakdown,
    secret_expires_at: Option<u64>,
}

type Established = Result<(Target, Call), (SetupError, Option<Target>)>;

async fn establish(options: &LinkOptions, clock: Clock) -> Established {
    let target = match setup::target(options).await {
        Ok(t) => t,
        Err(e) => return Err((e, None)),
    };
    match call(&target, options, clock).await {
        Ok(c) => Ok((target, c)),
        Err(e) => Err((e, Some(target))),
    }
}

async fn call(target: &Target, options: &LinkOptions, clock: Clock) -> Result<Call, SetupError> {
    let cred = setup::credential(target, options.token_url.as_deref(), &options.session).await?;
    let settings = if target.loopback {
        PeerSettings::loopback_offerer()
    } else {
        PeerSettings {
            bind: "0.0.0.0:0".into(),
            ice_check_interval: None,
        }
    };
    let signaling = &target.signaling;
    let model = options
        .session
        .get("model")
        .and_then(|m| m.as_str())
        .unwrap_or("gpt-realtime")
        .to_string();
    let beta = target.dialect == Dialect::Beta;
    let bearer = cred.bearer;
    let conn = connect(&settings, options.connect.open_timeout, |sdp| async move {
        if beta {
            signaling.post_offer_beta(&bearer, &sdp, &model).await
        } else {
            signaling.post_offer(&bearer, &sdp).await
        }
    })
    .await?;
    // The peer's timings count from its offer; the breakdown counts from the start
    // of connecting, so shift them by when the offer was made.
    let open_at = clock.now_ms_f64();
    let offer_at = open_at - conn.timings.offer_to_open_ms;
    let breakdown = ConnectBreakdown {
        call_id: conn.answer.call_id.clone(),
        answer_setup: conn.answer_setup.clone(),
        secret_ms: cred.round_trip_ms,
        sdp_post_ms: Some(conn.timings.signaling_ms),
        ice_connected_ms: conn.timings.ice_connected_ms.map(|t| offer_at + t),
        dtls_connected_ms: conn.timings.dtls_connected_ms.map(|t| offer_at + t),
        channel_open_ms: Some(open_at),
        session_created_ms: None,
        first_rtp_ms: None,
    };
    Ok(Call {
        conn,
        breakdown,
        secret_expires_at: cred.expires_at,
    })
}

/// What it takes to end a call.
struct Open {
    dc: Arc<dyn DataChannel>,
    pc: Arc<dyn PeerConnection>,
    call_id: Option<String>,
}

/// The open call: until the server ends it, the peer fails, or the front-end closes.
async fn live(d: &mut Driver, call: Call) -> (Ending, Open) {
    let Call {
        conn,
        breakdown,
        secret_expires_at,
    } = call;
    let Connection {
        pc,
        dc,
        audio,
        mut events,
        early_tracks,
        answer,
        ..
    } = conn;
    let info = CallInfo {
        call_id: answer.call_id.clone(),
        secret_expires_at,
    };
    let _ = d.events.send(LinkEvent::Up(info)).await;
    d.transport(TransportStatus::Connected).await;
    d.transport(TransportStatus::ChannelOpen).await;

    let mut breakdown = Some(breakdown);
    let (first_rtp_tx, mut first_rtp) = watch::channel(None::<f64>);
    let first_rtp_tx = Arc::new(first_rtp_tx);
    let playback = d.audio.as_ref().map(|a| a.playback.clone());
    let mut audio_task = None;
    if let Some(port) = d.audio.take() {
        audio_task = Some(tokio::spawn(send_audio(port.packets, audio)));
    }
    let heard = Arc::new(LastAudio::default());
    let mut tracks = Vec::new();
    for t in early_tracks {
        tracks.push(listen(
            t,
            d.clock,
            playback.clone(),
            first_rtp_tx.clone(),
            heard.clone(),
        ));
    }

    let mut stats_tick = tokio::time::interval(STATS_EVERY);
    stats_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    stats_tick.reset();
    let report_by = tokio::time::sleep(BREAKDOWN_WAIT);
    tokio::pin!(report_by);
    let ending = loop {
        if let Some(b) = breakdown.as_ref() {
            if b.session_created_ms.is_some() && b.first_rtp_ms.is_some() {
                let b = breakdown.take().expect("checked");
                d.transport(TransportStatus::Breakdown(b)).await;
            }
        }
        tokio::select! {
            ev = dc.poll() => match ev {
                Some(DataChannelEvent::OnMessage(m)) => {
                    let at = d.clock.now_ms_f64();
                    let raw = String::from_utf8_lossy(&m.data).into_owned();
                    if let Some(b) = breakdown.as_mut() {
                        if b.session_created_ms.is_none() && is_session_created(&raw) {
                            b.session_created_ms = Some(at);
                        }
                    }
                    d.input(Input::Server { at_ms: at as u64, raw }).await;
                }
                Some(DataChannelEvent::OnClose) | None => break Ending {
                    status: TransportStatus::Closed {
                        reason: "the server closed the data channel: the call was ended on the server's side (a hang-up, a server fault or the session limit); fix: run again for a new session, and check the server's side if it keeps happening".into(),
                    }
                },
                Some(_) => {}
            },
            ev = events.recv() => match ev {
                Some(PeerEvent::Track(t)) => tracks.push(listen(t, d.clock, playback.clone(), first_rtp_tx.clone(), heard.clone())),
                Some(PeerEvent::State(state)) => {
                    d.note(json!({"type": "local.connection", "state": state.to_string()})).await;
                    if state == RTCPeerConnectionState::Failed {
                        break Ending {
                            status: TransportStatus::Failed {
                                reason: "ICE/DTLS failed: the media path to the server broke; check that UDP is not blocked (firewall, VPN)".into(),
                            }
                        };
                    }
                }
                Some(PeerEvent::DataChannel(_)) => {}
                None => break Ending {
                    status: TransportStatus::Closed { reason: "the peer connection went away".into() }
                },
            },
            cmd = d.commands.recv() => match cmd {
                Some(Command::Send(text)) => {
                    if let Err(e) = dc.send_text(&text).await {
                        d.note(json!({"type": "local.send_failed", "error": e.to_string()})).await;
                    }
                }
                Some(Command::Effect(e)) => apply_audio_effect(playback.as_ref(), &e),
                Some(Command::Close(reason)) => break Ending {
                    status: TransportStatus::Closed { reason },
                },
                None => break Ending {
                    status: TransportStatus::Closed { reason: "the front-end went away".into() }
                },
            },
            _ = stats_tick.tick() => {
                let mut s = stats::sample(&pc).await;
                s.last_audio_ms = heard.get();
                d.transport(TransportStatus::Stats(s)).await;
            }
            _ = first_rtp.changed(), if breakdown.as_ref().is_some_and(|b| b.first_rtp_ms.is_none()) => {
                if let (Some(b), Some(at)) = (breakdown.as_mut(), *first_rtp.borrow()) {
                    b.first_rtp_ms = Some(at);
                }
            }
            _ = &mut report_by, if breakdown.is_some() => {
                let b = breakdown.take().expect("guarded");
                d.transport(TransportStatus::Breakdown(b)).await;
            }
        }
    };
    if let Some(b) = breakdown.take() {
        d.transport(TransportStatus::Breakdown(b)).await;
    }
    // The last figures, so the log and the recording end with the call's totals.
    let mut s = stats::sample(&pc).await;
    s.last_audio_ms = heard.get();
    d.transport(TransportStatus::Stats(s)).await;
    if let Some(t) = audio_task {
        t.abort();
    }
    for t in tracks {
        t.abort();
    }
    let open = Open {
        dc,
        pc,
        call_id: answer.call_id,
    };
    (ending, open)
}

/// Our microphone's packets up the track, as they come.
async fn send_audio(mut packets: mpsc::Receiver<Vec<u8>>, mut sender: AudioSender) {
    while let Some(p) = packets.recv().await {
        if let Err(e) = sender.send_frame(&p).await {
            tracing::debug!("audio frame not sent: {e}");
        }
    }
}

/// When the server's last RTP packet arrived (ms on the link's clock), for the
/// statistics: the core warns when audio stops mid-response.
#[derive(Default)]
struct LastAudio(AtomicU64);

impl LastAudio {
    fn set(&self, ms: u64) {
        // Stored plus one: zero means no packet yet.
        self.0.store(ms + 1, Ordering::Relaxed);
    }

    fn get(&self) -> Option<u64> {
        self.0.load(Ordering::Relaxed).checked_sub(1)
    }
}

/// The model's audio, packet by packet, into the playback; the first packet's time
/// goes to the breakdown, every packet's to `heard`.
fn listen(
    track: Arc<dyn TrackRemote>,
    clock: Clock,
    playback: Option<Arc<dyn Playback>>,
    first: Arc<watch::Sender<Option<f64>>>,
    heard: Arc<LastAudio>,
) -> tokio::task::JoinHandle<()> {
    let mut marked = false;
    forward_rtp(track, move |seq, payload| {
        heard.set(clock.now_ms());
        if !marked {
            marked = true;
            first.send_if_modified(|v| {
                let fresh = v.is_none();
                if fresh {
                    *v = Some(clock.now_ms_f64());
                }
                fresh
            });
        }
        playback.as_ref().is_none_or(|p| p.push_rtp(seq, payload))
    })
}

/// Ends the call and reports it: hang up (so the server stops at once instead of
/// noticing seconds later), close the peer, stop an embedded mock, then the closing
/// status and `Ended`.
async fn finish(d: &Driver, target: Option<Target>, open: Option<Open>, ending: Ending) {
    if let Some(open) = &open {
        if let (Some(t), Some(id)) = (&target, &open.call_id) {
            if let Some(key) = &t.key {
                if let Err(e) = t.signaling.hangup(key, id).await {
                    tracing::debug!("hangup: {e}");
                }
            }
        }
        close_peer(&open.dc, &open.pc).await;
    }
    d.end(target, ending).await;
}

async fn close_peer(dc: &Arc<dyn DataChannel>, pc: &Arc<dyn PeerConnection>) {
    let _ = tokio::time::timeout(Duration::from_secs(1), dc.close()).await;
    let _ = tokio::time::timeout(Duration::from_secs(2), pc.close()).await;
}

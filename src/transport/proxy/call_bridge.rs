//! A relayed WebRTC call once both legs are answered: the app's data channel and the
//! upstream's are joined message by message (through the breakpoint lanes, reported
//! with their direction), and each leg's Opus RTP goes to the other as it came, never
//! decoded on the way (the meters decode a copy). Whichever side ends the call ends
//! the other: a hangup through the proxy is forwarded; an app that just goes away
//! is hung up upstream on its behalf.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::HeaderValue;
use tokio::sync::{mpsc, Mutex, Notify};
use tokio::task::JoinHandle;
use webrtc::data_channel::DataChannel;
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};
use webrtc::peer_connection::RTCPeerConnectionState;

use super::audio_meter::{self, MeterTap};
use super::breakpoints::Lane;
use super::call_relay::close_peer;
use super::rtp_out::RtpOut;
use super::{Flow, ProxyEvent, Shared};
use crate::audio::opus_codec::OpusEncoder;
use crate::audio::FRAME;
use crate::protocol::redact::redact_text;
use crate::transport::channel_io::forward_messages;
use crate::transport::connect::{ConnectError, Connection};
use crate::transport::rtc_setup::{AudioSender, Peer, PeerEvent, EVENTS_LABEL, NUDGE_EVERY};

/// An app that never opens its data channel is given up on after this long.
const APP_OPEN_TIMEOUT: Duration = Duration::from_secs(20);

/// How long the upstream gets to end a call the app hung up through the proxy.
const HANGUP_GRACE: Duration = Duration::from_secs(2);

const APP_HUNG_UP: &str = "the app hung up (POST …/hangup, forwarded upstream)";

/// Everything the relay of one call needs, from the request that set it up.
pub(super) struct Bridge {
    pub conn: u64,
    pub call_id: Option<String>,
    pub app_peer: Peer,
    pub app_audio: AudioSender,
    pub upstream_leg: JoinHandle<Result<Connection, ConnectError>>,
    /// Notified when the app hangs up through the proxy (already forwarded).
    pub hangup: Arc<Notify>,
    pub hangup_url: Option<reqwest::Url>,
    /// The app's credential, to hang up upstream for an app that went away.
    pub auth: Vec<(&'static str, HeaderValue)>,
}

/// How the call ended, and who ended it.
struct Ending {
    by: Flow,
    reason: String,
    /// The app went away without hanging up: hang up upstream for it.
    hang_up_upstream: bool,
}

type Out = Arc<Mutex<Option<RtpOut>>>;

pub(super) async fn run(shared: Arc<Shared>, bridge: Bridge) {
    let Bridge {
        conn,
        call_id,
        mut app_peer,
        app_audio,
        upstream_leg,
        hangup,
        hangup_url,
        auth,
    } = bridge;
    let injected = shared.injector.register(conn);
    let mut call = Call {
        shared: shared.clone(),
        conn,
        to_app: Arc::new(Mutex::new(Some(RtpOut::new(app_audio)))),
        to_upstream: Arc::new(Mutex::new(None)),
        app_dc: None,
        up_dc: None,
        pending_up: VecDeque::new(),
        pending_down: VecDeque::new(),
        up_lane: Lane::new(conn, Flow::Client),
        down_lane: Lane::new(conn, Flow::Server),
        meter_up: audio_meter::start(shared.clone(), conn, Flow::Client),
        meter_down: audio_meter::start(shared.clone(), conn, Flow::Server),
    };
    let (ending, up_pc) = call
        .relay(&mut app_peer, upstream_leg, &hangup, injected)
        .await;
    shared.injector.forget(conn);
    if let Some(id) = &call_id {
        shared.forget_call(id);
    }
    if ending.hang_up_upstream {
        if let Some(url) = hangup_url {
            hang_up(&shared, conn, url, &auth).await;
        }
    }
    if let Some(pc) = up_pc {
        let _ = tokio::time::timeout(Duration::from_secs(1), pc.close()).await;
    }
    close_peer(&app_peer).await;
    shared
        .emit(ProxyEvent::Closed {
            conn,
            at: Instant::now(),
            by: ending.by,
            code: None,
            reason: ending.reason,
            explanation: None,
        })
        .await;
}

struct Call {
    shared: Arc<Shared>,
    conn: u64,
    to_app: Out,
    to_upstream: Out,
    app_dc: Option<Arc<dyn DataChannel>>,
    up_dc: Option<Arc<dyn DataChannel>>,
    /// Admitted for the upstream before its channel was open, in order.
    pending_up: VecDeque<(Flow, String)>,
    /// Admitted for the app before its channel was open, in order.
    pending_down: VecDeque<String>,
    up_lane: Lane,
    down_lane: Lane,
    meter_up: MeterTap,
    meter_down: MeterTap,
}

impl Call {
    async fn relay(
        &mut self,
        app_peer: &mut Peer,
        mut upstream_leg: JoinHandle<Result<Connection, ConnectError>>,
        hangup: &Notify,
        mut injected: mpsc::UnboundedReceiver<String>,
    ) -> (
        Ending,
        Option<Arc<dyn webrtc::peer_connection::PeerConnection>>,
    ) {
        // Until a channel opens its receiver is this one, which never yields.
        let (_keep_app, mut app_msgs) = mpsc::unbounded_channel::<Option<String>>();
        let (_keep_up, mut up_msgs) = mpsc::unbounded_channel::<Option<String>>();
        let (_keep_events, mut up_events) = mpsc::unbounded_channel::<PeerEvent>();
        let mut up_pc = None;
        let mut leg_pending = true;
        // Until the app's channel is open, silent RTP wakes webrtc's driver (see
        // NUDGE_EVERY); the app hears a few packets of silence, as from any server.
        let silence = OpusEncoder::new()
            .ok()
            .and_then(|mut e| e.encode(&[0i16; FRAME]).ok());
        let mut nudge = tokio::time::interval(NUDGE_EVERY);
        let app_open_deadline = tokio::time::sleep(APP_OPEN_TIMEOUT);
        tokio::pin!(app_open_deadline);
        let mut hung_up = false;
        let hangup_grace = tokio::time::sleep(HANGUP_GRACE);
        tokio::pin!(hangup_grace);
        let ending = loop {
            tokio::select! {
                leg = &mut upstream_leg, if leg_pending => {
                    leg_pending = false;
                    match leg {
                        Ok(Ok(connection)) => {
                            *self.to_upstream.lock().await = Some(RtpOut::new(connection.audio));
                            for track in connection.early_tracks {
                                forward_track(track, self.to_app.clone(), self.meter_down.clone());
                            }
                            up_events = connection.events;
                            up_msgs = forward_messages(connection.dc.clone());
                            self.up_dc = Some(connection.dc);
                            up_pc = Some(connection.pc);
                            if let Err(e) = self.flush_up().await {
                                break e;
                            }
                        }
                        Ok(Err(e)) => break ended(Flow::Server, format!("the upstream call did not come up: {}", redact_text(&e.to_string())), false),
                        Err(_) => break ended(Flow::Server, "the upstream call's task failed".into(), false),
                    }
                }
                ev = app_peer.events.recv() => match ev {
                    Some(PeerEvent::DataChannel(dc)) if self.app_dc.is_none() && dc.label().await.is_ok_and(|l| l == EVENTS_LABEL) => {
                        app_msgs = forward_messages(dc.clone());
                        self.app_dc = Some(dc);
                        if let Err(e) = self.flush_down().await {
                            break e;
                        }
                    }
                    Some(PeerEvent::Track(track)) => {
                        forward_track(track, self.to_upstream.clone(), self.meter_up.clone());
                    }
                    Some(PeerEvent::State(RTCPeerConnectionState::Failed)) => break ended(Flow::Client, "the app's connection failed (ICE/DTLS)".into(), true),
                    Some(PeerEvent::State(RTCPeerConnectionState::Closed)) | None => break ended(Flow::Client, "the app closed its connection".into(), true),
                    Some(_) => {}
                },
                msg = app_msgs.recv(), if self.up_lane.is_open() => match msg {
                    Some(Some(text)) => {
                        if let Some(text) = self.up_lane.admit(&self.shared, text).await {
                            if let Err(e) = self.send_up(Flow::Client, text).await {
                                break e;
                            }
                        }
                    }
                    _ => break ended(Flow::Client, "the app closed its data channel".into(), true),
                },
                decision = self.up_lane.decided() => {
                    if let Some(text) = self.up_lane.resolve(&self.shared, decision).await {
                        if let Err(e) = self.send_up(Flow::Client, text).await {
                            break e;
                        }
                    }
                }
                msg = up_msgs.recv(), if self.down_lane.is_open() => match msg {
                    Some(Some(text)) => {
                        if let Some(text) = self.down_lane.admit(&self.shared, text).await {
                            if let Err(e) = self.send_down(text).await {
                                break e;
                            }
                        }
                    }
                    _ => break ended(Flow::Server, "the upstream closed the data channel".into(), false),
                },
                decision = self.down_lane.decided() => {
                    if let Some(text) = self.down_lane.resolve(&self.shared, decision).await {
                        if let Err(e) = self.send_down(text).await {
                            break e;
                        }
                    }
                }
                ev = up_events.recv() => match ev {
                    Some(PeerEvent::Track(track)) => {
                        forward_track(track, self.to_app.clone(), self.meter_down.clone());
                    }
                    Some(PeerEvent::State(RTCPeerConnectionState::Failed)) => break ended(Flow::Server, "the upstream connection failed (ICE/DTLS)".into(), false),
                    Some(PeerEvent::State(RTCPeerConnectionState::Closed)) | None => break ended(Flow::Server, "the upstream closed the connection".into(), false),
                    Some(_) => {}
                },
                Some(text) = injected.recv() => {
                    if let Err(e) = self.send_up(Flow::Injected, text).await {
                        break e;
                    }
                }
                // The hangup is on its way upstream: the upstream ends the call, and
                // its end is the app's doing. A grace bounds an upstream that does not.
                _ = hangup.notified(), if !hung_up => {
                    hung_up = true;
                    hangup_grace.as_mut().reset(tokio::time::Instant::now() + HANGUP_GRACE);
                }
                _ = &mut hangup_grace, if hung_up => break ended(Flow::Client, APP_HUNG_UP.into(), false),
                _ = nudge.tick(), if self.app_dc.is_none() => {
                    if let (Some(frame), Some(out)) = (&silence, self.to_app.lock().await.as_mut()) {
                        out.silence(frame).await;
                    }
                }
                _ = &mut app_open_deadline, if self.app_dc.is_none() => {
                    break ended(Flow::Client, format!("the app's data channel did not open within {APP_OPEN_TIMEOUT:?}"), true);
                }
            }
        };
        let ending = if hung_up && ending.by == Flow::Server {
            ended(Flow::Client, APP_HUNG_UP.into(), false)
        } else {
            ending
        };
        (ending, up_pc)
    }

    /// Sends upstream now, or queues until the upstream's channel is open.
    async fn send_up(&mut self, flow: Flow, text: String) -> Result<(), Ending> {
        self.pending_up.push_back((flow, text));
        self.flush_up().await
    }

    async fn flush_up(&mut self) -> Result<(), Ending> {
        let Some(dc) = self.up_dc.clone() else {
            return Ok(());
        };
        while let Some((flow, text)) = self.pending_up.pop_front() {
            if let Err(e) = dc.send_text(&text).await {
                return Err(ended(
                    Flow::Server,
                    format!("the upstream data channel refused a message: {e}"),
                    false,
                ));
            }
            self.text_event(flow, text).await;
        }
        Ok(())
    }

    /// Sends to the app now, or queues until the app's channel is open.
    async fn send_down(&mut self, text: String) -> Result<(), Ending> {
        self.pending_down.push_back(text);
        self.flush_down().await
    }

    async fn flush_down(&mut self) -> Result<(), Ending> {
        let Some(dc) = self.app_dc.clone() else {
            return Ok(());
        };
        while let Some(text) = self.pending_down.pop_front() {
            if let Err(e) = dc.send_text(&text).await {
                return Err(ended(
                    Flow::Client,
                    format!("the app's data channel refused a message: {e}"),
                    true,
                ));
            }
            self.text_event(Flow::Server, text).await;
        }
        Ok(())
    }

    async fn text_event(&self, flow: Flow, text: String) {
        self.shared
            .emit(ProxyEvent::Text {
                conn: self.conn,
                at: Instant::now(),
                flow,
                text,
            })
            .await;
    }
}

fn ended(by: Flow, reason: String, hang_up_upstream: bool) -> Ending {
    Ending {
        by,
        reason,
        hang_up_upstream,
    }
}

/// Relays every RTP packet of `track` to the other leg (dropped while that leg is
/// not up yet) and hands a copy of its payload to the meter.
fn forward_track(track: Arc<dyn TrackRemote>, out: Out, meter: MeterTap) {
    tokio::spawn(async move {
        while let Some(ev) = track.poll().await {
            let TrackRemoteEvent::OnRtpPacket(packet) = ev else {
                continue;
            };
            if packet.payload.is_empty() {
                continue;
            }
            meter.copy(&packet.payload);
            if let Some(out) = out.lock().await.as_mut() {
                out.relay(packet).await;
            }
        }
    });
}

/// Hangs up upstream for an app that went away without doing so.
async fn hang_up(
    shared: &Shared,
    conn: u64,
    url: reqwest::Url,
    auth: &[(&'static str, HeaderValue)],
) {
    let mut request = shared
        .http
        .post(url.clone())
        .timeout(Duration::from_secs(5));
    for (name, value) in auth {
        request = request.header(*name, value.clone());
    }
    let (status, response) = match request.send().await {
        Ok(r) => {
            let status = r.status().as_u16();
            (status, r.text().await.unwrap_or_default())
        }
        Err(e) => (502, redact_text(&e.to_string()).into_owned()),
    };
    shared
        .emit(ProxyEvent::Http {
            conn,
            at: Instant::now(),
            method: "POST".into(),
            path: url.path().to_string(),
            status,
            request: "(hangup sent by the proxy: the app left without hanging up)".into(),
            response,
        })
        .await;
}

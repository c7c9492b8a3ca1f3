//! Building a webrtc 0.21 peer connection the way both ends of rtconsole need it: one
//! Opus track, mDNS off, large data-channel messages, and event handlers that only
//! forward. The settings and their reasons are measured in `shared/webrtc-notes.md`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::{mpsc, watch};
use webrtc::data_channel::DataChannel;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::media_stream::track_remote::TrackRemote;
use webrtc::media_stream::MediaStreamTrack;
use webrtc::peer_connection::{
    register_default_interceptors, MediaEngine, PeerConnection, PeerConnectionBuilder,
    PeerConnectionEventHandler, RTCConfigurationBuilder, RTCIceConnectionState,
    RTCIceGatheringState, RTCPeerConnectionState, Registry, SettingEngineBuilder,
};
use webrtc::rtp_transceiver::RtpSender;

use rtc::ice::mdns::MulticastDnsMode;
use rtc::media::Sample;
use rtc::peer_connection::configuration::media_engine::MIME_TYPE_OPUS;
use rtc::peer_connection::configuration::setting_engine::SctpMaxMessageSize;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodecParameters, RTCRtpCodingParameters, RTCRtpEncodingParameters,
    RtpCodecKind,
};

pub use webrtc::peer_connection::RTCSessionDescription;

mod early_checks;

/// The payload type we offer for Opus; the answer may choose another, so senders read
/// the negotiated one after the remote description is set.
pub const OPUS_PT: u8 = 111;

/// Data-channel messages up to this size work both ways (Rust and Chromium); the
/// default 64 KiB is too small for `conversation.item.retrieved` with audio.
pub const MAX_MESSAGE_SIZE: u32 = 262_144;

/// The label every Realtime client gives its events channel.
pub const EVENTS_LABEL: &str = "oai-events";

/// webrtc 0.21's driver loop flushes its writes first and then handles the events of
/// that pass; writes an event produces (the SCTP INIT once DTLS is up, the channel's
/// DCEP OPEN once SCTP is up) wait until the loop wakes again, and an idle driver
/// sleeps until its next timer, up to 200 ms away (measured: the channel opened ~400 ms
/// after DTLS was up). Until the data channel is open the mock wakes it this often by
/// sending RTP; the client wakes it every [`CLIENT_NUDGE_EVERY`].
pub const NUDGE_EVERY: Duration = Duration::from_millis(5);

/// How often the client wakes the driver while it waits for the channel to open
/// (see [`NUDGE_EVERY`]): each wake costs a few µs, and each stall it bounds is on the
/// critical path of every connect.
pub const CLIENT_NUDGE_EVERY: Duration = Duration::from_millis(1);

/// ICE check interval of every peer unless its settings say otherwise. webrtc's 200 ms
/// stalls every connect twice: the controlling agent (the offerer: us) nominates a pair
/// that works only on its next check tick (`rtc_ice` `ControllingSelector::
/// contact_candidates`), and a DTLS client's first flight, queued when ICE connects,
/// leaves only on the next tick (`rtc` `DtlsHandler::handle_event` queues the
/// ClientHello, `handle_timeout` sends it). 5 ms bounds both.
pub const DEFAULT_ICE_CHECK_INTERVAL: Duration = Duration::from_millis(5);

/// How long a pair is checked before it counts as failed: webrtc's own window (7 checks
/// × 200 ms), kept for real networks whatever the interval.
pub const ICE_CHECK_WINDOW: Duration = Duration::from_millis(1400);

/// How a peer is set up: which address it binds and how often ICE checks run.
#[derive(Debug, Clone)]
pub struct PeerSettings {
    /// `127.0.0.1:0` for the mock and tests; `0.0.0.0:0` toward a real server.
    pub bind: String,
    /// How often ICE checks run while connecting; `None` is
    /// [`DEFAULT_ICE_CHECK_INTERVAL`]. Either way a pair is given [`ICE_CHECK_WINDOW`].
    pub ice_check_interval: Option<Duration>,
}

impl PeerSettings {
    pub fn loopback_answerer() -> Self {
        PeerSettings {
            bind: "127.0.0.1:0".to_string(),
            ice_check_interval: None,
        }
    }

    pub fn loopback_offerer() -> Self {
        PeerSettings {
            bind: "127.0.0.1:0".to_string(),
            ice_check_interval: None,
        }
    }
}

/// What the peer connection reports, forwarded from its handler.
pub enum PeerEvent {
    State(RTCPeerConnectionState),
    /// A data channel the remote side created, already open.
    DataChannel(Arc<dyn DataChannel>),
    Track(Arc<dyn TrackRemote>),
}

/// When the connection first reached each stage, stamped in the handler as the driver
/// reports it (the event stream reaches the application later).
#[derive(Debug, Default, Clone, Copy)]
pub struct StageMarks {
    /// ICE connection state `connected` (a nominated pair works).
    pub ice_connected: Option<Instant>,
    /// Peer connection state `connected` (ICE and the DTLS handshake are done).
    pub connected: Option<Instant>,
}

/// The connection's handler: it runs inline in webrtc's driver, so it must never wait.
struct Forward {
    events: mpsc::UnboundedSender<PeerEvent>,
    gathered: watch::Sender<bool>,
    marks: Arc<Mutex<StageMarks>>,
    early_checks: Option<early_checks::EarlyChecks>,
}

impl Forward {
    fn mark(&self, pick: impl FnOnce(&mut StageMarks) -> &mut Option<Instant>) {
        if let Ok(mut marks) = self.marks.lock() {
            pick(&mut marks).get_or_insert_with(Instant::now);
        }
    }
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Forward {
    async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
        if state == RTCIceGatheringState::Complete {
            let _ = self.gathered.send(true);
        }
    }

    async fn on_ice_connection_state_change(&self, state: RTCIceConnectionState) {
        if matches!(
            state,
            RTCIceConnectionState::Connected | RTCIceConnectionState::Completed
        ) {
            self.mark(|m| &mut m.ice_connected);
        }
        if !matches!(
            state,
            RTCIceConnectionState::New | RTCIceConnectionState::Checking
        ) {
            // A pair is selected (or never will be): the stack takes DTLS now.
            if let Some(e) = &self.early_checks {
                e.release();
            }
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        if state == RTCPeerConnectionState::Connected {
            self.mark(|m| &mut m.connected);
        }
        let _ = self.events.send(PeerEvent::State(state));
    }

    async fn on_data_channel(&self, dc: Arc<dyn DataChannel>) {
        let _ = self.events.send(PeerEvent::DataChannel(dc));
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        let _ = self.events.send(PeerEvent::Track(track));
    }
}

/// A built peer connection with its event stream and a gathering-complete flag.
pub struct Peer {
    pub pc: Arc<dyn PeerConnection>,
    pub events: mpsc::UnboundedReceiver<PeerEvent>,
    gathered: watch::Receiver<bool>,
    marks: Arc<Mutex<StageMarks>>,
    early_checks: Option<early_checks::EarlyChecks>,
}

#[derive(Debug, thiserror::Error)]
pub enum PeerError {
    #[error("WebRTC setup failed: {0}")]
    Rtc(#[from] webrtc::error::Error),
    #[error("ICE gathering did not complete within {0:?}; check that the bind address has a usable interface")]
    GatheringTimeout(Duration),
}

pub fn opus_codec() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: MIME_TYPE_OPUS.to_owned(),
        clock_rate: 48_000,
        channels: 2,
        sdp_fmtp_line: "minptime=10;useinbandfec=1".to_owned(),
        rtcp_feedback: vec![],
    }
}

impl Peer {
    pub async fn build(settings: &PeerSettings) -> Result<Peer, PeerError> {
        let mut media = MediaEngine::default();
        media.register_codec(
            RTCRtpCodecParameters {
                rtp_codec: opus_codec(),
                payload_type: OPUS_PT,
            },
            RtpCodecKind::Audio,
        )?;
        let registry = register_default_interceptors(Registry::new(), &mut media)?;
        let mut se = SettingEngineBuilder::new()
            // QueryOnly opens a multicast socket, which fails outright in a namespace
            // with only `lo`; neither OpenAI nor Chromium send .local candidates.
            .with_multicast_dns_mode(MulticastDnsMode::Disabled)
            .with_sctp_max_message_size(SctpMaxMessageSize::Bounded(MAX_MESSAGE_SIZE));
        let interval = settings
            .ice_check_interval
            .unwrap_or(DEFAULT_ICE_CHECK_INTERVAL);
        se = se.with_ice_connection_attempts(Some(interval), Some(check_attempts(interval)));
        let (events_tx, events) = mpsc::unbounded_channel();
        let (gathered_tx, gathered) = watch::channel(false);
        let marks = Arc::new(Mutex::new(StageMarks::default()));
        let mut builder = PeerConnectionBuilder::new();
        let mut early_checks = None;
        if let Some(runtime) = webrtc::runtime::default_runtime() {
            let (runtime, control) = early_checks::HoldEarlyChecks::new(runtime);
            builder = builder.with_runtime(Arc::new(runtime));
            early_checks = Some(control);
        }
        let pc = builder
            .with_configuration(RTCConfigurationBuilder::new().build())
            .with_media_engine(media)
            .with_interceptor_registry(registry)
            .with_setting_engine(se.build())
            .with_handler(Arc::new(Forward {
                events: events_tx,
                gathered: gathered_tx,
                marks: marks.clone(),
                early_checks: early_checks.clone(),
            }))
            .with_udp_addrs(vec![settings.bind.clone()])
            .build()
            .await?;
        Ok(Peer {
            pc: Arc::new(pc),
            events,
            gathered,
            marks,
            early_checks,
        })
    }

    /// The offerer calls this before its offer leaves: what the answerer sends before
    /// the stack can take it (its first checks, its first DTLS flight) is held, not
    /// dropped, and delivered once it can (see `early_checks`).
    pub fn hold_early_packets(&self) {
        if let Some(e) = &self.early_checks {
            e.hold();
        }
    }

    /// The answer is applied: the held checks go in; DTLS waits for ICE to connect
    /// (the handler releases it then).
    pub fn answer_applied(&self) {
        if let Some(e) = &self.early_checks {
            e.answer_applied();
        }
    }

    /// Delivers whatever is held and holds nothing more (the attempt is over).
    pub fn release_early_packets(&self) {
        if let Some(e) = &self.early_checks {
            e.release();
        }
    }

    /// When ICE and DTLS first came up, as far as they have.
    pub fn stage_marks(&self) -> StageMarks {
        self.marks.lock().map(|m| *m).unwrap_or_default()
    }

    /// Waits until every local candidate is in the local description: there is no
    /// trickle in the Realtime API's signaling, so the SDP must be complete.
    pub async fn gathered(&mut self, limit: Duration) -> Result<(), PeerError> {
        let wait = self.gathered.wait_for(|done| *done);
        match tokio::time::timeout(limit, wait).await {
            Ok(Ok(_)) => Ok(()),
            _ => Err(PeerError::GatheringTimeout(limit)),
        }
    }
}

/// Our outgoing Opus track: one 20 ms packet per sample.
pub struct AudioSender {
    track: Arc<TrackLocalStaticSample>,
    sender: Arc<dyn RtpSender>,
    ssrc: u32,
    payload_type: Option<u8>,
}

impl AudioSender {
    pub async fn add_to(pc: &Arc<dyn PeerConnection>, ssrc: u32) -> Result<Self, PeerError> {
        let track = Arc::new(TrackLocalStaticSample::new(
            Instant::now(),
            MediaStreamTrack::new(
                "rtconsole".into(),
                "audio".into(),
                "audio".into(),
                RtpCodecKind::Audio,
                vec![RTCRtpEncodingParameters {
                    rtp_coding_parameters: RTCRtpCodingParameters {
                        ssrc: Some(ssrc),
                        ..Default::default()
                    },
                    codec: opus_codec(),
                    ..Default::default()
                }],
            ),
        )?);
        let sender = pc.add_track(track.clone() as Arc<dyn TrackLocal>).await?;
        Ok(AudioSender {
            track,
            sender,
            ssrc,
            payload_type: None,
        })
    }

    /// The payload type negotiated for Opus, read once the remote description is known.
    async fn payload_type(&mut self) -> Result<u8, PeerError> {
        if let Some(pt) = self.payload_type {
            return Ok(pt);
        }
        let params = self.sender.get_parameters().await?;
        let pt = params
            .rtp_parameters
            .codecs
            .first()
            .map(|c| c.payload_type)
            .unwrap_or(OPUS_PT);
        self.payload_type = Some(pt);
        Ok(pt)
    }

    /// Sends one encoded 20 ms Opus frame.
    pub async fn send_frame(&mut self, payload: &[u8]) -> Result<(), PeerError> {
        let pt = self.payload_type().await?;
        let sample = Sample {
            data: Bytes::copy_from_slice(payload),
            duration: Duration::from_millis(20),
            ..Sample::new(Instant::now())
        };
        self.track
            .sample_writer(self.ssrc, pt)
            .write_sample(&sample)
            .await?;
        Ok(())
    }

    /// Sends an RTP packet received from another peer with its payload, sequence
    /// number, timestamp and marker as they were (a relay: no re-packetizing, so
    /// the far end sees the sender's own timing and losses). Its SSRC and payload
    /// type become this sender's, and its header extensions are removed: their ids
    /// were negotiated on the other leg, and webrtc refuses ids it did not negotiate.
    pub async fn send_rtp(&mut self, mut packet: rtc::rtp::Packet) -> Result<(), PeerError> {
        let pt = self.payload_type().await?;
        let header = &mut packet.header;
        header.ssrc = self.ssrc;
        header.payload_type = pt;
        header.padding = false;
        header.extension = false;
        header.extensions.clear();
        header.extension_profile = 0;
        header.extensions_padding = 0;
        header.csrc.clear();
        self.track.write_rtp(packet).await?;
        Ok(())
    }
}

/// How many checks a pair gets at `interval` to fill [`ICE_CHECK_WINDOW`] (at least
/// webrtc's 7).
pub fn check_attempts(interval: Duration) -> u16 {
    let n = ICE_CHECK_WINDOW.as_micros() / interval.as_micros().max(1);
    n.clamp(7, u16::MAX as u128) as u16
}

/// The DTLS role an SDP announces (`a=setup:active|passive|actpass`): the answerer's
/// role tells whether this side pays the DTLS-client flush stall.
pub fn sdp_setup_role(sdp: &str) -> Option<&str> {
    sdp.lines()
        .find_map(|l| l.trim().strip_prefix("a=setup:"))
        .map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shorter_check_interval_keeps_the_check_window() {
        assert_eq!(check_attempts(Duration::from_millis(200)), 7);
        assert_eq!(check_attempts(DEFAULT_ICE_CHECK_INTERVAL), 280);
        assert_eq!(
            check_attempts(Duration::from_secs(1)),
            7,
            "never fewer than webrtc's 7"
        );
        assert_eq!(check_attempts(Duration::ZERO), u16::MAX);
    }

    #[test]
    fn setup_role_is_read_from_the_first_media_section() {
        let sdp = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=setup:active\r\nm=application 9\r\na=setup:active\r\n";
        assert_eq!(sdp_setup_role(sdp), Some("active"));
        assert_eq!(sdp_setup_role("v=0\r\n"), None);
    }
}

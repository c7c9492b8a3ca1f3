//! The client side of a WebRTC call: build the offer (one sendrecv Opus track and the
//! `oai-events` channel), gather every candidate, let signaling post it, apply the
//! answer and wait for the data channel to open.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use webrtc::data_channel::{DataChannel, DataChannelEvent};
use webrtc::media_stream::track_remote::TrackRemote;

use super::rtc_setup::{
    sdp_setup_role, AudioSender, Peer, PeerError, PeerEvent, PeerSettings, RTCSessionDescription,
    CLIENT_NUDGE_EVERY, EVENTS_LABEL,
};
use super::signaling::{Answer, SignalingError};
use tokio::sync::mpsc;
use webrtc::peer_connection::{PeerConnection, RTCPeerConnectionState};

pub const DEFAULT_OPEN_TIMEOUT: Duration = Duration::from_secs(15);
const GATHER_TIMEOUT: Duration = Duration::from_secs(2);

/// How long each step took, for the recording's local notes and the connect bench.
/// `gather_ms` and `signaling_ms` are durations; the others are instants in ms since
/// `create_offer`, so they read as one timeline:
/// gather → signaling (POST) → ICE connected → DTLS done → data channel open.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConnectTimings {
    pub gather_ms: f64,
    /// The SDP POST's round trip (the server's answer time included).
    pub signaling_ms: f64,
    /// From `create_offer` to the data channel's `open`.
    pub offer_to_open_ms: f64,
    /// From `create_offer` to ICE connection state `connected`.
    pub ice_connected_ms: Option<f64>,
    /// From `create_offer` to peer connection state `connected` (DTLS handshake done).
    pub dtls_connected_ms: Option<f64>,
}

/// An open call.
pub struct Connection {
    pub pc: Arc<dyn PeerConnection>,
    pub dc: Arc<dyn DataChannel>,
    pub audio: AudioSender,
    /// Connection-state changes and the remote track, as they come.
    pub events: mpsc::UnboundedReceiver<PeerEvent>,
    /// The remote track, when it was announced before the channel opened.
    pub early_tracks: Vec<Arc<dyn TrackRemote>>,
    pub answer: Answer,
    /// The answer's `a=setup:` (`active` means we are the DTLS server).
    pub answer_setup: Option<String>,
    pub timings: ConnectTimings,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Peer(#[from] PeerError),
    #[error(transparent)]
    Signaling(#[from] SignalingError),
    #[error("the server's SDP answer was not accepted: {0}\nfix: the server answered something that is not a WebRTC answer to this offer")]
    BadAnswer(String),
    #[error("the SDP answer has no usable ICE candidate ({0})\nfix: the server, or something rewriting its answer on the way (a proxy, a gateway), gave no UDP address to reach it; check the server's ICE setup and what sits between rtconsole and --base-url")]
    NoUsableCandidate(String),
    #[error("ICE/DTLS failed: no media path to the server\nfix: UDP may be blocked by a firewall or VPN; check that outbound UDP is allowed")]
    IceFailed,
    #[error("the data channel did not open within {0:?}\nfix: the server accepted the offer but the connection never came up; check UDP connectivity, or raise --open-timeout")]
    OpenTimeout(Duration),
    #[error("the data channel closed before it opened: the server ended the call")]
    ClosedEarly,
}

/// Connects: `post` receives the complete offer SDP and returns the server's answer.
pub async fn connect<F, Fut>(
    settings: &PeerSettings,
    open_timeout: Duration,
    post: F,
) -> Result<Connection, ConnectError>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<Answer, SignalingError>>,
{
    let mut peer = Peer::build(settings).await?;
    let pc = peer.pc.clone();
    let result = negotiate(&mut peer, open_timeout, post).await;
    match result {
        Ok((dc, audio, answer, timings, early_tracks)) => {
            let answer_setup = sdp_setup_role(&answer.sdp).map(str::to_string);
            Ok(Connection {
                pc,
                dc,
                audio,
                events: peer.events,
                early_tracks,
                answer,
                answer_setup,
                timings,
            })
        }
        Err(e) => {
            let _ = tokio::time::timeout(Duration::from_secs(1), pc.close()).await;
            Err(e)
        }
    }
}

/// Posts the offer and applies the answer; returns it with when it arrived (since `t0`).
async fn post_and_apply<F, Fut>(
    peer: &Peer,
    post: F,
    t0: Instant,
) -> Result<(Answer, Duration), ConnectError>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<Answer, SignalingError>>,
{
    let sdp = peer
        .pc
        .local_description()
        .await
        .map(|d| d.sdp)
        .ok_or_else(|| ConnectError::BadAnswer("no local description".into()))?;
    let answer = post(sdp).await?;
    let answered = t0.elapsed();
    if let Some(why) = no_usable_candidate(&answer.sdp) {
        return Err(ConnectError::NoUsableCandidate(why));
    }
    let desc = RTCSessionDescription::answer(answer.sdp.clone())
        .map_err(|e| ConnectError::BadAnswer(e.to_string()))?;
    peer.pc
        .set_remote_description(desc)
        .await
        .map_err(|e| ConnectError::BadAnswer(e.to_string()))?;
    Ok((answer, answered))
}

/// Why an answer gives no way to reach the server, if it does not: we gather no
/// trickled candidates, so an answer must carry a UDP candidate with an address
/// (mDNS `.local` names are not resolved). Without one, ICE would only time out.
pub fn no_usable_candidate(sdp: &str) -> Option<String> {
    let mut seen = Vec::new();
    for line in sdp.lines() {
        let Some(c) = line.trim().strip_prefix("a=candidate:") else {
            continue;
        };
        // foundation component transport priority address port typ …
        let fields: Vec<&str> = c.split_whitespace().collect();
        let (Some(transport), Some(address)) = (fields.get(2), fields.get(4)) else {
            seen.push("a malformed line".to_string());
            continue;
        };
        if transport.eq_ignore_ascii_case("udp") && !address.ends_with(".local") {
            return None;
        }
        // Server text on the way to a terminal: printable characters only.
        let shown: String = format!("{transport} {address}")
            .chars()
            .filter(|c| !c.is_control())
            .take(80)
            .collect();
        seen.push(shown);
    }
    Some(match seen.len() {
        0 => "it lists no a=candidate lines".to_string(),
        1..=3 => format!("only {}", seen.join(", ")),
        n => format!("only {} and {} more", seen[..3].join(", "), n - 3),
    })
}

type Negotiated = (
    Arc<dyn DataChannel>,
    AudioSender,
    Answer,
    ConnectTimings,
    Vec<Arc<dyn TrackRemote>>,
);

async fn negotiate<F, Fut>(
    peer: &mut Peer,
    open_timeout: Duration,
    post: F,
) -> Result<Negotiated, ConnectError>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<Answer, SignalingError>>,
{
    let audio = AudioSender::add_to(&peer.pc, rand::random()).await?;
    let dc = peer
        .pc
        .create_data_channel(EVENTS_LABEL, None)
        .await
        .map_err(PeerError::from)?;
    let t0 = Instant::now();
    let offer = peer.pc.create_offer(None).await.map_err(PeerError::from)?;
    peer.pc
        .set_local_description(offer)
        .await
        .map_err(PeerError::from)?;
    peer.gathered(GATHER_TIMEOUT).await?;
    let gathered = t0.elapsed();
    // The answerer may check us before its answer reaches us, and start DTLS before our
    // nomination is through; webrtc drops both and the answerer waits for its own
    // retransmit (500 ms for aiortc). Hold them until the stack can take them.
    peer.hold_early_packets();
    let (answer, answered) = match post_and_apply(peer, post, t0).await {
        Ok(applied) => {
            peer.answer_applied();
            applied
        }
        Err(e) => {
            peer.release_early_packets();
            return Err(e);
        }
    };

    let mut early_tracks = Vec::new();
    // Any data-channel call wakes webrtc's driver, which flushes what its last pass of
    // events queued (the DCEP OPEN once SCTP is up); see NUDGE_EVERY.
    let mut nudge = tokio::time::interval(CLIENT_NUDGE_EVERY);
    nudge.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let opened = async {
        loop {
            tokio::select! {
                _ = nudge.tick() => {
                    let _ = dc.set_buffered_amount_low_threshold(0).await;
                }
                ev = dc.poll() => match ev {
                    Some(DataChannelEvent::OnOpen) => return Ok(()),
                    Some(DataChannelEvent::OnClose) | None => return Err(ConnectError::ClosedEarly),
                    _ => {}
                },
                ev = peer.events.recv() => match ev {
                    Some(PeerEvent::State(RTCPeerConnectionState::Failed)) => return Err(ConnectError::IceFailed),
                    Some(PeerEvent::State(_)) | Some(PeerEvent::DataChannel(_)) => {}
                    Some(PeerEvent::Track(t)) => early_tracks.push(t),
                    None => return Err(ConnectError::ClosedEarly),
                },
            }
        }
    };
    let opened = tokio::time::timeout(open_timeout, opened).await;
    peer.release_early_packets();
    match opened {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(e),
        Err(_) => return Err(ConnectError::OpenTimeout(open_timeout)),
    }
    let open_ms = t0.elapsed().as_secs_f64() * 1e3;
    let marks = peer.stage_marks();
    let since_t0 =
        |at: Option<Instant>| at.map(|at| at.saturating_duration_since(t0).as_secs_f64() * 1e3);
    let timings = ConnectTimings {
        gather_ms: gathered.as_secs_f64() * 1e3,
        signaling_ms: (answered - gathered).as_secs_f64() * 1e3,
        offer_to_open_ms: open_ms,
        ice_connected_ms: since_t0(marks.ice_connected),
        dtls_connected_ms: since_t0(marks.connected),
    };
    Ok((dc, audio, answer, timings, early_tracks))
}

#[cfg(test)]
mod tests {
    use super::no_usable_candidate;

    #[test]
    fn an_answer_needs_one_udp_candidate_with_an_address() {
        let udp = "v=0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host\r\n";
        assert_eq!(no_usable_candidate(udp), None);
        let why = no_usable_candidate("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n").unwrap();
        assert!(why.contains("no a=candidate"), "{why}");
        let tcp_and_mdns = "a=candidate:1 1 tcp 1 10.0.0.1 443 typ host tcptype passive\r\n\
                            a=candidate:2 1 udp 1 abc.local 5000 typ host\r\n";
        let why = no_usable_candidate(tcp_and_mdns).unwrap();
        assert_eq!(why, "only tcp 10.0.0.1, udp abc.local");
    }
}

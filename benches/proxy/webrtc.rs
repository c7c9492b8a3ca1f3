//! The cost of `rtconsole proxy` on WebRTC calls, each path measured directly and
//! through the proxy in the same run, interleaved so both see the same load:
//!
//! - data-channel messages and connect time against aiortc (PyPI), an answerer we did
//!   not write, which answers `{"type":"ping"}` with `{"type":"pong"}`;
//! - RTP against an echo answerer built here from rtconsole's peer setup, which sends
//!   every RTP packet back with its payload as it came (aiortc decodes and re-encodes
//!   audio, so a packet could not be matched with its echo). Each payload carries a
//!   counter, so every echo is matched with the moment its packet left.
//!
//! A round trip crosses the proxy twice, so the added latency is half the difference.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use rtc::rtp::{Header, Packet};
use rtconsole::audio::opus_codec::OpusEncoder;
use rtconsole::audio::FRAME;
use rtconsole::transport::channel_io::forward_messages;
use rtconsole::transport::connect::{connect, Connection};
use rtconsole::transport::proxy::{Proxy, ProxyConfig};
use rtconsole::transport::rtc_setup::{
    AudioSender, Peer, PeerEvent, PeerSettings, RTCSessionDescription, NUDGE_EVERY,
};
use rtconsole::transport::signaling::Signaling;
use webrtc::data_channel::DataChannelEvent;
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};

use super::aiortc::AiortcAnswerer;
use super::{ms, percentile};

const PINGS: usize = 1000;
const RTP_PACKETS: usize = 1000;
const CONNECTS: usize = 20;
const OPEN: Duration = Duration::from_secs(10);
const MAGIC: &[u8; 4] = b"RTCB";

pub async fn bench(sink: impl Fn(Proxy) -> Proxy) {
    let aiortc = match AiortcAnswerer::start(Duration::from_secs(30)).await {
        Ok(a) => a,
        Err(e) => {
            println!("proxy (WebRTC): skipped, {e}");
            return;
        }
    };
    let echo = echo_answerer().await;
    let via_aiortc = sink(start_proxy(&aiortc.base_url()).await);
    let via_echo = sink(start_proxy(&format!("http://{echo}/v1")).await);

    // Data-channel round trips, aiortc as the upstream.
    let mut direct = call(&aiortc.base_url()).await;
    let mut proxied = call(&via_aiortc.base_url()).await;
    let (mut d, mut p) = (Vec::new(), Vec::new());
    for i in 0..(PINGS + 100) {
        let a = ping(&mut direct).await;
        let b = ping(&mut proxied).await;
        if i >= 100 {
            d.push(a);
            p.push(b);
        }
    }
    report(
        "data-channel message (aiortc upstream)",
        &mut d,
        &mut p,
        "≤ 1 ms",
        "≤ 5 ms",
    );
    drop((direct, proxied));

    // RTP round trips, the echo answerer upstream.
    let (d, p) = rtp_round_trips(&format!("http://{echo}/v1"), &via_echo.base_url()).await;
    let (mut d, mut p) = (d, p);
    report("RTP packet (echo upstream)", &mut d, &mut p, "≤ 2 ms", "-");

    // Connect time: from the app's offer to its open data channel, and to the first
    // server event (through the proxy, the channel to the app can open before the
    // upstream's; the session starts when session.created arrives).
    let (mut d_open, mut p_open, mut d_first, mut p_first) = (vec![], vec![], vec![], vec![]);
    for _ in 0..CONNECTS {
        for (base, open, first) in [
            (aiortc.base_url(), &mut d_open, &mut d_first),
            (via_aiortc.base_url(), &mut p_open, &mut p_first),
        ] {
            let t = Instant::now();
            let mut c = call(&base).await;
            open.push(t.elapsed());
            first_message(&mut c).await;
            first.push(t.elapsed());
            let _ = c.conn.pc.close().await;
        }
    }
    for (what, d, p) in [
        ("open data channel", &mut d_open, &mut p_open),
        ("session.created", &mut d_first, &mut p_first),
    ] {
        let (d50, p50) = (percentile(d, 0.5), percentile(p, 0.5));
        println!(
            "  connect to aiortc ({CONNECTS} each, offer to {what})  direct median {}  through the proxy median {}  ratio {:.2}× (target ≤ 1.5×)",
            ms(d50),
            ms(p50),
            p50.as_secs_f64() / d50.as_secs_f64()
        );
    }
    via_aiortc.shutdown().await;
    via_echo.shutdown().await;
}

fn report(what: &str, d: &mut [Duration], p: &mut [Duration], t50: &str, t99: &str) {
    let (d50, d99) = (percentile(d, 0.50), percentile(d, 0.99));
    let (p50, p99) = (percentile(p, 0.50), percentile(p, 0.99));
    println!(
        "proxy (WebRTC): {} round trips of a {what}\n  round trip  direct median {} p99 {}   through the proxy median {} p99 {}",
        d.len(),
        ms(d50),
        ms(d99),
        ms(p50),
        ms(p99)
    );
    println!(
        "  added (one crossing)  median {} (target {t50})  p99 {} (target {t99})",
        ms(p50.saturating_sub(d50) / 2),
        ms(p99.saturating_sub(d99) / 2),
    );
}

async fn start_proxy(upstream: &str) -> Proxy {
    Proxy::start(ProxyConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        upstream: upstream.to_string(),
        open_timeout: OPEN,
    })
    .await
    .expect("the proxy starts")
}

struct Call {
    conn: Connection,
    msgs: tokio::sync::mpsc::UnboundedReceiver<Option<String>>,
}

async fn call(base: &str) -> Call {
    let signaling = Signaling::new(base);
    let conn = connect(&PeerSettings::loopback_offerer(), OPEN, |sdp| async move {
        signaling.post_offer("bench", &sdp).await
    })
    .await
    .expect("the call connects");
    let msgs = forward_messages(conn.dc.clone());
    Call { conn, msgs }
}

async fn first_message(call: &mut Call) {
    match tokio::time::timeout(OPEN, call.msgs.recv()).await {
        Ok(Some(Some(_))) => {}
        _ => panic!("no first server event"),
    }
}

async fn ping(call: &mut Call) -> Duration {
    let t = Instant::now();
    call.conn.dc.send_text(r#"{"type":"ping"}"#).await.unwrap();
    loop {
        match call.msgs.recv().await {
            Some(Some(m)) if m.contains("pong") => return t.elapsed(),
            Some(Some(_)) => {}
            _ => panic!("the channel closed"),
        }
    }
}

/// Sends numbered RTP packets every 20 ms on both calls and times each echo.
async fn rtp_round_trips(direct: &str, proxied: &str) -> (Vec<Duration>, Vec<Duration>) {
    let mut a = call(direct).await;
    let mut b = call(proxied).await;
    let (ta, tb) = (echo_timer(&mut a).await, echo_timer(&mut b).await);
    let (mut sa, mut sb) = (a.conn.audio, b.conn.audio);
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    for n in 0..(RTP_PACKETS + 50) as u64 {
        tick.tick().await;
        for (sender, timer) in [(&mut sa, &ta), (&mut sb, &tb)] {
            let mut payload = MAGIC.to_vec();
            payload.extend_from_slice(&n.to_be_bytes());
            payload.resize(80, 0);
            timer.sent.lock().unwrap().insert(n, Instant::now());
            let packet = Packet {
                header: Header {
                    version: 2,
                    sequence_number: n as u16,
                    timestamp: (n as u32).wrapping_mul(960),
                    ..Header::default()
                },
                payload: Bytes::from(payload),
            };
            sender.send_rtp(packet).await.unwrap();
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let keep = |t: &EchoTimer| {
        let got = t.got.lock().unwrap();
        got.iter()
            .filter(|(n, _)| *n >= 50)
            .map(|(_, d)| *d)
            .collect::<Vec<_>>()
    };
    let out = (keep(&ta), keep(&tb));
    let _ = a.conn.pc.close().await;
    let _ = b.conn.pc.close().await;
    out
}

struct EchoTimer {
    sent: Arc<Mutex<HashMap<u64, Instant>>>,
    got: Arc<Mutex<Vec<(u64, Duration)>>>,
}

async fn echo_timer(call: &mut Call) -> EchoTimer {
    let timer = EchoTimer {
        sent: Arc::default(),
        got: Arc::default(),
    };
    let (sent, got) = (timer.sent.clone(), timer.got.clone());
    let track = remote_track(call).await;
    tokio::spawn(async move {
        while let Some(ev) = track.poll().await {
            let TrackRemoteEvent::OnRtpPacket(p) = ev else {
                continue;
            };
            if p.payload.len() >= 12 && &p.payload[..4] == MAGIC {
                let n = u64::from_be_bytes(p.payload[4..12].try_into().unwrap());
                if let Some(at) = sent.lock().unwrap().remove(&n) {
                    got.lock().unwrap().push((n, at.elapsed()));
                }
            }
        }
    });
    timer
}

/// The answerer's audio track: announced before the channel opened, or since.
async fn remote_track(call: &mut Call) -> Arc<dyn TrackRemote> {
    if let Some(t) = call.conn.early_tracks.pop() {
        return t;
    }
    loop {
        match tokio::time::timeout(OPEN, call.conn.events.recv()).await {
            Ok(Some(PeerEvent::Track(t))) => return t,
            Ok(Some(_)) => {}
            _ => panic!("the answerer announced no audio track"),
        }
    }
}

/// An answerer that sends back every data-channel message and every RTP packet.
async fn echo_answerer() -> std::net::SocketAddr {
    let app = Router::new().route("/v1/realtime/calls", post(echo_call));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

async fn echo_call(body: Bytes) -> axum::response::Response {
    let mut peer = Peer::build(&PeerSettings::loopback_answerer())
        .await
        .unwrap();
    let mut audio = AudioSender::add_to(&peer.pc, rand::random()).await.unwrap();
    let offer = RTCSessionDescription::offer(String::from_utf8_lossy(&body).into_owned()).unwrap();
    peer.pc.set_remote_description(offer).await.unwrap();
    let answer = peer.pc.create_answer(None).await.unwrap();
    peer.pc.set_local_description(answer).await.unwrap();
    peer.gathered(Duration::from_secs(2)).await.unwrap();
    let sdp = peer.pc.local_description().await.unwrap().sdp;
    tokio::spawn(async move {
        let silence = OpusEncoder::new().unwrap().encode(&[0i16; FRAME]).unwrap();
        let mut nudge = tokio::time::interval(NUDGE_EVERY);
        let mut open = false;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Packet>();
        // One sequence for the silence and the echoes: SRTP's replay window drops
        // packets numbered far behind the newest one seen.
        let mut seq: u16 = 0;
        let mut numbered = move |mut p: Packet| {
            seq = seq.wrapping_add(1);
            p.header.sequence_number = seq;
            p.header.timestamp = u32::from(seq).wrapping_mul(960);
            p
        };
        loop {
            tokio::select! {
                _ = nudge.tick(), if !open => {
                    let p = Packet { header: Header { version: 2, ..Header::default() }, payload: Bytes::from(silence.clone()) };
                    let _ = audio.send_rtp(numbered(p)).await;
                }
                Some(p) = rx.recv() => { let _ = audio.send_rtp(numbered(p)).await; }
                ev = peer.events.recv() => match ev {
                    Some(PeerEvent::DataChannel(dc)) => {
                        open = true;
                        tokio::spawn(async move {
                            while let Some(ev) = dc.poll().await {
                                if let DataChannelEvent::OnMessage(m) = ev {
                                    let text = String::from_utf8_lossy(&m.data).into_owned();
                                    let _ = dc.send_text(&text.replace("ping", "pong")).await;
                                }
                            }
                        });
                    }
                    Some(PeerEvent::Track(track)) => {
                        let tx = tx.clone();
                        tokio::spawn(async move {
                            while let Some(ev) = track.poll().await {
                                if let TrackRemoteEvent::OnRtpPacket(p) = ev {
                                    let _ = tx.send(p);
                                }
                            }
                        });
                    }
                    Some(PeerEvent::State(_)) => {}
                    None => return,
                },
            }
        }
    });
    (
        StatusCode::CREATED,
        [
            (header::CONTENT_TYPE, "application/sdp".to_string()),
            (
                header::LOCATION,
                format!("/v1/realtime/calls/rtc_echo{}", rand::random::<u32>()),
            ),
        ],
        sdp,
    )
        .into_response()
}

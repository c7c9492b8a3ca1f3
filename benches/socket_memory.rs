//! One hour of a WebSocket session with audio both ways, at an accelerated pace,
//! through the real link, the core and the recorder: a local socket server sends a
//! 10-second spoken answer (250 `response.output_audio.delta`s of 40 ms) every 10
//! simulated seconds while the microphone streams a tone as `input_audio_buffer.append`s
//! all along. Prints RSS at each simulated 10 minutes. Target: under 100 MB after the
//! hour (without the audio spool the base64 alone would be ~460 MB).
//!
//! Not a criterion bench: the point is a trend over one long run.

#[path = "support/rss.rs"]
mod rss;
use rss::rss_mb;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use rtconsole::audio::opus_codec::OpusEncoder;
use rtconsole::cli::ConnectArgs;
use rtconsole::protocol::Dialect;
use rtconsole::recording::{Header, SessionRecorder};
use rtconsole::session::{Input, Session, SessionOptions};
use rtconsole::transport::link::{
    AudioPort, Clock, Link, LinkEvent, LinkOptions, Playback, Transport,
};
use serde_json::json;
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

/// Simulated seconds per real second.
const SPEED: u32 = 60;
const MINUTES: u64 = 60;
const ANSWER_S: u64 = 10;
const DELTA_MS: u64 = 40;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    connect: ConnectArgs,
}

struct Sink(AtomicU64);
impl Playback for Sink {
    fn push_rtp(&self, _seq: u16, _payload: &[u8]) -> bool {
        self.0.fetch_add(1, Ordering::Relaxed);
        true
    }
}

/// The server: session.created, then an answer every ANSWER_S simulated seconds;
/// what the client appends is read and dropped.
async fn server(listener: TcpListener) {
    let (tcp, _) = listener.accept().await.unwrap();
    let ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
    let (mut tx, mut rx) = ws.split();
    tokio::spawn(async move { while let Some(Ok(_)) = rx.next().await {} });
    let send = |v: serde_json::Value| Message::text(v.to_string());
    tx.send(send(json!({"type": "session.created", "event_id": "e0",
        "session": {"type": "realtime", "model": "gpt-realtime"}})))
        .await
        .unwrap();
    let tone: Vec<u8> = (0..DELTA_MS as usize * 24)
        .flat_map(|i| (((i as f32 * 0.11).sin() * 6000.0) as i16).to_le_bytes())
        .collect();
    let delta = B64.encode(&tone);
    for n in 0..MINUTES * 60 / ANSWER_S {
        let (rid, iid) = (format!("resp_{n}"), format!("item_{n}"));
        tx.send(send(json!({"type": "response.created", "event_id": format!("c{n}"),
            "response": {"id": rid, "object": "realtime.response", "status": "in_progress", "output": []}})))
            .await
            .unwrap();
        for k in 0..ANSWER_S * 1000 / DELTA_MS {
            let ev = json!({"type": "response.output_audio.delta", "event_id": format!("d{n}_{k}"),
                "response_id": rid, "item_id": iid, "output_index": 0, "content_index": 0, "delta": delta});
            tx.send(send(ev)).await.unwrap();
        }
        tx.send(send(
            json!({"type": "response.output_audio.done", "event_id": format!("a{n}"),
            "response_id": rid, "item_id": iid, "output_index": 0, "content_index": 0}),
        ))
        .await
        .unwrap();
        tx.send(send(json!({"type": "response.done", "event_id": format!("r{n}"),
            "response": {"id": rid, "object": "realtime.response", "status": "completed", "output": []}})))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(ANSWER_S * 1000 / u64::from(SPEED))).await;
    }
    std::future::pending::<()>().await;
}

/// The microphone: a tone, one 20 ms Opus packet at a time, SPEED times real time.
async fn microphone(tx: tokio::sync::mpsc::Sender<Vec<u8>>) {
    let mut enc = OpusEncoder::new().unwrap();
    let frame: Vec<i16> = (0..960)
        .map(|i| (((i as f32) * 0.06).sin() * 8000.0) as i16)
        .collect();
    let packet = enc.encode(&frame).unwrap();
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    // One tick more than the hour: the resampler holds back a few ms, and the last
    // append must still cross the hour mark.
    for _ in 0..=MINUTES * 60 * 50 / u64::from(SPEED) {
        tick.tick().await;
        for _ in 0..SPEED {
            if tx.send(packet.clone()).await.is_err() {
                return;
            }
        }
    }
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run());
}

async fn run() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(server(listener));
    std::env::set_var("RTCONSOLE_BENCH_KEY", "sk-bench-not-a-key");
    let base = format!("http://127.0.0.1:{port}/v1");
    let connect = Args::parse_from([
        "bench",
        "--base-url",
        &base,
        "--api-key-env",
        "RTCONSOLE_BENCH_KEY",
    ])
    .connect;
    let options = LinkOptions {
        transport: Transport::WebSocket,
        connect,
        token_url: None,
        dialect: Dialect::Ga,
        session: json!({"type": "realtime", "model": "gpt-realtime"}),
        script_scenario: None,
        playout_speed: SPEED,
        shared_mock: None,
    };
    let (mic_tx, mic_rx) = tokio::sync::mpsc::channel(64);
    let sink = Arc::new(Sink(AtomicU64::new(0)));
    let port = AudioPort {
        packets: mic_rx,
        playback: sink.clone(),
    };
    let dir = tempfile::tempdir().unwrap();
    let rec_path = dir.path().join("hour.jsonl");
    let mut recorder =
        SessionRecorder::create(&rec_path, Header::new(SystemTime::now(), Dialect::Ga)).unwrap();
    let (link, mut events) = Link::start(Clock::start(), options, Some(port));
    tokio::spawn(microphone(mic_tx));
    let mut session = Session::new(SessionOptions::default());
    println!(
        "socket memory: {MINUTES} simulated minutes at {SPEED}× real time; RSS at start {:.1} MB",
        rss_mb()
    );
    let started = Instant::now();
    let (mut deltas, mut appends, mut inputs) = (0u64, 0u64, 0u64);
    let mut next_report = 10;
    while let Some(ev) = events.recv().await {
        let LinkEvent::Input(input) = ev else {
            continue;
        };
        match &input {
            Input::Server { raw, .. } if raw.contains("output_audio.delta") => deltas += 1,
            Input::Sent { .. } => appends += 1,
            _ => {}
        }
        inputs += 1;
        for fx in session.handle(input) {
            link.execute(fx).await;
        }
        if inputs % 256 == 0 {
            recorder.sync(&session).unwrap();
        }
        // Both ways must have reached the mark: the slower one sets the pace.
        let minutes = (deltas * DELTA_MS / 60_000).min(appends * 40 / 60_000);
        if minutes >= next_report {
            recorder.sync(&session).unwrap();
            println!(
                "  {minutes:>2} min: RSS {:>6.1} MB · {} events in the log · {deltas} deltas, {appends} appends · {} frames played · {:.1} s real",
                rss_mb(),
                session.log().len(),
                sink.0.load(Ordering::Relaxed),
                started.elapsed().as_secs_f64()
            );
            next_report += 10;
            if minutes >= MINUTES {
                break;
            }
        }
    }
    let rec_mb = std::fs::metadata(&rec_path).map_or(0, |m| m.len()) as f64 / 1e6;
    println!(
        "after the hour: RSS {:.1} MB (target < 100 MB); the recording holds {rec_mb:.0} MB with the audio inline",
        rss_mb()
    );
    link.close("bench done").await;
}

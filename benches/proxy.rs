//! The cost of `rtconsole proxy` on a WebSocket session: the added latency per
//! message and the added connect time, against a WebSocket echo server on
//! loopback, reached directly and through the proxy in the same run.
//!
//! Each round trip crosses the proxy twice (app → API and API → app), so the added
//! latency per message is half the difference of the round trips. The proxy's
//! events are formatted as `--headless` prints them (into a sink), so the cost of
//! the JSONL output is included. Targets (#13): ≤ 1 ms median, ≤ 5 ms p99 added;
//! connect through the proxy ≤ 1.5× direct.

use std::io;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use rtconsole::commands::proxy::output::ProxyOutput;
use rtconsole::protocol::Dialect;
use rtconsole::transport::proxy::{Proxy, ProxyConfig};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

#[path = "../tests/support/aiortc.rs"]
mod aiortc;
#[path = "proxy/webrtc.rs"]
mod webrtc;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const WARMUP: usize = 200;
const MESSAGES: usize = 3000;
const CONNECTS: usize = 100;
/// A remote server's handshake: one TLS and HTTP round trip to a nearby region.
const FAR_HANDSHAKE: Duration = Duration::from_millis(20);

/// A realistic server event: a text delta, the most frequent event of a turn.
const EVENT: &str = r#"{"type":"response.output_text.delta","event_id":"event_BpIq6fVkOSXoHfsp3tv0v","response_id":"resp_BpIq5oDBm8QGZrJnd3Gr4","item_id":"item_BpIq5pZ6jP9QhFeR5GJvS","output_index":0,"content_index":0,"delta":"The proxy relays this frame as it is."}"#;

fn main() {
    // `cargo test --benches` runs this binary too; measure only under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(bench());
}

async fn bench() {
    let echo = echo_server(Duration::ZERO).await;
    let proxy = Proxy::start(ProxyConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        upstream: format!("http://{echo}/v1"),
        open_timeout: Duration::from_secs(5),
    })
    .await
    .expect("the proxy starts");
    let proxy = with_output(proxy);
    let direct_url = format!("ws://{echo}/v1/realtime?model=gpt-realtime");
    let proxied_url = format!("ws://{}/v1/realtime?model=gpt-realtime", proxy.addr());

    let mut direct = connect(&direct_url).await;
    let mut proxied = connect(&proxied_url).await;
    for _ in 0..WARMUP {
        round_trip(&mut direct).await;
        round_trip(&mut proxied).await;
    }
    // Interleaved, so both paths see the same machine load.
    let mut d = Vec::with_capacity(MESSAGES);
    let mut p = Vec::with_capacity(MESSAGES);
    for _ in 0..MESSAGES {
        d.push(round_trip(&mut direct).await);
        p.push(round_trip(&mut proxied).await);
    }
    let (d50, d99) = (percentile(&mut d, 0.50), percentile(&mut d, 0.99));
    let (p50, p99) = (percentile(&mut p, 0.50), percentile(&mut p, 0.99));
    println!(
        "proxy: {MESSAGES} round trips of a {}-byte text frame on loopback",
        EVENT.len()
    );
    println!(
        "  round trip  direct median {} p99 {}   through the proxy median {} p99 {}",
        ms(d50),
        ms(d99),
        ms(p50),
        ms(p99)
    );
    let added50 = p50.saturating_sub(d50) / 2;
    let added99 = p99.saturating_sub(d99) / 2;
    println!(
        "  added per message (one crossing)  median {} (target ≤ 1 ms)  p99 {} (target ≤ 5 ms)  round-trip ratio {:.2}× median",
        ms(added50),
        ms(added99),
        p50.as_secs_f64() / d50.as_secs_f64()
    );

    connect_ratio("an echo server on loopback", &direct_url, &proxied_url).await;
    // The proxy opens the upstream before it accepts the app, so on loopback a
    // connect through it is two handshakes for one. Across a network the upstream's
    // own handshake dominates both.
    let far = echo_server(FAR_HANDSHAKE).await;
    let far_proxy = with_output(
        Proxy::start(ProxyConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            upstream: format!("http://{far}/v1"),
            open_timeout: Duration::from_secs(5),
        })
        .await
        .expect("the proxy starts"),
    );
    connect_ratio(
        &format!("an echo server that accepts after {FAR_HANDSHAKE:?}"),
        &format!("ws://{far}/v1/realtime?model=gpt-realtime"),
        &format!("ws://{}/v1/realtime?model=gpt-realtime", far_proxy.addr()),
    )
    .await;
    far_proxy.shutdown().await;
    proxy.shutdown().await;
    webrtc::bench(with_output).await;
}

async fn connect_ratio(upstream: &str, direct_url: &str, proxied_url: &str) {
    let mut dc = Vec::with_capacity(CONNECTS);
    let mut pc = Vec::with_capacity(CONNECTS);
    for _ in 0..CONNECTS {
        let t = Instant::now();
        let s = connect(direct_url).await;
        dc.push(t.elapsed());
        drop(s);
        let t = Instant::now();
        let s = connect(proxied_url).await;
        pc.push(t.elapsed());
        drop(s);
    }
    let (dc50, pc50) = (percentile(&mut dc, 0.5), percentile(&mut pc, 0.5));
    println!(
        "  connect to {upstream} ({CONNECTS} each)  direct median {}  through the proxy median {}  ratio {:.2}× (target ≤ 1.5×)",
        ms(dc50),
        ms(pc50),
        pc50.as_secs_f64() / dc50.as_secs_f64()
    );
}

/// Formats the proxy's events as `--headless` prints them, into a sink, so the cost
/// of the JSONL output is in every figure.
fn with_output(mut proxy: Proxy) -> Proxy {
    let mut events = proxy.take_events().unwrap();
    tokio::spawn(async move {
        let mut out = ProxyOutput::new(io::sink(), "bench", Dialect::Ga, None);
        while let Some(e) = events.recv().await {
            let _ = out.handle(&e);
        }
    });
    proxy
}

/// A WebSocket server that sends every text frame back, accepting each handshake
/// after `delay` (a server across a network, rather than on loopback).
async fn echo_server(delay: Duration) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            tcp.set_nodelay(true).ok();
            tokio::spawn(async move {
                // Even a zero sleep waits for the timer wheel (about 1 ms).
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
                    return;
                };
                while let Some(Ok(msg)) = ws.next().await {
                    if msg.is_text() && ws.send(msg).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

async fn connect(url: &str) -> Socket {
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "Authorization",
        "Bearer sk-bench-not-a-key".parse().unwrap(),
    );
    let (socket, _) = tokio_tungstenite::connect_async_with_config(request, None, true)
        .await
        .expect("connects");
    socket
}

async fn round_trip(socket: &mut Socket) -> Duration {
    let t = Instant::now();
    socket.send(Message::text(EVENT)).await.unwrap();
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(_))) => return t.elapsed(),
            Some(Ok(_)) => continue,
            other => panic!("the echo ended: {other:?}"),
        }
    }
}

fn percentile(samples: &mut [Duration], q: f64) -> Duration {
    samples.sort_unstable();
    let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
    samples[i]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

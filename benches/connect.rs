//! Connect time — `createOffer` to the data channel's `open` — of rtconsole's WebRTC
//! client and of headless Chromium against the same mock, 20 runs each, in one run.
//! Prints both medians and their ratio. Target: rtconsole ≤ 0.5× Chromium.
//!
//! Not a criterion bench: a browser cannot be put in criterion's loop, and the point
//! is the ratio of two medians measured side by side.

#[path = "../tests/support/chromium.rs"]
mod chromium;

use std::time::Duration;

use rtconsole::mock::{MockConfig, MockServer};
use rtconsole::transport::connect::{connect, DEFAULT_OPEN_TIMEOUT};
use rtconsole::transport::rtc_setup::PeerSettings;
use rtconsole::transport::signaling::Signaling;

const RUNS: usize = 20;

fn main() {
    // `cargo test --benches` runs this binary too; measure only under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let server = MockServer::start(MockConfig::default())
            .await
            .expect("mock");
        let signaling = Signaling::new(&server.base_url());
        let mut ours = Vec::new();
        for _ in 0..RUNS {
            let secret = signaling
                .mint_secret(server.key(), None)
                .await
                .expect("secret");
            let conn = connect(
                &PeerSettings::loopback_offerer(),
                DEFAULT_OPEN_TIMEOUT,
                |sdp| {
                    let signaling = &signaling;
                    async move { signaling.post_offer(&secret.value, &sdp).await }
                },
            )
            .await
            .expect("connect");
            ours.push(conn.timings.offer_to_open_ms);
            let _ = conn.pc.close().await;
        }
        let report = chromium::run_page(
            &server.base_url(),
            server.key(),
            RUNS,
            false,
            Duration::from_secs(120),
        )
        .await;
        server.shutdown().await;
        assert_eq!(report["ok"], true, "Chromium page failed: {report}");
        let theirs: Vec<f64> = report["runs"]
            .as_array()
            .expect("runs")
            .iter()
            .map(|r| r["connectMs"].as_f64().expect("connectMs"))
            .collect();
        let (a, b) = (
            chromium::median(ours.clone()),
            chromium::median(theirs.clone()),
        );
        println!("connect (createOffer → data channel open), {RUNS} runs each, same mock:");
        println!(
            "  rtconsole median {a:.1} ms  (min {:.1}, max {:.1})",
            min(&ours),
            max(&ours)
        );
        println!(
            "  chromium  median {b:.1} ms  (min {:.1}, max {:.1})",
            min(&theirs),
            max(&theirs)
        );
        println!("  ratio rtconsole/chromium = {:.2} (target ≤ 0.5)", a / b);
    });
}

fn min(xs: &[f64]) -> f64 {
    xs.iter().copied().fold(f64::INFINITY, f64::min)
}

fn max(xs: &[f64]) -> f64 {
    xs.iter().copied().fold(0.0, f64::max)
}

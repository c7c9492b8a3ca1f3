//! Connect time — `createOffer` to the data channel's `open` — of rtconsole's WebRTC
//! client and of headless Chromium as the offerer, against the same answerer in the same
//! run, 20 connects each, for every answerer: our mock, aiortc (PyPI) and headless
//! Chromium acting as the answerer. Prints median, p95 and worst of both, their ratio,
//! and the steps of rtconsole's connect (and Chromium's, from its state events).
//! Target: rtconsole's median ≤ 0.5× Chromium's, and its worst below Chromium's median.
//!
//! `cargo bench --bench connect` runs all answerers; `-- mock aiortc aiortc-passive
//! chromium` picks some (`aiortc-passive` answers `a=setup:passive`, so rtconsole is the
//! DTLS client there).
//!
//! Not a criterion bench: a browser cannot be put in criterion's loop, and the point
//! is the ratio of two medians measured side by side.

#[path = "../tests/support/aiortc.rs"]
mod aiortc;
#[path = "../tests/support/chromium.rs"]
mod chromium;
#[path = "../tests/support/chromium_answerer.rs"]
mod chromium_answerer;

use std::time::Duration;

use rtconsole::mock::{MockConfig, MockServer};
use rtconsole::transport::connect::{connect, ConnectTimings};
use rtconsole::transport::rtc_setup::PeerSettings;
use rtconsole::transport::signaling::Signaling;
use serde_json::Value;

const RUNS: usize = 20;
const OPEN_TIMEOUT: Duration = Duration::from_secs(5);
const NAMES: [&str; 4] = ["mock", "aiortc", "aiortc-passive", "chromium"];

fn main() {
    // `cargo test --benches` runs this binary too; measure only under `cargo bench`.
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--bench") {
        return;
    }
    let picked: Vec<&str> = NAMES
        .into_iter()
        .filter(|n| args.iter().any(|a| a == n))
        .collect();
    let picked = if picked.is_empty() {
        NAMES.to_vec()
    } else {
        picked
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        println!(
            "connect: createOffer → data channel open, {RUNS} connects each, rtconsole and \
             headless Chromium (offerer) against the same answerer in one run; times in ms"
        );
        let mut summary = Vec::new();
        for name in picked {
            match measure(name).await {
                Ok(row) => {
                    row.print();
                    summary.push(row);
                }
                Err(e) => println!("\n[{name}] SKIPPED: {e}"),
            }
        }
        println!("\nsummary (median ms, rtconsole / chromium = ratio; worst rtconsole vs chromium median)");
        for r in &summary {
            let (a, b) = (r.ours_open().median(), r.theirs_open().median());
            println!(
                "  {:<34} {a:7.1} / {b:7.1} = {:.2} {}   worst {:7.1} {} {b:.1}",
                r.name,
                a / b,
                if a / b <= 0.5 { "ok " } else { "MISS" },
                r.ours_open().worst(),
                if r.ours_open().worst() < b { "<" } else { "≥ (MISS)" },
            );
        }
    });
}

struct Row {
    name: String,
    ours: Vec<ConnectTimings>,
    failures: Vec<String>,
    setup: Option<String>,
    theirs: Vec<Value>,
}

async fn measure(name: &str) -> Result<Row, String> {
    match name {
        "mock" => {
            let server = MockServer::start(MockConfig::default())
                .await
                .map_err(|e| e.to_string())?;
            let base = server.base_url();
            let key = server.key().to_string();
            let mut row = ours("our mock (rtconsole's answerer)", &base, Some(&key)).await;
            row.theirs = theirs(&base, Some(&key)).await;
            server.shutdown().await;
            Ok(row)
        }
        "aiortc" | "aiortc-passive" => {
            let (setup, label) = if name == "aiortc" {
                (aiortc::Setup::Active, "aiortc (PyPI) answerer")
            } else {
                (
                    aiortc::Setup::Passive,
                    "aiortc answerer, a=setup:passive (we are DTLS client)",
                )
            };
            let peer = aiortc::AiortcAnswerer::start_with(setup, Duration::from_secs(20)).await?;
            let base = peer.base_url();
            let mut row = ours(label, &base, None).await;
            row.theirs = theirs(&base, None).await;
            peer.stop().await;
            Ok(row)
        }
        "chromium" => {
            let peer = chromium_answerer::ChromiumAnswerer::start(Duration::from_secs(30)).await;
            let base = peer.base_url();
            let mut row = ours("headless Chromium answerer", &base, None).await;
            row.theirs = theirs(&base, None).await;
            peer.stop().await;
            Ok(row)
        }
        other => Err(format!("unknown answerer {other}")),
    }
}

/// rtconsole's connects: the mock wants a client secret (minted before the clock
/// starts, as a client does); the others take any bearer.
async fn ours(name: &str, base: &str, key: Option<&str>) -> Row {
    let signaling = Signaling::new(base);
    let mut row = Row {
        name: name.to_string(),
        ours: Vec::new(),
        failures: Vec::new(),
        setup: None,
        theirs: Vec::new(),
    };
    for _ in 0..RUNS {
        let bearer = match key {
            Some(key) => match signaling.mint_secret(key, None).await {
                Ok(s) => s.value,
                Err(e) => {
                    row.failures.push(e.to_string());
                    continue;
                }
            },
            None => "none".to_string(),
        };
        let result = connect(&PeerSettings::loopback_offerer(), OPEN_TIMEOUT, |sdp| {
            let signaling = &signaling;
            async move { signaling.post_offer(&bearer, &sdp).await }
        })
        .await;
        match result {
            Ok(conn) => {
                row.ours.push(conn.timings);
                row.setup = conn.answer_setup.clone();
                let _ = tokio::time::timeout(Duration::from_secs(2), conn.pc.close()).await;
            }
            Err(e) => row.failures.push(e.to_string()),
        }
    }
    row
}

/// Chromium's connects, one page in one browser; a failed connect is kept with its error.
async fn theirs(base: &str, key: Option<&str>) -> Vec<Value> {
    let report = chromium::run_page_with(base, key, RUNS, false, Duration::from_secs(300)).await;
    match report["runs"].as_array() {
        Some(runs) => runs.clone(),
        None => panic!("Chromium page failed: {report}"),
    }
}

impl Row {
    fn ours_open(&self) -> Stats {
        Stats::of(self.ours.iter().map(|t| t.offer_to_open_ms))
    }

    fn theirs_open(&self) -> Stats {
        Stats::of(self.theirs.iter().filter_map(|r| r["connectMs"].as_f64()))
    }

    fn print(&self) {
        let (a, b) = (self.ours_open(), self.theirs_open());
        println!("\n[{}]", self.name);
        println!("               median     p95   worst    best   n");
        println!("  rtconsole  {}", a.line());
        println!("  chromium   {}", b.line());
        let ratio = a.median() / b.median();
        println!(
            "  ratio rtconsole/chromium (medians) = {ratio:.2} (target ≤ 0.5: {}); rtconsole worst {:.1} vs chromium median {:.1}: {}",
            if ratio <= 0.5 { "met" } else { "MISSED" },
            a.worst(),
            b.median(),
            if a.worst() < b.median() { "below, met" } else { "NOT below" },
        );
        let med = |f: &dyn Fn(&ConnectTimings) -> Option<f64>| {
            Stats::of(self.ours.iter().filter_map(f)).median()
        };
        println!(
            "  rtconsole steps (medians, ms since createOffer): gathered {:.1} | answer back {:.1} | ICE connected {:.1} | DTLS done {:.1} | open {:.1}   (answer a=setup:{})",
            med(&|t| Some(t.gather_ms)),
            med(&|t| Some(t.gather_ms + t.signaling_ms)),
            med(&|t| t.ice_connected_ms),
            med(&|t| t.dtls_connected_ms),
            a.median(),
            self.setup.as_deref().unwrap_or("?"),
        );
        println!(
            "  rtconsole steps (worst): answer back {:.1} | ICE connected {:.1} | DTLS done {:.1} | open {:.1}",
            Stats::of(self.ours.iter().map(|t| t.gather_ms + t.signaling_ms)).worst(),
            Stats::of(self.ours.iter().filter_map(|t| t.ice_connected_ms)).worst(),
            Stats::of(self.ours.iter().filter_map(|t| t.dtls_connected_ms)).worst(),
            a.worst(),
        );
        let theirs = |k: &str| Stats::of(self.theirs.iter().filter_map(|r| r[k].as_f64())).median();
        println!(
            "  chromium steps  (medians, ms since createOffer): answer back {:.1} | ICE connected {:.1} | DTLS done {:.1} | open {:.1}",
            theirs("answerMs"),
            theirs("iceMs"),
            theirs("dtlsMs"),
            b.median(),
        );
        // The answerer's own answer time is paid by both offerers alike; what follows it
        // is the offerer's part of the connect.
        let ours_after = Stats::of(
            self.ours
                .iter()
                .map(|t| t.offer_to_open_ms - t.gather_ms - t.signaling_ms),
        );
        let theirs_after = Stats::of(
            self.theirs
                .iter()
                .filter_map(|r| Some(r["connectMs"].as_f64()? - r["answerMs"].as_f64()?)),
        );
        println!(
            "  after the answer arrived: rtconsole median {:.1} worst {:.1} | chromium median {:.1} worst {:.1}",
            ours_after.median(),
            ours_after.worst(),
            theirs_after.median(),
            theirs_after.worst(),
        );
        let theirs_failed: Vec<&str> = self
            .theirs
            .iter()
            .filter_map(|r| r["error"].as_str())
            .collect();
        if !theirs_failed.is_empty() {
            println!(
                "  chromium FAILED {} of {RUNS}: {}",
                theirs_failed.len(),
                theirs_failed[0]
            );
        }
        if !self.failures.is_empty() {
            println!(
                "  rtconsole FAILED {} of {RUNS}: {}",
                self.failures.len(),
                self.failures[0]
            );
        }
    }
}

struct Stats(Vec<f64>);

impl Stats {
    fn of(xs: impl Iterator<Item = f64>) -> Stats {
        let mut v: Vec<f64> = xs.collect();
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        Stats(v)
    }

    fn median(&self) -> f64 {
        chromium::median(self.0.clone())
    }

    /// Nearest rank: the 19th of 20.
    fn p95(&self) -> f64 {
        let n = self.0.len();
        if n == 0 {
            return f64::NAN;
        }
        self.0[((n as f64 * 0.95).ceil() as usize).clamp(1, n) - 1]
    }

    fn worst(&self) -> f64 {
        self.0.last().copied().unwrap_or(f64::NAN)
    }

    fn line(&self) -> String {
        format!(
            "{:7.1} {:7.1} {:7.1} {:7.1} {:3}",
            self.median(),
            self.p95(),
            self.worst(),
            self.0.first().copied().unwrap_or(f64::NAN),
            self.0.len()
        )
    }
}

//! Decode + handle of 100k realistic server events against parsing the same texts
//! into `serde_json::Value`. Target: ratio ≤ 2.0.
//!
//! The events are the session sequences of protocol.md §6 (text turn, voice turn,
//! function call round trip, barge-in) from `tests/fixtures/sequences`, repeated
//! with fresh ids so the conversation keeps growing as a real long session does.
//! Both sides get owned texts and keep their results, so neither pays for drops
//! inside the timed region. The ratio is printed from the timings criterion took
//! in this run.

use std::hint::black_box;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};
use rtconsole::session::{Input, Session, SessionOptions};
use serde_json::Value;

const EVENTS: usize = 100_000;

fn corpus() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sequences");
    let mut turns = Vec::new();
    for name in [
        "text_turn.jsonl",
        "voice_turn.jsonl",
        "function_call.jsonl",
        "barge_in.jsonl",
    ] {
        let text = std::fs::read_to_string(format!("{dir}/{name}")).expect("sequence fixture");
        let events: Vec<String> = text
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["dir"] == "server" && v["event"]["type"] != "session.created")
            .map(|v| v["event"].to_string())
            .collect();
        turns.push(events);
    }
    let mut out = Vec::with_capacity(EVENTS);
    let mut rep = 0usize;
    while out.len() < EVENTS {
        for turn in &turns {
            for e in turn {
                if out.len() == EVENTS {
                    break;
                }
                out.push(
                    e.replace("\"item_", &format!("\"item_{rep}x"))
                        .replace("\"resp_", &format!("\"resp_{rep}x"))
                        .replace("\"call_", &format!("\"call_{rep}x")),
                );
            }
        }
        rep += 1;
    }
    out
}

/// (iterations, elapsed) per benchmark, as criterion drove them.
static TIMES: Mutex<Vec<(&'static str, u64, Duration)>> = Mutex::new(Vec::new());

fn record(name: &'static str, iters: u64, elapsed: Duration) -> Duration {
    TIMES.lock().unwrap().push((name, iters, elapsed));
    elapsed
}

fn bench(c: &mut Criterion) {
    let texts = corpus();
    let bytes: usize = texts.iter().map(String::len).sum();
    eprintln!(
        "corpus: {} events, {:.1} MB",
        texts.len(),
        bytes as f64 / 1e6
    );
    let mut g = c.benchmark_group("core_100k_events");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("serde_json_value", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let owned = texts.clone();
                let t0 = Instant::now();
                let values: Vec<Value> = owned
                    .iter()
                    .map(|t| serde_json::from_str(t).unwrap())
                    .collect();
                total += t0.elapsed();
                black_box(&values);
                drop((owned, values));
            }
            record("value", iters, total)
        })
    });
    g.bench_function("decode_and_handle", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let owned = texts.clone();
                let mut session = Session::new(SessionOptions::default());
                let t0 = Instant::now();
                for (i, raw) in owned.into_iter().enumerate() {
                    black_box(session.handle(Input::Server {
                        at_ms: i as u64,
                        raw,
                    }));
                }
                total += t0.elapsed();
                black_box(session.log().len());
                drop(session);
            }
            record("core", iters, total)
        })
    });
    g.finish();
}

fn report() {
    let times = TIMES.lock().unwrap();
    let per = |name: &str| {
        let (n, t) = times
            .iter()
            .filter(|(k, _, _)| *k == name)
            .fold((0u64, Duration::ZERO), |(n, t), (_, i, d)| (n + i, t + *d));
        (n > 0).then(|| t.as_secs_f64() / n as f64)
    };
    if let (Some(core), Some(value)) = (per("core"), per("value")) {
        let ratio = core / value;
        println!(
            "\ncore ratio: decode+handle {:.1} ms vs serde_json::Value {:.1} ms per 100k events = {ratio:.2}x (target <= 2.00x) {}",
            core * 1e3,
            value * 1e3,
            if ratio <= 2.0 { "OK" } else { "OVER TARGET" }
        );
    }
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    report();
}

//! A long session through the core and the TUI's render: 60 simulated minutes at
//! 100 server events a second (the protocol.md §6 sequences, repeated with fresh
//! ids), plus a burst of 20,000 transcript deltas every ten minutes, fed to one app
//! and drawn once per simulated second. Prints RSS and the render time of a full
//! 160×50 frame at each simulated 10 minutes. Targets: RSS ≤ 150 MB after the hour,
//! render time flat (last ÷ first ≤ 1.2).
//!
//! Not a criterion bench: the point is a trend over one long run.

#[path = "support/sequences.rs"]
mod sequences;

#[path = "support/rss.rs"]
mod rss;
use rss::rss_mb;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use ratatui::backend::TestBackend;
use ratatui::Terminal;
use rtconsole::audio::meter::Meters;
use rtconsole::session::{Input, Session, SessionOptions};
use rtconsole::tui::app::App;
use rtconsole::tui::keymap::Keymap;
use rtconsole::tui::pane::ConnInfo;
use rtconsole::tui::theme::Theme;
use serde_json::json;

const MINUTES: u64 = 60;
const EVENTS_PER_SECOND: u64 = 100;
const BURST: usize = 20_000;

fn main() {
    // `cargo test --benches` runs this binary too; measure only under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let turns: Vec<String> = sequences::turns().concat();
    let conn = ConnInfo {
        endpoint: "soak".into(),
        session_limit_ms: 3_600_000,
        ..ConnInfo::default()
    };
    let mut app = App::new(
        Session::new(SessionOptions::default()),
        Keymap::default(),
        Theme::default(),
        conn,
        PathBuf::from("."),
    );
    app.meters = Some(Arc::new(Meters::default()));
    let mut terminal = Terminal::new(TestBackend::new(160, 50)).expect("terminal");
    println!("soak: {MINUTES} simulated minutes, {EVENTS_PER_SECOND} events/s, a burst of {BURST} deltas every 10 min");
    println!(
        "{:>6} {:>10} {:>9} {:>12}",
        "minute", "events", "RSS MB", "frame ms"
    );
    let start_rss = rss_mb();
    let mut n = 0u64;
    let mut frames = Vec::new();
    for second in 0..MINUTES * 60 {
        let at = second * 1000;
        for i in 0..EVENTS_PER_SECOND {
            let raw = &turns[(n as usize) % turns.len()];
            let rep = n / turns.len() as u64;
            let raw = raw
                .replace("\"item_", &format!("\"item_{rep}x"))
                .replace("\"resp_", &format!("\"resp_{rep}x"))
                .replace("\"call_", &format!("\"call_{rep}x"));
            let _ = app.on_input(Input::Server {
                at_ms: at + i * 10,
                raw,
            });
            n += 1;
        }
        if second % 600 == 300 {
            for i in 0..BURST {
                let delta = json!({"type": "response.output_audio_transcript.delta",
                    "event_id": format!("event_b{second}_{i}"), "response_id": format!("resp_burst{second}"),
                    "item_id": format!("item_burst{second}"), "output_index": 0, "content_index": 0,
                    "delta": "word "});
                let _ = app.on_input(Input::Server {
                    at_ms: at + 999,
                    raw: delta.to_string(),
                });
                n += 1;
            }
        }
        app.tick(at + 999);
        let t = Instant::now();
        terminal.draw(|f| app.draw(f)).expect("draw");
        let took = t.elapsed();
        if (second + 1) % 600 == 0 {
            // The frame time at this mark: the median of 20 more draws.
            let mut samples: Vec<f64> = (0..20)
                .map(|_| {
                    app.mark_dirty();
                    let t = Instant::now();
                    terminal.draw(|f| app.draw(f)).expect("draw");
                    t.elapsed().as_secs_f64() * 1e3
                })
                .collect();
            samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
            let frame = samples[10];
            frames.push(frame);
            println!(
                "{:>6} {:>10} {:>9.1} {:>12.3}",
                (second + 1) / 60,
                n,
                rss_mb(),
                frame
            );
        }
        let _ = took;
    }
    let rss = rss_mb();
    let ratio = frames.last().unwrap() / frames.first().unwrap();
    println!(
        "soak: RSS {rss:.1} MB after the hour (started at {start_rss:.1} MB; target ≤ 150): {}",
        if rss <= 150.0 { "met" } else { "NOT met" }
    );
    println!(
        "soak: frame time at 60 min ÷ at 10 min = {ratio:.2} (target ≤ 1.2): {}",
        if ratio <= 1.2 { "met" } else { "NOT met" }
    );
    let held = app.session.log().footprint();
    let mb = |b: usize| b as f64 / 1e6;
    println!(
        "soak: the log holds {:.1} MB: entries {:.1}, rows {:.1}, text deflated {:.1} + open {:.1}",
        mb(held.entries + held.rows + held.text_sealed + held.text_open),
        mb(held.entries),
        mb(held.rows),
        mb(held.text_sealed),
        mb(held.text_open)
    );
}

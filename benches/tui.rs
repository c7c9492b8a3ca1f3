//! The TUI's two cost targets, measured in one run:
//!
//! 1. A full-frame render at 200×60 with 100,000 log entries costs at most 1.2× the
//!    same render with 100 (render cost independent of history). The sessions hold
//!    the realistic turns of protocol.md §6, repeated with fresh ids, so the event
//!    log, the conversation and the transcript all grow.
//! 2. Redraws over 5 s of idle with silent meters: the real UI loop (`run_ui`) over a
//!    loaded session, a test backend and no keys for 5 s, then Ctrl-C. Target 0.

#[path = "support/sequences.rs"]
mod sequences;

use std::hint::black_box;
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures_util::StreamExt;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use rtconsole::audio::meter::Meters;
use rtconsole::session::{Input, Session, SessionOptions};
use rtconsole::tui::app::App;
use rtconsole::tui::keymap::Keymap;
use rtconsole::tui::live::{run_ui, Hooks};
use rtconsole::tui::pane::ConnInfo;
use rtconsole::tui::theme::Theme;

/// An app whose session has exactly `events` server events in its log.
fn app_with(events: usize) -> App {
    let turns = sequences::turns();
    let mut session = Session::new(SessionOptions::default());
    let mut n = 0usize;
    let mut rep = 0usize;
    'fill: loop {
        for turn in &turns {
            for e in turn {
                if n == events {
                    break 'fill;
                }
                let raw = e
                    .replace("\"item_", &format!("\"item_{rep}x"))
                    .replace("\"resp_", &format!("\"resp_{rep}x"))
                    .replace("\"call_", &format!("\"call_{rep}x"));
                let _ = session.handle(Input::Server {
                    at_ms: n as u64,
                    raw,
                });
                n += 1;
            }
        }
        rep += 1;
    }
    let conn = ConnInfo {
        endpoint: "bench".into(),
        session_limit_ms: 3_600_000,
        ..ConnInfo::default()
    };
    let mut app = App::new(
        session,
        Keymap::default(),
        Theme::default(),
        conn,
        PathBuf::from("."),
    );
    app.meters = Some(Arc::new(Meters::default()));
    app
}

static TIMES: Mutex<Vec<(usize, u64, Duration)>> = Mutex::new(Vec::new());

fn render(c: &mut Criterion) {
    for events in [100usize, 100_000] {
        let mut app = app_with(events);
        let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
        // The first frame fills the panes' caches, as on a live screen.
        terminal.draw(|f| app.draw(f)).expect("draw");
        c.bench_function(&format!("full_frame_200x60_{events}_events"), |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    terminal.draw(|f| app.draw(f)).expect("draw");
                    black_box(terminal.backend());
                }
                let took = start.elapsed();
                TIMES.lock().expect("times").push((events, iters, took));
                took
            })
        });
    }
}

fn per_frame(events: usize) -> f64 {
    let times = TIMES.lock().expect("times");
    let (iters, total) = times
        .iter()
        .filter(|(e, _, _)| *e == events)
        .fold((0u64, Duration::ZERO), |(i, t), (_, n, d)| (i + n, t + *d));
    total.as_secs_f64() / iters.max(1) as f64
}

fn idle_redraws() -> u64 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut app = app_with(1_000);
        let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
        let quit_after_5s = futures_util::stream::once(async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok::<_, io::Error>(Event::Key(KeyEvent::new(
                KeyCode::Char('c'),
                KeyModifiers::CONTROL,
            )))
        })
        .chain(futures_util::stream::pending());
        let keys = Box::pin(quit_after_5s);
        run_ui(&mut terminal, &mut app, keys, None, None, Hooks::default())
            .await
            .expect("ui");
        // run_ui draws once when it starts; everything after is a redraw.
        app.frames_drawn - 1
    })
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(3));
    targets = render
}

fn main() {
    benches();
    let small = per_frame(100);
    let large = per_frame(100_000);
    println!(
        "full frame 200x60: {:.3} ms with 100 events, {:.3} ms with 100,000 events: ratio {:.2} (target <= 1.2)",
        small * 1e3,
        large * 1e3,
        large / small
    );
    let redraws = idle_redraws();
    println!("redraws over 5 s idle with silent meters: {redraws} (target 0)");
    criterion::Criterion::default().final_summary();
}

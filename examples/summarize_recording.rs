//! Reads a recording, replays it through the session core, and prints the event
//! log, the transcript, per-turn latency and usage: what the library gives any
//! front-end. Run: `cargo run --example summarize_recording -- examples/recordings/function_call.jsonl`

use std::process::ExitCode;

use rtconsole::recording::open_recording;
use rtconsole::session::{Session, SessionOptions};

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: summarize_recording RECORDING.jsonl");
        return ExitCode::from(2);
    };
    let rec = match open_recording(&path) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    for w in &rec.warnings {
        eprintln!("warning: {w}");
    }
    let mut session = Session::new(SessionOptions {
        dialect: rec.header.dialect,
        ..Default::default()
    });
    for input in rec.inputs() {
        let _ = session.handle(input);
    }
    let log = session.log();
    println!("== events ({} raw, {} rows)", log.len(), log.rows().len());
    for row in log.rows() {
        let e = log.get(row.first).expect("row points into the log");
        let count = if row.count > 1 {
            format!(" ×{}", row.count)
        } else {
            String::new()
        };
        let beta = if e.beta { " [beta]" } else { "" };
        println!(
            "{:>7} ms {} {}{count}{beta}  {}",
            e.at_ms,
            e.dir.arrow(),
            e.type_name,
            e.summary
        );
        if let Some(h) = &e.help {
            println!("           ↳ {} Fix: {}", h.explanation, h.fix);
        }
    }
    println!("\n== transcript");
    for item in session.conversation().ordered() {
        let who = item
            .role
            .as_ref()
            .map(|r| r.to_string())
            .unwrap_or_else(|| item.kind.to_string());
        match (&item.name, &item.arguments, &item.output) {
            (Some(n), Some(a), _) => println!("{who:>10}: {n}({a})"),
            (_, _, Some(o)) => println!("{who:>10}: → {o}"),
            _ => println!("{who:>10}: {}", item.text()),
        }
    }
    println!("\n== turns");
    for (i, t) in session.turns().all().iter().enumerate() {
        let marks: Vec<String> = t
            .marks()
            .iter()
            .map(|(n, ms)| format!("{n} +{ms} ms"))
            .collect();
        println!("turn {} ({:?}): {}", i + 1, t.trigger, marks.join(", "));
    }
    let u = session.usage();
    println!(
        "\n== usage: {} tokens over {} responses (in {}, out {}), cost ≈ {}",
        u.responses.total_tokens,
        u.counted,
        u.responses.input_tokens,
        u.responses.output_tokens,
        u.cost_text()
    );
    for p in session.pending_calls() {
        println!(
            "pending function call: {}({}) call_id {}",
            p.name, p.arguments, p.call_id
        );
    }
    ExitCode::SUCCESS
}

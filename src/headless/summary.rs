//! The closing summary of a headless run: turns and their latency, tokens and cost,
//! errors, audio both ways, and the script's outcome.

use std::fmt::Write;

use super::audio_io::LevelStats;
use crate::session::Session;

pub fn render(session: &Session, mic: &LevelStats, speaker: &LevelStats) -> String {
    let mut out = String::new();
    let turns = session.turns().all();
    let _ = writeln!(out, "== summary");
    let _ = writeln!(out, "turns: {}", turns.len());
    for (i, t) in turns.iter().enumerate() {
        let first = t
            .first_output_ms()
            .map(|ms| format!("first output {ms} ms"))
            .unwrap_or_else(|| "no output".into());
        let total = t
            .total_ms()
            .map(|ms| format!(", done {ms} ms"))
            .unwrap_or_default();
        let _ = writeln!(out, "  turn {} ({:?}): {first}{total}", i + 1, t.trigger);
    }
    let u = session.usage();
    let cost = match (u.cost_usd, &u.unpriced_model) {
        (Some(c), _) => format!("${c:.4}"),
        (None, Some(m)) => format!("price unknown (no price for model {m})"),
        (None, None) => "$0".into(),
    };
    let _ = writeln!(
        out,
        "tokens: {} (in {}, out {}) over {} responses; cost ≈ {cost}",
        u.responses.total_tokens, u.responses.input_tokens, u.responses.output_tokens, u.counted
    );
    let errors = session.errors();
    if errors.is_empty() {
        let _ = writeln!(out, "errors: none");
    } else {
        let _ = writeln!(out, "errors: {}", errors.len());
        for e in errors {
            let code = e.code.as_deref().unwrap_or("error");
            let _ = writeln!(out, "  {} ms {code}: {}", e.at_ms, e.message);
            if let Some(h) = &e.help {
                let _ = writeln!(out, "    fix: {}", h.fix);
            }
        }
    }
    let st = session.stats();
    let _ = writeln!(
        out,
        "transport: rtt {}, jitter {}, {} packets lost, {} B sent, {} B received",
        st.rtt_ms
            .map(|v| format!("{v:.1} ms"))
            .unwrap_or_else(|| "n/a".into()),
        st.jitter_ms
            .map(|v| format!("{v:.1} ms"))
            .unwrap_or_else(|| "n/a".into()),
        st.packets_lost,
        st.bytes_sent,
        st.bytes_received
    );
    let _ = writeln!(
        out,
        "audio: sent {:.1} s (loudest {:.1} dBFS rms), received {:.1} s (loudest {:.1} dBFS rms)",
        mic.seconds(),
        mic.max_rms_dbfs,
        speaker.seconds(),
        speaker.max_rms_dbfs
    );
    out
}

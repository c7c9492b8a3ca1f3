//! The closing report of a session, as text: turns and their latency, tokens and
//! cost, errors, the connect breakdown and transport figures. Printed by `run` and
//! by the TUI when it exits.

use std::fmt::Write;

use super::{ConnectBreakdown, Session};

pub fn render(session: &Session) -> String {
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
        (None, Some(m)) => format!("unknown (no price for model {m})"),
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
    if let Some(b) = session.connect_breakdown() {
        let _ = writeln!(out, "connect: {}", connect_line(b));
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
    out
}

/// `channel open 48 ms (secret 5 · sdp 12 · ice 20 · dtls 35 · session.created 52 · first rtp 70)`:
/// each step's time since connecting began, except the two round trips.
pub fn connect_line(b: &ConnectBreakdown) -> String {
    let ms = |v: Option<f64>| v.map(|v| format!("{v:.0}")).unwrap_or_else(|| "–".into());
    format!(
        "channel open {} ms (secret {} · sdp {} · ice {} · dtls {} · session.created {} · first rtp {})",
        ms(b.channel_open_ms),
        ms(b.secret_ms),
        ms(b.sdp_post_ms),
        ms(b.ice_connected_ms),
        ms(b.dtls_connected_ms),
        ms(b.session_created_ms),
        ms(b.first_rtp_ms)
    )
}

//! The one-line status bar: connection phase, model, call, session age and secret
//! countdown, last-turn latency, tokens and cost, transport health, REC and
//! READ-ONLY marks.
//!
//! The app redraws only when the drawn text changes (an idle screen must cause no
//! redraws), so every time here is shown in whole minutes and the RTT in 10 ms
//! steps: no field ticks on its own between events. [`status_text`] is exactly what
//! [`render_status_bar`] draws, so the app can compare it between ticks.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::wrap::{cut_to_width, str_width};
use crate::session::Phase;
use crate::tui::pane::PaneCtx;
use crate::tui::text::one_line;
use crate::tui::theme::Theme;

/// Between fields.
const SEP: &str = " │ ";
/// Before the first field, so the bar does not touch the screen edge.
const LEAD: &str = " ";

/// One field of the bar. Fields keep their left-to-right order; when the width is
/// short the lowest `priority` goes first.
struct Field {
    text: String,
    style: Style,
    priority: u8,
}

/// The text the bar shows at `width` cells, exactly as drawn (without the padding
/// to the right edge). Equal texts mean nothing on the bar changed.
pub fn status_text(ctx: &PaneCtx, width: u16) -> String {
    join(&fit(fields(ctx), usize::from(width)))
}

pub fn render_status_bar(f: &mut Frame, area: Rect, ctx: &PaneCtx) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let theme = ctx.theme;
    let base = Style::default().bg(theme.status_bar).fg(theme.text);
    let sep = Style::default().fg(theme.text_dim);
    let fields = fit(fields(ctx), usize::from(area.width));
    let mut spans = Vec::with_capacity(fields.len() * 2 + 1);
    spans.push(Span::raw(LEAD));
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(SEP, sep));
        }
        spans.push(Span::styled(field.text, field.style));
    }
    let row = Rect { height: 1, ..area };
    f.render_widget(Paragraph::new(Line::from(spans)).style(base), row);
}

fn join(fields: &[Field]) -> String {
    let mut out = String::from(LEAD);
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push_str(SEP);
        }
        out.push_str(&field.text);
    }
    out
}

/// Keeps the most important fields that fit: in priority order, each field joins if
/// it still fits, so a short field can use room a long one left. The first field
/// (the phase) always stays, cut with `…` when even it alone is too wide.
fn fit(mut fields: Vec<Field>, width: usize) -> Vec<Field> {
    let room = width.saturating_sub(str_width(LEAD));
    if room == 0 || fields.is_empty() {
        return Vec::new();
    }
    if str_width(&fields[0].text) > room {
        fields.truncate(1);
        fields[0].text = cut_to_width(&fields[0].text, room);
        return fields;
    }
    let widths: Vec<usize> = fields.iter().map(|f| str_width(&f.text)).collect();
    let mut order: Vec<usize> = (1..fields.len()).collect();
    // Stable: equally important fields are taken left to right.
    order.sort_by_key(|&i| std::cmp::Reverse(fields[i].priority));
    let mut keep = vec![false; fields.len()];
    keep[0] = true;
    let mut used = widths[0];
    for i in order {
        let cost = str_width(SEP) + widths[i];
        if used + cost <= room {
            keep[i] = true;
            used += cost;
        }
    }
    fields
        .into_iter()
        .zip(keep)
        .filter_map(|(f, k)| k.then_some(f))
        .collect()
}

/// Every field that has something to say, in display order.
fn fields(ctx: &PaneCtx) -> Vec<Field> {
    let t = ctx.theme;
    let s = ctx.session;
    let now = s.now_ms();
    let fg = |c| Style::default().fg(c);
    let mut out = Vec::with_capacity(11);
    let mut push = |text: String, style: Style, priority: u8| {
        out.push(Field {
            text,
            style,
            priority,
        })
    };

    let (phase, colour) = match s.phase() {
        Phase::Idle => ("Idle".to_string(), t.text_dim),
        Phase::Connecting => ("Connecting…".to_string(), t.log_warning),
        Phase::Connected => ("Connected".to_string(), t.log_warning),
        Phase::Open => ("Open".to_string(), t.log_server),
        Phase::Closed(r) => (with_reason("Closed", r), t.log_warning),
        Phase::Failed(r) => (with_reason("Failed", r), t.log_error),
    };
    push(
        format!("● {phase}"),
        fg(colour).add_modifier(Modifier::BOLD),
        100,
    );
    if ctx.conn.read_only {
        push(
            "READ-ONLY".into(),
            fg(t.log_warning).add_modifier(Modifier::BOLD),
            95,
        );
    }
    if let Some(relay) = &ctx.conn.relay {
        let text = match relay.conn {
            Some(n) => format!("conn {n} · proxy: point your app at {}", relay.base_url),
            None => format!("proxy: point your app at {}", relay.base_url),
        };
        push(text, fg(t.log_client), 92);
    }
    if ctx.conn.recording.is_some() {
        push(
            "REC".into(),
            fg(t.log_error).add_modifier(Modifier::BOLD),
            90,
        );
    }
    if let Some(model) = s.config().effective.as_ref().and_then(|c| c.model.as_ref()) {
        push(one_line(model, 40), fg(t.text), 70);
    }
    if let Some(call) = &ctx.conn.call_id {
        push(format!("call {}", one_line(call, 12)), fg(t.text_dim), 30);
    }
    let limit = ctx.conn.session_limit_ms;
    let age = if limit > 0 {
        format!("{}m/{}m", now / 60_000, limit / 60_000)
    } else {
        format!("{}m", now / 60_000)
    };
    // The last tenth of the session limit is worth a colour: the server will end it.
    let late = limit > 0 && now >= limit - limit / 10;
    push(age, fg(if late { t.log_warning } else { t.text }), 60);
    if let Some(expires) = ctx.conn.secret_expires_at_ms {
        let (text, colour, priority) = secret(expires, now, s.phase(), t);
        push(text, fg(colour), priority);
    }
    if let Some(ms) = s.turns().last_done().and_then(|t| t.first_output_ms()) {
        push(format!("turn {}", millis(ms)), fg(t.text), 50);
    }
    let usage = s.usage();
    if usage.counted > 0 {
        push(
            format!(
                "{} tok {}",
                tokens(usage.responses.total_tokens),
                usage.cost_text()
            ),
            fg(t.text),
            55,
        );
    }
    if let Some(b) = s.connect_breakdown() {
        if let Some(open) = b.channel_open_ms {
            push(format!("conn {}", millis(open as u64)), fg(t.text), 40);
        }
        push(breakdown_text(b), fg(t.text_dim), 15);
    }
    let stats = s.stats();
    if let Some(rtt) = stats.rtt_ms {
        let mut text = rtt_text(rtt);
        if stats.packets_lost > 0 {
            text.push_str(&format!(" loss {}", stats.packets_lost));
        }
        let bad = stats.packets_lost > 0 || rtt > 300.0;
        push(text, fg(if bad { t.log_warning } else { t.text }), 45);
    }
    if !ctx.conn.endpoint.is_empty() {
        push(one_line(&ctx.conn.endpoint, 40), fg(t.text_dim), 10);
    }
    out
}

fn with_reason(state: &str, reason: &str) -> String {
    if reason.trim().is_empty() {
        state.to_string()
    } else {
        format!("{state}: {}", one_line(reason, 60))
    }
}

/// `secret 9m` / `secret <1m` / `secret expired`. The client secret is spent once
/// the data channel is open, so only before that does its expiry warn and outrank
/// the model name; with the channel open it is a dim footnote.
fn secret(expires: u64, now: u64, phase: &Phase, t: &Theme) -> (String, Color, u8) {
    let left = expires.saturating_sub(now);
    let text = match left {
        0 => "secret expired".to_string(),
        1..=59_999 => "secret <1m".to_string(),
        _ => format!("secret {}m", left / 60_000),
    };
    if *phase == Phase::Open {
        return (text, t.text_dim, 25);
    }
    match left {
        0 => (text, t.log_error, 85),
        1..=299_999 => (text, t.log_warning, 85),
        _ => (text, t.text_dim, 35),
    }
}

/// Where connect time went, each step since connecting began: only on wide bars.
fn breakdown_text(b: &crate::session::ConnectBreakdown) -> String {
    let steps = [
        ("secret", b.secret_ms),
        ("sdp", b.sdp_post_ms),
        ("ice", b.ice_connected_ms),
        ("dtls", b.dtls_connected_ms),
        ("created", b.session_created_ms),
        ("rtp", b.first_rtp_ms),
    ];
    steps
        .iter()
        .filter_map(|(name, ms)| ms.map(|ms| format!("{name} {ms:.0}")))
        .collect::<Vec<_>>()
        .join("·")
}

fn millis(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms}ms")
    } else {
        format!("{:.2}s", ms as f64 / 1000.0)
    }
}

/// RTT in 10 ms steps: a jittery link must not repaint the bar every second.
fn rtt_text(rtt: f64) -> String {
    if !rtt.is_finite() || rtt < 10.0 {
        return "rtt <10ms".into();
    }
    let stepped = ((rtt / 10.0).round() * 10.0) as u64;
    format!("rtt {stepped}ms")
}

fn tokens(n: u64) -> String {
    match n {
        0..=999 => n.to_string(),
        1_000..=999_999 => format!("{:.1}k", n as f64 / 1e3),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}

#[cfg(test)]
mod tests;

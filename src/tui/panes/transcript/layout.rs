//! One conversation item as wrapped rows: a header (who, when, state) and the
//! words, all server text made printable first. Pure: the pane caches the result
//! under [`fingerprint`] and the width, so an item is laid out again only when
//! something it shows has changed.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use super::super::wrap::{cut_to_width, str_width, wrap};
use crate::protocol::item::{ContentType, ItemStatus, ItemType, Role};
use crate::session::{ConvItem, Segment};
use crate::tui::text::{one_line, printable};
use crate::tui::theme::Theme;

/// Body rows are indented under the header.
const INDENT: &str = "  ";
/// Shown at the end of an item the server is still writing.
pub(super) const CURSOR: &str = "▍";

/// Everything about an item that changes what it looks like, hashed. Text is
/// represented by its length and last bytes rather than hashed whole, so a
/// 10,000-char item costs the same to check as a short one; deltas only append,
/// and a `done` that rewrites the text changes its length or its end.
pub(super) fn fingerprint(item: &ConvItem) -> u64 {
    let mut h = DefaultHasher::new();
    item.kind.as_str().hash(&mut h);
    item.role.as_ref().map(Role::as_str).hash(&mut h);
    item.status.as_ref().map(ItemStatus::as_str).hash(&mut h);
    for p in &item.parts {
        p.kind.as_ref().map(ContentType::as_str).hash(&mut h);
        cheap(&p.text, &mut h);
        p.transcript_pending.hash(&mut h);
        p.transcript_final.hash(&mut h);
        p.segments.len().hash(&mut h);
        if let Some(last) = p.segments.last() {
            cheap(&last.text, &mut h);
        }
        p.logprobs.len().hash(&mut h);
    }
    for s in [
        &item.call_id,
        &item.name,
        &item.transcription_error,
        &item.arguments,
        &item.output,
    ] {
        s.is_some().hash(&mut h);
        if let Some(s) = s {
            cheap(s, &mut h);
        }
    }
    item.truncated_at_ms.hash(&mut h);
    item.first_seen_ms.hash(&mut h);
    h.finish()
}

fn cheap(s: &str, h: &mut DefaultHasher) {
    s.len().hash(h);
    let b = s.as_bytes();
    b[b.len().saturating_sub(16)..].hash(h);
    b[..b.len().min(16)].hash(h);
}

/// The rows of one item at `width` cells, starting with a blank separator row
/// (the pane skips it for the first item, so every cached block has the same shape).
pub(super) fn item_lines(item: &ConvItem, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width).max(4);
    let body_w = width - INDENT.len();
    let (label, colour) = label(item, theme);
    let role = Style::default().fg(colour);
    let dim = Style::default().fg(theme.text_dim);
    let mut lines = vec![Line::default(), header(item, theme, &label, role, width)];

    let body = |text: &str, style: Style, lines: &mut Vec<Line<'static>>| {
        for row in wrap(text, body_w) {
            lines.push(Line::from(vec![
                Span::raw(INDENT),
                Span::styled(row, style),
            ]));
        }
    };
    match &item.kind {
        ItemType::Message => {
            for p in &item.parts {
                let audio_in = p.kind == Some(ContentType::InputAudio);
                if !p.text.is_empty() {
                    body(&printable(&p.text), role, &mut lines);
                } else if audio_in && p.transcript_pending {
                    body(
                        "(transcribing…)",
                        dim.add_modifier(Modifier::ITALIC),
                        &mut lines,
                    );
                } else if audio_in && item.transcription_error.is_none() {
                    body("(audio, no transcript)", dim, &mut lines);
                } else if p.kind == Some(ContentType::InputImage) {
                    body("(image)", dim, &mut lines);
                }
                for seg in &p.segments {
                    body(&segment_row(seg), dim, &mut lines);
                }
                if let Some((mean, lowest)) = p.confidence() {
                    let text = format!(
                        "confidence {:.0}% · least sure: \"{}\" {:.0}%",
                        mean * 100.0,
                        one_line(lowest.token.trim(), 40),
                        lowest.logprob.exp() * 100.0
                    );
                    body(&text, dim, &mut lines);
                }
            }
            if let Some(err) = &item.transcription_error {
                let text = format!("(transcription failed: {})", printable(err));
                body(&text, Style::default().fg(theme.log_error), &mut lines);
            }
        }
        ItemType::FunctionCall => {
            let name = item.name.as_deref().unwrap_or("?");
            let args = item.arguments.as_deref().unwrap_or("");
            let text = format!("{}({})", one_line(name, 80), printable(args));
            body(&text, role, &mut lines);
        }
        ItemType::FunctionCallOutput => {
            if let Some(out) = &item.output {
                body(&printable(out), role, &mut lines);
            }
        }
        _ => {
            // MCP and other items: whatever words they carry, on one line.
            let words = [&item.name, &item.arguments, &item.output]
                .into_iter()
                .flatten()
                .map(|s| one_line(s, 200))
                .collect::<Vec<_>>()
                .join(" ");
            if !words.is_empty() {
                body(&words, dim, &mut lines);
            }
        }
    }
    if item.status == Some(ItemStatus::InProgress) {
        add_cursor(&mut lines, role, width);
    }
    if let Some(ms) = item.truncated_at_ms {
        let text = format!("✂ truncated at {:.2}s of audio", ms as f64 / 1000.0);
        body(&text, Style::default().fg(theme.log_warning), &mut lines);
    }
    lines
}

/// One diarized stretch: who, when (seconds into the turn), what.
fn segment_row(seg: &Segment) -> String {
    format!(
        "{} {:.1}–{:.1}s  {}",
        one_line(seg.speaker.as_deref().unwrap_or("?"), 12),
        seg.start_s,
        seg.end_s,
        printable(&seg.text)
    )
}

fn label(item: &ConvItem, theme: &Theme) -> (String, Color) {
    match (&item.kind, &item.role) {
        (ItemType::Message, Some(Role::User)) => ("you".into(), theme.transcript_user),
        (ItemType::Message, Some(Role::Assistant)) => {
            ("assistant".into(), theme.transcript_assistant)
        }
        (ItemType::Message, Some(Role::System)) => ("system".into(), theme.text_dim),
        (ItemType::Message, Some(Role::Other(r))) => (one_line(r, 20), theme.text_dim),
        (ItemType::Message, None) => ("message".into(), theme.text_dim),
        (ItemType::FunctionCall, _) => ("call".into(), theme.transcript_tool),
        (ItemType::FunctionCallOutput, _) => ("output".into(), theme.transcript_tool),
        (other, _) => (one_line(other.as_str(), 30), theme.transcript_tool),
    }
}

/// `you · 0:04`, `call · call_sHlR… · 0:09`, `assistant · 0:06 · incomplete`.
fn header(item: &ConvItem, theme: &Theme, label: &str, role: Style, width: usize) -> Line<'static> {
    let dim = Style::default().fg(theme.text_dim);
    let mut spans = vec![Span::styled(
        label.to_string(),
        role.add_modifier(Modifier::BOLD),
    )];
    let mut used = str_width(label);
    let mut add = |text: String, style: Style, spans: &mut Vec<Span<'static>>| {
        let room = width.saturating_sub(used);
        if room < 4 {
            return;
        }
        let text = cut_to_width(&text, room);
        used += str_width(&text);
        spans.push(Span::styled(text, style));
    };
    if matches!(
        item.kind,
        ItemType::FunctionCall | ItemType::FunctionCallOutput
    ) {
        if let Some(call) = &item.call_id {
            add(format!(" · {}", one_line(call, 40)), dim, &mut spans);
        }
    }
    let secs = item.first_seen_ms / 1000;
    add(
        format!(" · {}:{:02}", secs / 60, secs % 60),
        dim,
        &mut spans,
    );
    if item.status == Some(ItemStatus::Incomplete) {
        add(
            " · incomplete".into(),
            Style::default().fg(theme.log_warning),
            &mut spans,
        );
    }
    Line::from(spans)
}

/// The streaming mark goes after the last words when they leave room, else on a
/// row of its own.
fn add_cursor(lines: &mut Vec<Line<'static>>, style: Style, width: usize) {
    let fits = lines.len() > 2 && lines.last().is_some_and(|l| l.width() < width);
    let cursor = Span::styled(CURSOR, style);
    match lines.last_mut() {
        Some(last) if fits => last.spans.push(cursor),
        _ => lines.push(Line::from(vec![Span::raw(INDENT), cursor])),
    }
}

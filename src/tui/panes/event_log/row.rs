//! One line of the log: arrow, time since start, type, `×N`, summary. Everything
//! from the server goes through `one_line`, cut to the cells it has.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use crate::protocol::Direction;
use crate::session::{EntryKind, EntryMeta, Row};
use crate::tui::text::one_line;
use crate::tui::theme::Theme;

/// Arrow, space, time (9), space, beta mark: the columns before the type.
const PREFIX: usize = 13;
const TIME_WIDTH: usize = 9;
/// The arrow of a client event injected through the proxy (one cell, like `→`).
pub(super) const INJECTED_ARROW: &str = "⇢";

/// `12.345s` below a minute, `m:ss.mmm` past one (`61:02.003` past an hour).
pub(super) fn format_time(ms: u64) -> String {
    if ms < 60_000 {
        format!("{}.{:03}s", ms / 1000, ms % 1000)
    } else {
        format!("{}:{:02}.{:03}", ms / 60_000, (ms / 1000) % 60, ms % 1000)
    }
}

/// `3,456`.
pub(super) fn group(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub(super) fn direction_style(dir: Direction, theme: &Theme) -> Style {
    Style::default().fg(match dir {
        Direction::Client => theme.log_client,
        Direction::Server => theme.log_server,
        Direction::Local => theme.log_local,
    })
}

/// Errors, malformed and rejected events stand out; unknown types warn.
pub(super) fn kind_style(kind: EntryKind, theme: &Theme) -> Option<Style> {
    match kind {
        EntryKind::Error | EntryKind::Malformed | EntryKind::Rejected => {
            Some(Style::default().fg(theme.log_error))
        }
        EntryKind::Unknown => Some(Style::default().fg(theme.log_warning)),
        EntryKind::Event | EntryKind::Note => None,
    }
}

/// The type column's width for a pane `width` cells wide: room for the common
/// long names (`response.output_text.delta`) without starving the summary.
fn type_width(width: usize) -> usize {
    (width.saturating_sub(PREFIX) * 5 / 12).clamp(12, 36)
}

/// The line for one row, `width` cells wide at most. `e` is the row's first
/// entry and `summary` its summary.
pub(super) fn line(
    e: &EntryMeta,
    summary: &str,
    row: &Row,
    width: usize,
    theme: &Theme,
) -> Line<'static> {
    let dir_style = direction_style(e.dir, theme);
    let marked = kind_style(e.kind, theme);
    let text_style = marked.unwrap_or(Style::default().fg(theme.text));
    let type_style = match marked {
        Some(s) => s,
        None if e.beta => Style::default().fg(theme.log_beta),
        None => dir_style,
    };
    let tw = type_width(width);
    let ty = one_line(e.type_name, tw);
    // Injected through the proxy: the user's event on the app's connection must not
    // pass for one the app sent.
    let arrow = if e.injected {
        Span::styled(INJECTED_ARROW, dir_style.add_modifier(Modifier::BOLD))
    } else {
        Span::styled(e.dir.arrow(), marked.unwrap_or(dir_style))
    };
    let mut spans = vec![
        arrow,
        Span::raw(" "),
        Span::styled(
            format!("{:>TIME_WIDTH$}", format_time(e.at_ms)),
            Style::default().fg(theme.text_dim),
        ),
        Span::raw(" "),
        if e.beta {
            Span::styled("β", Style::default().fg(theme.log_beta))
        } else {
            Span::raw(" ")
        },
        Span::styled(format!("{ty:<tw$}"), type_style),
        Span::raw(" "),
    ];
    let mut room = width.saturating_sub(PREFIX + tw + 1);
    if row.count > 1 {
        let count = format!("×{} ", group(row.count));
        room = room.saturating_sub(count.chars().count());
        spans.push(Span::styled(count, dir_style.add_modifier(Modifier::BOLD)));
    }
    // The core's summary of a rejected event says "not sent"; say it even if it
    // ever stops doing so, because an unsent event must never look sent.
    if e.kind == EntryKind::Rejected && !summary.starts_with("not sent") {
        let tag = "not sent: ";
        room = room.saturating_sub(tag.len());
        spans.push(Span::styled(tag, text_style.add_modifier(Modifier::BOLD)));
    }
    if e.injected {
        let tag = "injected: ";
        room = room.saturating_sub(tag.len());
        spans.push(Span::styled(tag, dir_style.add_modifier(Modifier::BOLD)));
    }
    spans.push(Span::styled(one_line(summary, room), text_style));
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_seconds_then_minutes() {
        assert_eq!(format_time(0), "0.000s");
        assert_eq!(format_time(12_345), "12.345s");
        assert_eq!(format_time(59_999), "59.999s");
        assert_eq!(format_time(60_000), "1:00.000");
        assert_eq!(format_time(62_003), "1:02.003");
        assert_eq!(format_time(3_662_003), "61:02.003");
    }

    #[test]
    fn an_injected_event_does_not_pass_for_the_apps() {
        let theme = Theme::default();
        let row = Row {
            first: 3,
            last: 3,
            count: 1,
        };
        let meta = |injected| EntryMeta {
            seq: 3,
            at_ms: 1_500,
            dir: Direction::Client,
            kind: EntryKind::Event,
            type_name: "response.create",
            beta: false,
            injected,
        };
        let text = |l: Line| {
            l.spans
                .iter()
                .map(|s| s.content.to_string())
                .collect::<String>()
        };
        let apps = text(line(&meta(false), "text", &row, 80, &theme));
        let ours = text(line(&meta(true), "text", &row, 80, &theme));
        assert!(
            apps.starts_with('→') && !apps.contains("injected"),
            "{apps}"
        );
        assert!(ours.starts_with(INJECTED_ARROW), "{ours}");
        assert!(ours.contains("injected: text"), "{ours}");
    }

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1_000), "1,000");
        assert_eq!(group(100_000), "100,000");
        assert_eq!(group(1_234_567), "1,234,567");
    }
}

//! The few lines under the list that explain the selected event when it needs
//! explaining: an error's meaning and fix (from the core's error help), or why a
//! rejected event was never sent.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use serde_json::Value;

use super::wrap;
use crate::session::{EntryKind, LogEntry};
use crate::tui::text::printable;
use crate::tui::theme::Theme;

/// The most lines the footer takes from the list.
pub(super) const MAX_LINES: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Meaning,
    Fix,
    NotSent,
    Hint,
}

/// The footer's text for one entry, kept while that entry stays selected so a
/// frame does not re-parse a rejected event's JSON.
#[derive(Debug, Clone, Default)]
pub(super) struct Footer {
    seq: Option<usize>,
    parts: Vec<(Role, String)>,
}

impl Footer {
    /// Lines for the entry (none when it needs no explaining), `width` cells wide.
    pub fn lines(
        &mut self,
        e: Option<&LogEntry>,
        width: usize,
        theme: &Theme,
    ) -> Vec<Line<'static>> {
        let Some(e) = e else {
            return Vec::new();
        };
        if self.seq != Some(e.seq) {
            self.seq = Some(e.seq);
            self.parts = parts(e);
        }
        let mut out = Vec::new();
        for (role, text) in &self.parts {
            let (label, max, style) = match role {
                Role::Meaning => ("meaning: ", 1, Style::default().fg(theme.log_error)),
                Role::Fix => ("fix: ", 2, Style::default().fg(theme.text)),
                Role::NotSent => ("not sent: ", 2, Style::default().fg(theme.log_error)),
                Role::Hint => ("", 1, Style::default().fg(theme.text_dim)),
            };
            let label_style = style.add_modifier(Modifier::BOLD);
            let room = width.saturating_sub(label.chars().count());
            let max = max.min(MAX_LINES - out.len());
            for (i, l) in wrap::words(text, room, max).into_iter().enumerate() {
                let lead = if i == 0 {
                    label.to_string()
                } else {
                    " ".repeat(label.len())
                };
                out.push(Line::from(vec![
                    Span::styled(lead, label_style),
                    Span::styled(l, style),
                ]));
            }
            if out.len() >= MAX_LINES {
                break;
            }
        }
        out
    }
}

fn parts(e: &LogEntry) -> Vec<(Role, String)> {
    match e.kind {
        EntryKind::Error => match &e.help {
            Some(h) => vec![
                (Role::Meaning, printable(&h.explanation).into_owned()),
                (Role::Fix, printable(&h.fix).into_owned()),
            ],
            None => vec![(
                Role::Hint,
                "rtconsole knows no explanation for this error; Enter shows the whole event"
                    .to_string(),
            )],
        },
        EntryKind::Rejected => vec![
            (Role::NotSent, printable(&rejection(e)).into_owned()),
            (
                Role::Hint,
                "it failed validation and never went over the wire; fix it in the composer and send again"
                    .to_string(),
            ),
        ],
        _ => Vec::new(),
    }
}

/// Why a client event was refused: the `error` of the core's `local.rejected` note.
pub(super) fn rejection(e: &LogEntry) -> String {
    serde_json::from_str::<Value>(&e.raw)
        .ok()
        .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| {
            e.summary
                .strip_prefix("not sent: ")
                .unwrap_or(&e.summary)
                .to_string()
        })
}

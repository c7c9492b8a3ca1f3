//! The detail view: one event as pretty JSON with what the log knows about it.
//! The text is laid out once per event and width and cached, and a frame only
//! copies the visible lines, so a 10,000-character delta scrolls like a short one.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;
use serde_json::Value;

use super::footer::rejection;
use super::json_style::{self, Tok};
use super::row::{direction_style, format_time, group, kind_style, INJECTED_ARROW};
use super::view::row_of;
use super::wrap;
use crate::session::{EntryKind, EventLog, LogEntry, Row};
use crate::tui::pane::PaneCtx;
use crate::tui::text::{one_line, printable};
use crate::tui::theme::Theme;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Head,
    Note,
    Meaning,
    Fix,
    NotSent,
    Rule,
    /// Text that is not JSON, and JSON's punctuation.
    Body,
    /// A run of the JSON body.
    Json(Tok),
}

/// One row of the view: its runs, each with what it is.
type LaidRow = Vec<(Role, String)>;

#[derive(Debug, Clone)]
struct Laid {
    seq: usize,
    width: usize,
    lines: Vec<LaidRow>,
}

#[derive(Debug, Clone)]
pub(super) struct Detail {
    seq: usize,
    scroll: usize,
    /// Text lines that fit the last frame, for PgUp/PgDn and clamping.
    page: usize,
    laid: Option<Laid>,
}

pub(super) enum Outcome {
    Handled,
    Close,
    Ignored,
}

impl Detail {
    pub fn new(seq: usize) -> Detail {
        Detail {
            seq,
            scroll: 0,
            page: 10,
            laid: None,
        }
    }

    pub fn seq(&self) -> usize {
        self.seq
    }

    fn max_scroll(&self) -> usize {
        match &self.laid {
            Some(l) => l.lines.len().saturating_sub(self.page),
            // Not laid out yet: the next frame clamps.
            None => usize::MAX,
        }
    }

    /// Called for keys without Ctrl/Alt.
    pub fn on_key(&mut self, key: KeyEvent, log: &EventLog) -> Outcome {
        let max = self.max_scroll();
        match key.code {
            KeyCode::Esc | KeyCode::Enter => return Outcome::Close,
            KeyCode::Up | KeyCode::Char('k') => self.scroll = self.scroll.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => self.scroll = (self.scroll + 1).min(max),
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(self.page.max(1)),
            KeyCode::PageDown => {
                self.scroll = self.scroll.saturating_add(self.page.max(1)).min(max)
            }
            KeyCode::Home | KeyCode::Char('g') => self.scroll = 0,
            KeyCode::End | KeyCode::Char('G') => self.scroll = max,
            // Step through the deltas a row coalesces: each is its own event.
            KeyCode::Left | KeyCode::Right => {
                let Some(row) = log.rows().get(row_of(log.rows(), self.seq)) else {
                    return Outcome::Handled;
                };
                let next = if key.code == KeyCode::Left {
                    self.seq.checked_sub(1).filter(|s| *s >= row.first)
                } else {
                    Some(self.seq + 1).filter(|s| *s <= row.last)
                };
                if let Some(next) = next {
                    self.seq = next;
                    self.scroll = 0;
                }
            }
            _ => return Outcome::Ignored,
        }
        Outcome::Handled
    }

    pub fn render(&mut self, f: &mut Frame, area: Rect, ctx: &PaneCtx) {
        let theme = ctx.theme;
        let log = ctx.session.log();
        let Some(e) = log.get(self.seq) else {
            return;
        };
        let row = log.rows()[row_of(log.rows(), self.seq)];
        let width = area.width.saturating_sub(2) as usize;
        let stale = self
            .laid
            .as_ref()
            .is_none_or(|l| l.seq != self.seq || l.width != width);
        if stale {
            self.laid = Some(Laid {
                seq: self.seq,
                width,
                lines: lay_out(&e, &row, width),
            });
        }
        let lines = &self.laid.as_ref().expect("laid out above").lines;
        self.page = area.height.saturating_sub(2) as usize;
        self.scroll = self.scroll.min(lines.len().saturating_sub(self.page));
        let end = (self.scroll + self.page).min(lines.len());
        let title = format!(
            " Event #{} — {} — lines {}–{} of {} · Esc closes ",
            e.seq,
            one_line(&e.type_name, 48),
            group(self.scroll + 1),
            group(end),
            group(lines.len()),
        );
        let border = if ctx.focused {
            theme.border_focused
        } else {
            theme.border
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(Style::default().fg(border))
            .title(one_line(&title, width))
            .title_style(Style::default().fg(theme.title));
        let visible: Vec<Line> = lines[self.scroll..end]
            .iter()
            .map(|runs| {
                Line::from(
                    runs.iter()
                        .map(|(role, text)| Span::styled(text.clone(), style(*role, &e, theme)))
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        f.render_widget(Paragraph::new(visible).block(block), area);
    }
}

fn style(role: Role, e: &LogEntry, theme: &Theme) -> Style {
    match role {
        Role::Head => kind_style(e.kind, theme)
            .unwrap_or_else(|| direction_style(e.dir, theme))
            .add_modifier(Modifier::BOLD),
        Role::Note => Style::default().fg(theme.text_dim),
        Role::Meaning => Style::default().fg(theme.log_error),
        Role::Fix => Style::default().fg(theme.text),
        Role::NotSent => Style::default()
            .fg(theme.log_error)
            .add_modifier(Modifier::BOLD),
        Role::Rule => Style::default().fg(theme.border),
        Role::Body => Style::default().fg(theme.text),
        Role::Json(tok) => tok.style(theme),
    }
}

fn kind_name(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Event => "event",
        EntryKind::Error => "error",
        EntryKind::Unknown => "unknown type (shown raw)",
        EntryKind::Malformed => "malformed (shown raw)",
        EntryKind::Rejected => "rejected: NOT SENT",
        EntryKind::Note => "local note",
    }
}

/// Every line of the view, already sanitized and cut to `width`.
fn lay_out(e: &LogEntry, row: &Row, width: usize) -> Vec<LaidRow> {
    let mut out: Vec<LaidRow> = Vec::new();
    let push_chars = |out: &mut Vec<LaidRow>, role, text: &str| {
        for piece in wrap::chars(text, width) {
            out.push(vec![(role, piece.to_string())]);
        }
    };
    // Continuation lines are indented under the label, as in the footer.
    let prose = |out: &mut Vec<LaidRow>, role, label: &str, text: &str| {
        let room = width.saturating_sub(label.len());
        for (i, l) in wrap::words(&printable(text), room, usize::MAX)
            .into_iter()
            .enumerate()
        {
            let lead = if i == 0 {
                label.to_string()
            } else {
                " ".repeat(label.len())
            };
            out.push(vec![(role, format!("{lead}{l}"))]);
        }
    };
    let (arrow, dir) = if e.injected {
        (
            INJECTED_ARROW,
            "client, injected through the proxy (not the app's)".to_string(),
        )
    } else {
        (e.dir.arrow(), e.dir.to_string())
    };
    let mut head = format!(
        "#{}  {} {}  at {}  {}",
        e.seq,
        arrow,
        dir,
        format_time(e.at_ms),
        one_line(&e.type_name, 80)
    );
    // "error — error" says nothing twice.
    if e.kind != EntryKind::Event && !(e.kind == EntryKind::Error && e.type_name == "error") {
        head.push_str(" — ");
        head.push_str(kind_name(e.kind));
    }
    push_chars(&mut out, Role::Head, &head);
    if row.count > 1 {
        push_chars(
            &mut out,
            Role::Note,
            &format!(
                "delta {} of {} in this row (#{}–#{}); Left/Right step through them",
                group(e.seq - row.first + 1),
                group(row.count),
                row.first,
                row.last
            ),
        );
    }
    if e.beta {
        push_chars(
            &mut out,
            Role::Note,
            "arrived under its beta name or shape; the log shows its GA name",
        );
    }
    let ids: Vec<String> = [
        ("response", &e.response_id),
        ("item", &e.item_id),
        ("call", &e.call_id),
    ]
    .iter()
    .filter_map(|(name, id)| id.as_ref().map(|id| format!("{name} {}", one_line(id, 64))))
    .collect();
    if !ids.is_empty() {
        push_chars(&mut out, Role::Note, &ids.join(" · "));
    }
    match (e.kind, &e.help) {
        (EntryKind::Error, Some(help)) => {
            prose(&mut out, Role::Meaning, "meaning: ", &help.explanation);
            prose(&mut out, Role::Fix, "fix: ", &help.fix);
        }
        (EntryKind::Error, None) => push_chars(
            &mut out,
            Role::Note,
            "rtconsole knows no explanation for this error; the server's message is below",
        ),
        (EntryKind::Rejected, _) => {
            push_chars(
                &mut out,
                Role::NotSent,
                "NOT SENT: it failed validation and never went over the wire:",
            );
            for l in printable(&rejection(e)).lines() {
                push_chars(&mut out, Role::NotSent, l);
            }
        }
        _ => {}
    }
    out.push(vec![(Role::Rule, "─".repeat(width))]);
    let pretty = serde_json::from_str::<Value>(&e.raw)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok());
    match pretty {
        // JSON is coloured by token: keys, strings, numbers, literals.
        Some(body) => {
            for runs in json_style::rows(&printable(&body), width) {
                out.push(
                    runs.into_iter()
                        .map(|(tok, text)| match tok {
                            Tok::Punct => (Role::Body, text),
                            tok => (Role::Json(tok), text),
                        })
                        .collect(),
                );
            }
        }
        None => {
            for l in printable(&e.raw).lines() {
                push_chars(&mut out, Role::Body, l);
            }
        }
    }
    out
}

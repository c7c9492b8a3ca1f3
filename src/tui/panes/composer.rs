//! The composer: type any client event as JSON (validated as you type, refused with
//! every problem listed when invalid), or plain words that go out as a user message
//! followed by `response.create`. Templates are one key away (Ctrl-T, then a key)
//! and Up/Down walk what was sent before.

mod history;
mod status;
mod templates;
#[cfg(test)]
mod tests;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::editor::{fit_lines, is_app_chord, is_ctrl, lines_height, Editor};
use crate::protocol::client_event::ClientEvent;
use crate::protocol::validate::{validate_client_text, ValidationError};
use crate::protocol::Dialect;
use crate::tui::pane::{Pane, PaneCtx, PaneId, PaneReply};
use crate::tui::theme::Theme;
use history::History;
use status::{assess, first_problem, refusal, refused_lines, styled, Assessment};
use templates::TEMPLATES;

pub const HINT: &str = "Enter send · Alt-Enter newline · Ctrl-T templates · ↑↓ history";
const READ_ONLY: &str = "read-only: this is a recording";

#[derive(Default)]
pub struct ComposerPane {
    editor: Editor,
    history: History,
    menu_open: bool,
    /// `None` after an edit: worked out at the next draw or key, when the session's
    /// dialect is at hand (`set_text` has no context).
    assessment: Option<Assessment>,
    /// Set when Enter was refused: every problem is listed until the next edit.
    refused: Option<ValidationError>,
    read_only: bool,
}

impl ComposerPane {
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces the text (control characters are shown as symbols, never kept raw);
    /// the cursor goes to the end.
    pub fn set_text(&mut self, text: &str) {
        self.editor.set_text(text);
        self.editor.move_to_end();
        self.history.stop();
        self.changed();
    }

    pub fn text(&self) -> String {
        self.editor.text()
    }

    pub fn menu_open(&self) -> bool {
        self.menu_open
    }

    fn changed(&mut self) {
        self.assessment = None;
        self.refused = None;
    }

    /// Worked out once per edit, not per frame: validating is linear in the text.
    fn assessment(&mut self, dialect: Dialect) -> &Assessment {
        let editor = &self.editor;
        self.assessment
            .get_or_insert_with(|| assess(&editor.text(), dialect))
    }

    fn clear(&mut self) {
        self.editor.clear();
        self.history.stop();
        self.changed();
    }

    fn send(&mut self, ctx: &PaneCtx) -> PaneReply {
        if self.read_only {
            return PaneReply::Notice(READ_ONLY.into());
        }
        let text = self.editor.text();
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return PaneReply::Handled;
        }
        let events = if trimmed.starts_with('{') {
            match validate_client_text(&text, ctx.session.dialect()) {
                Ok(_) => vec![text.clone()],
                Err(e) => {
                    let notice = refusal(&e);
                    self.refused = Some(e);
                    return PaneReply::Notice(notice);
                }
            }
        } else {
            vec![
                ClientEvent::user_text(trimmed).encode(),
                ClientEvent::response_create().encode(),
            ]
        };
        self.history.push(&text);
        self.clear();
        PaneReply::Send(events)
    }

    fn pick_template(&mut self, key: char, ctx: &PaneCtx) -> PaneReply {
        let Some(template) = templates::by_key(key) else {
            return PaneReply::Notice(format!(
                "no template on {key}; keys are 1–9 and 0, Esc closes"
            ));
        };
        self.menu_open = false;
        let filled = template.fill(ctx.session);
        self.editor.set_text(&filled.text());
        match filled.cursor_after {
            Some(after) => self.editor.move_to(after),
            None => self.editor.move_to_end(),
        }
        self.history.stop();
        self.changed();
        filled.notice.map_or(PaneReply::Handled, PaneReply::Notice)
    }

    fn menu_key(&mut self, key: KeyEvent, ctx: &PaneCtx) -> PaneReply {
        if key.code == KeyCode::Esc || is_ctrl(&key, 't') {
            self.menu_open = false;
            return PaneReply::Handled;
        }
        match key.code {
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.pick_template(c, ctx)
            }
            _ => PaneReply::Handled,
        }
    }

    fn history_key(&mut self, older: bool) {
        if older {
            let current = self.editor.text();
            if let Some(entry) = self.history.older(&current).map(str::to_string) {
                self.editor.set_text(&entry);
                // At the top, so the next Up keeps walking back.
                self.editor.move_to_start();
                self.changed();
            }
        } else if let Some(entry) = self.history.newer() {
            self.editor.set_text(&entry);
            self.editor.move_to_end();
            self.changed();
        }
    }

    /// The lines between the editor and the hint: the refusal, or the live check.
    fn status_lines(&mut self, ctx: &PaneCtx) -> Vec<Line<'static>> {
        let theme = ctx.theme;
        let mut lines = Vec::new();
        if self.read_only {
            lines.push(styled(
                format!("{READ_ONLY}; nothing is sent"),
                theme.log_warning,
            ));
        }
        if let Some(e) = &self.refused {
            lines.extend(refused_lines(e, theme));
            return lines;
        }
        let line = match self.assessment(ctx.session.dialect()) {
            Assessment::Empty => None,
            Assessment::Plain => Some(styled(
                "plain text: sends a user message, then response.create".into(),
                theme.text_dim,
            )),
            Assessment::Valid(kind) => Some(styled(format!("✓ valid {kind}"), theme.text_dim)),
            Assessment::Invalid(e) => Some(styled(first_problem(e), theme.log_error)),
        };
        lines.extend(line);
        lines
    }
}

impl Pane for ComposerPane {
    fn render(&mut self, f: &mut Frame, area: Rect, ctx: &PaneCtx) {
        self.read_only = ctx.conn.read_only;
        let theme = ctx.theme;
        let title = if self.read_only {
            format!(" {} · read-only ", PaneId::Composer.title())
        } else {
            format!(" {} ", PaneId::Composer.title())
        };
        let border = if ctx.focused {
            theme.border_focused
        } else {
            theme.border
        };
        let block = ratatui::widgets::Block::default()
            .borders(ratatui::widgets::Borders::ALL)
            .border_style(Style::default().fg(border))
            .title(Line::styled(title, Style::default().fg(theme.title)));
        let inner = block.inner(area);
        f.render_widget(block, area);
        if inner.height == 0 || inner.width == 0 {
            return;
        }
        let width = usize::from(inner.width);
        let total = usize::from(inner.height);
        let hint_rows = usize::from(total >= 3);
        let room = total - hint_rows - 1;
        let max_status = room.div_ceil(2);
        let lines = fit_lines(self.status_lines(ctx), width, max_status, theme);
        let status_rows = lines_height(&lines, width).min(max_status);
        let editor_rows = total - hint_rows - status_rows;
        let at = |y: usize, h: usize| Rect::new(inner.x, inner.y + y as u16, inner.width, h as u16);
        let placeholder = "type a message, or a client event as JSON (Ctrl-T: templates)";
        self.editor.render(
            f.buffer_mut(),
            at(0, editor_rows),
            theme,
            ctx.focused && !self.menu_open,
            placeholder,
        );
        f.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: false }),
            at(editor_rows, status_rows),
        );
        if hint_rows == 1 {
            let hint = Line::styled(HINT, Style::default().fg(theme.text_dim));
            f.render_widget(Paragraph::new(hint), at(total - 1, 1));
        }
        if self.menu_open {
            render_menu(f, at(0, editor_rows + status_rows), theme);
        }
    }

    fn on_key(&mut self, key: KeyEvent, ctx: &PaneCtx) -> PaneReply {
        self.read_only = ctx.conn.read_only;
        if key.kind == KeyEventKind::Release || is_app_chord(&key) {
            return PaneReply::Ignored;
        }
        if self.menu_open {
            return self.menu_key(key, ctx);
        }
        let mods = key.modifiers;
        match key.code {
            _ if is_ctrl(&key, 't') => {
                self.menu_open = true;
                PaneReply::Handled
            }
            _ if is_ctrl(&key, 'j') => {
                self.editor.insert_newline();
                self.changed();
                PaneReply::Handled
            }
            KeyCode::Enter if mods.intersects(KeyModifiers::ALT | KeyModifiers::SHIFT) => {
                self.editor.insert_newline();
                self.changed();
                PaneReply::Handled
            }
            KeyCode::Enter => self.send(ctx),
            KeyCode::Esc if self.editor.is_empty() && self.refused.is_none() => PaneReply::Ignored,
            KeyCode::Esc => {
                self.clear();
                PaneReply::Handled
            }
            KeyCode::Up if self.editor.on_first_line() && mods.is_empty() => {
                self.history_key(true);
                PaneReply::Handled
            }
            KeyCode::Down if self.editor.on_last_line() && mods.is_empty() => {
                self.history_key(false);
                PaneReply::Handled
            }
            _ => {
                if self.editor.input(key) {
                    self.changed();
                }
                PaneReply::Handled
            }
        }
    }

    /// The composer always takes text: the app gives it keys only when focused.
    fn is_text_entry(&self) -> bool {
        true
    }
}

/// The template menu, drawn over the editor: one entry per key, in as many
/// columns as the height needs.
fn render_menu(f: &mut Frame, area: Rect, theme: &Theme) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    f.render_widget(Clear, area);
    let header = Line::styled(
        "Templates: press a key to insert (Esc closes)",
        Style::default().fg(theme.title),
    );
    f.render_widget(Paragraph::new(header), Rect { height: 1, ..area });
    let rows = usize::from(area.height.saturating_sub(1)).max(1);
    let columns = TEMPLATES.len().div_ceil(rows);
    let col_width = usize::from(area.width) / columns.max(1);
    for (i, t) in TEMPLATES.iter().enumerate() {
        let (col, row) = (i / rows, i % rows);
        let y = area.y + 1 + row as u16;
        if y >= area.y + area.height {
            continue;
        }
        let x = area.x + (col * col_width) as u16;
        let line = Line::from(vec![
            Span::styled(format!("{} ", t.key), Style::default().fg(theme.title)),
            Span::styled(t.label, Style::default().fg(theme.text)),
        ]);
        let cell = Rect::new(x, y, col_width.saturating_sub(1) as u16, 1);
        f.render_widget(Paragraph::new(line), cell);
    }
}

//! The session config editor: the effective session as GA JSON, editable and
//! validated on every edit (problems shown with their path), applied with Ctrl-S as
//! a `session.update`; when `session.updated` comes back, the bottom area shows
//! which fields the server changed or dropped against what was sent.

mod status;
#[cfg(test)]
mod tests;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;
use serde_json::Value;

use super::editor::{fit_lines, is_app_chord, is_ctrl, is_navigation, lines_height, Editor};
use crate::protocol::session_config::SessionConfig;
use crate::protocol::validate::{validate_client_text, validate_session_value, ValidationError};
use crate::protocol::{Dialect, Direction};
use crate::session::{Command, EntryKind};
use crate::tui::pane::{Pane, PaneCtx, PaneId, PaneReply};
use status::Check;

/// Fields only the server sets: shown in `session.created`, refused in
/// `session.update`. Left out of the editor so the loaded session is valid as-is.
const SERVER_ONLY: &[&str] = &["id", "object", "expires_at", "client_secret"];

const HINT: &str = "Ctrl-S apply · Ctrl-L reload from the server";
const READ_ONLY_HINT: &str = "↑↓ PgUp PgDn scroll · Ctrl-L reload";

#[derive(Default)]
pub struct ConfigEditorPane {
    editor: Editor,
    /// The editor holds edits that were not applied: server reports must not
    /// overwrite them.
    dirty: bool,
    /// A session was loaded at least once (Ctrl-L has something to reload).
    loaded: bool,
    /// The server reported a new session while there were edits.
    stale: bool,
    /// How far the event log has been looked through for session reports, so each
    /// frame only looks at what is new.
    scanned: usize,
    check: Check,
    /// From the last context seen: `is_text_entry` has no context of its own.
    read_only: bool,
}

/// The editable part of a session, pretty-printed.
fn editable_text(session: &SessionConfig) -> String {
    let mut value = serde_json::to_value(session).unwrap_or(Value::Null);
    if let Some(map) = value.as_object_mut() {
        for key in SERVER_ONLY {
            map.shift_remove(*key);
        }
    }
    // Pretty JSON escapes control characters, so hostile instructions stay inert.
    serde_json::to_string_pretty(&value).unwrap_or_default()
}

/// Checks the text as the `session` of a GA `session.update`.
fn check_text(text: &str) -> Check {
    if text.trim().is_empty() {
        return Check::Empty;
    }
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        // The event validator words syntax errors with hints; the session text is
        // parsed the same way, so its syntax error is this text's.
        Err(e) => {
            return match validate_client_text(text, Dialect::Ga) {
                Err(ValidationError::Syntax {
                    line,
                    column,
                    message,
                }) => Check::Syntax {
                    line,
                    column,
                    message,
                },
                _ => Check::Syntax {
                    line: e.line(),
                    column: e.column(),
                    message: e.to_string(),
                },
            };
        }
    };
    // The editor holds GA JSON whatever the dialect: the session model is GA.
    let problems = validate_session_value(&value, Dialect::Ga);
    if problems.is_empty() {
        Check::Valid(value)
    } else {
        Check::Problems(problems)
    }
}

impl ConfigEditorPane {
    pub fn new() -> Self {
        Self::default()
    }

    /// The editor's text (for the app and tests).
    pub fn text(&self) -> String {
        self.editor.text()
    }

    /// True while the editor holds edits that were not applied.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// Follows the session: loads a newly reported effective session unless the
    /// user is in the middle of editing.
    fn sync(&mut self, ctx: &PaneCtx) {
        self.read_only = ctx.conn.read_only;
        let log = ctx.session.log();
        let start = self.scanned.min(log.len());
        let reported = (start..log.len()).filter_map(|seq| log.meta(seq)).any(|e| {
            e.dir == Direction::Server
                && e.kind == EntryKind::Event
                && matches!(e.type_name, "session.created" | "session.updated")
        });
        self.scanned = log.len();
        let Some(effective) = &ctx.session.config().effective else {
            return;
        };
        if !reported && self.loaded {
            return;
        }
        if self.dirty {
            self.stale = true;
        } else {
            self.load(effective);
        }
    }

    fn load(&mut self, session: &SessionConfig) {
        self.editor.set_text(&editable_text(session));
        self.loaded = true;
        self.dirty = false;
        self.stale = false;
        self.check = check_text(&self.editor.text());
    }

    fn apply(&mut self) -> PaneReply {
        if self.read_only {
            return PaneReply::Notice(
                "read-only: this is a recording; the session cannot be changed".into(),
            );
        }
        match &self.check {
            Check::Valid(session) => {
                self.dirty = false;
                self.stale = false;
                PaneReply::Command(Command::UpdateSession(session.clone()))
            }
            other => PaneReply::Notice(other.refusal()),
        }
    }

    fn reload(&mut self, ctx: &PaneCtx) -> PaneReply {
        match &ctx.session.config().effective {
            Some(session) => {
                self.load(session);
                PaneReply::Notice("reloaded the effective session from the server".into())
            }
            None => PaneReply::Notice("no session yet: waiting for session.created".into()),
        }
    }

    fn bottom_lines(&self, ctx: &PaneCtx) -> Vec<Line<'static>> {
        let theme = ctx.theme;
        let has_session = ctx.session.config().effective.is_some();
        // A recording's session is shown, not sent: whether it would pass today's
        // validation is beside the point there.
        let mut lines = if self.read_only {
            vec![status_line(
                "read-only: a recording's session cannot be changed",
                theme.log_warning,
            )]
        } else {
            status::check_lines(&self.check, has_session, theme)
        };
        if self.stale {
            lines.push(status_line(
                "the server reported a new session; Ctrl-L loads it (discards your edits)",
                theme.log_warning,
            ));
        }
        lines.extend(status::server_lines(ctx.session.config(), theme));
        lines
    }
}

fn status_line(text: &'static str, colour: ratatui::style::Color) -> Line<'static> {
    Line::styled(text, Style::default().fg(colour))
}

impl Pane for ConfigEditorPane {
    fn render(&mut self, f: &mut Frame, area: Rect, ctx: &PaneCtx) {
        self.sync(ctx);
        let theme = ctx.theme;
        let mut title = PaneId::Config.title().to_string();
        if self.read_only {
            title.push_str(" · read-only");
        } else if self.dirty {
            title.push_str(" · edited");
        }
        let border = if ctx.focused {
            theme.border_focused
        } else {
            theme.border
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(Style::default().fg(border))
            .title(Line::styled(
                format!(" {title} "),
                Style::default().fg(theme.title),
            ));
        let inner = block.inner(area);
        f.render_widget(block, area);
        if inner.height == 0 || inner.width == 0 {
            return;
        }
        let width = usize::from(inner.width);
        let total = usize::from(inner.height);
        // The hint and the rule above the status go first when space is short.
        let hint_rows = usize::from(total >= 6);
        let rule_rows = usize::from(total >= 4);
        let room = total.saturating_sub(hint_rows + rule_rows + 1);
        let lines = self.bottom_lines(ctx);
        let max_status = room.div_ceil(2).max(usize::from(room > 0));
        let lines = fit_lines(lines, width, max_status, theme);
        let status_rows = lines_height(&lines, width).min(max_status);
        let editor_rows = total - hint_rows - rule_rows - status_rows;
        let at = |y: usize, h: usize| Rect::new(inner.x, inner.y + y as u16, inner.width, h as u16);
        let placeholder = "waiting for session.created…";
        self.editor.render(
            f.buffer_mut(),
            at(0, editor_rows),
            theme,
            ctx.focused && !self.read_only,
            placeholder,
        );
        if rule_rows == 1 {
            let rule = "─".repeat(width);
            f.buffer_mut().set_stringn(
                inner.x,
                inner.y + editor_rows as u16,
                rule,
                width,
                Style::default().fg(theme.border),
            );
        }
        let status = Paragraph::new(lines).wrap(Wrap { trim: false });
        f.render_widget(status, at(editor_rows + rule_rows, status_rows));
        if hint_rows == 1 {
            let hint = if self.read_only { READ_ONLY_HINT } else { HINT };
            let hint = Paragraph::new(Line::styled(hint, Style::default().fg(theme.text_dim)));
            f.render_widget(hint, at(total - 1, 1));
        }
    }

    fn on_key(&mut self, key: KeyEvent, ctx: &PaneCtx) -> PaneReply {
        self.sync(ctx);
        if key.kind == KeyEventKind::Release || is_app_chord(&key) {
            return PaneReply::Ignored;
        }
        if is_ctrl(&key, 's') {
            return self.apply();
        }
        if is_ctrl(&key, 'l') {
            return self.reload(ctx);
        }
        if key.code == KeyCode::Esc {
            return PaneReply::Ignored;
        }
        if self.read_only && !is_navigation(&key) {
            return PaneReply::Notice(
                "read-only: this is a recording; the session cannot be edited".into(),
            );
        }
        if self.editor.input(key) {
            self.dirty = true;
            self.check = check_text(&self.editor.text());
        }
        PaneReply::Handled
    }

    /// Text entry while editing is possible; a recording's session is only viewed,
    /// so plain letters (`q`, `?`) keep their global meaning there.
    fn is_text_entry(&self) -> bool {
        !self.read_only
    }
}

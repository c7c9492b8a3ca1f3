//! The `/` prompt: a regex typed on the pane's last line. An invalid regex keeps
//! the prompt open with the error, so the user fixes it instead of retyping it.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use regex::{Regex, RegexBuilder};

use crate::tui::text::{one_line, printable};
use crate::tui::theme::Theme;

/// Bounds a pasted monster pattern's compiled size instead of stalling the UI.
const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Lines of a regex error shown (regex errors draw a caret under the pattern).
const MAX_ERROR_LINES: usize = 3;

#[derive(Debug, Clone, Default)]
pub(super) struct Prompt {
    text: String,
    error: Option<String>,
}

pub(super) enum Outcome {
    Editing,
    Cancel,
    /// Apply this regex; `None` (an empty prompt) clears the regex filter.
    Apply(Option<Regex>),
    Ignored,
}

impl Prompt {
    /// Starts from the current pattern, so refining a filter is a small edit.
    pub fn new(current: Option<&Regex>) -> Prompt {
        Prompt {
            text: current.map(|r| r.as_str().to_string()).unwrap_or_default(),
            error: None,
        }
    }

    /// Called for keys without Ctrl/Alt (the pane hands chords back to the app).
    pub fn on_key(&mut self, key: KeyEvent) -> Outcome {
        match key.code {
            KeyCode::Esc => Outcome::Cancel,
            KeyCode::Enter => {
                if self.text.is_empty() {
                    return Outcome::Apply(None);
                }
                match RegexBuilder::new(&self.text)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                {
                    Ok(re) => Outcome::Apply(Some(re)),
                    Err(e) => {
                        self.error = Some(e.to_string());
                        Outcome::Editing
                    }
                }
            }
            KeyCode::Backspace => {
                self.text.pop();
                self.error = None;
                Outcome::Editing
            }
            KeyCode::Char(c) => {
                self.text.push(c);
                self.error = None;
                Outcome::Editing
            }
            _ => Outcome::Ignored,
        }
    }

    pub fn height(&self) -> u16 {
        1 + self.error_lines().len() as u16
    }

    fn error_lines(&self) -> Vec<String> {
        let Some(e) = &self.error else {
            return Vec::new();
        };
        // "regex parse error:" heads every message and says nothing the line
        // below the prompt does not; the pattern, caret and reason follow it.
        e.lines()
            .filter(|l| !l.trim().is_empty() && l.trim() != "regex parse error:")
            .take(MAX_ERROR_LINES)
            .map(|l| printable(l).into_owned())
            .collect()
    }

    pub fn render(&self, f: &mut Frame, area: Rect, theme: &Theme) {
        let width = area.width as usize;
        let mut lines: Vec<Line> = self
            .error_lines()
            .into_iter()
            .map(|l| Line::styled(one_line(&l, width), Style::default().fg(theme.log_error)))
            .collect();
        // Keep the end of a long pattern in view: that is where the cursor is.
        let shown: String = {
            let room = width.saturating_sub(3);
            let n = self.text.chars().count();
            printable(&self.text)
                .chars()
                .skip(n.saturating_sub(room))
                .collect()
        };
        lines.push(Line::from(vec![
            Span::styled(
                "/",
                Style::default()
                    .fg(theme.title)
                    .add_modifier(Modifier::BOLD),
            ),
            Span::styled(shown, Style::default().fg(theme.text)),
            Span::styled("▏", Style::default().fg(theme.border_focused)),
        ]));
        f.render_widget(Paragraph::new(lines), area);
    }
}

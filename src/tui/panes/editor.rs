//! The multi-line editor the config editor and the composer share: a
//! `tui_textarea::TextArea` does the editing (cursor moves, undo, words), and this
//! module draws it. Drawing is done here rather than by the TextArea widget because
//! the widget builds every visible line in full, and a session's `instructions` can be
//! one JSON line of a megabyte: here only the cells that fit are touched. Text that
//! enters the editor (loaded, set by the app, typed) has its control characters made
//! visible first, so nothing in the buffer can reach the terminal as an escape.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use tui_textarea::{CursorMove, TextArea};

use crate::protocol::validate::Problem;
use crate::tui::text::printable;
use crate::tui::theme::Theme;

/// Keys that belong to the app even while an editor has the keyboard: focus moves
/// (Tab, Alt-letters), tool toggles (Alt-digits), function keys, and the global
/// Ctrl chords (quit, response.create, interrupt). Panes answer `Ignored` for them.
pub fn is_app_chord(key: &KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    match key.code {
        KeyCode::Tab | KeyCode::BackTab | KeyCode::F(_) => true,
        KeyCode::Char(_) if alt => true,
        KeyCode::Char(c) if ctrl => matches!(c.to_ascii_lowercase(), 'c' | 'r' | 'x'),
        _ => false,
    }
}

/// Whether a key is a ctrl chord on this letter (terminals report either case).
pub fn is_ctrl(key: &KeyEvent, letter: char) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL)
        && !key.modifiers.contains(KeyModifiers::ALT)
        && matches!(key.code, KeyCode::Char(c) if c.to_ascii_lowercase() == letter)
}

/// A key that moves or scrolls without changing the text (allowed when read-only).
pub fn is_navigation(key: &KeyEvent) -> bool {
    matches!(
        key.code,
        KeyCode::Up
            | KeyCode::Down
            | KeyCode::Left
            | KeyCode::Right
            | KeyCode::Home
            | KeyCode::End
            | KeyCode::PageUp
            | KeyCode::PageDown
    )
}

pub struct Editor {
    area: TextArea<'static>,
    /// First visible row and column (in characters), kept between frames so the
    /// view only moves when the cursor leaves it.
    top_row: usize,
    top_col: usize,
    /// Rows shown at the last draw: the size of a page for PageUp/PageDown.
    page: usize,
}

impl Default for Editor {
    fn default() -> Self {
        Editor {
            area: TextArea::default(),
            top_row: 0,
            top_col: 0,
            page: 1,
        }
    }
}

impl Editor {
    /// The text, lines joined with `\n`.
    pub fn text(&self) -> String {
        self.area.lines().join("\n")
    }

    pub fn is_empty(&self) -> bool {
        self.area.lines().iter().all(String::is_empty)
    }

    /// Replaces the text (control characters shown as symbols) and puts the cursor
    /// at the start; undo history starts afresh.
    pub fn set_text(&mut self, text: &str) {
        let lines = text
            .split('\n')
            .map(|l| printable(l.strip_suffix('\r').unwrap_or(l)).into_owned())
            .collect();
        self.area = TextArea::new(lines);
        self.top_row = 0;
        self.top_col = 0;
    }

    pub fn clear(&mut self) {
        self.set_text("");
    }

    pub fn on_first_line(&self) -> bool {
        self.area.cursor().0 == 0
    }

    pub fn on_last_line(&self) -> bool {
        self.area.cursor().0 + 1 >= self.area.lines().len()
    }

    pub fn move_to_start(&mut self) {
        self.area.move_cursor(CursorMove::Top);
        self.area.move_cursor(CursorMove::Head);
    }

    pub fn move_to_end(&mut self) {
        self.area.move_cursor(CursorMove::Bottom);
        self.area.move_cursor(CursorMove::End);
    }

    /// Puts the cursor on the first occurrence of `needle` (just inside it when it
    /// is a quoted empty string), or leaves it where it is.
    pub fn move_to(&mut self, needle: &str) {
        let found = self
            .area
            .lines()
            .iter()
            .enumerate()
            .find_map(|(row, line)| {
                line.find(needle).map(|byte| {
                    let col = line[..byte].chars().count();
                    let inside = usize::from(needle.ends_with("\"\""));
                    (row, col + needle.chars().count() - inside)
                })
            });
        if let Some((row, col)) = found {
            self.jump(row, col);
        }
    }

    fn jump(&mut self, row: usize, col: usize) {
        let clamp = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
        self.area
            .move_cursor(CursorMove::Jump(clamp(row), clamp(col)));
    }

    pub fn insert_newline(&mut self) {
        self.area.insert_newline();
    }

    /// Edits or moves by one key; true when the text changed. Control characters
    /// are never inserted, and Shift on movement keys is dropped because this view
    /// does not draw a selection (a selection nobody can see is a trap).
    pub fn input(&mut self, key: KeyEvent) -> bool {
        if key.kind == KeyEventKind::Release {
            return false;
        }
        let mut key = key;
        match key.code {
            KeyCode::Char(c) if c.is_control() => return false,
            KeyCode::Tab | KeyCode::BackTab => return false,
            KeyCode::Char(_) => {}
            KeyCode::PageUp | KeyCode::PageDown => {
                let (row, col) = self.area.cursor();
                let row = if key.code == KeyCode::PageUp {
                    row.saturating_sub(self.page)
                } else {
                    row.saturating_add(self.page)
                };
                self.jump(row, col);
                return false;
            }
            _ => key.modifiers.remove(KeyModifiers::SHIFT),
        }
        self.area.input(key)
    }

    /// Draws the visible window of the text. Work is proportional to the cells
    /// drawn (plus the characters skipped left of the view on each visible line).
    pub fn render(
        &mut self,
        buf: &mut Buffer,
        area: Rect,
        theme: &Theme,
        focused: bool,
        placeholder: &str,
    ) {
        let (height, width) = (usize::from(area.height), usize::from(area.width));
        if height == 0 || width == 0 {
            return;
        }
        self.page = height.saturating_sub(1).max(1);
        let (row, col) = self.area.cursor();
        self.top_row = scroll_to(self.top_row, row, height);
        self.top_col = scroll_to(self.top_col, col, width);
        let text = Style::default().fg(theme.text);
        if self.is_empty() && !placeholder.is_empty() {
            let dim = Style::default().fg(theme.text_dim);
            buf.set_stringn(area.x, area.y, placeholder, width, dim);
        } else {
            let lines = self.area.lines();
            let end = lines.len().min(self.top_row + height);
            for (i, line) in lines[self.top_row.min(end)..end].iter().enumerate() {
                let shown: String = line.chars().skip(self.top_col).take(width).collect();
                // Typed and loaded text is already printable; this is a second guard.
                buf.set_stringn(area.x, area.y + i as u16, printable(&shown), width, text);
            }
        }
        if focused {
            let x = area.x + (col - self.top_col) as u16;
            let y = area.y + (row - self.top_row) as u16;
            if let Some(cell) = buf.cell_mut((x, y)) {
                cell.set_style(text.add_modifier(Modifier::REVERSED));
            }
        }
    }
}

/// The first visible index so that `cursor` is within `len` cells of it.
fn scroll_to(top: usize, cursor: usize, len: usize) -> usize {
    if cursor < top {
        cursor
    } else if cursor >= top + len {
        cursor + 1 - len
    } else {
        top
    }
}

// Lines under the editor: problems and status, wrapped to the pane's width.

/// `path: message (hint)`, the way both editing panes list a problem.
pub fn problem_text(p: &Problem) -> String {
    match &p.hint {
        Some(h) => format!("{}: {} ({h})", p.path, p.message),
        None => format!("{}: {}", p.path, p.message),
    }
}

/// Rows a line takes when wrapped at `width` (an estimate: wrapping at words can
/// take a row more, which only cuts the last line).
fn rows(line: &Line, width: usize) -> usize {
    line.width().max(1).div_ceil(width.max(1))
}

/// The rows `lines` need at `width`.
pub fn lines_height(lines: &[Line], width: usize) -> usize {
    lines.iter().map(|l| rows(l, width)).sum()
}

/// As many lines as fit in `max_rows`; when some are left out the last kept line
/// says how many, so a long problem list never hides that it is long.
pub fn fit_lines(
    mut lines: Vec<Line<'static>>,
    width: usize,
    max_rows: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    if lines_height(&lines, width) <= max_rows {
        return lines;
    }
    let total = lines.len();
    let mut used = 0;
    let mut keep = 0;
    for l in &lines {
        let r = rows(l, width);
        // Leave a row for the "more" line.
        if used + r + 1 > max_rows {
            break;
        }
        used += r;
        keep += 1;
    }
    lines.truncate(keep);
    lines.push(Line::styled(
        format!("… {} more line(s)", total - keep),
        Style::default().fg(theme.text_dim),
    ));
    lines
}

//! The transcript: the conversation in server order (`Conversation::ordered`), each
//! item wrapped to the pane width, streaming as deltas arrive.
//!
//! Frames must stay cheap however long the conversation or an item gets, so the pane
//! lays out only what it shows: when following the bottom it walks items from the
//! end until the rows are filled, and every laid-out item is cached under its id
//! with a fingerprint of what it shows and the width. A scrolled view is anchored to
//! an item and a row in it, so new items arriving below do not move what the user
//! is reading.

mod layout;

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Padding, Paragraph};
use ratatui::Frame;

use crate::session::ConvItem;
use crate::tui::clipboard;
use crate::tui::pane::{Pane, PaneCtx, PaneId, PaneReply};
use crate::tui::theme::Theme;

/// What part of the conversation is on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
enum View {
    /// The last rows, moving as the conversation grows.
    Follow,
    /// The top row is row `line` of item `id` (rows counted without the separator
    /// of the first item).
    At { id: String, line: usize },
}

/// One item laid out at one width.
struct Cached {
    fingerprint: u64,
    width: u16,
    lines: Vec<Line<'static>>,
}

pub struct TranscriptPane {
    view: View,
    cache: HashMap<String, Cached>,
    /// The theme the cache was drawn with: another theme invalidates it.
    cache_theme: Option<Theme>,
    /// The text area of the last render, for scrolling by keys between frames.
    width: u16,
    height: u16,
    /// Items laid out so far: what the cache saves, counted for tests and benches.
    layouts: u64,
}

impl Default for TranscriptPane {
    fn default() -> Self {
        Self::new()
    }
}

impl TranscriptPane {
    pub fn new() -> Self {
        TranscriptPane {
            view: View::Follow,
            cache: HashMap::new(),
            cache_theme: None,
            width: 0,
            height: 0,
            layouts: 0,
        }
    }

    /// True while the view follows the end of the conversation.
    pub fn following(&self) -> bool {
        self.view == View::Follow
    }

    /// How many times an item has been laid out (cache misses) since the pane was made.
    pub fn layouts(&self) -> u64 {
        self.layouts
    }

    /// Lays `items[idx]` out if its cached rows are stale; returns its row count
    /// (the first item has no separator row).
    fn rows(&mut self, items: &[&ConvItem], idx: usize, theme: &Theme) -> usize {
        let item = items[idx];
        let fp = layout::fingerprint(item);
        let width = self.width;
        let fresh = self
            .cache
            .get(&item.id)
            .is_some_and(|c| c.fingerprint == fp && c.width == width);
        if !fresh {
            self.layouts += 1;
            let lines = layout::item_lines(item, theme, width);
            self.cache.insert(
                item.id.clone(),
                Cached {
                    fingerprint: fp,
                    width,
                    lines,
                },
            );
        }
        self.lines_of(items, idx).len()
    }

    /// The cached rows of `items[idx]`; call [`Self::rows`] first.
    fn lines_of(&self, items: &[&ConvItem], idx: usize) -> &[Line<'static>] {
        let lines = self
            .cache
            .get(&items[idx].id)
            .map_or(&[][..], |c| &c.lines[..]);
        if idx == 0 {
            lines.get(1..).unwrap_or(&[])
        } else {
            lines
        }
    }

    /// The top row when following: walks back from the end only as far as needed.
    fn follow_top(&mut self, items: &[&ConvItem], theme: &Theme) -> (usize, usize) {
        let h = usize::from(self.height);
        let mut below = 0;
        for idx in (0..items.len()).rev() {
            let n = self.rows(items, idx, theme);
            if below + n >= h {
                return (idx, below + n - h);
            }
            below += n;
        }
        (0, 0)
    }

    /// The current top row, `None` with nothing to show.
    fn top(&mut self, items: &[&ConvItem], theme: &Theme) -> Option<(usize, usize)> {
        if items.is_empty() {
            return None;
        }
        if let View::At { id, line } = &self.view {
            if let Some(idx) = items.iter().position(|i| &i.id == id) {
                let line = *line;
                let n = self.rows(items, idx, theme);
                let top = (idx, line.min(n.saturating_sub(1)));
                // Back to following once the end is in view (after a resize, or a
                // scroll down to the bottom).
                if self.rows_from(items, top, theme) > usize::from(self.height) {
                    return Some(top);
                }
            }
            // The anchor item was deleted, or the end is visible.
            self.view = View::Follow;
        }
        Some(self.follow_top(items, theme))
    }

    /// Rows from `top` to the end, counting no further than one past the height.
    fn rows_from(&mut self, items: &[&ConvItem], top: (usize, usize), theme: &Theme) -> usize {
        let limit = usize::from(self.height) + 1;
        let mut total = 0;
        for idx in top.0..items.len() {
            let n = self.rows(items, idx, theme);
            total += if idx == top.0 { n - top.1 } else { n };
            if total >= limit {
                break;
            }
        }
        total
    }

    fn anchor(&mut self, items: &[&ConvItem], (idx, line): (usize, usize)) {
        self.view = View::At {
            id: items[idx].id.clone(),
            line,
        };
    }

    fn scroll_up(&mut self, items: &[&ConvItem], theme: &Theme, by: usize) {
        let Some((mut idx, mut line)) = self.top(items, theme) else {
            return;
        };
        let mut rem = by;
        while rem > 0 {
            if line >= rem {
                line -= rem;
                break;
            }
            rem -= line;
            if idx == 0 {
                line = 0;
                break;
            }
            idx -= 1;
            line = self.rows(items, idx, theme);
        }
        self.anchor(items, (idx, line));
    }

    fn scroll_down(&mut self, items: &[&ConvItem], theme: &Theme, by: usize) {
        if self.view == View::Follow {
            return;
        }
        let Some((mut idx, mut line)) = self.top(items, theme) else {
            return;
        };
        let mut rem = by;
        loop {
            let n = self.rows(items, idx, theme);
            if line + rem < n {
                line += rem;
                break;
            }
            if idx + 1 >= items.len() {
                line = n.saturating_sub(1);
                break;
            }
            rem -= n - line;
            idx += 1;
            line = 0;
        }
        self.anchor(items, (idx, line));
        // Reaching the bottom resumes following.
        let _ = self.top(items, theme);
    }

    /// `y`: the item the user is reading: the top one when scrolled, else the newest.
    fn copy_item(&self, items: &[&ConvItem]) -> PaneReply {
        let item = match &self.view {
            View::At { id, .. } => items.iter().find(|i| &i.id == id),
            View::Follow => items.last(),
        };
        let Some(item) = item else {
            return PaneReply::Notice("no conversation item to copy yet".into());
        };
        let text = match (&item.name, &item.arguments, &item.output) {
            (Some(name), Some(args), _) => format!("{name}({args})"),
            (_, _, Some(output)) => output.clone(),
            _ => item.text(),
        };
        let who = item
            .role
            .as_ref()
            .map(|r| r.to_string())
            .unwrap_or_else(|| item.kind.to_string());
        PaneReply::Notice(clipboard::copy(&text, &format!("the {who} item")))
    }

    /// Keeps the cache to items that still exist once it has grown well past the
    /// conversation (items deleted, ids reused).
    fn prune(&mut self, ctx: &PaneCtx) {
        let conv = ctx.session.conversation();
        if self.cache.len() > 2 * conv.len() + 64 {
            self.cache.retain(|id, _| conv.get(id).is_some());
        }
    }
}

impl Pane for TranscriptPane {
    fn render(&mut self, f: &mut Frame, area: Rect, ctx: &PaneCtx) {
        let theme = ctx.theme;
        let title = if self.following() {
            format!(" {} ", PaneId::Transcript.title())
        } else {
            format!(" {} · scrolled (End follows) ", PaneId::Transcript.title())
        };
        let border = if ctx.focused {
            theme.border_focused
        } else {
            theme.border
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .padding(Padding::horizontal(1))
            .border_style(Style::default().fg(border))
            .title(Span::styled(title, Style::default().fg(theme.title)));
        let inner = block.inner(area);
        f.render_widget(block, area);
        if inner.width == 0 || inner.height == 0 {
            return;
        }
        if self.cache_theme.as_ref() != Some(theme) {
            self.cache.clear();
            self.cache_theme = Some(theme.clone());
        }
        self.width = inner.width;
        self.height = inner.height;
        self.prune(ctx);

        // Following, only the newest items can be on screen (each takes at least a
        // row), so the frame never walks the whole conversation.
        let items: Vec<&ConvItem> = if self.following() {
            let mut tail: Vec<&ConvItem> = ctx
                .session
                .conversation()
                .ordered_rev()
                .take(usize::from(inner.height) + 1)
                .collect();
            tail.reverse();
            tail
        } else {
            ctx.session.conversation().ordered().collect()
        };
        let Some((idx, line)) = self.top(&items, theme) else {
            let empty = Line::styled("no conversation yet", Style::default().fg(theme.text_dim));
            f.render_widget(Paragraph::new(empty), inner);
            return;
        };
        let h = usize::from(inner.height);
        let mut shown: Vec<Line<'static>> = Vec::with_capacity(h);
        for i in idx..items.len() {
            self.rows(&items, i, theme);
            let skip = if i == idx { line } else { 0 };
            let rows = self.lines_of(&items, i);
            shown.extend(rows.iter().skip(skip).take(h - shown.len()).cloned());
            if shown.len() >= h {
                break;
            }
        }
        f.render_widget(Paragraph::new(shown), inner);
    }

    fn on_key(&mut self, key: KeyEvent, ctx: &PaneCtx) -> PaneReply {
        if key.kind == KeyEventKind::Release
            || key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            return PaneReply::Ignored;
        }
        let page = usize::from(self.height).saturating_sub(1).max(1);
        let items: Vec<&ConvItem> = ctx.session.conversation().ordered().collect();
        // Before the first render there is no width to lay out with.
        let ready = self.width > 0 && self.height > 0;
        match key.code {
            KeyCode::Up if ready => self.scroll_up(&items, ctx.theme, 1),
            KeyCode::Down if ready => self.scroll_down(&items, ctx.theme, 1),
            KeyCode::PageUp if ready => self.scroll_up(&items, ctx.theme, page),
            KeyCode::PageDown if ready => self.scroll_down(&items, ctx.theme, page),
            KeyCode::Home if ready && !items.is_empty() => {
                self.anchor(&items, (0, 0));
                let _ = self.top(&items, ctx.theme);
            }
            KeyCode::End => self.view = View::Follow,
            KeyCode::Char('y') => return self.copy_item(&items),
            KeyCode::Up | KeyCode::Down | KeyCode::PageUp | KeyCode::PageDown | KeyCode::Home => {}
            _ => return PaneReply::Ignored,
        }
        PaneReply::Handled
    }
}

#[cfg(test)]
mod tests;

//! The Events pane: every event in both directions, one line per coalesced row,
//! with filters, a pretty-JSON detail view, related events and saving.
//!
//! A frame costs the same with 100,000 events as with 100: the filtered view is
//! updated only with what arrived since the last frame ([`view`]) and only the
//! visible rows are laid out.

mod detail;
mod filter;
mod footer;
mod json_style;
mod prompt;
mod row;
mod save;
mod view;
mod wrap;

#[cfg(test)]
mod tests;

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use self::detail::Detail;
use self::filter::{next_direction, Anchor, Filter};
use self::footer::Footer;
use self::prompt::Prompt;
use self::row::group;
use self::view::View;
use crate::session::EventLog;
use crate::tui::pane::{Pane, PaneCtx, PaneReply};
use crate::tui::text::one_line;

pub struct EventLogPane {
    save_dir: PathBuf,
    filter: Filter,
    view: View,
    /// The selected view position (meaningless while the view is empty).
    sel: usize,
    /// The first view position on screen.
    top: usize,
    /// Keep the selection on the newest row as rows arrive.
    follow: bool,
    /// First seq of the selected row, as of the last key or frame.
    selected: Option<usize>,
    /// Rows that fit the last frame, for PgUp/PgDn.
    page: usize,
    prompt: Option<Prompt>,
    detail: Option<Detail>,
    footer: Footer,
}

impl EventLogPane {
    /// `save_dir` is where `s` and `S` write their files.
    pub fn new(save_dir: PathBuf) -> EventLogPane {
        EventLogPane {
            save_dir,
            filter: Filter::default(),
            view: View::default(),
            sel: 0,
            top: 0,
            follow: true,
            selected: None,
            page: 10,
            prompt: None,
            detail: None,
            footer: Footer::default(),
        }
    }

    /// Where `s` and `S` write their files.
    pub fn save_dir(&self) -> &std::path::Path {
        &self.save_dir
    }

    /// The seq of the selected event (the first of a coalesced row); with the
    /// detail view open, the event it shows.
    pub fn selected_seq(&self) -> Option<usize> {
        match &self.detail {
            Some(d) => Some(d.seq()),
            None => self.selected,
        }
    }

    /// Whether new events move the selection to the bottom.
    pub fn follow(&self) -> bool {
        self.follow
    }

    /// Takes in new events and puts the selection where it belongs.
    fn settle(&mut self, log: &EventLog) {
        self.view.sync(&self.filter, log);
        let len = self.view.len(log);
        if len == 0 {
            self.sel = 0;
            self.selected = None;
            return;
        }
        if self.follow || self.sel >= len {
            self.sel = len - 1;
        }
        self.selected = Some(log.rows()[self.view.row(self.sel)].first);
    }

    /// After a filter change: rescan, and keep the selected row if it is still
    /// shown (else the nearest shown row before it).
    fn refilter(&mut self, log: &EventLog) {
        let row = self.selected.map(|seq| view::row_of(log.rows(), seq));
        self.view.rebuild(&self.filter, log);
        if let Some(row) = row {
            self.sel = self.view.position(row);
        }
        self.settle(log);
    }

    /// Moves the selection to `pos` (clamped); at the end it follows again.
    fn select(&mut self, pos: usize, log: &EventLog) {
        let len = self.view.len(log);
        if len == 0 {
            return;
        }
        self.sel = pos.min(len - 1);
        self.follow = self.sel == len - 1;
        self.settle(log);
    }

    fn title(&self, log: &EventLog) -> String {
        let total = group(log.len());
        if self.filter.is_empty() {
            return format!(" Events — {total} ");
        }
        format!(
            " Events — {} of {total} shown [{}] ",
            group(self.view.shown(log)),
            self.filter.describe()
        )
    }

    fn on_list_key(&mut self, key: KeyEvent, ctx: &PaneCtx) -> PaneReply {
        let log = ctx.session.log();
        let last = self.view.len(log).saturating_sub(1);
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => self.select(self.sel.saturating_sub(1), log),
            KeyCode::Down | KeyCode::Char('j') => self.select(self.sel + 1, log),
            KeyCode::PageUp => self.select(self.sel.saturating_sub(self.page.max(1)), log),
            KeyCode::PageDown => self.select(self.sel + self.page.max(1), log),
            KeyCode::Home | KeyCode::Char('g') => self.select(0, log),
            KeyCode::End | KeyCode::Char('G') => {
                self.select(last, log);
                self.follow = true;
            }
            KeyCode::Enter => match self.selected {
                Some(seq) => self.detail = Some(Detail::new(seq)),
                None => return PaneReply::Notice("no event to show yet".into()),
            },
            KeyCode::Char('/') => self.prompt = Some(Prompt::new(self.filter.regex.as_ref())),
            KeyCode::Char('t') => {
                if self.filter.ty.is_some() {
                    self.filter.ty = None;
                } else {
                    let Some(e) = self.selected.and_then(|s| log.get(s)) else {
                        return PaneReply::Notice("select an event to filter by its type".into());
                    };
                    self.filter.ty = Some(e.type_name.to_string());
                }
                self.refilter(log);
            }
            KeyCode::Char('d') => {
                self.filter.dir = next_direction(self.filter.dir);
                self.refilter(log);
            }
            KeyCode::Char('r') => return self.toggle_related(log),
            KeyCode::Char('c') => {
                self.filter = Filter::default();
                self.refilter(log);
            }
            KeyCode::Char('s') => return self.save_selected(log),
            KeyCode::Char('S') => return self.save_all(ctx),
            KeyCode::Char('y') => return self.copy_selected(log),
            KeyCode::Char('b') => {
                let Some(e) = self.selected.and_then(|s| log.meta(s)) else {
                    return PaneReply::Notice("select an event to break on its type".into());
                };
                return PaneReply::Break {
                    dir: e.dir,
                    event_type: e.type_name.to_string(),
                };
            }
            _ => return PaneReply::Ignored,
        }
        PaneReply::Handled
    }

    fn toggle_related(&mut self, log: &EventLog) -> PaneReply {
        if self.filter.related.take().is_none() {
            let Some(first) = self.selected else {
                return PaneReply::Notice("select an event to see the events related to it".into());
            };
            let row = log.rows()[view::row_of(log.rows(), first)];
            match Anchor::new(log, row.first, row.last) {
                Some(anchor) => self.filter.related = Some(anchor),
                None => {
                    let ty = log.get(first).map(|e| one_line(&e.type_name, 60));
                    return PaneReply::Notice(format!(
                        "#{first} ({}) has no response, item or call id, so no event relates to it",
                        ty.unwrap_or_default()
                    ));
                }
            }
        }
        self.refilter(log);
        PaneReply::Handled
    }

    fn render_list(&mut self, f: &mut Frame, area: Rect, ctx: &PaneCtx) {
        let theme = ctx.theme;
        let log = ctx.session.log();
        let border = if ctx.focused {
            theme.border_focused
        } else {
            theme.border
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(Style::default().fg(border))
            .title(one_line(
                &self.title(log),
                area.width.saturating_sub(2) as usize,
            ))
            .title_style(Style::default().fg(theme.title));
        let inner = block.inner(area);
        f.render_widget(block, area);
        let width = inner.width as usize;

        let prompt_h = self.prompt.as_ref().map_or(0, Prompt::height);
        let selected = self.selected.and_then(|s| log.get(s));
        let footer = self.footer.lines(selected.as_ref(), width, theme);
        // The list keeps at least one line; the footer gives way first.
        let room = inner.height.saturating_sub(prompt_h).saturating_sub(1);
        let footer_h = (footer.len() as u16).min(room);
        let list_h = inner.height.saturating_sub(prompt_h + footer_h);
        let list = Rect {
            height: list_h,
            ..inner
        };
        let footer_area = Rect {
            y: inner.y + list_h,
            height: footer_h,
            ..inner
        };
        let prompt_area = Rect {
            y: inner.y + list_h + footer_h,
            height: prompt_h.min(inner.height),
            ..inner
        };

        self.page = list_h as usize;
        let len = self.view.len(log);
        let h = list_h as usize;
        if len == 0 {
            let hint = if log.is_empty() {
                "No events yet: events in both directions appear here as they happen."
            } else {
                "No event matches the filter; c clears every filter."
            };
            f.render_widget(
                Paragraph::new(Line::styled(
                    one_line(hint, width),
                    Style::default().fg(theme.text_dim),
                )),
                list,
            );
        } else {
            // Keep the selection on screen, moving the window as little as possible.
            if self.sel < self.top {
                self.top = self.sel;
            } else if h > 0 && self.sel >= self.top + h {
                self.top = self.sel + 1 - h;
            }
            self.top = self.top.min(len.saturating_sub(h));
            let rows = log.rows();
            let end = (self.top + h).min(len);
            for (i, pos) in (self.top..end).enumerate() {
                let r = &rows[self.view.row(pos)];
                // Only the summary is read: a row never needs the raw text.
                let Some(line) = log.meta(r.first).and_then(|e| {
                    log.with_text(r.first, |_, summary| {
                        row::line(&e, summary, r, width, theme)
                    })
                }) else {
                    continue;
                };
                let y = list.y + i as u16;
                f.buffer_mut().set_line(list.x, y, &line, list.width);
                if pos == self.sel {
                    let at = Rect {
                        y,
                        height: 1,
                        ..list
                    };
                    f.buffer_mut().set_style(at, theme.selection_style());
                }
            }
        }
        if footer_h > 0 {
            f.render_widget(Paragraph::new(footer), footer_area);
        }
        if let Some(p) = &self.prompt {
            p.render(f, prompt_area, theme);
        }
    }
}

impl Pane for EventLogPane {
    fn render(&mut self, f: &mut Frame, area: Rect, ctx: &PaneCtx) {
        self.settle(ctx.session.log());
        match &mut self.detail {
            Some(d) => d.render(f, area, ctx),
            None => self.render_list(f, area, ctx),
        }
    }

    fn on_key(&mut self, key: KeyEvent, ctx: &PaneCtx) -> PaneReply {
        if key.kind == KeyEventKind::Release {
            return PaneReply::Ignored;
        }
        // Chords belong to the app's global bindings, even while typing.
        if key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SUPER)
        {
            return PaneReply::Ignored;
        }
        let log = ctx.session.log();
        self.settle(log);
        if let Some(p) = &mut self.prompt {
            return match p.on_key(key) {
                prompt::Outcome::Editing => PaneReply::Handled,
                prompt::Outcome::Cancel => {
                    self.prompt = None;
                    PaneReply::Handled
                }
                prompt::Outcome::Apply(regex) => {
                    self.prompt = None;
                    self.filter.regex = regex;
                    self.refilter(log);
                    PaneReply::Handled
                }
                prompt::Outcome::Ignored => PaneReply::Ignored,
            };
        }
        if let Some(d) = &mut self.detail {
            return match d.on_key(key, log) {
                detail::Outcome::Handled => PaneReply::Handled,
                detail::Outcome::Close => {
                    self.detail = None;
                    PaneReply::Handled
                }
                // Saving and copying work from the detail view too, on the event it shows.
                detail::Outcome::Ignored => match key.code {
                    KeyCode::Char('s') => self.save_selected(log),
                    KeyCode::Char('S') => self.save_all(ctx),
                    KeyCode::Char('y') => self.copy_selected(log),
                    _ => PaneReply::Ignored,
                },
            };
        }
        self.on_list_key(key, ctx)
    }

    fn is_text_entry(&self) -> bool {
        self.prompt.is_some()
    }
}

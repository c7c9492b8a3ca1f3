//! The `?` overlay: every binding, generated from the keymap and the panes' key
//! table, so the help can never disagree with what the keys do.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::keymap::{Keymap, Scope, PANE_KEYS};
use super::theme::Theme;

/// The help text as lines: a heading per scope, then `keys  description`.
pub fn help_lines(
    keymap: &Keymap,
    tools: &[(usize, String, bool)],
) -> Vec<(Option<String>, String)> {
    let mut out: Vec<(Option<String>, String)> = Vec::new();
    let scopes = [
        Scope::Global,
        Scope::Normal,
        Scope::Log,
        Scope::Transcript,
        Scope::Config,
        Scope::Composer,
    ];
    for scope in scopes {
        out.push((None, scope.title().to_string()));
        for b in keymap.bindings().iter().filter(|b| b.scope == scope) {
            let keys = keymap.keys_of(b.action);
            let keys = if keys.is_empty() {
                "(unbound)".to_string()
            } else {
                keys
            };
            let mut description = b.description.to_string();
            if let Some(n) = b.action.tool_number() {
                match tools.iter().find(|(i, _, _)| *i == n) {
                    Some((_, name, on)) => {
                        // The name comes from the server's session: made safe.
                        let name = crate::tui::text::one_line(name, 40);
                        description =
                            format!("turn tool {n} `{name}` {}", if *on { "off" } else { "on" })
                    }
                    // Unconfigured tool slots would only pad the help.
                    None if n > 1 => continue,
                    None => {}
                }
            }
            out.push((Some(keys), description));
        }
        for (_, keys, description) in PANE_KEYS.iter().filter(|(s, _, _)| *s == scope) {
            out.push((Some((*keys).to_string()), (*description).to_string()));
        }
    }
    out
}

/// Draws the overlay centred over `area`, scrolled by `scroll` lines.
pub fn render_help(
    f: &mut Frame,
    area: Rect,
    keymap: &Keymap,
    tools: &[(usize, String, bool)],
    theme: &Theme,
    scroll: u16,
) {
    let width = area.width.saturating_sub(4).min(100);
    let height = area.height.saturating_sub(2);
    let [popup] = Layout::horizontal([Constraint::Length(width)])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(popup);
    let key_width = 22usize;
    let lines: Vec<Line> = help_lines(keymap, tools)
        .into_iter()
        .map(|(keys, text)| match keys {
            None => Line::from(Span::styled(
                text,
                Style::default()
                    .fg(theme.title)
                    .add_modifier(Modifier::BOLD),
            )),
            Some(k) => Line::from(vec![
                Span::styled(
                    format!("  {k:<key_width$} "),
                    Style::default().fg(theme.log_client),
                ),
                Span::styled(text, Style::default().fg(theme.text)),
            ]),
        })
        .collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::default().fg(theme.border_focused))
        .title(" Help — Esc, F1 or ? closes · ↑↓ PgUp PgDn scroll ");
    f.render_widget(Clear, popup);
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        popup,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keymap::Action;

    #[test]
    fn every_bound_action_appears_in_the_help() {
        let km = Keymap::default();
        let lines = help_lines(&km, &[(1, "get_weather".into(), true)]);
        let text: String = lines
            .iter()
            .map(|(k, d)| format!("{} {d}\n", k.clone().unwrap_or_default()))
            .collect();
        for b in km.bindings() {
            if b.action.tool_number().is_some_and(|n| n > 1) {
                continue;
            }
            assert!(
                text.contains(&km.keys_of(b.action)),
                "{:?} missing",
                b.action
            );
        }
        assert!(text.contains("turn tool 1 `get_weather` off"));
        assert!(text.contains("Ctrl-C"), "{text}");
        assert!(text.contains(&km.keys_of(Action::Interrupt)));
    }
}

//! The config editor's bottom area: whether the edited session is valid (and where
//! it is not), and what the server did with the last `session.update`. Kept apart
//! from the pane so the wording is in one place and the pane stays about editing.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use serde_json::Value;

use super::super::editor::problem_text;
use crate::protocol::validate::Problem;
use crate::session::{ConfigState, FieldChange, FieldDiff};
use crate::tui::text::one_line;
use crate::tui::theme::Theme;

/// Long values (an `instructions` string) are cut in the diff: the editor shows them whole.
const VALUE_CHARS: usize = 60;
/// Messages quote user values; a line is cut before it can cost more than a screen.
const LINE_CHARS: usize = 400;

/// What the edited text is, as far as sending it goes.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Check {
    /// Nothing loaded or typed yet.
    #[default]
    Empty,
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    Problems(Vec<Problem>),
    /// A session object that passes validation: what `session.update` will carry.
    Valid(Value),
}

impl Check {
    /// What to fix, for the notice when an apply is refused.
    pub fn refusal(&self) -> String {
        match self {
            Check::Empty => "not applied: the editor is empty; Ctrl-L loads the session".into(),
            Check::Syntax { line, column, .. } => {
                format!("not applied: fix the JSON syntax at line {line}, column {column}")
            }
            Check::Problems(p) => format!(
                "not applied: fix {} problem(s), first {}",
                p.len(),
                one_line(&problem_text(&p[0]), 160)
            ),
            Check::Valid(_) => String::new(),
        }
    }
}

fn styled(text: String, colour: ratatui::style::Color) -> Line<'static> {
    Line::from(Span::styled(
        one_line(&text, LINE_CHARS),
        Style::default().fg(colour),
    ))
}

/// The validation lines: problems in `log_error`, "valid" dimmed.
pub fn check_lines(check: &Check, has_session: bool, theme: &Theme) -> Vec<Line<'static>> {
    match check {
        Check::Empty if !has_session => vec![styled(
            "waiting for session.created…".into(),
            theme.text_dim,
        )],
        Check::Empty => vec![styled(
            "✗ empty: type the session as a JSON object, or Ctrl-L to reload it".into(),
            theme.log_error,
        )],
        Check::Syntax {
            line,
            column,
            message,
        } => vec![styled(
            format!("✗ {line}:{column} {message}"),
            theme.log_error,
        )],
        Check::Problems(problems) => {
            let mut out = vec![styled(
                format!("✗ {} problem(s):", problems.len()),
                theme.log_error,
            )];
            out.extend(
                problems
                    .iter()
                    .map(|p| styled(format!("  {}", problem_text(p)), theme.log_error)),
            );
            out
        }
        Check::Valid(_) => vec![styled("✓ valid".into(), theme.text_dim)],
    }
}

fn value_text(v: &Value) -> String {
    // `Value`'s Display escapes control characters, so server strings stay inert.
    one_line(&v.to_string(), VALUE_CHARS)
}

fn diff_line(d: &FieldDiff, theme: &Theme) -> Line<'static> {
    match &d.change {
        FieldChange::Changed { sent, effective } => styled(
            format!(
                "  {}: sent {} → got {}",
                d.path,
                value_text(sent),
                value_text(effective)
            ),
            theme.diff_changed,
        ),
        FieldChange::Dropped { sent } => styled(
            format!(
                "  {}: sent {} → dropped by the server",
                d.path,
                value_text(sent)
            ),
            theme.diff_dropped,
        ),
    }
}

/// What the server made of the last `session.update`, if one was sent.
pub fn server_lines(config: &ConfigState, theme: &Theme) -> Vec<Line<'static>> {
    if config.awaiting_update {
        return vec![styled("awaiting session.updated…".into(), theme.text_dim)];
    }
    if config.requested.is_none() {
        return Vec::new();
    }
    if config.diff.is_empty() {
        return vec![styled(
            "session.updated: server applied everything as sent".into(),
            theme.text_dim,
        )];
    }
    let mut out = vec![styled(
        format!(
            "session.updated: the server changed or dropped {} field(s):",
            config.diff.len()
        ),
        theme.text,
    )];
    out.extend(config.diff.iter().map(|d| diff_line(d, theme)));
    out
}

//! What the composer says under its editor: whether the text would be sent as a
//! user message or as a valid event, the first problem while typing, and every
//! problem (path, message, hint) after Enter was refused.

use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};

use super::super::editor::problem_text;
use crate::protocol::validate::{validate_client_text, ValidationError};
use crate::protocol::Dialect;
use crate::tui::text::one_line;
use crate::tui::theme::Theme;

/// Status lines quote typed values; each is cut before it costs more than a screen.
const LINE_CHARS: usize = 400;

/// What the text would be if sent now, worked out once per edit.
#[derive(Debug, Clone, PartialEq)]
pub enum Assessment {
    Empty,
    /// Words, not JSON: a user message and `response.create`.
    Plain,
    Valid(String),
    Invalid(ValidationError),
}

pub fn assess(text: &str, dialect: Dialect) -> Assessment {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        Assessment::Empty
    } else if !trimmed.starts_with('{') {
        Assessment::Plain
    } else {
        match validate_client_text(text, dialect) {
            Ok(v) => Assessment::Valid(
                v.get("type")
                    .and_then(|t| t.as_str())
                    .unwrap_or("event")
                    .to_string(),
            ),
            Err(e) => Assessment::Invalid(e),
        }
    }
}

pub fn styled(text: String, colour: Color) -> Line<'static> {
    Line::from(Span::styled(
        one_line(&text, LINE_CHARS),
        Style::default().fg(colour),
    ))
}

fn syntax_text(line: usize, column: usize, message: &str) -> String {
    format!("{line}:{column} {message}")
}

/// The first thing wrong, and how many more there are.
pub fn first_problem(e: &ValidationError) -> String {
    match e {
        ValidationError::Syntax {
            line,
            column,
            message,
        } => format!("✗ {}", syntax_text(*line, *column, message)),
        ValidationError::Invalid(p) if p.len() > 1 => {
            format!("✗ {} (+{} more)", problem_text(&p[0]), p.len() - 1)
        }
        ValidationError::Invalid(p) => match p.first() {
            Some(first) => format!("✗ {}", problem_text(first)),
            None => "✗ invalid".into(),
        },
    }
}

/// Every problem, one per line, after a refused Enter.
pub fn refused_lines(e: &ValidationError, theme: &Theme) -> Vec<Line<'static>> {
    match e {
        ValidationError::Syntax {
            line,
            column,
            message,
        } => vec![styled(
            format!("✗ not sent: {}", syntax_text(*line, *column, message)),
            theme.log_error,
        )],
        ValidationError::Invalid(problems) => {
            let mut out = vec![styled(
                format!("✗ not sent: {} problem(s)", problems.len()),
                theme.log_error,
            )];
            out.extend(
                problems
                    .iter()
                    .map(|p| styled(format!("  {}", problem_text(p)), theme.log_error)),
            );
            out
        }
    }
}

/// The status-line notice for a refused event: the count and the first problem.
pub fn refusal(e: &ValidationError) -> String {
    let what = match e {
        ValidationError::Syntax { .. } => "invalid JSON".to_string(),
        ValidationError::Invalid(p) => format!("{} problem(s)", p.len()),
    };
    let first = first_problem(e);
    let first = first.trim_start_matches("✗ ");
    format!("not sent ({what}): {}", one_line(first, 200))
}

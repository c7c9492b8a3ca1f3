//! Validation of an outgoing client event before it is sent.
//!
//! A user who hand-types JSON in the terminal should learn everything that is wrong in one
//! go, in the API's own terms (`param`-style paths such as `session.tools[3].description`),
//! before the server rejects the whole event for a single unknown parameter.
//!
//! The rules are data: shape tables per concept ([`shape`] walks them), so that the GA and
//! beta dialects stay side by side and every message is worded the same way.

mod beta_items;
mod beta_session;
mod checks;
mod common;
mod events;
mod ga_session;
mod items;
mod message;
mod report;
mod response_params;
mod shape;
pub(crate) mod suggest;
#[cfg(test)]
mod test_support;
mod tools;
mod transcription;
mod walk;

pub use transcription::MODELS as TRANSCRIPTION_MODELS;

use std::fmt;

use serde_json::Value;

use crate::protocol::Dialect;

/// One thing wrong with a client event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where, in the API's `param` style: `type`, `session.audio.input.format`,
    /// `item.content[0].text`. `event` when the event as a whole is wrong.
    pub path: String,
    /// What is wrong, quoting the offending value (shortened when long).
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
    /// The OpenAI error code the real API would answer with (`unknown_parameter`,
    /// `missing_required_parameter`, `invalid_type`, `string_above_max_length`, …);
    /// `invalid_value` unless a check says otherwise. Used by the mock server.
    pub code: &'static str,
}

impl Problem {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            path: path.into(),
            message: message.into(),
            hint: None,
            code: codes::INVALID_VALUE,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "; {hint}")?;
        }
        Ok(())
    }
}

/// OpenAI error codes a [`Problem`] is classified with.
pub mod codes {
    pub const INVALID_VALUE: &str = "invalid_value";
    pub const INVALID_TYPE: &str = "invalid_type";
    pub const INVALID_EVENT: &str = "invalid_event";
    pub const UNKNOWN_PARAMETER: &str = "unknown_parameter";
    pub const MISSING_REQUIRED_PARAMETER: &str = "missing_required_parameter";
    pub const STRING_ABOVE_MAX_LENGTH: &str = "string_above_max_length";
    pub const INTEGER_ABOVE_MAX_VALUE: &str = "integer_above_max_value";
    pub const INTEGER_BELOW_MIN_VALUE: &str = "integer_below_min_value";
    pub const DECIMAL_ABOVE_MAX_VALUE: &str = "decimal_above_max_value";
    pub const DECIMAL_BELOW_MIN_VALUE: &str = "decimal_below_min_value";
}

/// Why a client event must not be sent as typed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// The text is not JSON at all.
    #[error("invalid JSON: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// The JSON is not a valid client event; every problem found, in document order.
    #[error("{}", list(.0))]
    Invalid(Vec<Problem>),
}

impl ValidationError {
    /// The problems of an `Invalid` event; empty for a syntax error.
    pub fn problems(&self) -> &[Problem] {
        match self {
            ValidationError::Invalid(problems) => problems,
            ValidationError::Syntax { .. } => &[],
        }
    }
}

fn list(problems: &[Problem]) -> String {
    let lines: Vec<String> = problems.iter().map(Problem::to_string).collect();
    lines.join("\n")
}

/// Parse and validate hand-typed text; the parsed event only if nothing is wrong with it.
pub fn validate_client_text(text: &str, dialect: Dialect) -> Result<Value, ValidationError> {
    let value: Value = serde_json::from_str(text).map_err(|e| syntax_error(text, &e))?;
    let problems = validate_client_value(&value, dialect);
    if problems.is_empty() {
        Ok(value)
    } else {
        Err(ValidationError::Invalid(problems))
    }
}

/// Every problem with a parsed client event; empty when it is fine to send.
pub fn validate_client_value(value: &Value, dialect: Dialect) -> Vec<Problem> {
    let mut out = Vec::new();
    events::check_event(value, dialect, &mut out);
    out
}

/// Checks a session config on its own (the body of a client secret, `--session`), as
/// `session.update` would; problem paths start with `session.`.
pub fn validate_session_value(session: &Value, dialect: Dialect) -> Vec<Problem> {
    let event = serde_json::json!({"type": "session.update", "session": session});
    validate_client_value(&event, dialect)
}

/// The client event types a dialect accepts, for completion and help.
pub fn client_event_types(dialect: Dialect) -> &'static [&'static str] {
    events::client_types(dialect)
}

fn syntax_error(text: &str, err: &serde_json::Error) -> ValidationError {
    let (line, column) = (err.line(), err.column());
    if text.trim().is_empty() {
        return ValidationError::Syntax {
            line,
            column,
            message:
                "the event is empty; type a JSON object such as {\"type\": \"response.create\"}"
                    .to_string(),
        };
    }
    let full = err.to_string();
    let what = full
        .rsplit_once(" at line ")
        .map_or(full.as_str(), |(w, _)| w);
    let near = near(text, line, column);
    let hint = syntax_hint(err, what, near.as_deref());
    let near = near.map(|n| format!(", near `{n}`")).unwrap_or_default();
    ValidationError::Syntax {
        line,
        column,
        message: format!("{what} at line {line}, column {column}{near}; {hint}"),
    }
}

/// A few characters around the error, so the user can find it in a long one-liner.
fn near(text: &str, line: usize, column: usize) -> Option<String> {
    let chars: Vec<char> = text.lines().nth(line.checked_sub(1)?)?.chars().collect();
    if chars.is_empty() {
        return None;
    }
    let at = column.saturating_sub(1).min(chars.len() - 1);
    let snippet: String = chars[at.saturating_sub(20)..(at + 10).min(chars.len())]
        .iter()
        .collect();
    Some(snippet.trim().to_string()).filter(|s| !s.is_empty())
}

fn syntax_hint(err: &serde_json::Error, what: &str, near: Option<&str>) -> &'static str {
    if err.classify() == serde_json::error::Category::Eof {
        return "the text ends before the JSON is complete: close every open {, [ and \"";
    }
    if what.contains("trailing comma") {
        "remove the comma before the closing bracket"
    } else if what.contains("key must be a string") {
        "quote keys with double quotes: {\"type\": …}"
    } else if what.contains("expected value") && near.is_some_and(|n| n.contains('\'')) {
        "JSON strings use double quotes, not single quotes"
    } else if what.contains("expected value") || what.contains("expected ident") {
        "a value is missing or malformed here (strings need double quotes; true, false, null are lowercase)"
    } else if what.contains("expected `,` or") {
        "a comma is probably missing between two entries"
    } else if what.contains("expected `:`") {
        "put a colon between a key and its value"
    } else if what.contains("trailing characters") {
        "send exactly one JSON object per event"
    } else if what.contains("control character") {
        "escape line breaks inside strings as \\n"
    } else if what.contains("escape") {
        "write a backslash inside a string as \\\\"
    } else {
        "fix the JSON syntax at that position"
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{ga, lines, problem_at};
    use super::*;
    use serde_json::json;

    #[test]
    fn syntax_error_reports_line_and_column() {
        let err = validate_client_text(
            "{\n  \"type\": \"response.create\"\n  \"event_id\": \"x\"\n}",
            Dialect::Ga,
        )
        .unwrap_err();
        let ValidationError::Syntax {
            line,
            column,
            message,
        } = &err
        else {
            panic!("expected a syntax error, got {err:?}");
        };
        assert_eq!((*line, *column), (3, 3));
        assert!(message.contains("line 3, column 3"), "{message}");
        assert!(message.contains("comma"), "{message}");
        assert!(err.to_string().starts_with("invalid JSON: "));
    }

    #[test]
    fn unfinished_json_says_the_text_ends_early() {
        let err = validate_client_text("{\"type\": \"response.create\"", Dialect::Ga).unwrap_err();
        assert!(err.to_string().contains("ends before"), "{err}");
    }

    #[test]
    fn single_quotes_get_a_double_quote_hint() {
        let err = validate_client_text("{'type': 'response.create'}", Dialect::Ga).unwrap_err();
        assert!(err.to_string().contains("double quotes"), "{err}");
    }

    #[test]
    fn empty_text_asks_for_an_object() {
        let err = validate_client_text("   ", Dialect::Ga).unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
    }

    #[test]
    fn valid_text_returns_the_parsed_event() {
        let value = validate_client_text(r#"{"type":"response.create"}"#, Dialect::Ga).unwrap();
        assert_eq!(value, json!({"type": "response.create"}));
    }

    #[test]
    fn invalid_event_lists_every_problem_one_per_line() {
        let err = validate_client_text(
            r#"{"type":"session.update","session":{"modalities":["text"],"voice":"alloy"}}"#,
            Dialect::Ga,
        )
        .unwrap_err();
        let text = err.to_string();
        assert_eq!(err.problems().len(), 3, "{text}");
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(
            text.lines().any(|l| l.starts_with("session.type: ")),
            "{text}"
        );
    }

    #[test]
    fn problem_display_joins_path_message_and_hint() {
        let p = Problem::new("type", "bad").with_hint("fix it");
        assert_eq!(p.to_string(), "type: bad; fix it");
        assert_eq!(Problem::new("type", "bad").to_string(), "type: bad");
    }

    #[test]
    fn root_that_is_not_an_object_is_rejected() {
        let p = ga(json!(["response.create"]));
        assert!(problem_at(&p, "event").message.contains("JSON object"));
    }

    #[test]
    fn client_event_types_differ_by_dialect() {
        assert!(!client_event_types(Dialect::Ga).contains(&"transcription_session.update"));
        assert!(client_event_types(Dialect::Beta).contains(&"transcription_session.update"));
    }

    /// Every `*.json` under `tests/fixtures/client/<dir>`, which another part of the
    /// project maintains as known-good examples; missing directories yield nothing.
    fn fixtures(dir: &str) -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/client")
            .join(dir);
        let Ok(entries) = std::fs::read_dir(&root) else {
            return Vec::new();
        };
        let mut files: Vec<(String, String)> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .map(|p| {
                let text = std::fs::read_to_string(&p).expect("fixture readable");
                (p.display().to_string(), text)
            })
            .collect();
        files.sort();
        files
    }

    fn assert_fixtures_clean(dir: &str, dialect: Dialect) {
        let mut failures = Vec::new();
        for (name, text) in fixtures(dir) {
            match validate_client_text(&text, dialect) {
                Ok(_) => {}
                Err(ValidationError::Invalid(p)) => {
                    failures.push(format!("{name}:\n{}", lines(&p)))
                }
                Err(e) => failures.push(format!("{name}: {e}")),
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn every_valid_ga_fixture_passes() {
        assert_fixtures_clean("ga", Dialect::Ga);
    }

    #[test]
    fn every_valid_beta_fixture_passes() {
        assert_fixtures_clean("beta", Dialect::Beta);
    }
}

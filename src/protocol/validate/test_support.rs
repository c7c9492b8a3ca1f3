//! Helpers shared by the validation tests.

use serde_json::Value;

use super::{validate_client_value, Problem};
use crate::protocol::Dialect;

pub(crate) fn ga(value: Value) -> Vec<Problem> {
    validate_client_value(&value, Dialect::Ga)
}

pub(crate) fn beta(value: Value) -> Vec<Problem> {
    validate_client_value(&value, Dialect::Beta)
}

/// The problem at `path`, or a panic that shows every problem found.
pub(crate) fn problem_at<'a>(problems: &'a [Problem], path: &str) -> &'a Problem {
    problems
        .iter()
        .find(|p| p.path == path)
        .unwrap_or_else(|| panic!("no problem at {path}; got:\n{}", lines(problems)))
}

pub(crate) fn hint_at<'a>(problems: &'a [Problem], path: &str) -> &'a str {
    problem_at(problems, path).hint.as_deref().unwrap_or("")
}

pub(crate) fn assert_clean(problems: &[Problem]) {
    assert!(
        problems.is_empty(),
        "unexpected problems:\n{}",
        lines(problems)
    );
}

pub(crate) fn lines(problems: &[Problem]) -> String {
    let lines: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
    lines.join("\n")
}

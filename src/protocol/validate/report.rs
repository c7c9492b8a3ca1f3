//! How problems are worded: paths, shortened values, and the common messages shared by
//! the walker and the custom checks.

use serde_json::Value;

use super::shape::{accepts_kind, describe, Shape};
use super::suggest::closest;
use super::{codes, Problem};

/// `session` + `tools` → `session.tools`; the root has an empty path.
pub(crate) fn key(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

pub(crate) fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// Compact JSON for a message, cut short so a pasted 2 MB audio string stays readable.
pub(crate) fn show(value: &Value) -> String {
    const MAX: usize = 60;
    let text = value.to_string();
    if text.chars().count() <= MAX {
        return text;
    }
    let cut: String = text.chars().take(MAX).collect();
    format!("{cut}…")
}

/// "string \"abc\"", "number 3", "null": what the user actually gave.
pub(crate) fn got(value: &Value) -> String {
    let kind = match value {
        Value::Null => return "null".to_string(),
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    format!("{kind} {}", show(value))
}

/// Wrong JSON kind. Quoted numbers and booleans are the classic hand-typing slip.
pub(crate) fn mismatch(shape: &Shape, value: &Value, path: &str, out: &mut Vec<Problem>) {
    let expected = describe(shape);
    let unquoted = value.as_str().and_then(|s| {
        let parsed: Value = serde_json::from_str(s.trim()).ok()?;
        (!parsed.is_string() && accepts_kind(shape, &parsed)).then_some(parsed)
    });
    let hint = match unquoted {
        Some(v) => format!("remove the quotes: write {v}"),
        None => format!("give {expected}"),
    };
    out.push(
        Problem::new(path, format!("expected {expected}, got {}", got(value)))
            .with_hint(hint)
            .with_code(codes::INVALID_TYPE),
    );
}

/// A string outside its allowed set; `expected` describes everything that would do,
/// which can be more than `names` when the string is one alternative of several.
pub(crate) fn invalid_choice(
    names: &[&str],
    expected: &str,
    given: &str,
    path: &str,
    out: &mut Vec<Problem>,
) {
    let hint = match closest(given, names.iter().copied()) {
        Some(s) => format!("did you mean \"{s}\"?"),
        None => format!("use {expected}"),
    };
    let given = show(&Value::String(given.to_string()));
    out.push(
        Problem::new(path, format!("invalid value {given}: expected {expected}")).with_hint(hint),
    );
}

/// Worded like the API's `string_above_max_length` error.
pub(crate) fn check_length(s: &str, max: usize, path: &str, out: &mut Vec<Problem>) {
    let len = s.chars().count();
    if len > max {
        out.push(
            Problem::new(
                path,
                format!(
                    "string too long. Expected a string with maximum length {max}, \
                     but got a string with length {len} instead"
                ),
            )
            .with_hint(format!("shorten it to {max} characters or fewer"))
            .with_code(codes::STRING_ABOVE_MAX_LENGTH),
        );
    }
}

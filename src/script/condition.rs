//! Conditions on a server event's fields: `response.status=completed`,
//! `response.output[0].content[0].text~/sunny/i`, `error.param?`. Paths and regexes
//! are checked when the script is parsed, so a run never fails on a typo in one.

use std::fmt;

use serde_json::Value;

use super::pattern::Pattern;
use crate::session::summary::one_line;

/// One step of a path: an object key or an array index (negative counts from the end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(i64),
}

/// A dotted path into an event, as written: `response.output[0].content[-1].text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPath {
    text: String,
    segments: Vec<Segment>,
}

/// Why a path or regex was refused: the character offset in what was written, what
/// is wrong, and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxProblem {
    pub offset: usize,
    pub message: String,
    pub hint: String,
}

impl SyntaxProblem {
    pub(super) fn new(offset: usize, message: impl Into<String>, hint: impl Into<String>) -> Self {
        SyntaxProblem {
            offset,
            message: message.into(),
            hint: hint.into(),
        }
    }
}

const PATH_HINT: &str =
    "write a dotted path such as response.status or response.output[0].content[0].text";

impl JsonPath {
    pub fn parse(text: &str) -> Result<JsonPath, SyntaxProblem> {
        let chars: Vec<char> = text.chars().collect();
        let mut segments = Vec::new();
        let mut i = 0;
        // A key is expected at the start and after every dot; an index may follow a key.
        let mut want_key = true;
        while i < chars.len() {
            match chars[i] {
                '[' => {
                    let close = chars[i..].iter().position(|&c| c == ']').map(|p| p + i);
                    let Some(close) = close else {
                        return Err(SyntaxProblem::new(
                            i,
                            format!("the `[` in `{text}` is not closed"),
                            "write an index as [0] (or [-1] for the last element)",
                        ));
                    };
                    let inner: String = chars[i + 1..close].iter().collect();
                    let index = inner.parse::<i64>().map_err(|_| {
                        SyntaxProblem::new(
                            i + 1,
                            format!("`[{inner}]` in `{text}` is not an array index"),
                            "an index is a whole number such as [0], or [-1] for the last element; object keys go after a dot",
                        )
                    })?;
                    segments.push(Segment::Index(index));
                    i = close + 1;
                    want_key = false;
                }
                '.' if !want_key => {
                    want_key = true;
                    i += 1;
                }
                '.' | ']' => {
                    return Err(SyntaxProblem::new(
                        i,
                        format!("`{text}` has an empty key at `{}`", chars[i]),
                        PATH_HINT,
                    ))
                }
                _ if !want_key => {
                    return Err(SyntaxProblem::new(
                        i,
                        format!("`{text}` needs a dot before `{}`", chars[i]),
                        PATH_HINT,
                    ))
                }
                _ => {
                    let end = chars[i..]
                        .iter()
                        .position(|&c| c == '.' || c == '[' || c == ']')
                        .map_or(chars.len(), |p| p + i);
                    segments.push(Segment::Key(chars[i..end].iter().collect()));
                    i = end;
                    want_key = false;
                }
            }
        }
        if want_key {
            return Err(SyntaxProblem::new(
                chars.len().saturating_sub(1),
                format!("`{text}` ends without a key"),
                PATH_HINT,
            ));
        }
        Ok(JsonPath {
            text: text.to_string(),
            segments,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The value at this path, if every step exists.
    pub fn lookup<'a>(&self, root: &'a Value) -> Option<&'a Value> {
        self.segments.iter().try_fold(root, |v, seg| match seg {
            Segment::Key(k) => v.get(k.as_str()),
            Segment::Index(i) => {
                let arr = v.as_array()?;
                let at = if *i < 0 {
                    arr.len().checked_sub(i.unsigned_abs() as usize)?
                } else {
                    *i as usize
                };
                arr.get(at)
            }
        })
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// `path=value`: equal as JSON (numbers by value, so `21` equals `21.0`).
    Eq(Value),
    /// `path!=value`: not equal; a missing field is not equal to anything.
    Ne(Value),
    /// `path~/regex/flags`: a string field's text, or any other value's JSON, matches.
    Regex(Pattern),
    /// `path?`: present and not null.
    Exists,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub path: JsonPath,
    pub op: Op,
}

impl Condition {
    pub fn matches(&self, event: &Value) -> bool {
        self.mismatch(event).is_none()
    }

    /// Why the event does not satisfy the condition (`response.status is
    /// "incomplete"`), or `None` when it does.
    pub fn mismatch(&self, event: &Value) -> Option<String> {
        let path = &self.path;
        let found = path.lookup(event);
        let shown = |v: &Value| one_line(&v.to_string(), 80);
        match (&self.op, found) {
            (Op::Exists, None) => Some(format!("{path} is missing")),
            (Op::Exists, Some(Value::Null)) => Some(format!("{path} is null")),
            (Op::Exists, Some(_)) => None,
            (Op::Ne(_), None) => None,
            (Op::Ne(want), Some(v)) if json_equal(v, want) => {
                Some(format!("{path} is {}", shown(v)))
            }
            (Op::Ne(_), Some(_)) => None,
            (_, None) => Some(format!("{path} is missing")),
            (Op::Eq(want), Some(v)) if !json_equal(v, want) => {
                Some(format!("{path} is {}, not {}", shown(v), shown(want)))
            }
            (Op::Eq(_), Some(_)) => None,
            (Op::Regex(p), Some(v)) => {
                let text = match v {
                    Value::String(s) => s.clone(),
                    Value::Null => return Some(format!("{path} is null")),
                    other => other.to_string(),
                };
                (!p.is_match(&text))
                    .then(|| format!("{path} is {}, which does not match {p}", shown(v)))
            }
        }
    }

    /// The condition as a script writes it.
    pub fn describe(&self) -> String {
        let path = &self.path;
        match &self.op {
            Op::Eq(v) => format!("{path}={}", render_value(v)),
            Op::Ne(v) => format!("{path}!={}", render_value(v)),
            Op::Regex(p) => format!("{path}~{p}"),
            Op::Exists => format!("{path}?"),
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// A value as a script writes it: a bare word when that reads back as the same
/// string, else JSON.
pub fn render_value(v: &Value) -> String {
    match v {
        Value::String(s) if is_bare_word(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Text that a script may write without quotes and that reads back as this string
/// (not as a number, `true` or `null`, and without spaces or a comment mark).
pub fn is_bare_word(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(['"', '{', '[', '/'])
        && !s.contains(|c: char| c.is_whitespace() || c.is_control() || c == '#')
        && serde_json::from_str::<Value>(s).is_err()
}

/// JSON equality with numbers compared by value: `21` equals `21.0`.
pub fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deeply_nested_regexes_are_refused() {
        let nested = |n: usize| format!("{}a*{}", "(?:".repeat(n), ")*".repeat(n));
        assert!(Pattern::new(&nested(10), "").is_ok());
        let e = Pattern::new(&nested(120), "").unwrap_err();
        assert!(e.message.contains("nest"), "{}", e.message);
    }

    fn cond(path: &str, op: Op) -> Condition {
        Condition {
            path: JsonPath::parse(path).unwrap(),
            op,
        }
    }

    #[test]
    fn paths_walk_keys_and_indexes() {
        let ev = json!({"response": {"output": [{"content": [{"text": "a"}, {"text": "b"}]}]}});
        let p = JsonPath::parse("response.output[0].content[1].text").unwrap();
        assert_eq!(p.lookup(&ev), Some(&json!("b")));
        let last = JsonPath::parse("response.output[-1].content[-2].text").unwrap();
        assert_eq!(last.lookup(&ev), Some(&json!("a")));
        assert_eq!(
            JsonPath::parse("response.output[5]").unwrap().lookup(&ev),
            None
        );
        assert_eq!(
            JsonPath::parse("response.output[-2]").unwrap().lookup(&ev),
            None
        );
        assert_eq!(
            JsonPath::parse("response.nope.x").unwrap().lookup(&ev),
            None
        );
    }

    #[test]
    fn bad_paths_say_where() {
        assert_eq!(JsonPath::parse("a..b").unwrap_err().offset, 2);
        assert_eq!(JsonPath::parse(".a").unwrap_err().offset, 0);
        assert!(JsonPath::parse("a.")
            .unwrap_err()
            .message
            .contains("ends without a key"));
        let e = JsonPath::parse("a[x]").unwrap_err();
        assert_eq!(e.offset, 2);
        assert!(e.message.contains("not an array index"), "{e:?}");
        assert!(JsonPath::parse("a[0")
            .unwrap_err()
            .message
            .contains("not closed"));
        assert!(JsonPath::parse("a[0]b")
            .unwrap_err()
            .message
            .contains("needs a dot"));
    }

    #[test]
    fn equality_compares_json_numbers_by_value() {
        let ev = json!({"n": 21.0, "s": "21", "o": {"a": [1, 2]}});
        assert!(cond("n", Op::Eq(json!(21))).matches(&ev));
        assert!(!cond("s", Op::Eq(json!(21))).matches(&ev));
        assert!(cond("s", Op::Eq(json!("21"))).matches(&ev));
        assert!(cond("o", Op::Eq(json!({"a": [1, 2]}))).matches(&ev));
        assert!(cond("missing", Op::Ne(json!(1))).matches(&ev));
        assert!(!cond("n", Op::Ne(json!(21))).matches(&ev));
    }

    #[test]
    fn regex_matches_text_or_json_and_honours_flags() {
        let ev = json!({"text": "It is Sunny", "n": 42, "z": null});
        let p = |s: &str, f: &str| Op::Regex(Pattern::new(s, f).unwrap());
        assert!(cond("text", p("sunny", "i")).matches(&ev));
        assert!(!cond("text", p("sunny", "")).matches(&ev));
        assert!(cond("n", p("^4", "")).matches(&ev));
        assert_eq!(cond("z", p(".*", "")).mismatch(&ev).unwrap(), "z is null");
        assert!(Pattern::new("a", "g")
            .unwrap_err()
            .message
            .contains("flag `g`"));
        assert!(Pattern::new("(", "")
            .unwrap_err()
            .message
            .contains("not a valid regex"));
    }

    #[test]
    fn exists_means_present_and_not_null() {
        let ev = json!({"a": 0, "b": null});
        assert!(cond("a", Op::Exists).matches(&ev));
        assert_eq!(cond("b", Op::Exists).mismatch(&ev).unwrap(), "b is null");
        assert_eq!(cond("c", Op::Exists).mismatch(&ev).unwrap(), "c is missing");
    }

    #[test]
    fn mismatches_and_descriptions_read_like_the_script() {
        let ev = json!({"response": {"status": "incomplete"}});
        let c = cond("response.status", Op::Eq(json!("completed")));
        assert_eq!(
            c.mismatch(&ev).unwrap(),
            "response.status is \"incomplete\", not \"completed\""
        );
        assert_eq!(c.describe(), "response.status=completed");
        assert_eq!(
            cond("a", Op::Eq(json!("two words"))).describe(),
            "a=\"two words\""
        );
        assert_eq!(cond("a", Op::Eq(json!("21"))).describe(), "a=\"21\"");
        assert_eq!(cond("a", Op::Ne(json!(null))).describe(), "a!=null");
        let re = Op::Regex(Pattern::new("a/b", "i").unwrap());
        assert_eq!(cond("t", re).describe(), "t~/a\\/b/i");
        assert_eq!(cond("t", Op::Exists).describe(), "t?");
    }
}

//! Parsing the waiting steps: `expect TYPE CONDITION… [within D]` and
//! `transcript ROLE MATCHER [within D]`.

use serde_json::Value;

use super::condition::{Condition, JsonPath, Op};
use super::cursor::{Bad, Cursor};
use super::event_types::{ga_name, is_client_type, suggest_server_type};
use super::parse::parse_duration;
use super::parse_calls::parse_calls;
use super::step::{Expectation, Speaker, Step, TextMatcher};

const CONDITION_HINT: &str =
    "conditions are path=value, path!=value, path~/regex/flags and path? (exists); a wait limit is `within 5s`";

pub(super) fn bad(at: usize, message: impl Into<String>, hint: impl Into<String>) -> Bad {
    (at, message.into(), hint.into())
}

/// `expect TYPE …`; the cursor is past the keyword.
pub fn parse_expect(c: &mut Cursor<'_>) -> Result<Step, Vec<Bad>> {
    c.skip_ws();
    let kw_at = c.pos();
    if c.eat("calls ") || c.text_rest().trim_end() == "calls" && c.eat("calls") {
        return parse_calls(c).map_err(|b| vec![b]);
    }
    let negative = c.eat("no ");
    let mut problems = Vec::new();
    let (e, _) = expectation(c, false, &mut problems);
    if negative && e.within_ms.is_none() {
        problems.push(bad(
            kw_at,
            "`expect no` needs the length of its quiet window",
            "write expect no error within 2s",
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(if negative {
        Step::ExpectNo(e)
    } else {
        Step::Expect(e)
    })
}

/// `[any] TYPE CONDITION… [within D]`, and a `+D` offset when `offset` allows it
/// (event-anchored audio). Problems go to `problems`, all of them, so one bad
/// clause does not hide the next.
pub fn expectation(
    c: &mut Cursor<'_>,
    offset: bool,
    problems: &mut Vec<Bad>,
) -> (Expectation, Option<u64>) {
    c.skip_ws();
    let any_response = c.eat("any ");
    c.skip_ws();
    let type_at = c.pos();
    let event_type = if c.peek() == Some('"') {
        // A quoted type is taken as written: a type this version does not know yet.
        match c.json() {
            Ok(Value::String(s)) if !s.is_empty() => Ok(s),
            Ok(_) => Err(bad(
                type_at,
                "a quoted event type must be a non-empty string",
                "write expect \"some.event\"",
            )),
            Err(b) => {
                c.word();
                Err(b)
            }
        }
    } else {
        let (_, word) = c.word();
        known_type(type_at, word)
    };
    let mut conditions = Vec::new();
    let mut within_ms = None;
    let mut offset_ms = None;
    let event_type = event_type.unwrap_or_else(|b| {
        problems.push(b);
        String::new()
    });
    while !c.at_end() {
        let clause = if offset && matches!(c.peek(), Some('+' | '-')) {
            offset_clause(c, &mut offset_ms).map(|()| None)
        } else {
            next_clause(c, &mut within_ms)
        };
        match clause {
            Ok(Some(cond)) => conditions.push(cond),
            Ok(None) => {}
            Err(b) => {
                problems.push(b);
                // Skip to the next word and carry on, to report every problem at once.
                c.word();
            }
        }
    }
    let e = Expectation {
        event_type,
        conditions,
        within_ms,
        any_response,
    };
    (e, offset_ms)
}

/// `+D`: how long after the anchoring event the audio starts.
fn offset_clause(c: &mut Cursor<'_>, offset_ms: &mut Option<u64>) -> Result<(), Bad> {
    let at = c.pos();
    if c.eat("-") {
        return Err(bad(
            at,
            "the audio cannot start before the event it waits for",
            "write +800ms to start 800 ms after the event, or leave the offset out to start when it arrives",
        ));
    }
    c.eat("+");
    if offset_ms.is_some() {
        return Err(bad(at, "the offset is given twice", "keep one +D per step"));
    }
    let (d_at, d) = c.word();
    *offset_ms = Some(parse_duration(d_at, d)?);
    Ok(())
}

/// The GA name of an unquoted type, or why it is not one.
fn known_type(at: usize, word: &str) -> Result<String, Bad> {
    if word.is_empty() {
        return Err(bad(
            at,
            "expect needs the type of the server event to wait for",
            "write expect response.done (add conditions such as response.status=completed)",
        ));
    }
    if let Some(ga) = ga_name(word) {
        return Ok(ga.to_string());
    }
    let suggestion = suggest_server_type(word);
    let message = if is_client_type(word) {
        format!("`{word}` is a client event; expect waits for what the server sends")
    } else {
        format!("`{word}` is not a server event type rtconsole knows")
    };
    let hint = match suggestion {
        Some(s) => format!("did you mean `{s}`? (to wait for a type rtconsole does not know, quote it: expect \"{word}\")"),
        None => format!("check the spelling against the API reference; to wait for a type rtconsole does not know, quote it: expect \"{word}\""),
    };
    Err(bad(at, message, hint))
}

/// One condition, or `within D` (which sets `within_ms` and yields `None`).
fn next_clause(c: &mut Cursor<'_>, within_ms: &mut Option<u64>) -> Result<Option<Condition>, Bad> {
    let start = c.pos();
    let (path_at, path) = c.take_while(|ch| ch.is_alphanumeric() || "_-.[]".contains(ch));
    let at_space = c.peek().is_none_or(char::is_whitespace);
    if path == "within" && at_space {
        if within_ms.is_some() {
            return Err(bad(
                start,
                "`within` is given twice",
                "keep one `within` per step",
            ));
        }
        *within_ms = Some(parse_within(c)?);
        return Ok(None);
    }
    if path.is_empty() {
        let (_, word) = c.word();
        return Err(bad(
            start,
            format!("`{word}` is not a condition"),
            CONDITION_HINT,
        ));
    }
    let path = JsonPath::parse(path).map_err(|p| {
        let at = path_at
            + path
                .char_indices()
                .nth(p.offset)
                .map_or(path.len(), |(i, _)| i);
        (at, p.message, p.hint)
    })?;
    let op_at = c.pos();
    let op = if c.eat("!=") {
        Op::Ne(value(c, op_at)?)
    } else if c.eat("=") {
        Op::Eq(value(c, op_at)?)
    } else if c.eat("~") {
        Op::Regex(c.regex()?)
    } else if c.eat("?") {
        Op::Exists
    } else {
        let (_, rest) = c.word();
        return Err(bad(
            start,
            format!("`{path}{rest}` is not a condition: an operator is missing after `{path}`"),
            CONDITION_HINT,
        ));
    };
    if !c.peek().is_none_or(char::is_whitespace) {
        let (at, word) = c.word();
        return Err(bad(
            at,
            format!("unexpected `{word}` after a condition"),
            "put a space between conditions, and quote values with spaces: text=\"two words\"",
        ));
    }
    Ok(Some(Condition { path, op }))
}

/// `within D`: the duration is one word (`1m30s`, not `1m 30s`).
pub fn parse_within(c: &mut Cursor<'_>) -> Result<u64, Bad> {
    let (at, word) = c.word();
    parse_duration(at, word)
}

/// The value after `=` or `!=`: JSON when it starts like JSON or parses as a
/// number, `true`, `false` or `null`; otherwise a bare word taken as a string.
fn value(c: &mut Cursor<'_>, op_at: usize) -> Result<Value, Bad> {
    match c.peek() {
        None => Err(bad(
            op_at,
            "a value is missing after the operator",
            "write path=value, e.g. response.status=completed or text=\"two words\"",
        )),
        Some(ch) if ch.is_whitespace() => Err(bad(
            op_at,
            "a value is missing after the operator (no spaces around `=`)",
            "write path=value, e.g. response.status=completed or text=\"two words\"",
        )),
        Some('"' | '{' | '[') => c.json(),
        Some(_) => {
            let (_, word) = c.take_while(|ch| !ch.is_whitespace());
            Ok(serde_json::from_str(word).unwrap_or_else(|_| Value::String(word.to_string())))
        }
    }
}

/// `transcript ROLE MATCHER [within D]`; the cursor is past the keyword.
pub fn parse_transcript(c: &mut Cursor<'_>) -> Result<Step, Vec<Bad>> {
    let (role_at, role) = c.word();
    let role = match role {
        "user" => Speaker::User,
        "assistant" => Speaker::Assistant,
        other => {
            return Err(vec![bad(
                role_at,
                format!("`{other}` is not a role"),
                "write transcript user … or transcript assistant …",
            )])
        }
    };
    c.skip_ws();
    let matcher_at = c.pos();
    let matcher = if c.eat("~") {
        TextMatcher::Regex(c.regex().map_err(|b| vec![b])?)
    } else if c.eat("=") {
        match value(c, matcher_at).map_err(|b| vec![b])? {
            Value::String(s) => TextMatcher::Equals(s),
            other => TextMatcher::Equals(other.to_string()),
        }
    } else {
        return Err(vec![bad(
            matcher_at,
            "transcript needs what to match",
            "write transcript assistant ~/sunny/i or transcript user =\"what is the weather\"",
        )]);
    };
    let mut within_ms = None;
    if !c.at_end() {
        let (at, word) = c.word();
        if word != "within" {
            return Err(vec![bad(
                at,
                format!("unexpected `{word}` after the transcript matcher"),
                "quote text with spaces: =\"what is the weather\"; a wait limit is `within 5s`",
            )]);
        }
        within_ms = Some(parse_within(c).map_err(|b| vec![b])?);
        if !c.at_end() {
            let (at, word) = c.word();
            return Err(vec![bad(
                at,
                format!("unexpected `{word}`"),
                "nothing goes after `within DURATION`",
            )]);
        }
    }
    Ok(Step::Transcript {
        role,
        matcher,
        within_ms,
    })
}

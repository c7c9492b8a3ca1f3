//! Parsing `expect calls NAME [{json-subset}] … [within D]`.

use serde_json::Value;

use super::cursor::{Bad, Cursor};
use super::parse_wait::parse_within;
use super::step::{ExpectedCall, Step};

const HINT: &str =
    "write expect calls get_weather {\"city\":\"Paris\"} get_time {\"tz\":\"CET\"} within 10s";

/// The cursor is past `expect calls`.
pub fn parse_calls(c: &mut Cursor<'_>) -> Result<Step, Bad> {
    let mut calls = Vec::new();
    let mut within_ms = None;
    while !c.at_end() {
        let (at, word) = c.word();
        if word == "within" {
            if within_ms.is_some() {
                return Err((at, "`within` is given twice".into(), HINT.into()));
            }
            within_ms = Some(parse_within(c)?);
            continue;
        }
        if within_ms.is_some() {
            return Err((
                at,
                format!("unexpected `{word}` after `within`"),
                HINT.into(),
            ));
        }
        let valid = word
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-');
        if !valid {
            return Err((at, format!("`{word}` is not a function name"), HINT.into()));
        }
        c.skip_ws();
        let arguments = if c.peek() == Some('{') {
            match c.json()? {
                v @ Value::Object(_) => Some(v),
                _ => unreachable!("JSON starting with {{ is an object"),
            }
        } else {
            None
        };
        calls.push(ExpectedCall {
            name: word.to_string(),
            arguments,
        });
    }
    if calls.is_empty() {
        return Err((
            c.pos(),
            "expect calls needs at least one function name".into(),
            HINT.into(),
        ));
    }
    Ok(Step::ExpectCalls { calls, within_ms })
}

//! Script text to [`Script`]: header directives, then one step per logical line.
//! Every problem is collected (not just the first), each at its line and column
//! with what to write instead; `send` events are validated here, for the script's
//! dialect, so an invalid one is never sent.

use std::path::PathBuf;

use serde_json::Value;

use super::cursor::{error_offset, Bad, Cursor};
use super::error::{ScriptError, ScriptProblem};
use super::lexer::{logical_lines, Logical, KEYWORDS};
use super::parse_stream::{parse_audio, parse_silence};
use super::parse_wait::{parse_expect, parse_transcript};
use super::step::{CallRule, Located, Script, Step};
use crate::protocol::validate::suggest::edit_distance_within;
use crate::protocol::validate::{validate_client_text, ValidationError};
use crate::protocol::Dialect;

const DURATION_HINT: &str = "write a duration with a unit, such as 500ms, 5s or 1m30s";
const STEPS: &str =
    "send, say, expect, forbid, sleep, audio, silence, on-call, transcript, budget, timeout";

/// Parses a script; `name` (usually the file name) prefixes every problem.
pub fn parse_script(text: &str, name: &str) -> Result<Script, ScriptError> {
    let mut problems = Vec::new();
    let logicals = logical_lines(text, &mut problems);
    let mut script = Script {
        dialect: Dialect::Ga,
        requires_mock: false,
        scenario: None,
        steps: Vec::new(),
    };
    let mut first_step_line = None;
    for l in &logicals {
        let mut c = Cursor::new(&l.text);
        let (kw_at, kw) = c.word();
        if matches!(kw, "dialect" | "requires" | "scenario") {
            if let Some(first) = first_step_line {
                problems.push(l.problem(
                    kw_at,
                    format!("`{kw}` must come before the first step (line {first})"),
                    "move it to the top of the script: it applies to every step",
                ));
                continue;
            }
            if let Err(b) = directive(&mut script, kw, &mut c) {
                problems.push(at(l, b));
            }
            continue;
        }
        first_step_line.get_or_insert(l.line());
        match step(kw_at, kw, &mut c, script.dialect, l) {
            Ok(step) => script.steps.push(Located {
                line: l.line(),
                step,
            }),
            Err(found) => problems.extend(found),
        }
    }
    if logicals.is_empty() && problems.is_empty() {
        problems.push(ScriptProblem::new(
            1,
            1,
            "the script has no steps",
            "add a step such as `say Hello` followed by `expect response.done`",
        ));
    }
    if problems.is_empty() {
        return Ok(script);
    }
    problems.sort_by_key(|p| (p.line, p.column));
    Err(ScriptError {
        name: name.to_string(),
        problems,
    })
}

fn at(l: &Logical, (offset, message, hint): Bad) -> ScriptProblem {
    l.problem(offset, message, hint)
}

fn bad(at: usize, message: impl Into<String>, hint: impl Into<String>) -> Bad {
    (at, message.into(), hint.into())
}

fn directive(script: &mut Script, kw: &str, c: &mut Cursor<'_>) -> Result<(), Bad> {
    let (arg_at, arg) = c.rest();
    match kw {
        "dialect" => {
            script.dialect = arg.parse().map_err(|e: String| {
                bad(
                    arg_at,
                    e,
                    "write `dialect ga` (the default) or `dialect beta`",
                )
            })?;
        }
        "requires" if arg == "mock" => script.requires_mock = true,
        "requires" => {
            return Err(bad(
                arg_at,
                format!("unknown requirement `{arg}`"),
                "the only requirement is `requires mock`",
            ))
        }
        _ => {
            let path = text_arg(
                arg_at,
                arg,
                "scenario needs a file",
                "scenario voice_turn.toml",
            )?;
            script.scenario = Some(PathBuf::from(path));
            script.requires_mock = true;
        }
    }
    Ok(())
}

fn step(
    kw_at: usize,
    kw: &str,
    c: &mut Cursor<'_>,
    dialect: Dialect,
    l: &Logical,
) -> Result<Step, Vec<ScriptProblem>> {
    let one = |b: Bad| vec![at(l, b)];
    let many = |bs: Vec<Bad>| bs.into_iter().map(|b| at(l, b)).collect::<Vec<_>>();
    match kw {
        "send" => {
            let (json_at, json) = c.rest();
            send(json_at, json, dialect, l)
        }
        "say" => {
            let (text_at, text) = c.rest();
            text_arg(
                text_at,
                text,
                "say needs the words to say",
                "say What's the weather in Paris?",
            )
            .map(Step::Say)
            .map_err(one)
        }
        "expect" => parse_expect(c).map_err(many),
        "forbid" => match parse_expect(c).map_err(many)? {
            Step::Expect(e) if e.within_ms.is_none() && !e.any_response => Ok(Step::Forbid(e)),
            _ => Err(one(bad(
                kw_at,
                "forbid takes an event type and conditions, nothing else",
                "write forbid error, or forbid response.done response.status=failed; it covers the whole run",
            ))),
        },
        "transcript" => parse_transcript(c).map_err(many),
        "audio" => parse_audio(c).map_err(many),
        "silence" => parse_silence(c).map_err(many),
        "sleep" | "timeout" | "budget" => {
            let (d_at, d) = c.rest();
            if kw == "budget" && d == "off" {
                return Ok(Step::Budget(None));
            }
            let ms = parse_duration(d_at, d).map_err(one)?;
            Ok(match kw {
                "sleep" => Step::Sleep(ms),
                "timeout" => Step::Timeout(ms),
                _ => Step::Budget(Some(ms)),
            })
        }
        "on-call" => on_call(c).map_err(one),
        _ => Err(one(unknown_keyword(kw_at, kw))),
    }
}

/// Free text, or a JSON string when it starts with a quote and is one.
fn text_arg(at: usize, text: &str, missing: &str, example: &str) -> Result<String, Bad> {
    if text.is_empty() {
        return Err(bad(at, missing, format!("write {example}")));
    }
    if text.starts_with('"') {
        if let Ok(s) = serde_json::from_str::<String>(text) {
            return Ok(s);
        }
    }
    Ok(text.to_string())
}

fn unknown_keyword(at: usize, kw: &str) -> Bad {
    if kw.starts_with('{') {
        return bad(
            at,
            "a step starts with a keyword",
            "to send this event, write `send {…}`",
        );
    }
    let close = KEYWORDS
        .iter()
        .find(|k| edit_distance_within(kw, k, 2).is_some())
        .map(|k| format!("did you mean `{k}`? "))
        .unwrap_or_default();
    bad(
        at,
        format!("unknown step `{kw}`"),
        format!("{close}steps are {STEPS}; header lines are dialect, requires mock, scenario"),
    )
}

/// A duration with a unit, in milliseconds.
pub fn parse_duration(at: usize, text: &str) -> Result<u64, Bad> {
    if text.is_empty() {
        return Err(bad(at, "a duration is missing", DURATION_HINT));
    }
    match humantime::parse_duration(text) {
        Ok(d) => Ok(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        Err(e) => {
            let hint = if text.chars().all(|c| c.is_ascii_digit()) {
                format!("add a unit: {text}ms or {text}s")
            } else {
                DURATION_HINT.to_string()
            };
            Err(bad(at, format!("`{text}` is not a duration: {e}"), hint))
        }
    }
}

fn send(
    json_at: usize,
    json: &str,
    dialect: Dialect,
    l: &Logical,
) -> Result<Step, Vec<ScriptProblem>> {
    if json.is_empty() {
        return Err(vec![l.problem(
            json_at,
            "send needs a client event",
            "write send {\"type\": \"response.create\"}",
        )]);
    }
    match validate_client_text(json, dialect) {
        Ok(value) => Ok(Step::Send {
            text: value.to_string(),
            event_type: value
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        }),
        Err(ValidationError::Syntax {
            line,
            column,
            message,
        }) => {
            // The validator words it for a text box; here the script's own line and
            // column replace its position inside the JSON.
            let message = message.replace(&format!(" at line {line}, column {column}"), "");
            let (message, hint) = match message.rsplit_once("; ") {
                Some((m, h)) => (m.to_string(), h.to_string()),
                None => (message, "fix the JSON syntax at that position".to_string()),
            };
            let offset = json_at + error_offset(json, line, column);
            Err(vec![l.problem(
                offset,
                format!("invalid JSON: {message}"),
                hint,
            )])
        }
        Err(ValidationError::Invalid(found)) => {
            let ty = serde_json::from_str::<Value>(json)
                .ok()
                .and_then(|v| v.get("type").and_then(Value::as_str).map(str::to_string))
                .unwrap_or_else(|| "event".to_string());
            Err(found
                .into_iter()
                .map(|p| {
                    l.problem(
                        json_at,
                        format!("{ty}: {}: {}", p.path, p.message),
                        p.hint.unwrap_or_else(|| {
                            format!("fix the event: rtconsole checks it as the API would, and sends nothing from a script with problems ({dialect} dialect)")
                        }),
                    )
                })
                .collect())
        }
    }
}

/// `on-call NAME [delay D] [error] OUTPUT|@FILE`: JSON objects and arrays must be valid
/// JSON (sent compact); a JSON string gives its text; anything else is taken as
/// written. With a delay or `error` it is a [`Step::OnCallRule`].
fn on_call(c: &mut Cursor<'_>) -> Result<Step, Bad> {
    let (name_at, name) = c.word();
    let valid_name = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-');
    if !valid_name {
        return Err(bad(
            name_at,
            if name.is_empty() {
                "on-call needs a function name".to_string()
            } else {
                format!("`{name}` is not a function name")
            },
            "write on-call get_weather {\"temperature_c\": 21} (names are letters, digits, _ and -)",
        ));
    }
    let mut delay_ms = 0;
    let mut error = false;
    loop {
        c.skip_ws();
        let save = c.pos();
        match c.word().1 {
            "delay" => {
                let (d_at, d) = c.word();
                delay_ms = parse_duration(d_at, d)?;
            }
            "error" => error = true,
            _ => {
                c.rewind(save);
                break;
            }
        }
    }
    c.skip_ws();
    let out_at = c.pos();
    let mut file = None;
    let output = match c.peek() {
        Some('@') => {
            c.eat("@");
            let (p_at, p) = c.rest();
            let path = text_arg(
                p_at,
                p,
                &format!("on-call {name} @ needs a file"),
                &format!("on-call {name} @answers/{name}.json (relative to the script)"),
            )?;
            file = Some(PathBuf::from(path));
            String::new()
        }
        None => {
            return Err(bad(
                out_at,
                format!("on-call {name} needs the output to answer with"),
                format!("write on-call {name} {{\"temperature_c\": 21}}"),
            ))
        }
        // A template whose placeholders make it invalid JSON is taken as text.
        Some('{' | '[')
            if c.text_rest().contains("{{")
                && serde_json::from_str::<Value>(c.text_rest().trim()).is_err() =>
        {
            let (_, text) = c.rest();
            text.to_string()
        }
        Some('{' | '[') => {
            let v = c.json()?;
            if !c.at_end() {
                let (at, _) = c.rest();
                return Err(bad(
                    at,
                    "unexpected text after the output JSON",
                    "the output is one JSON value",
                ));
            }
            v.to_string()
        }
        Some(_) => {
            let (_, text) = c.rest();
            text_arg(out_at, text, "", "")?
        }
    };
    if delay_ms > 0 || error || file.is_some() {
        return Ok(Step::OnCallRule(CallRule {
            name: name.to_string(),
            output,
            delay_ms,
            error,
            file,
        }));
    }
    Ok(Step::OnCall {
        name: name.to_string(),
        output,
    })
}

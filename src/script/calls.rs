//! Function calls in scripts: matching `expect calls` against the calls one
//! response made, and filling `on-call` output templates from a call's arguments.

use serde_json::Value;

use super::step::ExpectedCall;

/// A function call as a `response.done` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct MadeCall {
    pub name: String,
    pub call_id: String,
    /// The parsed arguments (`Null` when they are not JSON).
    pub arguments: Value,
}

/// The function calls of a `response.done` event, in output order.
pub fn calls_of(done: &Value) -> Vec<MadeCall> {
    let Some(output) = done.pointer("/response/output").and_then(Value::as_array) else {
        return Vec::new();
    };
    output
        .iter()
        .filter(|i| i.get("type").and_then(Value::as_str) == Some("function_call"))
        .map(|i| MadeCall {
            name: str_of(i, "name"),
            call_id: str_of(i, "call_id"),
            arguments: i
                .get("arguments")
                .and_then(Value::as_str)
                .and_then(|a| serde_json::from_str(a).ok())
                .unwrap_or(Value::Null),
        })
        .collect()
}

fn str_of(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Whether `want` is contained in `got`: objects by key (recursively), arrays
/// element by element at the same index, other values by equality.
pub fn json_subset(want: &Value, got: &Value) -> bool {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => w
            .iter()
            .all(|(k, wv)| g.get(k).is_some_and(|gv| json_subset(wv, gv))),
        (Value::Array(w), Value::Array(g)) => {
            w.len() <= g.len() && w.iter().zip(g).all(|(wv, gv)| json_subset(wv, gv))
        }
        _ => want == got,
    }
}

/// Whether the calls made are exactly the expected ones, in any order: the same
/// number, each expected call matched by a different call of that name whose
/// arguments contain the expected subset.
pub fn calls_match(expected: &[ExpectedCall], made: &[MadeCall]) -> bool {
    expected.len() == made.len() && assign(expected, made, &mut vec![false; made.len()])
}

fn assign(expected: &[ExpectedCall], made: &[MadeCall], used: &mut Vec<bool>) -> bool {
    let Some((first, rest)) = expected.split_first() else {
        return true;
    };
    for (i, m) in made.iter().enumerate() {
        let fits = !used[i]
            && m.name == first.name
            && first
                .arguments
                .as_ref()
                .is_none_or(|a| json_subset(a, &m.arguments));
        if fits {
            used[i] = true;
            if assign(rest, made, used) {
                return true;
            }
            used[i] = false;
        }
    }
    false
}

/// One line per call, for failure messages: `get_weather {"city":"Paris"}`.
pub fn describe(made: &[MadeCall]) -> String {
    if made.is_empty() {
        return "no calls".into();
    }
    made.iter()
        .map(|m| format!("{} {}", m.name, m.arguments))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Replaces each `{{path}}` (dotted, into the call's arguments) by that value: the
/// text of a string, the JSON of anything else, nothing for a missing one.
pub fn fill_template(template: &str, arguments: &Value) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start + 2..].find("}}") else {
            break;
        };
        out.push_str(&rest[..start]);
        let path = rest[start + 2..start + 2 + len].trim();
        let value = path
            .split('.')
            .filter(|k| !k.is_empty())
            .try_fold(arguments, |v, k| v.get(k));
        match value {
            Some(Value::String(s)) => out.push_str(s),
            Some(v) => out.push_str(&v.to_string()),
            None => {}
        }
        rest = &rest[start + 2 + len + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn made(name: &str, args: Value) -> MadeCall {
        MadeCall {
            name: name.into(),
            call_id: format!("c_{name}"),
            arguments: args,
        }
    }

    fn want(name: &str, args: Option<Value>) -> ExpectedCall {
        ExpectedCall {
            name: name.into(),
            arguments: args,
        }
    }

    #[test]
    fn subsets_follow_objects_and_arrays() {
        assert!(json_subset(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
        assert!(json_subset(
            &json!({"a": {"x": [1]}}),
            &json!({"a": {"x": [1, 2], "y": 0}})
        ));
        assert!(!json_subset(&json!({"a": 2}), &json!({"a": 1})));
        assert!(!json_subset(&json!({"c": 1}), &json!({"a": 1})));
    }

    #[test]
    fn call_sets_match_in_any_order_and_exactly() {
        let got = [
            made("time", json!({"tz": "CET"})),
            made("weather", json!({"city": "Paris", "unit": "c"})),
        ];
        let w = want("weather", Some(json!({"city": "Paris"})));
        let t = want("time", None);
        assert!(calls_match(&[w.clone(), t.clone()], &got));
        assert!(
            !calls_match(std::slice::from_ref(&w), &got),
            "one call missing from the set"
        );
        let london = want("weather", Some(json!({"city": "London"})));
        assert!(!calls_match(&[london, t], &got));
    }

    #[test]
    fn two_calls_of_one_name_need_two_calls() {
        let got = [
            made("w", json!({"city": "Paris"})),
            made("w", json!({"city": "Tokyo"})),
        ];
        let p = want("w", Some(json!({"city": "Paris"})));
        let any = want("w", None);
        assert!(calls_match(&[any.clone(), p.clone()], &got));
        assert!(!calls_match(&[p.clone(), p], &got));
    }

    #[test]
    fn templates_take_the_calls_arguments() {
        let args = json!({"city": "Paris", "n": 2, "geo": {"lat": 48.8}});
        assert_eq!(
            fill_template(
                "{\"city\":\"{{city}}\",\"n\":{{n}},\"lat\":{{ geo.lat }}}",
                &args
            ),
            "{\"city\":\"Paris\",\"n\":2,\"lat\":48.8}"
        );
        assert_eq!(fill_template("no {{missing}}here {{", &args), "no here {{");
    }

    #[test]
    fn calls_are_read_from_response_done() {
        let done = json!({"type": "response.done", "response": {"output": [
            {"type": "message"},
            {"type": "function_call", "name": "f", "call_id": "c1", "arguments": "{\"a\":1}"}
        ]}});
        assert_eq!(
            calls_of(&done),
            vec![MadeCall {
                name: "f".into(),
                call_id: "c1".into(),
                arguments: json!({"a": 1})
            }]
        );
    }
}

/// What `on-call` rules answer for the calls of one finished response.
#[derive(Debug, Default)]
pub struct Answers {
    /// (call id, output) per answered call, in the response's order.
    pub outputs: Vec<(String, String)>,
    /// How long to hold them: the longest delay of the rules used.
    pub delay_ms: u64,
    /// Calls no rule covers: (name, call id).
    pub unanswered: Vec<(String, String)>,
}

/// The answers for `done`'s calls; `fresh` says whether a call id was not answered
/// before (and marks it answered).
pub fn answers_for(
    done: &Value,
    rules: &std::collections::HashMap<String, super::step::CallRule>,
    mut fresh: impl FnMut(&str) -> bool,
) -> Answers {
    let mut a = Answers::default();
    for call in calls_of(done) {
        if call.call_id.is_empty() {
            continue;
        }
        match rules.get(&call.name) {
            Some(rule) if fresh(&call.call_id) => {
                let text = fill_template(&rule.output, &call.arguments);
                let output = if rule.error {
                    serde_json::json!({ "error": text }).to_string()
                } else {
                    text
                };
                a.delay_ms = a.delay_ms.max(rule.delay_ms);
                a.outputs.push((call.call_id, output));
            }
            Some(_) => {}
            None => a.unanswered.push((call.name, call.call_id)),
        }
    }
    a
}

//! The step kinds of issue #14, sans IO: `expect no`, `forbid`, `expect calls`
//! (parallel tool calls as a set, arguments as a JSON subset) and `on-call` with
//! templates, delays and error outputs. Events are fed at chosen times.

use rtconsole::script::{parse_script, Action, Outcome, ScriptRun, Step};
use serde_json::{json, Value};

fn parse_steps(text: &str) -> Vec<Step> {
    let s = parse_script(text, "t.rtc").unwrap_or_else(|e| panic!("{e}"));
    s.steps.into_iter().map(|l| l.step).collect()
}

fn run(text: &str) -> ScriptRun {
    ScriptRun::new(
        parse_script(text, "t.rtc").unwrap_or_else(|e| panic!("{e}")),
        10_000,
    )
}

fn outcome(actions: &[Action]) -> Option<Outcome> {
    actions.iter().find_map(|a| match a {
        Action::Done(o) => Some(o.clone()),
        _ => None,
    })
}

fn sends(actions: &[Action]) -> Vec<Value> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Send(t) => Some(serde_json::from_str(t).unwrap()),
            _ => None,
        })
        .collect()
}

/// A finished response that made these calls: (name, call id, arguments JSON).
fn calls_done(id: &str, calls: &[(&str, &str, Value)]) -> String {
    let output: Vec<Value> = calls
        .iter()
        .map(|(name, call_id, args)| {
            json!({"id": format!("item_{call_id}"), "type": "function_call", "status": "completed",
                   "name": name, "call_id": call_id, "arguments": args.to_string()})
        })
        .collect();
    json!({"type": "response.done", "response": {"id": id, "object": "realtime.response",
           "status": "completed", "output": output}})
    .to_string()
}

#[test]
fn new_steps_parse_and_render_back() {
    let text = "expect no error within 2s\nforbid response.done response.status=failed\nexpect calls get_weather {\"city\":\"Paris\"} get_time within 10s\non-call get_weather delay 300ms {\"city\":\"{{city}}\"}\non-call get_time error clock broken\nexpect any response.done\n";
    let steps = parse_steps(text);
    let rendered: Vec<String> = steps.iter().map(ToString::to_string).collect();
    assert_eq!(
        rendered,
        [
            "expect no error within 2s",
            "forbid response.done response.status=failed",
            "expect calls get_weather {\"city\":\"Paris\"} get_time within 10s",
            "on-call get_weather delay 300ms {\"city\":\"{{city}}\"}",
            "on-call get_time error \"clock broken\"",
            "expect any response.done",
        ]
    );
    assert_eq!(parse_steps(&rendered.join("\n")), steps);
}

#[test]
fn bad_negative_steps_say_what_to_write() {
    let e = parse_script("expect no error\n", "t.rtc")
        .unwrap_err()
        .to_string();
    assert!(e.contains("quiet window") && e.contains("within 2s"), "{e}");
    let e = parse_script("forbid error within 1s\n", "t.rtc")
        .unwrap_err()
        .to_string();
    assert!(e.contains("forbid takes an event type"), "{e}");
    let e = parse_script("expect calls\n", "t.rtc")
        .unwrap_err()
        .to_string();
    assert!(e.contains("at least one function name"), "{e}");
}

#[test]
fn expect_no_passes_a_quiet_window_and_fails_on_the_event() {
    let mut r = run("expect no error within 1s\n");
    assert_eq!(r.poll(0), [Action::WakeAt(1000)]);
    r.on_server(
        10,
        &json!({"type": "session.updated", "session": {}}).to_string(),
    );
    assert_eq!(r.poll(10), [Action::WakeAt(1000)]);
    assert!(outcome(&r.poll(1000)).unwrap().passed);

    let mut r = run("expect no error error.code=boom within 1s\n");
    r.poll(0);
    let err = |code: &str| {
        json!({"type": "error", "error": {"type": "invalid_request_error", "code": code, "message": "m"}}).to_string()
    };
    r.on_server(5, &err("other"));
    assert!(
        outcome(&r.poll(5)).is_none(),
        "a non-matching error is fine"
    );
    r.on_server(6, &err("boom"));
    let o = outcome(&r.poll(6)).expect("failed at once");
    let f = o.failure.unwrap().to_string();
    assert!(
        f.contains("line 1: expect no error error.code=boom within 1s")
            && f.contains("event #2 at 6 ms"),
        "{f}"
    );
}

#[test]
fn forbid_covers_the_whole_run_wherever_it_is_written() {
    let mut r = run("sleep 1s\nforbid response.done response.status=failed\n");
    r.poll(0);
    r.on_server(5, &json!({"type": "response.done", "response": {"id": "r", "status": "failed", "output": []}}).to_string());
    let o = outcome(&r.poll(5)).expect("failed before the sleep ended");
    assert_eq!(o.failure.unwrap().line, 2);

    let mut r = run("forbid error\nsleep 1s\n");
    r.poll(0);
    assert!(outcome(&r.poll(1000)).unwrap().passed);
}

#[test]
fn expect_calls_matches_parallel_calls_in_any_order_with_argument_subsets() {
    let script =
        "expect calls get_weather {\"city\":\"Paris\"} get_time {\"tz\":\"CET\"} within 5s\n";
    let mut r = run(script);
    r.poll(0);
    // One call only: not the set.
    r.on_server(
        5,
        &calls_done("r1", &[("get_weather", "c1", json!({"city": "Paris"}))]),
    );
    assert!(outcome(&r.poll(5)).is_none());
    // Both, in the other order, with extra arguments.
    r.on_server(
        9,
        &calls_done(
            "r2",
            &[
                ("get_time", "c2", json!({"tz": "CET", "format": "24h"})),
                ("get_weather", "c3", json!({"city": "Paris", "unit": "c"})),
            ],
        ),
    );
    assert!(outcome(&r.poll(9)).unwrap().passed);

    let mut r = run(script);
    r.poll(0);
    r.on_server(
        5,
        &calls_done(
            "r1",
            &[
                ("get_time", "c2", json!({"tz": "UTC"})),
                ("get_weather", "c3", json!({"city": "Paris"})),
            ],
        ),
    );
    let o = outcome(&r.poll(5000)).expect("timed out");
    let f = o.failure.unwrap().to_string();
    assert!(
        f.contains("1 response(s) finished with other calls")
            && f.contains("get_time {\"tz\":\"UTC\"}"),
        "{f}"
    );
}

#[test]
fn on_call_answers_every_call_of_a_response_before_one_response_create() {
    let mut r = run("on-call get_weather {\"city\":\"{{city}}\",\"t\":21}\non-call get_time delay 300ms {{tz}} noon\non-call book error full\nsleep 5s\n");
    r.poll(0);
    r.on_server(
        10,
        &calls_done(
            "r1",
            &[
                ("get_weather", "c1", json!({"city": "Paris"})),
                ("get_time", "c2", json!({"tz": "CET"})),
                ("book", "c3", json!({})),
            ],
        ),
    );
    let early = r.poll(10);
    assert!(
        sends(&early).is_empty(),
        "held by the 300 ms delay: {early:?}"
    );
    assert!(early.contains(&Action::WakeAt(310)), "{early:?}");
    let out = sends(&r.poll(310));
    let summary: Vec<(String, String)> = out
        .iter()
        .map(|v| {
            (
                v["type"].as_str().unwrap().into(),
                v["item"]["output"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "conversation.item.create".into(),
                "{\"city\":\"Paris\",\"t\":21}".into()
            ),
            ("conversation.item.create".into(), "CET noon".into()),
            (
                "conversation.item.create".into(),
                "{\"error\":\"full\"}".into()
            ),
            ("response.create".into(), String::new()),
        ]
    );
}

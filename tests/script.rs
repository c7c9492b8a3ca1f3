//! Scripts end to end without a network: parse, then play against server events fed
//! at controlled times (sequence fixtures and hand-made events).

mod common;

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use common::sequence;
use rtconsole::protocol::Dialect;
use rtconsole::recording::open_recording;
use rtconsole::script::{
    compare_server_events, looks_like_recording, parse_script, render_script,
    script_from_recording, Action, DiffKind, Op, Outcome, PlanItem, Script, ScriptError, ScriptRun,
    Speaker, Step, TextMatcher,
};
use serde_json::{json, Value};

fn parse(text: &str) -> Script {
    parse_script(text, "t.rtc").unwrap_or_else(|e| panic!("{e}"))
}

fn problems(text: &str) -> ScriptError {
    match parse_script(text, "t.rtc") {
        Ok(s) => panic!("expected problems, parsed {s:?}"),
        Err(e) => e,
    }
}

fn steps(text: &str) -> Vec<Step> {
    parse(text).steps.into_iter().map(|l| l.step).collect()
}

/// What a driver saw: sends with their times, audio requests, the outcome.
#[derive(Default)]
struct Drive {
    sends: Vec<(u64, Value)>,
    audio: Vec<(u64, String)>,
    outcome: Option<Outcome>,
}

impl Drive {
    fn sent_types(&self) -> Vec<String> {
        self.sends
            .iter()
            .map(|(_, v)| v["type"].as_str().unwrap().to_string())
            .collect()
    }
    fn passed(&self) -> bool {
        self.outcome.as_ref().is_some_and(|o| o.passed)
    }
    fn failure(&self) -> String {
        let o = self.outcome.as_ref().expect("the run ended");
        o.failure
            .as_ref()
            .map(|f| f.to_string())
            .unwrap_or_else(|| format!("passed: {o}"))
    }
}

/// Plays `run` on a simulated clock: server events arrive at their times, wake-ups
/// are honoured, audio finishes `audio_ms` after it starts. Stops at `Done`, or
/// when nothing more can happen.
fn drive(run: &mut ScriptRun, server: Vec<(u64, String)>, audio_ms: u64) -> Drive {
    let mut server: VecDeque<(u64, String)> = server.into();
    let mut d = Drive::default();
    let (mut now, mut wake, mut audio_end): (u64, Option<u64>, Option<u64>) = (0, None, None);
    for _ in 0..100_000 {
        for action in run.poll(now) {
            match action {
                Action::Send(text) => d.sends.push((now, serde_json::from_str(&text).unwrap())),
                Action::StreamAudio { path, .. } => {
                    d.audio.push((now, path.display().to_string()));
                    audio_end = Some(now + audio_ms);
                }
                Action::StreamSilence { ms } => {
                    d.audio.push((now, format!("silence {ms}")));
                    audio_end = Some(now + ms);
                }
                Action::WakeAt(t) => wake = Some(t),
                Action::Done(o) => {
                    d.outcome = Some(o);
                    return d;
                }
            }
        }
        let next = [server.front().map(|e| e.0), wake, audio_end]
            .into_iter()
            .flatten()
            .min();
        let Some(t) = next else { return d };
        now = now.max(t);
        if wake.is_some_and(|w| w <= now) {
            wake = None;
        }
        while server.front().is_some_and(|e| e.0 <= now) {
            let (_, raw) = server.pop_front().unwrap();
            run.on_server(now, &raw);
        }
        if audio_end.is_some_and(|a| a <= now) {
            audio_end = None;
            run.audio_finished(now);
        }
    }
    panic!("the run never ended");
}

/// The server half of a sequence fixture, at its recorded times.
fn server_events(name: &str) -> Vec<(u64, String)> {
    sequence(name)
        .into_iter()
        .filter(|s| s.dir == "server")
        .map(|s| (s.t_ms, s.text))
        .collect()
}

fn run(text: &str) -> ScriptRun {
    ScriptRun::new(parse(text), 10_000)
}

fn ev(v: Value) -> String {
    v.to_string()
}

// ---------------------------------------------------------------- parsing

#[test]
fn every_example_script_parses() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/scripts");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "rtc"))
        .collect();
    names.sort();
    assert!(names.len() >= 3, "{names:?}");
    for path in names {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy();
        let script = parse_script(&text, &name).unwrap_or_else(|e| panic!("{e}"));
        assert!(!script.steps.is_empty(), "{name}");
        // The mock-only ones need a scenario to "hear" speech; the others run anywhere.
        let mock_only = [
            "voice",
            "mock_",
            "barge_in",
            "socket_barge_in",
            "transcribe",
        ]
        .iter()
        .any(|p| name.starts_with(p));
        assert_eq!(script.requires_mock, mock_only, "{name}");
    }
}

#[test]
fn every_step_kind_parses() {
    let got = steps(
        "send {\"type\":\"response.create\"}\n\
         say What's the weather in Paris?\n\
         say \"press # now\"\n\
         expect response.done response.status=completed within 15s\n\
         sleep 500ms\n\
         audio examples/audio/question.wav\n\
         silence 1s\n\
         on-call get_weather {\"temperature_c\": 21}\n\
         on-call get_time 12:00 UTC\n\
         transcript assistant ~/sunny/i\n\
         transcript user =\"what is the weather\" within 3s\n\
         budget 1500ms\n\
         budget off\n\
         timeout 1m30s\n",
    );
    assert_eq!(
        got[0],
        Step::Send {
            text: r#"{"type":"response.create"}"#.into(),
            event_type: "response.create".into()
        }
    );
    assert_eq!(got[1], Step::Say("What's the weather in Paris?".into()));
    assert_eq!(got[2], Step::Say("press # now".into()));
    let Step::Expect(e) = &got[3] else {
        panic!("{:?}", got[3])
    };
    assert_eq!(e.event_type, "response.done");
    assert_eq!(e.within_ms, Some(15_000));
    assert_eq!(e.conditions[0].path.as_str(), "response.status");
    assert_eq!(e.conditions[0].op, Op::Eq(json!("completed")));
    assert_eq!(got[4], Step::Sleep(500));
    assert_eq!(got[5], Step::Audio("examples/audio/question.wav".into()));
    assert_eq!(got[6], Step::Silence(1000));
    assert_eq!(
        got[7],
        Step::OnCall {
            name: "get_weather".into(),
            output: r#"{"temperature_c":21}"#.into()
        }
    );
    assert_eq!(
        got[8],
        Step::OnCall {
            name: "get_time".into(),
            output: "12:00 UTC".into()
        }
    );
    let Step::Transcript {
        role,
        matcher: TextMatcher::Regex(p),
        within_ms: None,
    } = &got[9]
    else {
        panic!("{:?}", got[9])
    };
    assert_eq!(
        (*role, p.source(), p.flags()),
        (Speaker::Assistant, "sunny", "i")
    );
    assert_eq!(
        got[10],
        Step::Transcript {
            role: Speaker::User,
            matcher: TextMatcher::Equals("what is the weather".into()),
            within_ms: Some(3000)
        }
    );
    assert_eq!(got[11], Step::Budget(Some(1500)));
    assert_eq!(got[12], Step::Budget(None));
    assert_eq!(got[13], Step::Timeout(90_000));
}

#[test]
fn steps_render_back_to_lines_that_parse_the_same() {
    let text = "say \"press # now\"\n\
                expect response.done response.status=completed response.output[0].content[-1].text~/a\\/b/i error.param? x!=null within 15s\n\
                expect \"some.new_event\" n=21 s=\"21\" t=\"two words\"\n\
                transcript user =\"what is it\" within 3s\n\
                on-call f \"two words\"\n\
                budget off\n";
    let first = steps(text);
    let rendered: String = first.iter().map(|s| format!("{s}\n")).collect();
    assert_eq!(steps(&rendered), first, "{rendered}");
}

#[test]
fn header_directives_set_dialect_and_mock_requirements() {
    let s = parse("# c\ndialect beta\nrequires mock\nscenario voice.toml\nsay hi\n");
    assert_eq!(s.dialect, Dialect::Beta);
    assert!(s.requires_mock);
    assert_eq!(s.scenario, Some(PathBuf::from("voice.toml")));
    assert_eq!(s.steps[0].line, 5);
    assert!(s
        .real_server_refusal()
        .unwrap()
        .contains("relies on its mock scenario voice.toml and cannot pass against a real server; run it with --mock"));
    assert_eq!(parse("say hi").real_server_refusal(), None);
    let s = parse("scenario x.toml\nsay hi");
    assert!(s.requires_mock, "a scenario implies the mock");
    let mut s = parse("scenario x.toml\naudio a.wav\naudio /abs.wav");
    s.resolve_paths(Path::new("/scripts"));
    assert_eq!(s.scenario, Some(PathBuf::from("/scripts/x.toml")));
    assert_eq!(s.steps[0].step, Step::Audio("/scripts/a.wav".into()));
    assert_eq!(s.steps[1].step, Step::Audio("/abs.wav".into()));
}

#[test]
fn multi_line_json_continues_until_balanced_with_comments_inside() {
    let s = parse(
        "# header\n\
         send {\"type\": \"session.update\",   # why this update\n\
         \x20 \"session\": {\"type\": \"realtime\",\n\
         \x20   \"output_modalities\": [\"text\"]}\n\
         }\n\
         expect session.updated\n",
    );
    assert_eq!(s.steps.len(), 2);
    assert_eq!(s.steps[0].line, 2);
    assert_eq!(s.steps[1].line, 6);
    let Step::Send { text, event_type } = &s.steps[0].step else {
        panic!()
    };
    assert_eq!(event_type, "session.update");
    assert_eq!(
        text,
        r#"{"type":"session.update","session":{"type":"realtime","output_modalities":["text"]}}"#
    );
}

#[test]
fn beta_names_in_expect_mean_their_ga_event() {
    let got = steps("expect response.text.done\nexpect conversation.item.created");
    let types: Vec<_> = got
        .iter()
        .map(|s| match s {
            Step::Expect(e) => e.event_type.clone(),
            _ => panic!(),
        })
        .collect();
    assert_eq!(
        types,
        ["response.output_text.done", "conversation.item.added"]
    );
}

#[test]
fn condition_values_are_json_when_they_parse_else_strings() {
    let Step::Expect(e) =
        &steps("expect error n=21 f=2.5 b=true z=null s=\"21\" w=completed o={\"a\":[1]} a=[1,2]")
            [0]
    else {
        panic!()
    };
    let ops: Vec<&Op> = e.conditions.iter().map(|c| &c.op).collect();
    assert_eq!(
        ops,
        [
            &Op::Eq(json!(21)),
            &Op::Eq(json!(2.5)),
            &Op::Eq(json!(true)),
            &Op::Eq(Value::Null),
            &Op::Eq(json!("21")),
            &Op::Eq(json!("completed")),
            &Op::Eq(json!({"a": [1]})),
            &Op::Eq(json!([1, 2])),
        ]
    );
}

#[test]
fn conditions_follow_paths_indexes_regex_flags_and_missing_fields() {
    let Step::Expect(e) = &steps(
        "expect response.done response.output[0].content[0].text~/SUNNY/i response.output[-1].type=message response.usage? response.nope!=1",
    )[0] else {
        panic!()
    };
    let done = json!({"type": "response.done", "response": {
        "output": [{"type": "message", "content": [{"type": "output_text", "text": "It is sunny."}]}],
        "usage": {"total_tokens": 3}}});
    assert!(e.accepts(&done));
    let mut other = done.clone();
    other["response"]["output"][0]["content"][0]["text"] = json!("Rain.");
    assert!(!e.accepts(&other));
    other = done.clone();
    other["response"]["usage"] = Value::Null;
    assert!(!e.accepts(&other));
    other = done;
    other["response"]["output"] = json!([]);
    assert!(!e.accepts(&other), "a missing path fails =, ~ and ?");
}

// ---------------------------------------------------------------- problems

#[test]
fn all_problems_are_reported_at_once_with_line_column_and_hint() {
    let e = problems("sned {}\nsleep 5\nexpect respone.done\nexpect x.y t~/a(/\n");
    let at: Vec<(usize, usize)> = e.problems.iter().map(|p| (p.line, p.column)).collect();
    assert_eq!(at, [(1, 1), (2, 7), (3, 8), (4, 8), (4, 14)], "{e}");
    let text = e.to_string();
    assert!(
        text.starts_with("t.rtc:1:1: unknown step `sned`\n  hint: did you mean `send`?"),
        "{text}"
    );
    assert!(text.contains("t.rtc:2:7: `5` is not a duration"), "{text}");
    assert!(text.contains("hint: add a unit: 5ms or 5s"), "{text}");
    assert!(
        text.contains("t.rtc:3:8: `respone.done` is not a server event type"),
        "{text}"
    );
    assert!(text.contains("did you mean `response.done`?"), "{text}");
    assert!(e.problems.iter().all(|p| !p.hint.is_empty()), "{text}");
}

#[test]
fn bad_durations_name_the_column_and_the_fix() {
    let e = problems("expect response.done within 5 seconds\nsleep soon\ntimeout\n");
    let text = e.to_string();
    assert!(text.contains("t.rtc:1:29: `5` is not a duration"), "{text}");
    assert!(
        text.contains("t.rtc:2:7: `soon` is not a duration"),
        "{text}"
    );
    assert!(text.contains("500ms, 5s or 1m30s"), "{text}");
    assert!(text.contains("t.rtc:3:8: a duration is missing"), "{text}");
}

#[test]
fn bad_regexes_say_what_and_where() {
    let e = problems("expect respons.done respnse.status=x within 5\n");
    assert_eq!(
        e.problems.len(),
        2,
        "a bad type does not hide the rest: {e}"
    );
    assert_eq!((e.problems[1].line, e.problems[1].column), (1, 45), "{e}");
    let e = problems(
        "expect error error.message~/abc\nexpect error error.message~/a/g\nexpect error error.message~/(/\ntranscript user ~sunny\n",
    );
    let got: Vec<(usize, usize, &str)> = e
        .problems
        .iter()
        .map(|p| (p.line, p.column, p.message.as_str()))
        .collect();
    assert_eq!((got[0].0, got[0].1), (1, 28), "{e}");
    assert!(got[0].2.contains("not closed"), "{e}");
    assert_eq!((got[1].0, got[1].1), (2, 31), "{e}");
    assert!(got[1].2.contains("unknown regex flag `g`"), "{e}");
    assert_eq!((got[2].0, got[2].1), (3, 28), "{e}");
    assert!(got[2].2.contains("not a valid regex"), "{e}");
    assert_eq!((got[3].0, got[3].1), (4, 18), "{e}");
    assert!(e.problems[3].hint.contains("~/sunny/i"), "{e}");
}

#[test]
fn bad_conditions_and_arguments_are_explained() {
    let e = problems(
        "expect response.done response..status=x\n\
         expect response.done response.status\n\
         expect response.done response.status= x\n\
         expect response.done a[x]=1\n\
         expect session.update\n\
         transcript robot ~/x/\n\
         transcript user =two words\n\
         on-call get_weather\n\
         on-call \"bad name\" {}\n\
         say\n\
         {\"type\":\"response.create\"}\n",
    );
    let text = e.to_string();
    for want in [
        "t.rtc:1:31: `response..status` has an empty key",
        "t.rtc:2:22: `response.status` is not a condition: an operator is missing",
        "t.rtc:3:37: a value is missing after the operator",
        "t.rtc:4:24: `[x]` in `a[x]` is not an array index",
        "t.rtc:5:8: `session.update` is a client event",
        "did you mean `session.updated`?",
        "t.rtc:6:12: `robot` is not a role",
        "t.rtc:7:22: unexpected `words`",
        "t.rtc:8:20: on-call get_weather needs the output",
        "t.rtc:9:9: `\"bad` is not a function name",
        "t.rtc:10:4: say needs the words",
        "t.rtc:11:1: a step starts with a keyword\n  hint: to send this event, write `send {…}`",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
}

#[test]
fn directives_after_steps_and_empty_scripts_are_refused() {
    let e = problems("say hi\ndialect beta\n");
    assert!(
        e.to_string()
            .contains("t.rtc:2:1: `dialect` must come before the first step (line 1)"),
        "{e}"
    );
    let e = problems("dialect gamma\nrequires key\n");
    assert!(
        e.to_string().contains("t.rtc:1:9: unknown dialect 'gamma'"),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("t.rtc:2:10: unknown requirement `key`"),
        "{e}"
    );
    let e = problems("# only a comment\n\n");
    assert!(
        e.to_string().contains("t.rtc:1:1: the script has no steps"),
        "{e}"
    );
}

#[test]
fn unclosed_json_is_reported_where_it_opens() {
    let e = problems("send {\"type\": \"session.update\",\n  \"session\": {\"type\": \"realtime\"}\nexpect session.updated\n");
    assert_eq!(e.problems.len(), 1, "{e}");
    assert!(
        e.to_string()
            .starts_with("t.rtc:1:6: this `{` is not closed before line 3"),
        "{e}"
    );
}

#[test]
fn invalid_json_in_send_points_at_the_script_position() {
    let e = problems("say hi\nsend {\"type\": \"response.create\"\n   \"event_id\": \"x\"}\n");
    let text = e.to_string();
    assert!(
        text.starts_with("t.rtc:3:4: invalid JSON: expected `,` or `}`"),
        "{text}"
    );
    assert!(
        !text.contains("at line"),
        "the JSON-relative position is replaced: {text}"
    );
    assert!(text.contains("hint: a comma is probably missing"), "{text}");
}

#[test]
fn invalid_events_name_the_line_and_json_path_and_nothing_runs() {
    let text = "say hello\n\n\
                send {\"type\":\"session.update\",\"session\":{\"output_modalities\":[\"text\"]}}\n\
                send {\"type\":\"response.create\",\"response\":{\"modalities\":[\"text\"]}}\n";
    let e = parse_script(text, "weather.rtc").unwrap_err();
    let shown = e.to_string();
    assert!(
        shown.starts_with(
            "weather.rtc:3:6: session.update: session.type: Missing required parameter"
        ),
        "{shown}"
    );
    assert!(
        shown.contains("weather.rtc:4:6: response.create: response.modalities: "),
        "{shown}"
    );
    assert!(e.problems.iter().all(|p| !p.hint.is_empty()), "{shown}");
}

#[test]
fn send_is_validated_for_the_scripts_dialect() {
    let beta = "{\"type\":\"session.update\",\"session\":{\"modalities\":[\"text\"]}}";
    assert!(parse_script(&format!("send {beta}"), "t").is_err());
    let s = parse(&format!("dialect beta\nsend {beta}"));
    assert_eq!(s.dialect, Dialect::Beta);
    assert!(parse_script(
        "send {\"type\":\"transcription_session.update\",\"session\":{}}",
        "t"
    )
    .is_err());
}

// ---------------------------------------------------------------- running

#[test]
fn say_sends_a_user_message_then_response_create() {
    let mut r = run("say What's the weather?");
    let d = drive(&mut r, vec![], 0);
    assert!(d.passed(), "{}", d.failure());
    assert_eq!(
        d.sent_types(),
        ["conversation.item.create", "response.create"]
    );
    assert_eq!(
        d.sends[0].1["item"]["content"][0],
        json!({"type": "input_text", "text": "What's the weather?"})
    );
    assert_eq!(d.sends[0].1["item"]["role"], "user");
}

#[test]
fn send_and_sleep_follow_the_clock() {
    let mut r = run(
        "send {\"type\":\"response.create\"}\nsleep 1500ms\nsend {\"type\":\"response.cancel\"}",
    );
    let first = r.poll(0);
    assert_eq!(
        first,
        [
            Action::Send(r#"{"type":"response.create"}"#.into()),
            Action::WakeAt(1500)
        ]
    );
    assert_eq!(r.poll(1000), [Action::WakeAt(1500)]);
    let last = r.poll(1500);
    assert_eq!(
        last[0],
        Action::Send(r#"{"type":"response.cancel"}"#.into())
    );
    assert!(matches!(&last[1], Action::Done(o) if o.passed && o.steps_run == 3));
    assert!(r.poll(2000).is_empty(), "nothing after Done");
}

#[test]
fn audio_and_silence_block_until_the_runner_reports_them_played() {
    let mut r = run("audio q.wav\nsilence 1s\nsay done");
    let a = r.poll(0);
    assert_eq!(
        a,
        [Action::StreamAudio {
            path: "q.wav".into(),
            line: 1
        }]
    );
    assert!(r.poll(5000).is_empty(), "still streaming");
    r.audio_finished(5000);
    assert_eq!(r.poll(5000), [Action::StreamSilence { ms: 1000 }]);
    r.audio_finished(6000);
    let end = r.poll(6000);
    assert_eq!(end.len(), 3, "{end:?}");
    assert!(matches!(end[2], Action::Done(_)));
}

#[test]
fn expect_matches_in_order_and_moves_a_cursor() {
    let a = ev(json!({"type": "session.updated", "session": {}}));
    let b = ev(json!({"type": "rate_limits.updated", "rate_limits": []}));
    // B after A: passes.
    let mut r = run("expect session.updated\nexpect rate_limits.updated");
    let d = drive(&mut r, vec![(10, a.clone()), (20, b.clone())], 0);
    assert!(d.passed(), "{}", d.failure());
    // B before A: the second expect looks only after A, and times out.
    let mut r = run("expect session.updated\nexpect rate_limits.updated within 1s");
    let d = drive(&mut r, vec![(10, b), (20, a.clone())], 0);
    let f = d.outcome.as_ref().unwrap().failure.clone().unwrap();
    assert_eq!(f.line, 2);
    assert_eq!(f.expected, "expect rate_limits.updated within 1s");
    assert_eq!(
        f.got,
        "no rate_limits.updated after event #2 (matched by line 1); the last rate_limits.updated was #1 at 10 ms, before that (2 server events received)"
    );
    // Two expects of one type need two events.
    let mut r = run("expect session.updated\nexpect session.updated within 1s");
    let d = drive(&mut r, vec![(10, a)], 0);
    assert!(
        d.failure().contains("no session.updated after event #1"),
        "{}",
        d.failure()
    );
}

#[test]
fn beta_events_satisfy_ga_expects() {
    let mut r = run("expect response.output_text.done text~/hello/i");
    let beta = ev(
        json!({"type": "response.text.done", "response_id": "r", "item_id": "i",
        "output_index": 0, "content_index": 0, "text": "Hello!"}),
    );
    let d = drive(&mut r, vec![(5, beta)], 0);
    assert!(d.passed(), "{}", d.failure());
}

#[test]
fn a_timed_out_expect_lists_the_near_misses_and_why() {
    let mut r = run("timeout 2s\nexpect response.done response.status=completed response.usage?");
    let done = |status: &str| {
        ev(
            json!({"type": "response.done", "response": {"id": "r", "object": "realtime.response",
            "status": status, "output": [], "usage": null}}),
        )
    };
    let events = (0..4)
        .map(|i| {
            (
                100 * (i + 1),
                done(["failed", "cancelled", "incomplete", "failed"][i as usize]),
            )
        })
        .collect();
    let d = drive(&mut r, events, 0);
    let f = d.outcome.unwrap().failure.unwrap();
    assert_eq!(f.line, 2);
    assert_eq!(
        f.expected,
        "expect response.done response.status=completed response.usage?"
    );
    let lines: Vec<&str> = f.got.lines().collect();
    assert_eq!(
        lines[0],
        "4 response.done event(s) arrived, none satisfying the conditions; the last 3:"
    );
    assert_eq!(
        lines[1],
        "#2 at 200 ms: response.status is \"cancelled\", not \"completed\"; response.usage is null"
    );
    assert_eq!(lines.len(), 4);
}

#[test]
fn a_timeout_with_no_such_event_says_so_and_wakes_at_the_deadline() {
    let mut r = run("expect response.done within 3s");
    assert_eq!(r.poll(100), [Action::WakeAt(3100)]);
    r.on_server(
        200,
        &ev(json!({"type": "rate_limits.updated", "rate_limits": []})),
    );
    assert_eq!(r.poll(200), [Action::WakeAt(3100)]);
    let out = r.poll(3100);
    let Action::Done(o) = &out[0] else {
        panic!("{out:?}")
    };
    assert!(!o.passed);
    assert_eq!(
        o.failure.as_ref().unwrap().got,
        "no response.done event in 3000 ms (1 server events received)"
    );
}

#[test]
fn server_errors_are_reported_but_fail_only_an_expect_that_wanted_one() {
    let error = ev(
        json!({"type": "error", "event_id": "e1", "error": {"type": "invalid_request_error",
        "code": "invalid_value", "message": "Invalid value: 'x'.", "param": "session.voice"}}),
    );
    let later = ev(json!({"type": "session.updated", "session": {}}));
    let mut r = run("expect session.updated");
    let d = drive(&mut r, vec![(10, error.clone()), (20, later)], 0);
    assert!(d.passed(), "{}", d.failure());
    let notes = &d.outcome.as_ref().unwrap().notes;
    assert_eq!(
        notes,
        &["server error at 10 ms: invalid_value: Invalid value: 'x'."]
    );

    let mut r = run("expect session.updated within 1s");
    let d = drive(&mut r, vec![(10, error.clone())], 0);
    assert!(
        d.failure()
            .contains("server error while waiting (at 10 ms): invalid_value: Invalid value: 'x'."),
        "{}",
        d.failure()
    );

    let mut r = run("expect error error.code=invalid_value error.param~/voice/");
    let d = drive(&mut r, vec![(10, error)], 0);
    assert!(d.passed(), "{}", d.failure());
}

fn function_call_done(calls: &[(&str, &str)]) -> String {
    let output: Vec<Value> = calls
        .iter()
        .map(|(name, id)| {
            json!({"id": format!("item_{id}"), "object": "realtime.item", "type": "function_call",
            "status": "completed", "name": name, "call_id": id, "arguments": "{}"})
        })
        .collect();
    ev(
        json!({"type": "response.done", "response": {"id": "resp_1", "object": "realtime.response",
        "status": "completed", "output": output}}),
    )
}

#[test]
fn on_call_answers_each_call_once_then_asks_for_one_response() {
    // The fixture: one call to generate_horoscope, then the server's second response.
    let call_id = sequence("function_call.jsonl")
        .iter()
        .find_map(|s| {
            let v: Value = serde_json::from_str(&s.text).unwrap();
            (v["type"] == "response.function_call_arguments.done")
                .then(|| v["call_id"].as_str().unwrap().to_string())
        })
        .unwrap();
    let mut r = run("on-call generate_horoscope {\"horoscope\": \"Great day\"}\nexpect response.done\nexpect response.done\ntranscript assistant ~/Aquarius/");
    let d = drive(&mut r, server_events("function_call.jsonl"), 0);
    assert!(d.passed(), "{}", d.failure());
    assert_eq!(
        d.sent_types(),
        ["conversation.item.create", "response.create"]
    );
    assert_eq!(d.sends[0].0, 1657, "answered at the response.done");
    assert_eq!(
        d.sends[0].1["item"],
        json!({"type": "function_call_output", "call_id": call_id, "output": "{\"horoscope\":\"Great day\"}"})
    );
    assert!(d.outcome.unwrap().notes.is_empty());
}

#[test]
fn on_call_never_answers_twice_and_batches_calls_of_one_response() {
    let mut r = run("on-call f ok\non-call g \"two words\"\nsleep 10s");
    r.poll(0);
    r.on_server(
        10,
        &function_call_done(&[("f", "c1"), ("g", "c2"), ("h", "c3")]),
    );
    let sends: Vec<Value> = r
        .poll(10)
        .into_iter()
        .filter_map(|a| match a {
            Action::Send(t) => Some(serde_json::from_str(&t).unwrap()),
            _ => None,
        })
        .collect();
    let summary: Vec<(String, String)> = sends
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
            ("conversation.item.create".into(), "ok".into()),
            ("conversation.item.create".into(), "two words".into()),
            ("response.create".into(), String::new())
        ]
    );
    // The same response.done again (a duplicate) is not answered again.
    r.on_server(20, &function_call_done(&[("f", "c1")]));
    assert_eq!(r.poll(20), [Action::WakeAt(10_000)]);
    let out = r.poll(10_000);
    let Action::Done(o) = &out[0] else { panic!() };
    assert!(
        o.notes
            .iter()
            .any(|n| n.contains("the model called h (c3) and no on-call rule answers it")),
        "{:?}",
        o.notes
    );
}

#[test]
fn on_call_applies_only_from_its_step_on() {
    let mut r = run("expect response.done\non-call f ok\nsleep 1s");
    r.on_server(5, &function_call_done(&[("f", "c1")]));
    let out = r.poll(5);
    assert_eq!(out, [Action::WakeAt(1005)], "the call came before the rule");
}

#[test]
fn transcripts_come_from_the_session_and_wait_for_completion() {
    // Voice turn: the user's transcription completes after response.done.
    let mut r = run("expect response.done\n\
         transcript user ~/weather like in paris/i within 1s\n\
         transcript user =\"What's the weather like in Paris?\"\n\
         transcript assistant ~/sunny and about 22 degrees/");
    let d = drive(&mut r, server_events("voice_turn.jsonl"), 0);
    assert!(d.passed(), "{}", d.failure());

    let mut r = run("expect response.done\ntranscript assistant ~/rainy/ within 1s");
    let d = drive(&mut r, server_events("voice_turn.jsonl"), 0);
    let f = d.outcome.unwrap().failure.unwrap();
    assert_eq!(f.expected, "transcript assistant ~/rainy/ within 1s");
    assert_eq!(f.got, "the latest completed assistant transcript is \"It's sunny and about 22 degrees in Paris right now.\"");

    let mut r = run("transcript user ~/./ within 1s");
    let d = drive(&mut r, vec![], 0);
    assert_eq!(
        d.outcome.unwrap().failure.unwrap().got,
        "no completed user transcript in 1000 ms"
    );
}

#[test]
fn typed_text_and_beta_text_count_as_transcripts() {
    let mut r = run("expect response.done\ntranscript user =hello\ntranscript assistant =\"Hello! How can I help you today?\"");
    let d = drive(&mut r, server_events("beta_text_turn.jsonl"), 0);
    // The beta fixture's user said something else; the failure shows what.
    assert!(
        d.failure()
            .contains("the latest completed user transcript is"),
        "{}",
        d.failure()
    );
    let mut r =
        run("expect response.done\ntranscript assistant =\"Hello! How can I help you today?\"");
    let d = drive(&mut r, server_events("beta_text_turn.jsonl"), 0);
    assert!(d.passed(), "{}", d.failure());
}

#[test]
fn budgets_judge_each_turn_by_the_cores_latency() {
    // Voice: speech stopped at 4468 ms, first audio at 4795 ms: 327 ms.
    let script = |budget: &str| format!("budget {budget}\nexpect response.done\n");
    let mut r = run(&script("300ms"));
    let d = drive(&mut r, server_events("voice_turn.jsonl"), 0);
    let f = d.outcome.unwrap().failure.unwrap();
    assert_eq!(f.line, 1);
    assert_eq!(
        f.expected,
        "budget 300ms: every turn's first output within 300 ms"
    );
    assert_eq!(
        f.got,
        "turn 1: first output (audio) 327 ms after the user stopped speaking, 27 ms over budget"
    );
    let mut r = run(&script("400ms"));
    assert!(drive(&mut r, server_events("voice_turn.jsonl"), 0).passed());

    // Text: response.create sent at 1575 ms, first delta at 1801 ms: 226 ms.
    let text =
        |budget: &str| format!("budget {budget}\nsleep 1575ms\nsay Hello\nexpect response.done\n");
    let mut r = run(&text("200ms"));
    let d = drive(&mut r, server_events("text_turn.jsonl"), 0);
    assert!(
        d.failure()
            .contains("turn 1: first output (text) 226 ms after response.create was sent"),
        "{}",
        d.failure()
    );
    let mut r = run(&text("250ms"));
    assert!(drive(&mut r, server_events("text_turn.jsonl"), 0).passed());

    // A budget set after a turn began does not judge it; `budget off` stops judging.
    let mut r = run("sleep 1575ms\nsay Hello\nbudget 1ms\nexpect response.done\n");
    assert!(drive(&mut r, server_events("text_turn.jsonl"), 0).passed());
    let mut r = run("budget 1ms\nbudget off\nexpect response.done\n");
    assert!(drive(&mut r, server_events("voice_turn.jsonl"), 0).passed());
}

// ---------------------------------------------------------------- recordings

fn recording(name: &str) -> rtconsole::recording::Recording {
    open_recording(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/recordings")
            .join(name),
    )
    .unwrap()
}

#[test]
fn a_recording_becomes_sends_sleeps_and_an_on_call_rule() {
    let rec = recording("function_call.jsonl");
    let plan = script_from_recording(&rec, false);
    let script = plan.script();
    let lines: Vec<String> = script.steps.iter().map(|s| s.step.to_string()).collect();
    let kinds: Vec<&str> = script.steps.iter().map(|s| s.step.keyword()).collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "on-call").count(),
        1,
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("on-call generate_horoscope ")),
        "{lines:#?}"
    );
    // The recorded function_call_output and the response.create after it are left to on-call.
    let sent: Vec<&str> = script
        .steps
        .iter()
        .filter_map(|s| match &s.step {
            Step::Send { event_type, .. } => Some(event_type.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        sent,
        [
            "session.update",
            "conversation.item.create",
            "response.create"
        ]
    );
    assert_eq!(
        kinds[0], "expect",
        "waits for session.created first: {lines:#?}"
    );
    assert!(kinds.contains(&"sleep"));
    assert!(
        plan.notes.iter().any(|n| n.contains("on-call")),
        "{:?}",
        plan.notes
    );
    assert_eq!(
        plan.expected.len(),
        rec.entries
            .iter()
            .filter(|e| e.dir == rtconsole::protocol::Direction::Server)
            .count()
    );

    let fast = script_from_recording(&rec, true).script();
    assert!(fast.steps.iter().all(|s| !matches!(s.step, Step::Sleep(_))));
}

#[test]
fn a_rendered_recording_is_an_editable_script_with_the_same_lines() {
    let rec = recording("function_call.jsonl");
    let plan = script_from_recording(&rec, false);
    let text = render_script(&plan);
    assert!(
        text.starts_with("# Converted by rtconsole from a recording"),
        "{text}"
    );
    assert!(!text.contains(".delta"), "deltas are left out:\n{text}");
    let reparsed = parse_script(&text, "converted.rtc").unwrap_or_else(|e| panic!("{e}\n{text}"));
    let observed = plan
        .items
        .iter()
        .filter(|i| matches!(i, PlanItem::Observed { .. }))
        .count();
    assert_eq!(reparsed.steps.len(), plan.script().steps.len() + observed);
    // Every plan step is at the line where the rendered script has it.
    for s in plan.script().steps {
        let same = reparsed.steps.iter().find(|r| r.line == s.line).unwrap();
        assert_eq!(same.step, s.step, "line {}", s.line);
    }
    assert!(looks_like_recording(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/recordings/function_call.jsonl")
        )
        .unwrap()
    ));
    assert!(!looks_like_recording(&text));
}

#[test]
fn a_replay_against_the_recorded_server_passes_and_compares_identical() {
    for name in [
        "function_call.jsonl",
        "beta_text_turn.jsonl",
        "voice_turn.jsonl",
    ] {
        let rec = recording(name);
        let plan = script_from_recording(&rec, false);
        let server: Vec<(u64, String)> = rec
            .entries
            .iter()
            .filter(|e| e.dir == rtconsole::protocol::Direction::Server)
            .map(|e| (e.t_ms, e.raw.clone()))
            .collect();
        let mut r = ScriptRun::new(plan.script(), 10_000);
        let d = drive(&mut r, server, 0);
        assert!(d.passed(), "{name}: {}", d.failure());
        let cmp = compare_server_events(&plan.expected, &r.server_events());
        assert!(cmp.is_identical(), "{name}: {cmp}");
        assert!(cmp.render().ends_with("same sequence"), "{}", cmp.render());
    }
    // The function call was answered by the rule, once, at the first response.done.
    let rec = recording("function_call.jsonl");
    let plan = script_from_recording(&rec, false);
    let server: Vec<(u64, String)> = rec
        .entries
        .iter()
        .filter(|e| e.dir == rtconsole::protocol::Direction::Server)
        .map(|e| (e.t_ms, e.raw.clone()))
        .collect();
    let d = drive(&mut ScriptRun::new(plan.script(), 10_000), server, 0);
    let types = d.sent_types();
    assert_eq!(
        types.iter().filter(|t| *t == "response.create").count(),
        2,
        "{types:?}"
    );
    let recorded_client_times: Vec<u64> = rec
        .entries
        .iter()
        .filter(|e| e.dir == rtconsole::protocol::Direction::Client)
        .map(|e| e.t_ms)
        .take(3)
        .collect();
    let sent_times: Vec<u64> = d.sends.iter().map(|(t, _)| *t).take(3).collect();
    assert_eq!(sent_times, recorded_client_times, "timing reproduced");
}

#[test]
fn comparison_reports_a_missing_and_an_extra_type_with_positions() {
    let rec = recording("function_call.jsonl");
    let expected = script_from_recording(&rec, true).expected;
    assert!(compare_server_events(&expected, &expected).is_identical());

    let mut produced = expected.clone();
    let at = produced
        .iter()
        .position(|v| v["type"] == "rate_limits.updated")
        .unwrap();
    produced.remove(at);
    produced.insert(
        5,
        json!({"type": "error", "error": {"type": "server_error", "message": "x"}}),
    );
    let cmp = compare_server_events(&expected, &produced);
    assert_eq!(cmp.differences.len(), 2, "{cmp}");
    let extra = cmp
        .differences
        .iter()
        .find(|d| d.kind == DiffKind::Extra)
        .unwrap();
    assert_eq!((extra.event_type.as_str(), extra.position), ("error", 6));
    let missing = cmp
        .differences
        .iter()
        .find(|d| d.kind == DiffKind::Missing)
        .unwrap();
    assert_eq!(
        (missing.event_type.as_str(), missing.position),
        ("rate_limits.updated", at + 1)
    );
    let report = cmp.render();
    assert!(report.contains("2 difference(s)"), "{report}");
    assert!(
        report.contains(&format!("missing #{} rate_limits.updated (after ", at + 1)),
        "{report}"
    );
    assert!(report.contains("extra   #6 error (after "), "{report}");

    // More or fewer deltas, other ids and words: still the same.
    let mut reworded: Vec<Value> = Vec::new();
    for v in &expected {
        let mut v = v.clone();
        if let Some(o) = v.as_object_mut() {
            o.insert("event_id".into(), json!("other"));
        }
        let delta = v["type"].as_str().unwrap().ends_with(".delta");
        reworded.push(v.clone());
        if delta {
            reworded.push(v);
        }
    }
    assert!(compare_server_events(&expected, &reworded).is_identical());
}

// ---------------------------------------------------------------- against the mock model

/// Plays a script against the mock's simulated model on a shared simulated clock:
/// what the run sends goes to the model, what the model sends comes back.
fn against_mock(script: Script) -> (Drive, ScriptRun) {
    use rtconsole::mock::model::{Model, ModelInput, ModelOptions, ModelOutput};
    use rtconsole::mock::scenario::Scenario;
    let mut model = Model::new(ModelOptions::new(std::sync::Arc::new(Scenario::default())));
    let mut run = ScriptRun::new(script, 10_000);
    let mut d = Drive::default();
    let mut now = 0u64;
    let mut wake: Option<u64> = None;
    let mut inbox: Vec<ModelOutput> = model.handle(ModelInput::Open { at_ms: 0 });
    for _ in 0..100_000 {
        for out in inbox.drain(..) {
            if let ModelOutput::Send(text) = out {
                run.on_server(now, &text);
            }
        }
        for action in run.poll(now) {
            match action {
                Action::Send(text) => {
                    d.sends.push((now, serde_json::from_str(&text).unwrap()));
                    inbox.extend(model.handle(ModelInput::Client {
                        at_ms: now,
                        text: &text,
                    }));
                }
                Action::WakeAt(t) => wake = Some(t),
                Action::Done(o) => {
                    d.outcome = Some(o);
                    return (d, run);
                }
                other => panic!("no audio in these scripts: {other:?}"),
            }
        }
        if !inbox.is_empty() {
            continue;
        }
        let Some(next) = [wake, model.next_deadline()].into_iter().flatten().min() else {
            return (d, run);
        };
        now = now.max(next);
        if wake.is_some_and(|w| w <= now) {
            wake = None;
        }
        inbox.extend(model.handle(ModelInput::Tick { at_ms: now }));
    }
    panic!("the run never ended");
}

#[test]
fn the_text_and_function_call_examples_pass_against_the_mock_model() {
    for name in ["text_turn.rtc", "function_call.rtc"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/scripts")
            .join(name);
        let script = parse_script(&std::fs::read_to_string(path).unwrap(), name).unwrap();
        let (d, run) = against_mock(script);
        let events: Vec<&str> = run.events().iter().map(|e| e.event_type.as_str()).collect();
        assert!(d.passed(), "{name}: {}\nevents: {events:?}", d.failure());
        let o = d.outcome.unwrap();
        assert!(o.notes.is_empty(), "{name}: {:?}", o.notes);
        assert!(events.contains(&"response.done"), "{events:?}");
    }
    // And a check that does not hold fails, quoting the mock's actual words.
    let (d, _) = against_mock(parse(
        "say hi there\nexpect response.done\ntranscript assistant ~/rainy/ within 1s",
    ));
    let failure = d.failure();
    assert!(
        failure.contains("the latest completed assistant transcript is")
            && failure.contains("hi there"),
        "{failure}"
    );
}

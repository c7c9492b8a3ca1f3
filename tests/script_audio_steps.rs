//! Event-anchored `audio`/`silence` steps and `on-call @FILE`, sans IO: parsing,
//! rendering back, errors, and when the run asks for the audio on its clock.

use std::path::{Path, PathBuf};

use rtconsole::script::{parse_script, Action, Outcome, ScriptRun, Step, Stream};
use serde_json::{json, Value};

fn steps(text: &str) -> Vec<Step> {
    let s = parse_script(text, "t.rtc").unwrap_or_else(|e| panic!("{e}"));
    s.steps.into_iter().map(|l| l.step).collect()
}

fn error(text: &str) -> String {
    parse_script(text, "t.rtc").unwrap_err().to_string()
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

fn streams(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::StreamAudio { path, .. } => Some(path.display().to_string()),
            Action::StreamSilence { ms } => Some(format!("silence {ms}")),
            _ => None,
        })
        .collect()
}

fn event(v: Value) -> String {
    v.to_string()
}

#[test]
fn anchored_steps_parse_and_render_back() {
    let text = "audio interrupt.wav after output_audio_buffer.started +800ms\n\
        silence 500ms after response.done response.status=completed +200ms within 5s\n\
        audio \"my take.wav\" after any response.created\n\
        audio a.wav after input_audio_buffer.speech_stopped within 3s\n\
        on-call get_weather delay 100ms @answers/weather.json\n";
    let got = steps(text);
    match &got[0] {
        Step::StreamAfter {
            stream: Stream::Audio(p),
            anchor,
            offset_ms: 800,
        } => {
            assert_eq!(p, Path::new("interrupt.wav"));
            assert_eq!(anchor.event_type, "output_audio_buffer.started");
        }
        other => panic!("{other:?}"),
    }
    let rendered: Vec<String> = got.iter().map(ToString::to_string).collect();
    assert_eq!(
        rendered,
        [
            "audio interrupt.wav after output_audio_buffer.started +800ms",
            "silence 500ms after response.done response.status=completed +200ms within 5s",
            "audio \"my take.wav\" after any response.created",
            "audio a.wav after input_audio_buffer.speech_stopped within 3s",
            "on-call get_weather delay 100ms @answers/weather.json",
        ]
    );
    assert_eq!(steps(&rendered.join("\n")), got);
    // Without `after` they are the plain steps they always were.
    assert_eq!(
        steps("audio my file.wav\nsilence 1s\n"),
        [Step::Audio("my file.wav".into()), Step::Silence(1000)]
    );
}

#[test]
fn bad_anchored_steps_name_the_line_and_what_to_write() {
    let e = error("sleep 1s\naudio a.wav after\n");
    assert!(e.contains(":2:") || e.contains("line 2"), "{e}");
    assert!(
        e.contains("needs the server event") && e.contains("+800ms"),
        "{e}"
    );
    let e = error("audio a.wav after response.done -200ms\n");
    assert!(e.contains("cannot start before the event"), "{e}");
    let e = error("audio a.wav after response.done +800\n");
    assert!(e.contains("800ms or 800s"), "{e}");
    let e = error("silence 1s after respnse.done\n");
    assert!(e.contains("did you mean `response.done`"), "{e}");
    let e = error("silence 1s before response.done\n");
    assert!(
        e.contains("unexpected `before`") && e.contains("after"),
        "{e}"
    );
    let e = error("silence after response.done\n");
    assert!(
        e.contains("not a duration") && e.contains("silence 1s"),
        "{e}"
    );
    let e = error("audio a.wav after response.done +1s +2s\n");
    assert!(e.contains("offset is given twice"), "{e}");
    let e = error("on-call f @\n");
    assert!(
        e.contains("needs a file") && e.contains("@answers/f.json"),
        "{e}"
    );
}

#[test]
fn anchored_audio_starts_after_the_event_arrived_not_after_the_step_began() {
    let mut r = run(
        "audio q.wav\naudio i.wav after output_audio_buffer.started +800ms\nexpect response.done\n",
    );
    assert_eq!(streams(&r.poll(0)), ["q.wav"]);
    // The model starts speaking while the question is still streaming.
    r.on_server(
        500,
        &event(json!({"type": "output_audio_buffer.started", "response_id": "resp_1"})),
    );
    assert!(streams(&r.poll(500)).is_empty());
    r.audio_finished(1000);
    let actions = r.poll(1000);
    assert!(streams(&actions).is_empty(), "{actions:?}");
    assert!(actions.contains(&Action::WakeAt(1300)), "{actions:?}");
    assert!(streams(&r.poll(1299)).is_empty());
    assert_eq!(streams(&r.poll(1300)), ["i.wav"]);
    r.audio_finished(2000);
    r.on_server(
        2100,
        &event(
            json!({"type": "response.done", "response": {"id": "resp_1", "status": "cancelled"}}),
        ),
    );
    let o = outcome(&r.poll(2100)).expect("done");
    assert!(o.passed, "{o}");
    assert!(o.notes.is_empty(), "{o}");
}

#[test]
fn an_anchor_whose_moment_passed_streams_at_once_and_says_how_late() {
    let mut r = run("audio q.wav\nsilence 300ms after output_audio_buffer.started +200ms\n");
    r.poll(0);
    r.on_server(
        100,
        &event(json!({"type": "output_audio_buffer.started", "response_id": "resp_1"})),
    );
    r.audio_finished(1000);
    assert_eq!(streams(&r.poll(1000)), ["silence 300"]);
    r.audio_finished(1300);
    let o = outcome(&r.poll(1300)).expect("done");
    assert!(o.passed, "{o}");
    assert!(
        o.notes
            .iter()
            .any(|n| n.contains("line 2") && n.contains("700 ms later")),
        "{o}"
    );
}

#[test]
fn an_anchor_that_never_comes_fails_like_an_expect() {
    let mut r = run("silence 1s after output_audio_buffer.started +800ms within 2s\n");
    let first = r.poll(0);
    assert!(first.contains(&Action::WakeAt(2000)), "{first:?}");
    r.on_server(
        50,
        &event(json!({"type": "session.updated", "session": {}})),
    );
    assert!(streams(&r.poll(50)).is_empty());
    let o = outcome(&r.poll(2000)).expect("timed out");
    let f = o.failure.expect("a failure");
    assert_eq!(f.line, 1);
    assert_eq!(
        f.expected,
        "silence 1s after output_audio_buffer.started +800ms within 2s"
    );
    assert!(
        f.got.contains("no output_audio_buffer.started"),
        "{}",
        f.got
    );
}

#[test]
fn after_a_request_the_anchor_is_bound_to_the_scripts_own_response() {
    let mut r = run("say Hi\nsilence 100ms after response.done +50ms\n");
    r.poll(0);
    let created = |id: &str, conv: Value| {
        event(
            json!({"type": "response.created", "response": {"id": id, "object": "realtime.response",
            "status": "in_progress", "output": [], "conversation_id": conv, "metadata": null}}),
        )
    };
    let done = |id: &str| {
        event(
            json!({"type": "response.done", "response": {"id": id, "object": "realtime.response",
            "status": "completed", "output": []}}),
        )
    };
    // An out-of-band response nobody asked for finishes first.
    r.on_server(10, &created("resp_other", Value::Null));
    r.on_server(20, &done("resp_other"));
    assert!(!r.poll(20).contains(&Action::WakeAt(70)));
    r.on_server(30, &created("resp_mine", json!("conv_1")));
    r.on_server(400, &done("resp_mine"));
    assert!(r.poll(400).contains(&Action::WakeAt(450)));
    assert_eq!(streams(&r.poll(450)), ["silence 100"]);
}

#[test]
fn on_call_answers_from_a_file_read_when_the_script_is_loaded() {
    let mut script = parse_script(
        "on-call get_weather @answers/weather.json\nsay Weather?\nexpect response.done\n",
        "t.rtc",
    )
    .unwrap();
    script.resolve_paths(Path::new("/scripts"));
    let mut asked = Vec::new();
    script
        .read_call_outputs(|p| {
            asked.push(p.to_path_buf());
            Ok("{\n  \"city\": \"{{city}}\",\n  \"temperature_c\": 21\n}\n".to_string())
        })
        .unwrap();
    assert_eq!(asked, [PathBuf::from("/scripts/answers/weather.json")]);
    let mut r = ScriptRun::new(script, 10_000);
    r.poll(0);
    let call = json!({"id": "item_1", "type": "function_call", "status": "completed",
        "name": "get_weather", "call_id": "call_1", "arguments": "{\"city\":\"Paris\"}"});
    r.on_server(
        100,
        &event(json!({"type": "response.done", "response": {"id": "resp_1", "status": "completed", "output": [call]}})),
    );
    let sent: Vec<Value> = r
        .poll(100)
        .iter()
        .filter_map(|a| match a {
            Action::Send(t) => serde_json::from_str(t).ok(),
            _ => None,
        })
        .collect();
    assert_eq!(
        sent[0]["item"]["output"],
        "{\"city\":\"Paris\",\"temperature_c\":21}"
    );
    assert_eq!(sent[1]["type"], "response.create");

    let mut missing = parse_script("sleep 1s\non-call f @nope.json\n", "t.rtc").unwrap();
    let e = missing
        .read_call_outputs(|_| Err(std::io::Error::from(std::io::ErrorKind::NotFound)))
        .unwrap_err();
    assert!(
        e.contains("line 2") && e.contains("nope.json") && e.contains("relative to the script"),
        "{e}"
    );
}

//! Bound expectations: after `say` or a sent `response.create`, response-scoped
//! waits accept only the response the script's request created, so a burst of
//! unrelated responses (earlier ones, out-of-band ones) does not satisfy them.
//! Sans IO: events are fed at chosen times on the run's clock.

use rtconsole::script::{parse_script, Action, Outcome, ScriptRun};
use serde_json::{json, Value};

fn run(text: &str) -> ScriptRun {
    ScriptRun::new(
        parse_script(text, "t.rtc").unwrap_or_else(|e| panic!("{e}")),
        10_000,
    )
}

/// The events of one text response: created, one message item with `text`, done.
fn response(id: &str, conversation: bool, text: &str) -> Vec<Value> {
    let conv = if conversation {
        json!("conv_1")
    } else {
        Value::Null
    };
    let item = format!("item_{id}");
    let msg = |status: &str, content: Value| {
        json!({"id": item, "object": "realtime.item", "type": "message", "status": status,
               "role": "assistant", "content": content})
    };
    let object = |status: &str, output: Value| {
        json!({"object": "realtime.response", "id": id, "status": status, "output": output,
               "conversation_id": conv, "metadata": null})
    };
    vec![
        json!({"type": "response.created", "response": object("in_progress", json!([]))}),
        json!({"type": "response.output_item.added", "response_id": id, "output_index": 0,
               "item": msg("in_progress", json!([]))}),
        json!({"type": "response.output_text.done", "response_id": id, "item_id": item,
               "output_index": 0, "content_index": 0, "text": text}),
        json!({"type": "response.output_item.done", "response_id": id, "output_index": 0,
               "item": msg("completed", json!([{"type": "output_text", "text": text}]))}),
        json!({"type": "response.done", "response": object("completed",
               json!([msg("completed", json!([{"type": "output_text", "text": text}]))]))}),
    ]
}

/// Feeds `events` at `at`, polls, and returns the outcome if the run ended.
fn feed(r: &mut ScriptRun, at: u64, events: &[Value]) -> Option<Outcome> {
    for e in events {
        r.on_server(at, &e.to_string());
    }
    done(r.poll(at))
}

fn done(actions: Vec<Action>) -> Option<Outcome> {
    actions.into_iter().find_map(|a| match a {
        Action::Done(o) => Some(o),
        _ => None,
    })
}

const SCRIPT: &str = "say Hi\nexpect response.done response.status=completed within 5s\ntranscript assistant ~/mine/ within 5s\n";

#[test]
fn a_burst_of_unrelated_responses_does_not_satisfy_the_scripts_expectations() {
    let mut r = run(SCRIPT);
    // An earlier response, finished before the script asked anything.
    assert!(feed(&mut r, 0, &response("resp_early", true, "early")).is_none());
    assert!(done(r.poll(0)).is_none(), "say sent, waiting");
    // Right after the request: an out-of-band response (conversation "none").
    assert!(
        feed(&mut r, 5, &response("resp_oob", false, "other")).is_none(),
        "the out-of-band response.done must not satisfy the bound expect"
    );
    // Then the script's own answer.
    let o = feed(&mut r, 50, &response("resp_mine", true, "mine")).expect("the run ended");
    assert!(o.passed, "{o}");
}

#[test]
fn expect_any_matches_any_response() {
    let mut r = run("say Hi\nexpect any response.done within 5s\n");
    r.poll(0);
    let o = feed(&mut r, 5, &response("resp_oob", false, "other")).expect("the run ended");
    assert!(o.passed, "{o}");
}

#[test]
fn a_timeout_says_which_matching_events_belonged_to_other_responses() {
    let mut r = run(SCRIPT);
    r.poll(0);
    assert!(feed(&mut r, 5, &response("resp_oob", false, "other")).is_none());
    let o = done(r.poll(5_000)).expect("timed out");
    let f = o.failure.expect("failed").to_string();
    assert!(f.contains("line 2"), "{f}");
    assert!(
        f.contains("1 matching event(s) belonged to responses the script did not request"),
        "{f}"
    );
    assert!(f.contains("expect any response.done"), "{f}");
}

#[test]
fn transcripts_bind_to_the_scripts_response_too() {
    let mut r = run("say Hi\ntranscript assistant ~/other/ within 1s\n");
    r.poll(0);
    assert!(feed(&mut r, 5, &response("resp_oob", false, "other")).is_none());
    let o = done(r.poll(1_000)).expect("timed out");
    assert!(!o.passed);
}

#[test]
fn a_sent_out_of_band_request_binds_to_its_out_of_band_response() {
    let text = "send {\"type\":\"response.create\",\"response\":{\"conversation\":\"none\",\"output_modalities\":[\"text\"]}}\nexpect response.done within 5s\n";
    let mut r = run(text);
    r.poll(0);
    // A default-conversation response started by the server is not the one asked for.
    assert!(feed(&mut r, 5, &response("resp_vad", true, "vad")).is_none());
    let o = feed(&mut r, 9, &response("resp_oob", false, "other")).expect("ended");
    assert!(o.passed, "{o}");
}

#[test]
fn follow_ups_of_on_call_answers_stay_bound_and_audio_unbinds() {
    // The second response (the follow-up to the tool output) is the script's own.
    let mut r = run("on-call f ok\nsay Hi\nexpect response.done\nexpect response.done response.output[0].content[0].text=after\n");
    r.poll(0);
    let mut call = response("resp_call", true, "x");
    call[4] = json!({"type": "response.done", "response": {"object": "realtime.response",
        "id": "resp_call", "status": "completed", "conversation_id": "conv_1", "metadata": null,
        "output": [{"id": "item_c", "type": "function_call", "status": "completed", "name": "f",
                    "call_id": "c1", "arguments": "{}"}]}});
    assert!(feed(&mut r, 5, &call).is_none());
    let o = feed(&mut r, 9, &response("resp_after", true, "after")).expect("ended");
    assert!(o.passed, "{o}");

    // After audio, a turn the server starts by itself is accepted.
    let mut r = run(
        "say Hi\nexpect response.done\nsilence 100ms\nexpect response.done response.id=resp_vad\n",
    );
    r.poll(0);
    assert!(feed(&mut r, 5, &response("resp_1", true, "one")).is_none());
    r.audio_finished(105);
    let o = feed(&mut r, 200, &response("resp_vad", true, "vad")).expect("ended");
    assert!(o.passed, "{o}");
}

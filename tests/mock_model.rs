//! The mock's simulated model, driven without IO: client text, audio frames and
//! ticks in; exact event sequences out. Every event it sends must decode as a known
//! server event (the deliberate faults aside).

use std::sync::Arc;

use rtconsole::mock::model::{Model, ModelInput, ModelOptions, ModelOutput};
use rtconsole::mock::scenario::{Pace, Scenario};
use rtconsole::protocol::server_event::{decode_server, DecodeOutcome};
use rtconsole::protocol::Dialect;
use rtconsole::session::{Input, Session, SessionOptions};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------
// Harness

struct Mock {
    model: Model,
    /// Every output so far.
    all: Vec<ModelOutput>,
    /// Sends that may fail to decode (deliberate faults).
    allow_bad: usize,
}

fn scenario(toml: &str) -> Scenario {
    let mut s = Scenario::parse(toml).expect("scenario parses");
    if !toml.contains("[pace]") {
        s.pace = Pace::instant();
    }
    s
}

fn mock_with(s: Scenario, f: impl FnOnce(&mut ModelOptions)) -> Mock {
    let mut opts = ModelOptions::new(Arc::new(s));
    f(&mut opts);
    Mock {
        model: Model::new(opts),
        all: Vec::new(),
        allow_bad: 0,
    }
}

fn mock(toml: &str) -> Mock {
    mock_with(scenario(toml), |_| {})
}

/// Asserts every `Send` decodes as a known event, but for `allow_bad` of them.
fn check_decodes(outs: &[ModelOutput], allow_bad: usize) {
    let mut bad = Vec::new();
    for o in outs {
        if let ModelOutput::Send(text) = o {
            let d = decode_server(text);
            if !matches!(d.outcome, DecodeOutcome::Known(_)) {
                bad.push(format!("{:?}: {text}", d.outcome));
            }
        }
    }
    assert!(
        bad.len() <= allow_bad,
        "events that do not decode:\n{}",
        bad.join("\n")
    );
}

impl Mock {
    fn run(&mut self, input: ModelInput<'_>) -> Vec<ModelOutput> {
        let out = self.model.handle(input);
        check_decodes(&out, self.allow_bad);
        self.all.extend(out.iter().cloned());
        out
    }
    fn open(&mut self) -> Vec<ModelOutput> {
        self.run(ModelInput::Open { at_ms: 0 })
    }
    fn send(&mut self, at_ms: u64, event: Value) -> Vec<ModelOutput> {
        let text = event.to_string();
        self.run(ModelInput::Client { at_ms, text: &text })
    }
    fn tick(&mut self, at_ms: u64) -> Vec<ModelOutput> {
        self.run(ModelInput::Tick { at_ms })
    }
    fn audio(&mut self, at_ms: u64, samples: &[i16]) -> Vec<ModelOutput> {
        self.run(ModelInput::Audio { at_ms, samples })
    }
    fn user(&mut self, at_ms: u64, text: &str) -> Vec<ModelOutput> {
        self.send(
            at_ms,
            json!({"type": "conversation.item.create", "item": {"type": "message", "role": "user",
                "content": [{"type": "input_text", "text": text}]}}),
        )
    }
}

/// Event types and output markers, consecutive deltas collapsed into one `…delta*`.
fn kinds(outs: &[ModelOutput]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for o in outs {
        let k = match o {
            ModelOutput::Send(t) => match serde_json::from_str::<Value>(t) {
                Ok(v) => v["type"].as_str().unwrap_or("?").to_string(),
                Err(_) => "(not json)".to_string(),
            },
            ModelOutput::PlayAudio { .. } => "PlayAudio".into(),
            ModelOutput::StopAudio => "StopAudio".into(),
            ModelOutput::Close { .. } => "Close".into(),
        };
        let k = if k.ends_with(".delta") {
            format!("{k}*")
        } else {
            k
        };
        if out.last() != Some(&k) || !k.ends_with('*') {
            out.push(k);
        }
    }
    out
}

fn events(outs: &[ModelOutput]) -> Vec<Value> {
    outs.iter()
        .filter_map(|o| match o {
            ModelOutput::Send(t) => serde_json::from_str(t).ok(),
            _ => None,
        })
        .collect()
}

fn find<'a>(evs: &'a [Value], ty: &str) -> &'a Value {
    evs.iter()
        .find(|e| e["type"] == ty)
        .unwrap_or_else(|| panic!("no {ty} in {evs:#?}"))
}

fn count(evs: &[Value], ty: &str) -> usize {
    evs.iter().filter(|e| e["type"] == ty).count()
}

fn joined_deltas(evs: &[Value], ty: &str) -> String {
    evs.iter()
        .filter(|e| e["type"] == ty)
        .map(|e| e["delta"].as_str().unwrap().to_string())
        .collect()
}

fn error_of(outs: &[ModelOutput]) -> Value {
    let evs = events(outs);
    assert_eq!(evs.len(), 1, "{evs:#?}");
    assert_eq!(evs[0]["type"], "error");
    evs[0]["error"].clone()
}

const TEXT_TURN: &[&str] = &[
    "response.created",
    "rate_limits.updated",
    "response.output_item.added",
    "conversation.item.added",
    "response.content_part.added",
    "response.output_text.delta*",
    "response.output_text.done",
    "response.content_part.done",
    "conversation.item.done",
    "response.output_item.done",
    "response.done",
];

const AUDIO_TURN: &[&str] = &[
    "response.created",
    "rate_limits.updated",
    "response.output_item.added",
    "conversation.item.added",
    "response.content_part.added",
    "output_audio_buffer.started",
    "PlayAudio",
    "response.output_audio_transcript.delta*",
    "response.output_audio.done",
    "response.output_audio_transcript.done",
    "response.content_part.done",
    "conversation.item.done",
    "response.output_item.done",
    "response.done",
];

fn text_response() -> Value {
    json!({"type": "response.create", "response": {"output_modalities": ["text"]}})
}

const HOROSCOPE_TOOL: &str = r#"{"type":"function","name":"generate_horoscope","description":"Horoscope of the day",
  "parameters":{"type":"object","properties":{
    "sign":{"type":"string","enum":["Aries","Taurus","Gemini","Aquarius","Pisces"]},
    "days":{"type":"integer","minimum":1,"maximum":7},
    "detail":{"type":"object","properties":{"mood":{"type":"boolean"}},"required":["mood"]}},
  "required":["sign","days","detail"]}}"#;

fn tools_update() -> Value {
    let tool: Value = serde_json::from_str(HOROSCOPE_TOOL).unwrap();
    json!({"type": "session.update", "session": {"type": "realtime", "tools": [tool], "tool_choice": "auto"}})
}

// Audio frames: 20 ms at 48 kHz.
const FRAME: usize = 960;

fn loud_frame(k: usize) -> Vec<i16> {
    (0..FRAME)
        .map(|i| {
            let t = (k * FRAME + i) as f64 / 48_000.0;
            ((t * 220.0 * std::f64::consts::TAU).sin() * 8000.0) as i16
        })
        .collect()
}

/// Feeds `ms` of loud or silent audio from `*t`, advancing it; all outputs.
fn feed(m: &mut Mock, t: &mut u64, ms: u64, loud: bool) -> Vec<ModelOutput> {
    let mut out = Vec::new();
    for _ in 0..ms / 20 {
        *t += 20;
        let frame = if loud {
            loud_frame((*t / 20) as usize)
        } else {
            vec![0; FRAME]
        };
        out.extend(m.audio(*t, &frame));
    }
    out
}

// ---------------------------------------------------------------------------
// Turns and responses

#[test]
fn text_turn_follows_the_documented_sequence() {
    let mut m = mock("");
    assert_eq!(kinds(&m.open()), ["session.created"]);
    let out = m.user(10, "Hi there");
    assert_eq!(
        kinds(&out),
        ["conversation.item.added", "conversation.item.done"]
    );
    let added = &events(&out)[0];
    assert_eq!(added["previous_item_id"], Value::Null);
    assert_eq!(added["item"]["status"], "completed");
    assert_eq!(added["item"]["object"], "realtime.item");
    let user_id = added["item"]["id"].as_str().unwrap().to_string();

    let out = m.send(20, text_response());
    assert_eq!(kinds(&out), TEXT_TURN);
    let evs = events(&out);
    assert!(count(&evs, "response.output_text.delta") > 1);
    let text = joined_deltas(&evs, "response.output_text.delta");
    assert!(
        text.contains("\"Hi there\"") && text.contains("rtconsole mock"),
        "{text}"
    );
    assert_eq!(
        find(&evs, "response.output_text.done")["text"],
        text.as_str()
    );
    assert_eq!(
        find(&evs, "conversation.item.added")["previous_item_id"],
        user_id.as_str()
    );
    let done = &find(&evs, "response.done")["response"];
    assert_eq!(done["status"], "completed");
    assert_eq!(done["output"][0]["content"][0]["type"], "output_text");
    assert_eq!(done["output"][0]["content"][0]["text"], text.as_str());
    let usage = &done["usage"];
    assert!(usage["input_tokens"].as_u64().unwrap() > 0);
    assert_eq!(
        usage["output_tokens"].as_u64().unwrap(),
        (text.chars().count() as u64).div_ceil(4)
    );
    assert!(usage["input_token_details"]["cached_tokens_details"].is_object());
    let limits = &find(&evs, "rate_limits.updated")["rate_limits"];
    assert_eq!(limits[0]["name"], "requests");
    assert_eq!(limits[0]["remaining"], 4999);
    assert_eq!(limits[1]["name"], "tokens");
}

#[test]
fn text_turn_reads_the_same_in_the_session_core() {
    let mut m = mock("");
    let mut s = Session::new(SessionOptions::default());
    let feed_session = |outs: Vec<ModelOutput>, s: &mut Session, at: u64| {
        for o in outs {
            if let ModelOutput::Send(raw) = o {
                let _ = s.handle(Input::Server { at_ms: at, raw });
            }
        }
    };
    feed_session(m.open(), &mut s, 0);
    let create = json!({"type": "conversation.item.create", "item": {"type": "message",
        "role": "user", "content": [{"type": "input_text", "text": "Hello mock"}]}});
    let _ = s.handle(Input::Sent {
        at_ms: 1,
        raw: create.to_string(),
    });
    feed_session(m.send(1, create), &mut s, 1);
    let _ = s.handle(Input::Sent {
        at_ms: 2,
        raw: text_response().to_string(),
    });
    let out = m.send(2, text_response());
    let reply = joined_deltas(&events(&out), "response.output_text.delta");
    feed_session(out, &mut s, 2);
    let t: Vec<(String, String)> = s
        .conversation()
        .ordered()
        .map(|i| {
            (
                i.role.as_ref().map(|r| r.to_string()).unwrap_or_default(),
                i.text(),
            )
        })
        .collect();
    assert_eq!(
        t,
        [
            ("user".to_string(), "Hello mock".to_string()),
            ("assistant".to_string(), reply)
        ]
    );
    assert!(s.errors().is_empty(), "{:?}", s.errors());
    let resp = &s.responses().all()[0];
    assert!(resp.usage.is_some());
}

#[test]
fn audio_turn_plays_then_stops_after_its_duration() {
    let mut m = mock("");
    m.open();
    m.user(0, "Say something");
    let out = m.send(100, json!({"type": "response.create"}));
    assert_eq!(kinds(&out), AUDIO_TURN);
    let evs = events(&out);
    let transcript = joined_deltas(&evs, "response.output_audio_transcript.delta");
    let (rid, duration) = out
        .iter()
        .find_map(|o| match o {
            ModelOutput::PlayAudio {
                response_id,
                duration_ms,
                ..
            } => Some((response_id.clone(), *duration_ms)),
            _ => None,
        })
        .unwrap();
    assert_eq!(duration, transcript.chars().count() as u64 * 60);
    assert_eq!(
        find(&evs, "response.created")["response"]["id"],
        rid.as_str()
    );
    assert_eq!(
        find(&evs, "response.content_part.added")["part"]["type"],
        "audio"
    );
    assert_eq!(
        count(&evs, "response.output_audio.delta"),
        0,
        "no audio deltas on WebRTC"
    );
    let item = &find(&evs, "response.done")["response"]["output"][0];
    assert_eq!(item["content"][0]["type"], "output_audio");
    assert_eq!(item["content"][0]["transcript"], transcript.as_str());

    assert_eq!(m.model.next_deadline(), Some(100 + duration));
    assert!(m.tick(100 + duration - 1).is_empty());
    let out = m.tick(100 + duration);
    assert_eq!(kinds(&out), ["output_audio_buffer.stopped"]);
    assert_eq!(events(&out)[0]["response_id"], rid.as_str());
}

#[test]
fn function_call_round_trip_with_schema_valid_arguments() {
    let mut m = mock("");
    m.open();
    let out = m.send(0, tools_update());
    assert_eq!(kinds(&out), ["session.updated"]);
    m.user(1, "What is my horoscope? I am an aquarius.");
    let out = m.send(2, json!({"type": "response.create"}));
    assert_eq!(
        kinds(&out),
        [
            "response.created",
            "rate_limits.updated",
            "response.output_item.added",
            "conversation.item.added",
            "response.function_call_arguments.delta*",
            "response.function_call_arguments.done",
            "conversation.item.done",
            "response.output_item.done",
            "response.done",
        ]
    );
    let evs = events(&out);
    let added = &find(&evs, "response.output_item.added")["item"];
    assert_eq!(added["type"], "function_call");
    assert_eq!(added["arguments"], "");
    assert_eq!(added["name"], "generate_horoscope");
    let call_id = added["call_id"].as_str().unwrap().to_string();
    assert!(
        call_id.starts_with("call_") && call_id.len() == 21,
        "{call_id}"
    );
    let done = find(&evs, "response.function_call_arguments.done");
    assert_eq!(done["name"], "generate_horoscope");
    let args_text = done["arguments"].as_str().unwrap();
    assert_eq!(
        joined_deltas(&evs, "response.function_call_arguments.delta"),
        args_text
    );
    let args: Value = serde_json::from_str(args_text).unwrap();
    assert_eq!(args["sign"], "Aquarius", "the enum value the user said");
    let days = args["days"].as_u64().unwrap();
    assert!((1..=7).contains(&days));
    assert!(args["detail"]["mood"].is_boolean());
    let output = &find(&evs, "response.done")["response"]["output"][0];
    assert_eq!(output["type"], "function_call");
    assert_eq!(output["arguments"], args_text);

    let result = json!({"type": "conversation.item.create", "item": {"type": "function_call_output",
        "call_id": call_id, "output": "{\"horoscope\":\"A new friend.\"}"}});
    assert_eq!(
        kinds(&m.send(3, result)),
        ["conversation.item.added", "conversation.item.done"]
    );
    let out = m.send(4, text_response());
    assert_eq!(kinds(&out), TEXT_TURN);
    let text = joined_deltas(&events(&out), "response.output_text.delta");
    assert_eq!(
        text,
        "The generate_horoscope tool returned {\"horoscope\":\"A new friend.\"}."
    );
}

#[test]
fn scenario_reply_rules_decide_the_words_and_the_calls() {
    let toml = r#"
transcripts = []
[[reply]]
when = "(?i)weather"
text = "It is sunny in Paris."
[[reply]]
when = "(?i)stars"
call = "generate_horoscope"
arguments = { sign = "Pisces" }
"#;
    let mut m = mock(toml);
    m.open();
    m.user(0, "How is the WEATHER?");
    let out = m.send(1, text_response());
    assert_eq!(
        joined_deltas(&events(&out), "response.output_text.delta"),
        "It is sunny in Paris."
    );
    // A call rule needs the tool configured; then its arguments override.
    m.user(2, "read my stars");
    let out = m.send(3, text_response());
    assert_eq!(
        count(&events(&out), "response.function_call_arguments.done"),
        0
    );
    m.send(4, tools_update());
    let out = m.send(5, text_response());
    let args = find(&events(&out), "response.function_call_arguments.done")["arguments"]
        .as_str()
        .unwrap()
        .to_string();
    let args: Value = serde_json::from_str(&args).unwrap();
    assert_eq!(args["sign"], "Pisces");
    assert!(
        args["days"].is_u64(),
        "schema fields still generated: {args}"
    );
}

#[test]
fn out_of_band_response_stays_out_of_the_conversation() {
    let toml = "[pace]\nfirst_delta_ms = 100\ndelta_interval_ms = 50\naudio_ms_per_char = 60";
    let mut m = mock(toml);
    m.open();
    m.user(0, "Tell me a story");
    // A default response is running…
    let out = m.send(1, json!({"type": "response.create"}));
    assert_eq!(kinds(&out)[0], "response.created");
    // …and an out-of-band one may run alongside it.
    let oob = json!({"type": "response.create", "response": {"conversation": "none",
        "metadata": {"topic": "pizza"}, "output_modalities": ["text"],
        "input": [{"type": "message", "role": "user",
                   "content": [{"type": "input_text", "text": "Is pineapple ok on pizza?"}]}]}});
    let out = m.send(2, oob);
    assert_eq!(
        kinds(&out),
        [
            "response.created",
            "rate_limits.updated",
            "response.output_item.added"
        ]
    );
    let oob_id = events(&out)[0]["response"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let out = m.tick(100_000);
    let evs = events(&out);
    let oob_events: Vec<&Value> = evs
        .iter()
        .filter(|e| e["response_id"] == oob_id.as_str() || e["response"]["id"] == oob_id.as_str())
        .collect();
    assert!(oob_events
        .iter()
        .all(|e| !e["type"].as_str().unwrap().starts_with("conversation.")));
    let done = evs
        .iter()
        .find(|e| e["type"] == "response.done" && e["response"]["id"] == oob_id.as_str())
        .unwrap();
    assert_eq!(done["response"]["conversation_id"], Value::Null);
    assert_eq!(done["response"]["metadata"], json!({"topic": "pizza"}));
    let text = done["response"]["output"][0]["content"][0]["text"]
        .as_str()
        .unwrap();
    assert!(text.contains("pineapple"), "{text}");
    // Only the default response's item joined the conversation.
    assert_eq!(count(&evs, "conversation.item.added"), 0);
    assert_eq!(count(&events(&m.all), "conversation.item.added"), 2);
}

#[test]
fn per_response_overrides_apply_to_that_response_only() {
    let mut m = mock("");
    m.open();
    m.user(0, "hello");
    let create = json!({"type": "response.create", "response": {
        "instructions": "Say \"Bonjour tout le monde\"",
        "audio": {"output": {"voice": "cedar"}},
        "metadata": {"k": "v"}}});
    let out = m.send(1, create);
    let evs = events(&out);
    let r = &find(&evs, "response.done")["response"];
    assert_eq!(r["audio"]["output"]["voice"], "cedar");
    assert!(out
        .iter()
        .any(|o| matches!(o, ModelOutput::PlayAudio { voice, .. } if voice == "cedar")));
    assert_eq!(r["metadata"], json!({"k": "v"}));
    assert_eq!(
        r["conversation_id"].as_str().unwrap().len(),
        "conv_".len() + 21
    );
    assert_eq!(
        joined_deltas(&evs, "response.output_audio_transcript.delta"),
        "Bonjour tout le monde"
    );
    // Tools and a forced choice for one response.
    let tool: Value = serde_json::from_str(HOROSCOPE_TOOL).unwrap();
    let create = json!({"type": "response.create", "response": {"output_modalities": ["text"],
        "tools": [tool], "tool_choice": {"type": "function", "name": "generate_horoscope"}}});
    m.tick(100_000);
    let evs = events(&m.send(100_001, create));
    let r = &find(&evs, "response.done")["response"];
    assert_eq!(r["output"][0]["type"], "function_call");
    assert_eq!(r["output_modalities"], json!(["text"]));
    // The session itself did not change.
    assert_eq!(m.model.session()["tools"], json!([]));
    assert_eq!(m.model.voice(), "marin");
}

#[test]
fn a_small_max_output_tokens_makes_the_reply_incomplete() {
    let mut m = mock("");
    m.open();
    m.user(0, "Tell me everything you know");
    let create = json!({"type": "response.create", "response": {"output_modalities": ["text"],
        "max_output_tokens": 3}});
    let out = m.send(1, create);
    assert_eq!(kinds(&out), TEXT_TURN);
    let evs = events(&out);
    let r = &find(&evs, "response.done")["response"];
    assert_eq!(r["status"], "incomplete");
    assert_eq!(
        r["status_details"],
        json!({"type": "incomplete", "reason": "max_output_tokens"})
    );
    assert_eq!(r["output"][0]["status"], "incomplete");
    assert!(r["usage"]["output_tokens"].as_u64().unwrap() <= 3);
    assert_eq!(r["max_output_tokens"], 3);
}

// ---------------------------------------------------------------------------
// Cancel and conflicts

const PACED: &str = "[pace]\nfirst_delta_ms = 100\ndelta_interval_ms = 50\naudio_ms_per_char = 60";

#[test]
fn cancel_ends_the_active_response_and_drops_the_rest() {
    let mut m = mock(PACED);
    m.open();
    m.user(0, "Count to twenty slowly please");
    m.send(1, text_response());
    let out = m.tick(160);
    assert!(kinds(&out).contains(&"response.output_text.delta*".to_string()));
    let out = m.send(170, json!({"type": "response.cancel", "event_id": "c1"}));
    assert_eq!(
        kinds(&out),
        [
            "conversation.item.done",
            "response.output_item.done",
            "response.done"
        ]
    );
    let r = &events(&out)[2]["response"];
    assert_eq!(r["status"], "cancelled");
    assert_eq!(
        r["status_details"],
        json!({"type": "cancelled", "reason": "client_cancelled"})
    );
    assert_eq!(r["output"][0]["status"], "incomplete");
    assert!(m.tick(60_000).is_empty(), "pending deltas were dropped");
    // Nothing active now.
    let err = error_of(&m.send(60_001, json!({"type": "response.cancel", "event_id": "c2"})));
    assert_eq!(err["code"], "response_cancel_not_active");
    assert_eq!(
        err["message"],
        "Cancellation failed: no active response found"
    );
    assert_eq!(err["event_id"], "c2");
}

#[test]
fn cancelling_an_audible_response_clears_its_audio() {
    let mut m = mock(PACED);
    m.open();
    m.user(0, "Count to twenty slowly please");
    m.send(1, json!({"type": "response.create"}));
    let out = m.tick(150);
    assert!(kinds(&out).contains(&"PlayAudio".to_string()));
    let out = m.send(200, json!({"type": "response.cancel"}));
    let k = kinds(&out);
    assert_eq!(
        &k[k.len() - 3..],
        ["response.done", "output_audio_buffer.cleared", "StopAudio"]
    );
}

#[test]
fn a_second_default_response_conflicts_with_the_active_one() {
    let mut m = mock(PACED);
    m.open();
    let out = m.send(0, text_response());
    let id = events(&out)[0]["response"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let err = error_of(&m.send(10, json!({"type": "response.create", "event_id": "again"})));
    assert_eq!(err["code"], "conversation_already_has_active_response");
    assert_eq!(
        err["message"],
        format!("Conversation already has an active response in progress: {id}. Wait until the response is finished before creating a new one.")
    );
    assert_eq!(err["event_id"], "again");
    m.tick(100_000);
    let out = m.send(100_001, text_response());
    assert_eq!(
        kinds(&out)[0],
        "response.created",
        "free again once the first is done"
    );
}

// ---------------------------------------------------------------------------
// Conversation items

#[test]
fn item_create_places_items_and_rejects_bad_references() {
    let mut m = mock("");
    m.open();
    let a = events(&m.user(0, "first"))[0]["item"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let root = json!({"type": "conversation.item.create", "previous_item_id": "root",
        "item": {"type": "message", "role": "system", "content": [{"type": "input_text", "text": "be brief"}]}});
    let out = m.send(1, root);
    assert_eq!(events(&out)[0]["previous_item_id"], Value::Null);
    let after = json!({"type": "conversation.item.create", "previous_item_id": a,
        "item": {"id": "my_item", "type": "message", "role": "user", "content": [{"type": "input_text", "text": "x"}]}});
    let out = m.send(2, after.clone());
    assert_eq!(events(&out)[0]["previous_item_id"], a.as_str());
    assert_eq!(events(&out)[0]["item"]["id"], "my_item");

    let err = error_of(&m.send(3, after));
    assert_eq!(err["param"], "item.id", "{err}");
    let unknown = json!({"type": "conversation.item.create", "event_id": "e1", "previous_item_id": "item_nope",
        "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "x"}]}});
    let err = error_of(&m.send(4, unknown));
    assert_eq!(err["param"], "previous_item_id");
    assert_eq!(err["event_id"], "e1");
    let audio = json!({"type": "conversation.item.create", "item": {"type": "message",
        "role": "assistant", "content": [{"type": "output_audio", "transcript": "hi"}]}});
    let err = error_of(&m.send(5, audio));
    assert_eq!(err["code"], "invalid_value");
    assert_eq!(err["param"], "item.content[0].type");
    let orphan = json!({"type": "conversation.item.create", "item": {"type": "function_call_output",
        "call_id": "call_nothing", "output": "{}"}});
    let err = error_of(&m.send(6, orphan));
    assert_eq!(err["param"], "item.call_id");
    assert!(err["message"].as_str().unwrap().contains("call_nothing"));
}

#[test]
fn retrieve_delete_and_their_errors() {
    let mut m = mock("");
    m.open();
    let with_audio = json!({"type": "conversation.item.create", "item": {"type": "message",
        "role": "user", "content": [{"type": "input_audio", "audio": "AAAAAAAA"}]}});
    let out = m.send(0, with_audio);
    let added = &events(&out)[0]["item"];
    assert!(
        added["content"][0].get("audio").is_none(),
        "events carry no audio bytes"
    );
    assert_eq!(added["content"][0]["transcript"], Value::Null);
    let id = added["id"].as_str().unwrap().to_string();
    let out = m.send(
        1,
        json!({"type": "conversation.item.retrieve", "item_id": id}),
    );
    assert_eq!(kinds(&out), ["conversation.item.retrieved"]);
    assert_eq!(events(&out)[0]["item"]["content"][0]["audio"], "AAAAAAAA");
    let out = m.send(
        2,
        json!({"type": "conversation.item.delete", "item_id": id}),
    );
    assert_eq!(kinds(&out), ["conversation.item.deleted"]);
    assert_eq!(events(&out)[0]["item_id"], id.as_str());
    let err = error_of(&m.send(
        3,
        json!({"type": "conversation.item.delete", "item_id": id}),
    ));
    assert_eq!(err["code"], "item_delete_invalid_item_id");
    assert_eq!(
        err["message"],
        format!("Error deleting item: the item with id '{id}' does not exist.")
    );
    let err = error_of(&m.send(
        4,
        json!({"type": "conversation.item.retrieve", "item_id": id}),
    ));
    assert_eq!(err["code"], "item_retrieve_invalid_item_id");
}

#[test]
fn truncate_only_cuts_assistant_audio_within_its_length() {
    let mut m = mock("");
    m.open();
    let user = events(&m.user(0, "hi"))[0]["item"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let out = m.send(1, json!({"type": "response.create"}));
    let evs = events(&out);
    let item = find(&evs, "response.output_item.done")["item"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let duration = out
        .iter()
        .find_map(|o| match o {
            ModelOutput::PlayAudio { duration_ms, .. } => Some(*duration_ms),
            _ => None,
        })
        .unwrap();
    let truncate = |id: &str, index: u64, ms: u64| json!({"type": "conversation.item.truncate", "item_id": id, "content_index": index, "audio_end_ms": ms});
    let err = error_of(&m.send(2, truncate(&user, 0, 10)));
    assert_eq!(err["code"], "unsupported_content_type");
    assert_eq!(
        err["message"],
        "Only model output audio messages can be truncated"
    );
    let err = error_of(&m.send(3, truncate("item_none", 0, 10)));
    assert_eq!(err["code"], "item_truncate_invalid_item_id");
    let err = error_of(&m.send(4, truncate(&item, 0, duration + 1)));
    assert_eq!(err["param"], "audio_end_ms");
    assert_eq!(
        err["message"],
        format!(
            "Audio content of {duration}ms is already shorter than {}ms",
            duration + 1
        )
    );
    let err = error_of(&m.send(5, truncate(&item, 3, 10)));
    assert_eq!(err["param"], "content_index");
    let out = m.send(6, truncate(&item, 0, 500));
    assert_eq!(kinds(&out), ["conversation.item.truncated"]);
    assert_eq!(events(&out)[0]["audio_end_ms"], 500);
    let out = m.send(
        7,
        json!({"type": "conversation.item.retrieve", "item_id": item}),
    );
    let part = &events(&out)[0]["item"]["content"][0];
    assert!(
        part.get("transcript").is_none(),
        "the transcript goes: {part}"
    );
    let err = error_of(&m.send(8, truncate(&item, 0, 600)));
    assert_eq!(err["param"], "audio_end_ms", "now only 500 ms long");
}

// ---------------------------------------------------------------------------
// Session updates

#[test]
fn session_update_rules() {
    let mut m = mock("");
    let created = events(&m.open())[0]["session"].clone();
    assert_eq!(created["type"], "realtime");
    assert_eq!(created["object"], "realtime.session");
    assert_eq!(created["model"], "gpt-realtime");
    assert_eq!(created["output_modalities"], json!(["audio"]));
    assert_eq!(created["audio"]["output"]["voice"], "marin");
    assert_eq!(
        created["audio"]["input"]["turn_detection"],
        json!({"type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300,
               "silence_duration_ms": 200, "idle_timeout_ms": null, "create_response": true,
               "interrupt_response": true})
    );
    assert_eq!(
        created["audio"]["input"]["format"],
        json!({"type": "audio/pcm", "rate": 24000})
    );
    for (k, v) in [
        ("tools", json!([])),
        ("tool_choice", json!("auto")),
        ("max_output_tokens", json!("inf")),
        ("truncation", json!("auto")),
        ("tracing", Value::Null),
        ("prompt", Value::Null),
        ("include", Value::Null),
    ] {
        assert_eq!(created[k], v, "{k}");
    }
    assert!(created["id"].as_str().unwrap().starts_with("sess_"));
    assert!(created["expires_at"].is_i64());

    let err = error_of(&m.send(
        1,
        json!({"type": "session.update", "event_id": "u1",
        "session": {"instructions": "x"}}),
    ));
    assert_eq!(err["code"], "missing_required_parameter");
    assert_eq!(
        err["message"],
        "Missing required parameter: 'session.type'."
    );
    assert_eq!(err["param"], "session.type");
    assert_eq!(err["event_id"], "u1");

    let err = error_of(&m.send(
        2,
        json!({"type": "session.update",
        "session": {"type": "realtime", "instructions": "changed", "foo": 1}}),
    ));
    assert_eq!(err["code"], "unknown_parameter");
    assert_eq!(err["message"], "Unknown parameter: 'session.foo'.");
    assert_eq!(
        m.model.session()["instructions"],
        created["instructions"],
        "nothing applied"
    );

    let err = error_of(&m.send(
        3,
        json!({"type": "session.update",
        "session": {"type": "realtime", "model": "gpt-4o-realtime-preview"}}),
    ));
    assert_eq!(err["param"], "session.model");

    let out = m.send(4, json!({"type": "session.update", "session": {"type": "realtime",
        "instructions": "be terse", "audio": {"input": {"turn_detection": {"type": "semantic_vad"}}}}}));
    assert_eq!(kinds(&out), ["session.updated"]);
    let s = &events(&out)[0]["session"];
    assert_eq!(s["instructions"], "be terse");
    assert_eq!(
        s["audio"]["output"]["voice"], "marin",
        "untouched fields stay"
    );
    assert_eq!(
        s["audio"]["input"]["format"],
        created["audio"]["input"]["format"]
    );
    assert_eq!(
        s["audio"]["input"]["turn_detection"],
        json!({"type": "semantic_vad", "eagerness": "auto", "create_response": true, "interrupt_response": true})
    );
    assert_eq!(s["id"], created["id"]);

    // The voice can change until audio was produced, not after.
    let voice = |v: &str| {
        json!({"type": "session.update", "session": {"type": "realtime",
        "audio": {"output": {"voice": v}}}})
    };
    assert_eq!(kinds(&m.send(5, voice("cedar"))), ["session.updated"]);
    assert_eq!(m.model.voice(), "cedar");
    m.send(6, json!({"type": "response.create"}));
    let err = error_of(&m.send(7, voice("alloy")));
    assert_eq!(err["code"], "cannot_update_voice");
    assert_eq!(
        err["message"],
        "Cannot update a conversation's voice if assistant audio is present."
    );
    assert_eq!(m.model.voice(), "cedar");
}

#[test]
fn client_text_that_is_not_json_or_not_an_event_is_an_error() {
    let mut m = mock("");
    m.open();
    let out = m.run(ModelInput::Client {
        at_ms: 1,
        text: "{not json",
    });
    let err = error_of(&out);
    assert_eq!(err["type"], "invalid_request_error");
    assert_eq!(err["code"], "invalid_json");
    let err = error_of(&m.send(
        2,
        json!({"type": "scooby.dooby.doo", "event_id": "my_awesome_event"}),
    ));
    assert_eq!(err["code"], "invalid_value");
    assert_eq!(err["param"], "type");
    assert_eq!(err["event_id"], "my_awesome_event");
    assert!(err["message"]
        .as_str()
        .unwrap()
        .starts_with("Invalid value: 'scooby.dooby.doo'. Supported values are: "));
}

#[test]
fn initial_session_options_and_transcription_sessions() {
    let initial = json!({"type": "realtime", "instructions": "From the secret",
        "audio": {"output": {"voice": "ash"}}});
    let mut m = mock_with(scenario(""), |o| o.session = Some(initial));
    let s = events(&m.open())[0]["session"].clone();
    assert_eq!(s["instructions"], "From the secret");
    assert_eq!(s["audio"]["output"]["voice"], "ash");
    assert_eq!(s["audio"]["output"]["format"]["type"], "audio/pcm");

    let t = json!({"type": "transcription"});
    let mut m = mock_with(scenario(""), |o| o.session = Some(t));
    let s = events(&m.open())[0]["session"].clone();
    assert_eq!(s["type"], "transcription");
    assert!(s["audio"]["input"]["transcription"]["model"].is_string());
}

// ---------------------------------------------------------------------------
// Audio: VAD, barge-in, idle timeout, manual commit

fn transcription_update() -> Value {
    json!({"type": "session.update", "session": {"type": "realtime",
        "audio": {"input": {"transcription": {"model": "gpt-4o-transcribe"}}}}})
}

#[test]
fn vad_turn_with_transcription_and_an_automatic_response() {
    let toml = r#"transcripts = ["What's the weather in Paris?"]
[[reply]]
when = "(?i)weather"
text = "It is sunny."
"#;
    let mut m = mock(toml);
    m.open();
    m.send(0, transcription_update());
    let mut t = 0;
    assert!(feed(&mut m, &mut t, 500, false).is_empty());
    let mut out = feed(&mut m, &mut t, 1000, true);
    out.extend(feed(&mut m, &mut t, 800, false));
    let mut expected = vec![
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.committed",
        "conversation.item.added",
        "conversation.item.done",
        "conversation.item.input_audio_transcription.delta*",
        "conversation.item.input_audio_transcription.completed",
    ];
    expected.extend_from_slice(AUDIO_TURN);
    assert_eq!(kinds(&out), expected);
    let evs = events(&out);
    let started = find(&evs, "input_audio_buffer.speech_started");
    let start = started["audio_start_ms"].as_u64().unwrap();
    assert!((150..=250).contains(&start), "start {start}");
    let stopped = find(&evs, "input_audio_buffer.speech_stopped");
    let end = stopped["audio_end_ms"].as_u64().unwrap();
    assert!((1450..=1550).contains(&end), "end {end}");
    let item_id = started["item_id"].as_str().unwrap();
    assert_eq!(stopped["item_id"], item_id);
    assert_eq!(
        find(&evs, "input_audio_buffer.committed")["item_id"],
        item_id
    );
    let user = &find(&evs, "conversation.item.added")["item"];
    assert_eq!(
        user["content"],
        json!([{"type": "input_audio", "transcript": null}])
    );
    let done = find(
        &evs,
        "conversation.item.input_audio_transcription.completed",
    );
    assert_eq!(done["transcript"], "What's the weather in Paris?");
    assert_eq!(done["usage"]["type"], "duration");
    assert_eq!(
        joined_deltas(&evs, "response.output_audio_transcript.delta"),
        "It is sunny."
    );
    // Later turns without a scripted transcript say how much speech there was.
    let mut out = feed(&mut m, &mut t, 10_000, false);
    out.extend(feed(&mut m, &mut t, 700, true));
    out.extend(feed(&mut m, &mut t, 600, false));
    let evs = events(&out);
    let heard = find(
        &evs,
        "conversation.item.input_audio_transcription.completed",
    )["transcript"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(heard.ends_with(" s of speech)"), "{heard}");
}

#[test]
fn barge_in_cancels_the_generating_response_and_clears_audio() {
    let toml = "[pace]\nfirst_delta_ms = 50\ndelta_interval_ms = 50\naudio_ms_per_char = 60";
    let mut m = mock(toml);
    m.open();
    let mut t = 0;
    feed(&mut m, &mut t, 1000, false);
    m.send(t, json!({"type": "response.create"}));
    let mut out = feed(&mut m, &mut t, 400, true);
    let k = kinds(&out);
    let at = k
        .iter()
        .position(|x| x == "input_audio_buffer.speech_started")
        .expect("speech started");
    assert_eq!(
        &k[at..at + 6],
        [
            "input_audio_buffer.speech_started",
            "conversation.item.done",
            "response.output_item.done",
            "response.done",
            "output_audio_buffer.cleared",
            "StopAudio"
        ]
    );
    assert!(k[..at].contains(&"PlayAudio".to_string()));
    let evs = events(&out);
    let done = find(&evs, "response.done");
    assert_eq!(done["response"]["status"], "cancelled");
    assert_eq!(
        done["response"]["status_details"]["reason"],
        "turn_detected"
    );
    // The user's turn then gets its own answer.
    out = feed(&mut m, &mut t, 600, false);
    out.extend(m.tick(t + 60_000));
    let k = kinds(&out);
    assert!(
        k.contains(&"input_audio_buffer.committed".to_string()),
        "{k:?}"
    );
    assert_eq!(k.iter().filter(|x| *x == "response.done").count(), 1);
}

#[test]
fn barge_in_after_generation_only_clears_the_playout() {
    let mut m = mock("");
    m.open();
    let mut t = 0;
    feed(&mut m, &mut t, 500, false);
    let out = m.send(t, json!({"type": "response.create"}));
    assert!(kinds(&out).contains(&"response.done".to_string()));
    let out = feed(&mut m, &mut t, 400, true);
    let k = kinds(&out);
    assert_eq!(
        k,
        [
            "input_audio_buffer.speech_started",
            "output_audio_buffer.cleared",
            "StopAudio"
        ]
    );
}

#[test]
fn idle_timeout_commits_and_answers() {
    let mut m = mock("");
    m.open();
    m.send(
        0,
        json!({"type": "session.update", "session": {"type": "realtime",
        "audio": {"input": {"turn_detection": {"type": "server_vad", "idle_timeout_ms": 5000}}}}}),
    );
    m.send(0, text_response());
    assert_eq!(m.model.next_deadline(), Some(5000));
    assert!(m.tick(4999).is_empty());
    let out = m.tick(5000);
    let mut expected = vec![
        "input_audio_buffer.timeout_triggered",
        "input_audio_buffer.committed",
        "conversation.item.added",
        "conversation.item.done",
    ];
    expected.extend_from_slice(AUDIO_TURN);
    assert_eq!(kinds(&out), expected);
    let evs = events(&out);
    let tt = find(&evs, "input_audio_buffer.timeout_triggered");
    assert_eq!(
        tt["item_id"],
        find(&evs, "input_audio_buffer.committed")["item_id"]
    );
    assert!(joined_deltas(&evs, "response.output_audio_transcript.delta").contains("still there"));
}

#[test]
fn manual_commit_needs_100_ms_and_creates_no_response() {
    let mut m = mock("");
    m.open();
    m.send(
        0,
        json!({"type": "session.update", "session": {"type": "realtime",
        "audio": {"input": {"turn_detection": null}}}}),
    );
    let mut t = 0;
    assert!(
        feed(&mut m, &mut t, 60, true).is_empty(),
        "no VAD when turn detection is off"
    );
    let err = error_of(&m.send(t, json!({"type": "input_audio_buffer.commit"})));
    assert_eq!(err["code"], "input_audio_buffer_commit_empty");
    assert_eq!(
        err["message"],
        "Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has 60.00ms of audio."
    );
    feed(&mut m, &mut t, 100, true);
    let out = m.send(t, json!({"type": "input_audio_buffer.commit"}));
    assert_eq!(
        kinds(&out),
        [
            "input_audio_buffer.committed",
            "conversation.item.added",
            "conversation.item.done"
        ]
    );
    feed(&mut m, &mut t, 100, true);
    assert_eq!(
        kinds(&m.send(t, json!({"type": "input_audio_buffer.clear"}))),
        ["input_audio_buffer.cleared"]
    );
    assert_eq!(
        error_of(&m.send(t, json!({"type": "input_audio_buffer.commit"})))["code"],
        "input_audio_buffer_commit_empty"
    );
    let out = m.send(t, json!({"type": "output_audio_buffer.clear"}));
    assert_eq!(kinds(&out), ["output_audio_buffer.cleared", "StopAudio"]);
}

// ---------------------------------------------------------------------------
// Session limit and faults

#[test]
fn the_session_limit_ends_the_call() {
    let mut m = mock_with(scenario(""), |o| o.session_limit_ms = 120_000);
    m.open();
    assert_eq!(m.model.next_deadline(), Some(120_000));
    let out = m.tick(120_000);
    assert_eq!(kinds(&out), ["error", "Close"]);
    let err = &events(&out)[0]["error"];
    assert_eq!(err["code"], "session_expired");
    assert_eq!(
        err["message"],
        "Your session hit the maximum duration of 2 minutes."
    );
    assert_eq!(err["event_id"], Value::Null);
    assert!(m.model.is_closed());
    assert!(m.user(120_001, "anyone?").is_empty());
    assert_eq!(m.model.next_deadline(), None);
}

fn fault(action: &str, after: u64) -> Mock {
    mock(&format!(
        "[[fault]]\nafter_events = {after}\naction = \"{action}\""
    ))
}

#[test]
fn fault_close_data_channel() {
    let mut m = fault("close_data_channel", 1);
    assert_eq!(kinds(&m.open()), ["session.created", "Close"]);
    assert!(m.user(1, "hello").is_empty());
}

#[test]
fn fault_send_malformed_and_unknown() {
    let mut m = fault("send_malformed", 2);
    m.allow_bad = 1;
    m.open();
    let out = m.user(1, "hello");
    let ModelOutput::Send(text) = &out[1] else {
        panic!("{out:?}")
    };
    assert!(matches!(
        decode_server(text).outcome,
        DecodeOutcome::NotAnEvent { .. }
    ));
    assert_eq!(out.len(), 3, "events continue after it");

    let mut m = fault("send_unknown", 1);
    m.allow_bad = 1;
    let out = m.open();
    let ModelOutput::Send(text) = &out[1] else {
        panic!("{out:?}")
    };
    assert_eq!(decode_server(text).outcome, DecodeOutcome::Unknown);
    assert_eq!(events(&out)[1]["type"], "mock.unknown_event");
}

#[test]
fn fault_stop_audio_keeps_the_events() {
    let mut m = fault("stop_audio", 1);
    assert_eq!(kinds(&m.open()), ["session.created", "StopAudio"]);
    let out = m.send(1, json!({"type": "response.create"}));
    let k = kinds(&out);
    assert!(k.contains(&"output_audio_buffer.started".to_string()));
    assert!(!k.contains(&"PlayAudio".to_string()));
}

#[test]
fn fault_stop_events_keeps_the_call_but_says_nothing_more() {
    let mut m = fault("stop_events", 1);
    assert_eq!(kinds(&m.open()), ["session.created"]);
    let out = m.send(1, json!({"type": "response.create"}));
    let k = kinds(&out);
    assert!(!k.iter().any(|k| k.contains('.')), "no events: {k:?}");
    assert!(
        !k.contains(&"Close".to_string()),
        "the call stays up: {k:?}"
    );
}

#[test]
fn fault_session_expired() {
    let mut m = fault("session_expired", 1);
    let out = m.open();
    assert_eq!(kinds(&out), ["session.created", "error", "Close"]);
    assert_eq!(events(&out)[1]["error"]["code"], "session_expired");
}

// ---------------------------------------------------------------------------
// Dialects, determinism, pacing

#[test]
fn beta_dialect_uses_beta_names_and_shapes() {
    let mut m = mock_with(scenario(""), |o| o.dialect = Dialect::Beta);
    let out = m.open();
    assert_eq!(kinds(&out), ["session.created", "conversation.created"]);
    let s = &events(&out)[0]["session"];
    assert!(s.get("type").is_none());
    assert_eq!(s["modalities"], json!(["audio", "text"]));
    assert_eq!(s["voice"], "alloy");
    assert_eq!(s["input_audio_format"], "pcm16");
    assert!(
        decode_server(match &out[0] {
            ModelOutput::Send(t) => t,
            _ => unreachable!(),
        })
        .beta
    );
    let out = m.user(1, "hello beta");
    assert_eq!(kinds(&out), ["conversation.item.created"]);
    let out = m.send(
        2,
        json!({"type": "response.create", "response": {"modalities": ["text"]}}),
    );
    assert_eq!(
        kinds(&out),
        [
            "response.created",
            "rate_limits.updated",
            "response.output_item.added",
            "conversation.item.created",
            "response.content_part.added",
            "response.text.delta*",
            "response.text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.done",
        ]
    );
    let evs = events(&out);
    let r = &find(&evs, "response.done")["response"];
    assert_eq!(r["modalities"], json!(["text"]));
    assert_eq!(r["output"][0]["content"][0]["type"], "text");
    let out = m.send(3, json!({"type": "response.create"}));
    let k = kinds(&out);
    assert!(
        k.contains(&"response.audio_transcript.delta*".to_string()),
        "{k:?}"
    );
    assert!(k.contains(&"response.audio.done".to_string()));
    // Beta session.update: no type needed, flat fields.
    m.tick(100_000);
    let out = m.send(
        100_001,
        json!({"type": "session.update", "session": {"instructions": "beta!",
        "turn_detection": null}}),
    );
    assert_eq!(kinds(&out), ["session.updated"]);
    assert_eq!(events(&out)[0]["session"]["turn_detection"], Value::Null);
    let err = error_of(&m.send(
        100_002,
        json!({"type": "session.update", "session": {"voice": "ash"}}),
    ));
    assert_eq!(err["code"], "cannot_update_voice");
    let out = m.send(
        100_003,
        json!({"type": "transcription_session.update",
               "session": {"input_audio_transcription": {"model": "whisper-1"}}}),
    );
    assert_eq!(kinds(&out), ["transcription_session.updated"]);
    let s = &events(&out)[0]["session"];
    assert_eq!(s["object"], "realtime.transcription_session");
    assert_eq!(s["input_audio_transcription"]["model"], "whisper-1");
}

fn scripted_run(seed: u64) -> Vec<ModelOutput> {
    let mut m = mock_with(scenario("transcripts = [\"hello\"]"), |o| o.seed = seed);
    m.open();
    m.send(0, tools_update());
    m.send(0, transcription_update());
    m.user(1, "What is my horoscope?");
    m.send(2, text_response());
    let mut t = 2;
    feed(&mut m, &mut t, 300, false);
    feed(&mut m, &mut t, 600, true);
    feed(&mut m, &mut t, 600, false);
    m.tick(t + 100_000);
    m.all
}

#[test]
fn same_seed_same_bytes() {
    let a = scripted_run(42);
    let b = scripted_run(42);
    assert!(a.len() > 30, "{}", a.len());
    assert_eq!(a, b);
    assert_ne!(a, scripted_run(43));
}

#[test]
fn pacing_releases_deltas_on_later_ticks() {
    let mut m = mock(PACED);
    m.open();
    m.user(0, "one two three four five six");
    let out = m.send(0, text_response());
    assert_eq!(
        kinds(&out),
        [
            "response.created",
            "rate_limits.updated",
            "response.output_item.added",
            "conversation.item.added"
        ]
    );
    assert_eq!(m.model.next_deadline(), Some(100));
    assert!(m.tick(99).is_empty());
    let out = m.tick(100);
    assert_eq!(
        kinds(&out),
        ["response.content_part.added", "response.output_text.delta*"]
    );
    assert_eq!(events(&out).len(), 2);
    assert_eq!(m.model.next_deadline(), Some(150));
    let out = m.tick(150);
    assert_eq!(events(&out).len(), 1);
    let rest = m.tick(10_000);
    let k = kinds(&rest);
    assert_eq!(k.last().unwrap(), "response.done");
    // Only the session limit is left.
    assert_eq!(m.model.next_deadline(), Some(60 * 60 * 1000));
}

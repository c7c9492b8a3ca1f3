//! Decode fixtures for every server event type (protocol.md §4.3), and round
//! trips for every client event.

mod common;

use common::{json_eq, json_files};
use rtconsole::protocol::client_event::{ClientEvent, ResponseParams};
use rtconsole::protocol::item::Item;
use rtconsole::protocol::server_event::{
    decode_server, DecodeOutcome, ServerEvent, KNOWN_SERVER_EVENTS,
};
use rtconsole::protocol::session_config::{SessionConfig, Tool};
use rtconsole::protocol::validate::validate_client_text;
use rtconsole::protocol::Dialect;
use serde_json::{json, Value};

#[test]
fn every_ga_server_event_type_has_a_fixture() {
    let have: Vec<String> = json_files("server/ga")
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    for (wire, _, beta) in KNOWN_SERVER_EVENTS {
        if !beta {
            assert!(have.iter().any(|h| h == wire), "no fixture for {wire}");
        }
    }
}

#[test]
fn every_ga_fixture_decodes_to_its_type_and_re_encodes_without_loss() {
    for (name, text) in json_files("server/ga") {
        let d = decode_server(&text);
        let DecodeOutcome::Known(ev) = &d.outcome else {
            panic!("{name}: {:?}", d.outcome);
        };
        assert_eq!(d.wire_type.as_deref(), Some(name.as_str()));
        if name == "conversation.item.created" {
            // Still in the GA spec, but a legacy name: same meaning as `added`.
            assert_eq!(d.ga_type, Some("conversation.item.added"));
            assert!(d.beta);
        } else {
            assert_eq!(d.ga_type, Some(name.as_str()), "{name}");
            assert!(!d.beta, "{name} marked beta");
        }
        assert_eq!(ev.ga_type(), d.ga_type.unwrap());
        let original: Value = serde_json::from_str(&text).unwrap();
        let again = ev.to_json(&name, d.event_id.as_deref());
        assert!(
            json_eq(&original, &again),
            "{name} lost or changed fields:\n{original}\n{again}"
        );
    }
}

#[test]
fn beta_names_decode_to_the_ga_meaning_marked_as_beta() {
    let expect = [
        ("response.text.delta", "response.output_text.delta"),
        ("response.text.done", "response.output_text.done"),
        ("response.audio.delta", "response.output_audio.delta"),
        ("response.audio.done", "response.output_audio.done"),
        (
            "response.audio_transcript.delta",
            "response.output_audio_transcript.delta",
        ),
        (
            "response.audio_transcript.done",
            "response.output_audio_transcript.done",
        ),
        ("conversation.item.created", "conversation.item.added"),
        ("transcription_session.created", "session.created"),
        ("transcription_session.updated", "session.updated"),
        ("session.created", "session.created"),
    ];
    let files = json_files("server/beta");
    for (wire, ga) in expect {
        let (_, text) = files
            .iter()
            .find(|(n, _)| n == wire)
            .unwrap_or_else(|| panic!("no beta fixture {wire}"));
        let d = decode_server(text);
        assert!(
            matches!(d.outcome, DecodeOutcome::Known(_)),
            "{wire}: {:?}",
            d.outcome
        );
        assert_eq!(d.ga_type, Some(ga));
        assert!(d.beta, "{wire} not marked beta");
    }
}

#[test]
fn beta_flat_session_is_read_into_the_ga_layout() {
    let files = json_files("server/beta");
    let (_, text) = files.iter().find(|(n, _)| n == "session.created").unwrap();
    let d = decode_server(text);
    let Some(ServerEvent::SessionCreated(s)) = d.event() else {
        panic!()
    };
    assert!(s.beta_shape);
    let beta: Value = serde_json::from_str(text).unwrap();
    let voice = &beta["session"]["voice"];
    assert_eq!(s.session.voice(), Some(voice));
    assert_eq!(s.session.kind.as_deref(), Some("realtime"));
    let td = s.session.turn_detection().unwrap().unwrap();
    assert_eq!(
        td.kind,
        beta["session"]["turn_detection"]["type"].as_str().unwrap()
    );
    assert_eq!(
        s.session
            .audio
            .as_ref()
            .unwrap()
            .input
            .as_ref()
            .unwrap()
            .format
            .as_ref()
            .unwrap()
            .kind,
        "audio/pcm"
    );
}

#[test]
fn an_unknown_event_type_is_kept_not_dropped() {
    let d = decode_server(r#"{"type":"response.future_thing","event_id":"event_1","x":[1,2]}"#);
    assert_eq!(d.outcome, DecodeOutcome::Unknown);
    assert_eq!(d.wire_type.as_deref(), Some("response.future_thing"));
    assert_eq!(d.event_id.as_deref(), Some("event_1"));
}

#[test]
fn unknown_fields_of_a_known_event_are_kept() {
    let raw = r#"{"type":"response.output_text.delta","event_id":"e","response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":"Hi","obfuscation":"abc","new_field":{"a":1}}"#;
    let d = decode_server(raw);
    let Some(ServerEvent::OutputTextDelta(delta)) = d.event() else {
        panic!("{d:?}")
    };
    assert_eq!(delta.extra["obfuscation"], "abc");
    assert_eq!(delta.extra["new_field"], json!({"a":1}));
}

#[test]
fn text_that_is_not_an_event_is_reported_not_a_crash() {
    for raw in [
        "not json at all",
        "[1,2,3]",
        "{\"no_type\":1}",
        "{\"type\":42}",
        "",
        "{\"type\":\"error\"",
    ] {
        let d = decode_server(raw);
        assert!(
            matches!(d.outcome, DecodeOutcome::NotAnEvent { .. }),
            "{raw:?}: {:?}",
            d.outcome
        );
    }
}

#[test]
fn a_known_type_with_a_bad_payload_is_malformed_with_the_reason() {
    let d = decode_server(r#"{"type":"response.output_text.delta","delta":"x"}"#);
    match d.outcome {
        DecodeOutcome::Malformed { error } => assert!(error.contains("item_id"), "{error}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(d.ga_type, Some("response.output_text.delta"));
}

#[test]
fn every_ga_client_fixture_round_trips_and_validates() {
    let files = json_files("client/ga");
    assert_eq!(files.len(), 11, "one fixture per GA client event");
    for (name, text) in files {
        let ev = ClientEvent::decode(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(ev.type_name(), name);
        let encoded = ev.encode();
        let a: Value = serde_json::from_str(&text).unwrap();
        let b: Value = serde_json::from_str(&encoded).unwrap();
        assert!(json_eq(&a, &b), "{name}:\n{a}\n{b}");
        validate_client_text(&encoded, Dialect::Ga).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn typed_client_events_round_trip_through_json() {
    let mut session = SessionConfig::realtime();
    session.instructions = Some("Be brief.".into());
    session.output_modalities = Some(vec!["text".into()]);
    session.tools = Some(vec![Tool::function(
        "get_weather",
        "Weather for a city",
        json!({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}),
    )]);
    let events = vec![
        ClientEvent::session_update(session),
        ClientEvent::InputAudioBufferAppend {
            event_id: Some("c1".into()),
            audio: "AAAA".into(),
        },
        ClientEvent::InputAudioBufferCommit { event_id: None },
        ClientEvent::InputAudioBufferClear { event_id: None },
        ClientEvent::OutputAudioBufferClear { event_id: None },
        ClientEvent::user_text("Hello"),
        ClientEvent::function_call_output("call_abc", "{\"ok\":true}"),
        ClientEvent::ConversationItemRetrieve {
            event_id: None,
            item_id: "item_1".into(),
        },
        ClientEvent::ConversationItemTruncate {
            event_id: None,
            item_id: "item_1".into(),
            content_index: 0,
            audio_end_ms: 1500,
        },
        ClientEvent::ConversationItemDelete {
            event_id: None,
            item_id: "item_1".into(),
        },
        ClientEvent::response_create(),
        ClientEvent::ResponseCreate {
            event_id: Some("c2".into()),
            response: Some(ResponseParams {
                conversation: Some("none".into()),
                output_modalities: Some(vec!["text".into()]),
                metadata: Some(json!({"topic":"pizza"}).as_object().unwrap().clone()),
                input: Some(vec![
                    Item::reference("item_1"),
                    Item::user_text("Is pineapple ok?"),
                ]),
                ..Default::default()
            }),
        },
        ClientEvent::response_cancel(),
    ];
    for ev in events {
        let text = ev.encode();
        assert!(text.starts_with("{\"type\":"), "type first: {text}");
        assert_eq!(ClientEvent::decode(&text).unwrap(), ev, "{text}");
        validate_client_text(&text, Dialect::Ga).unwrap_or_else(|e| panic!("{text}: {e}"));
    }
}

#[test]
fn beta_client_fixtures_round_trip() {
    for (name, text) in json_files("client/beta") {
        let ev = ClientEvent::decode(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let a: Value = serde_json::from_str(&text).unwrap();
        let b: Value = serde_json::from_str(&ev.encode()).unwrap();
        assert!(json_eq(&a, &b), "{name}");
    }
}

#[test]
fn type_need_not_be_the_first_key() {
    let raw = r#"{"event_id":"event_9","delta":"Hi","item_id":"i","response_id":"r","type":"response.output_text.delta"}"#;
    let d = decode_server(raw);
    assert_eq!(d.event_id.as_deref(), Some("event_9"));
    let Some(ServerEvent::OutputTextDelta(delta)) = d.event() else {
        panic!("{d:?}")
    };
    assert_eq!(delta.delta, "Hi");
    assert!(
        delta.extra.is_empty(),
        "type/event_id must not leak into extra: {:?}",
        delta.extra
    );
}

#[test]
fn an_escaped_type_name_still_decodes() {
    let d =
        decode_server(r#"{"type":"response.output_text\u002edelta","item_id":"i","delta":"x"}"#);
    assert_eq!(d.ga_type, Some("response.output_text.delta"));
}

use super::super::test_support::{assert_clean, beta, ga, hint_at, problem_at};
use super::*;
use serde_json::json;

#[test]
fn missing_type_is_reported_like_the_api() {
    let p = ga(json!({"event_id": "e1"}));
    assert_eq!(
        problem_at(&p, "type").message,
        "The 'type' field is missing"
    );
}

#[test]
fn non_string_type_is_rejected() {
    let p = ga(json!({"type": 3}));
    assert!(problem_at(&p, "type").message.contains("number 3"));
}

#[test]
fn unknown_type_lists_valid_types_and_suggests_the_closest() {
    let p = ga(json!({"type": "response.creat"}));
    let problem = problem_at(&p, "type");
    assert!(problem.message.contains("\"response.creat\""));
    assert!(problem.message.contains("conversation.item.truncate"));
    assert_eq!(hint_at(&p, "type"), "did you mean \"response.create\"?");
    let p = ga(json!({"type": "scooby.dooby.doo", "event_id": "my_awesome_event"}));
    assert!(!hint_at(&p, "type").contains("did you mean"));
}

#[test]
fn server_event_type_gets_a_server_event_hint() {
    let p = ga(json!({"type": "session.updated", "session": {}}));
    assert!(problem_at(&p, "type").message.contains("server event"));
    assert!(hint_at(&p, "type").contains("\"session.update\""));
    let p = ga(json!({"type": "response.done"}));
    assert!(problem_at(&p, "type").message.contains("server event"));
}

#[test]
fn transcription_session_update_is_ga_removed_but_beta_valid() {
    let event = json!({"type": "transcription_session.update", "session": {}});
    assert!(hint_at(&ga(event.clone()), "type").contains("\"transcription\""));
    assert_clean(&beta(event));
}

#[test]
fn event_id_longer_than_512_chars_is_rejected() {
    let p = ga(json!({"type": "input_audio_buffer.commit", "event_id": "e".repeat(513)}));
    assert!(problem_at(&p, "event_id")
        .message
        .contains("maximum length 512"));
    let p = ga(json!({"type": "bogus", "event_id": 7}));
    assert!(problem_at(&p, "event_id")
        .message
        .contains("expected a string"));
    assert_clean(&ga(
        json!({"type": "input_audio_buffer.commit", "event_id": "e".repeat(512)}),
    ));
}

#[test]
fn unknown_top_level_field_is_rejected_with_suggestion() {
    let p = ga(json!({"type": "response.cancel", "respone_id": "resp_1"}));
    let problem = problem_at(&p, "respone_id");
    assert!(problem.message.contains("unknown_parameter"));
    assert!(hint_at(&p, "respone_id").contains("'response_id'"));
}

#[test]
fn bare_events_accept_only_type_and_event_id() {
    for kind in [
        "input_audio_buffer.commit",
        "input_audio_buffer.clear",
        "output_audio_buffer.clear",
    ] {
        assert_clean(&ga(json!({"type": kind, "event_id": "e"})));
        let p = ga(json!({"type": kind, "audio": "AAAA"}));
        assert!(problem_at(&p, "audio")
            .message
            .contains("unknown parameter"));
    }
}

#[test]
fn session_update_without_session_is_missing_session() {
    for p in [
        ga(json!({"type": "session.update"})),
        beta(json!({"type": "session.update"})),
    ] {
        assert_eq!(
            problem_at(&p, "session").message,
            "Missing required parameter: 'session'"
        );
    }
    let p = ga(json!({"type": "session.update", "session": "realtime"}));
    assert!(problem_at(&p, "session")
        .message
        .contains("expected a session object"));
}

#[test]
fn append_requires_valid_base64_audio() {
    assert_clean(&ga(
        json!({"type": "input_audio_buffer.append", "audio": "AAEC"}),
    ));
    let p = ga(json!({"type": "input_audio_buffer.append"}));
    problem_at(&p, "audio");
    let p = ga(json!({"type": "input_audio_buffer.append", "audio": "not base64!"}));
    assert!(problem_at(&p, "audio").message.contains("not valid base64"));
    let p = ga(json!({"type": "input_audio_buffer.append", "audio": [1, 2]}));
    assert!(problem_at(&p, "audio")
        .message
        .contains("expected a string"));
}

#[test]
fn item_create_requires_item_and_a_string_previous_item_id() {
    let p = ga(json!({"type": "conversation.item.create", "previous_item_id": 5}));
    assert!(problem_at(&p, "item")
        .message
        .contains("Missing required parameter: 'item'"));
    assert!(problem_at(&p, "previous_item_id")
        .message
        .contains("expected a string"));
    let ok = json!({"type": "conversation.item.create", "previous_item_id": "root",
        "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}});
    assert_clean(&ga(ok));
}

#[test]
fn retrieve_and_delete_require_item_id() {
    for kind in ["conversation.item.retrieve", "conversation.item.delete"] {
        let p = ga(json!({"type": kind}));
        assert!(problem_at(&p, "item_id")
            .message
            .contains("Missing required parameter"));
        assert_clean(&ga(json!({"type": kind, "item_id": "item_1"})));
    }
}

#[test]
fn truncate_requires_non_negative_integer_index_and_end() {
    let p = ga(
        json!({"type": "conversation.item.truncate", "item_id": "item_1", "content_index": -1, "audio_end_ms": 1.5}),
    );
    assert!(problem_at(&p, "content_index")
        .message
        .contains("out of range"));
    assert!(problem_at(&p, "audio_end_ms")
        .message
        .contains("expected an integer"));
    let p = ga(json!({"type": "conversation.item.truncate"}));
    for path in ["item_id", "content_index", "audio_end_ms"] {
        problem_at(&p, path);
    }
}

#[test]
fn response_cancel_response_id_must_be_a_string() {
    assert_clean(&ga(json!({"type": "response.cancel"})));
    let p = ga(json!({"type": "response.cancel", "response_id": null}));
    problem_at(&p, "response_id");
}

#[test]
fn response_create_response_must_be_an_object() {
    assert_clean(&ga(json!({"type": "response.create"})));
    let p = ga(json!({"type": "response.create", "response": "now"}));
    assert!(problem_at(&p, "response")
        .message
        .contains("expected an object"));
}

#[test]
fn every_client_type_has_a_minimal_valid_form_in_both_dialects() {
    for dialect in [Dialect::Ga, Dialect::Beta] {
        for kind in client_types(dialect) {
            let mut event = json!({"type": kind});
            match *kind {
                "session.update" if dialect == Dialect::Ga => {
                    event["session"] = json!({"type": "realtime"})
                }
                "session.update" | "transcription_session.update" => event["session"] = json!({}),
                "input_audio_buffer.append" => event["audio"] = json!(""),
                "conversation.item.create" => {
                    event["item"] =
                        json!({"type": "function_call_output", "call_id": "c", "output": "{}"})
                }
                "conversation.item.retrieve" | "conversation.item.delete" => {
                    event["item_id"] = json!("i")
                }
                "conversation.item.truncate" => {
                    event["item_id"] = json!("i");
                    event["content_index"] = json!(0);
                    event["audio_end_ms"] = json!(0);
                }
                _ => {}
            }
            let mut out = Vec::new();
            check_event(&event, dialect, &mut out);
            assert_clean(&out);
        }
    }
}

//! Odd or hostile server input and secrets: the session never panics, never
//! balloons, and never shows a secret. Cases from the first review of the core.

mod common;

use common::{EK, SK_PROJ};
use rtconsole::protocol::response::ResponseStatus;
use rtconsole::session::{Effect, Input, Phase, Session, SessionOptions, TransportStatus};
use serde_json::{json, Value};

fn server(s: &mut Session, at: u64, v: Value) -> Vec<Effect> {
    s.handle(Input::Server {
        at_ms: at,
        raw: v.to_string(),
    })
}

fn ids(s: &Session) -> Vec<String> {
    s.conversation().ordered().map(|i| i.id.clone()).collect()
}

fn msg(id: &str, prev: Value) -> Value {
    json!({"type":"conversation.item.added","event_id":"e","previous_item_id":prev,
           "item":{"id":id,"type":"message","role":"user","content":[{"type":"input_text","text":id}]}})
}

#[test]
fn an_item_that_names_itself_as_predecessor_neither_panics_nor_hides_later_items() {
    let mut s = Session::new(SessionOptions::default());
    server(&mut s, 1, msg("A", json!(null)));
    server(&mut s, 2, msg("B", json!("B")));
    server(
        &mut s,
        3,
        json!({"type":"conversation.item.added","event_id":"e","item":{"id":"C","type":"message","role":"user","content":[]}}),
    );
    assert_eq!(ids(&s), ["A", "B", "C"]);
    server(
        &mut s,
        4,
        json!({"type":"conversation.item.deleted","event_id":"e","item_id":"B"}),
    );
    assert_eq!(ids(&s), ["A", "C"]);
    server(
        &mut s,
        5,
        json!({"type":"conversation.item.deleted","event_id":"e","item_id":"B"}),
    );
    assert_eq!(s.conversation().len(), 2);
}

#[test]
fn a_huge_content_index_is_ignored_instead_of_allocated() {
    let mut s = Session::new(SessionOptions::default());
    for ty in [
        "response.output_text.delta",
        "response.output_audio_transcript.delta",
    ] {
        server(
            &mut s,
            1,
            json!({"type":ty,"event_id":"e","response_id":"r","item_id":"i","content_index":u32::MAX,"delta":"x"}),
        );
    }
    server(
        &mut s,
        2,
        json!({"type":"conversation.item.input_audio_transcription.completed","event_id":"e","item_id":"u","content_index":50_000_000u32,"transcript":"x"}),
    );
    assert!(s.conversation().get("i").unwrap().parts.is_empty());
    assert_eq!(s.log().len(), 3);
}

#[test]
fn a_deleted_item_recreated_with_the_same_id_starts_clean() {
    let mut s = Session::new(SessionOptions::default());
    server(
        &mut s,
        1,
        json!({"type":"conversation.item.added","event_id":"e","previous_item_id":null,"item":{"id":"a","type":"message","role":"user","content":[{"type":"input_text","text":"one"},{"type":"input_text","text":"two"}]}}),
    );
    server(
        &mut s,
        2,
        json!({"type":"conversation.item.deleted","event_id":"e","item_id":"a"}),
    );
    server(&mut s, 3, msg("a", json!(null)));
    assert_eq!(s.conversation().get("a").unwrap().text(), "a");
}

#[test]
fn a_transport_failure_quoting_a_key_shows_it_nowhere() {
    let key = SK_PROJ;
    let mut s = Session::new(SessionOptions::default());
    let fx = s.handle(Input::Transport {
        at_ms: 1,
        status: TransportStatus::Failed {
            reason: format!("401 Incorrect API key provided: {key}"),
        },
    });
    assert!(!format!("{fx:?}").contains(key));
    assert!(matches!(s.phase(), Phase::Failed(r) if !r.contains(key)));
    assert!(!s.log().get(0).unwrap().raw.contains(key));
}

#[test]
fn an_mcp_credential_stays_out_of_the_config_diff_the_rejection_note_and_server_echoes() {
    let secret = "my-private-token-123";
    let mut s = Session::new(SessionOptions::default());
    let tool = json!({"type":"mcp","server_label":"crm","server_url":"https://mcp.example.com","authorization":secret});
    let fx = s.handle(Input::SendText {
        at_ms: 1,
        text: json!({"type":"session.update","session":{"type":"realtime","tools":[tool]}})
            .to_string(),
    });
    assert!(matches!(&fx[0], Effect::Send { text } if text.contains(secret)));
    let fx = server(
        &mut s,
        2,
        json!({"type":"session.updated","event_id":"e","session":{"type":"realtime","tools":[{"type":"mcp","server_label":"crm","server_url":"https://mcp.example.com"}]}}),
    );
    assert!(!format!("{fx:?}").contains(secret), "{fx:?}");
    assert!(
        !format!("{:?}", s.config()).contains(secret),
        "{:?}",
        s.config()
    );
    // Rejected (no session.type): the note keeps the text, not the credential.
    let _ = s.handle(Input::SendText {
        at_ms: 3,
        text: json!({"type":"session.update","session":{"tools":[tool]}}).to_string(),
    });
    // A server echoing a custom header back.
    server(
        &mut s,
        4,
        json!({"type":"session.updated","event_id":"e","session":{"type":"realtime","tools":[{"type":"mcp","server_label":"x","headers":{"X-Custom-Auth":"hunter2hunter2"},"authorization":secret}]}}),
    );
    for e in s.log().iter() {
        assert!(
            !e.raw.contains(secret) && !e.raw.contains("hunter2hunter2"),
            "{}",
            e.raw
        );
        assert!(!e.summary.contains(secret));
    }
}

#[test]
fn a_secret_at_the_end_of_a_long_message_is_redacted_before_the_summary_cuts_it() {
    let mut s = Session::new(SessionOptions::default());
    let msg = format!("{} {EK}", "x".repeat(103));
    server(
        &mut s,
        1,
        json!({"type":"error","event_id":"e","error":{"type":"invalid_request_error","code":null,"message":msg,"param":null,"event_id":null}}),
    );
    let e = &s.log().get(0).unwrap();
    assert!(!e.summary.contains("FAKEfakeFAKE"), "{}", e.summary);
    assert!(!s.errors()[0].message.contains("FAKEfakeFAKE"));
}

#[test]
fn a_repeated_response_done_is_counted_once_and_a_late_created_does_not_reopen_it() {
    let mut s = Session::new(SessionOptions::default());
    let done = json!({"type":"response.done","event_id":"e","response":{"id":"r1","status":"completed","output":[],"usage":{"total_tokens":10,"input_tokens":4,"output_tokens":6}}});
    server(&mut s, 1, done.clone());
    server(&mut s, 2, done);
    server(
        &mut s,
        3,
        json!({"type":"response.created","event_id":"e","response":{"id":"r1","status":"in_progress","output":[]}}),
    );
    assert_eq!(s.usage().responses.total_tokens, 10);
    assert_eq!(
        s.responses().get("r1").unwrap().status,
        ResponseStatus::Completed
    );
    assert!(s.responses().active().is_none());
}

#[test]
fn absurd_usage_numbers_saturate_instead_of_overflowing() {
    let mut s = Session::new(SessionOptions::default());
    for id in ["r1", "r2"] {
        server(
            &mut s,
            1,
            json!({"type":"response.done","event_id":"e","response":{"id":id,"status":"completed","output":[],"usage":{"total_tokens":u64::MAX}}}),
        );
    }
    assert_eq!(s.usage().responses.total_tokens, u64::MAX);
}

#[test]
fn a_null_token_count_does_not_make_response_done_unreadable() {
    let mut s = Session::new(SessionOptions::default());
    server(
        &mut s,
        1,
        json!({"type":"response.created","event_id":"e","response":{"id":"r1","status":"in_progress","output":[]}}),
    );
    server(
        &mut s,
        2,
        json!({"type":"response.done","event_id":"e","response":{"id":"r1","status":"completed","output":[],
        "usage":{"total_tokens":5,"input_tokens":2,"output_tokens":3,"input_token_details":{"cached_tokens":null}}}}),
    );
    assert_eq!(
        s.responses().get("r1").unwrap().status,
        ResponseStatus::Completed
    );
    assert_eq!(s.usage().responses.total_tokens, 5);
}

#[test]
fn a_beta_out_of_band_response_without_conversation_id_stays_out_of_the_conversation() {
    let mut s = Session::new(SessionOptions::default());
    server(
        &mut s,
        1,
        json!({"type":"response.done","event_id":"e","response":{"id":"r","status":"completed",
        "output":[{"id":"oob1","type":"message","role":"assistant","content":[{"type":"text","text":"label"}]}]}}),
    );
    assert!(s.conversation().is_empty());
}

#[test]
fn a_beta_transcription_session_stays_a_transcription_session() {
    let mut s = Session::new(SessionOptions::default());
    server(
        &mut s,
        1,
        json!({"type":"transcription_session.created","event_id":"e","session":{"id":"sess_1","object":"realtime.transcription_session","input_audio_format":"pcm16","input_audio_transcription":{"model":"gpt-4o-transcribe"}}}),
    );
    assert_eq!(
        s.config().effective.as_ref().unwrap().kind.as_deref(),
        Some("transcription")
    );
}

#[test]
fn an_empty_final_transcript_does_not_become_pending_again() {
    let mut s = Session::new(SessionOptions::default());
    let item = |ty: &str| json!({"type":ty,"event_id":"e","previous_item_id":null,"item":{"id":"u","type":"message","role":"user","content":[{"type":"input_audio","transcript":null}]}});
    server(&mut s, 1, item("conversation.item.added"));
    assert!(s.conversation().get("u").unwrap().parts[0].transcript_pending);
    server(
        &mut s,
        2,
        json!({"type":"conversation.item.input_audio_transcription.completed","event_id":"e","item_id":"u","content_index":0,"transcript":""}),
    );
    server(&mut s, 3, item("conversation.item.done"));
    assert!(!s.conversation().get("u").unwrap().parts[0].transcript_pending);
}

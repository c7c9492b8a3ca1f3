use serde_json::{json, Value};

use super::super::test_support::{assert_clean, beta, hint_at, problem_at};
use crate::protocol::validate::Problem;

fn update(session: Value) -> Vec<Problem> {
    beta(json!({"type": "session.update", "session": session}))
}

fn create(item: Value) -> Vec<Problem> {
    beta(json!({"type": "conversation.item.create", "item": item}))
}

#[test]
fn beta_session_update_needs_no_type() {
    assert_clean(&update(json!({"instructions": "x"})));
    assert_clean(&update(json!({
        "modalities": ["audio", "text"], "voice": "verse", "input_audio_format": "pcm16",
        "output_audio_format": "g711_ulaw", "input_audio_transcription": {"model": "whisper-1"},
        "turn_detection": {"type": "semantic_vad", "eagerness": "auto", "interrupt_response": false},
        "input_audio_noise_reduction": {"type": "far_field"}, "tools": [], "tool_choice": "none",
        "temperature": 0.6, "max_response_output_tokens": 4096, "speed": 1.5, "tracing": "auto",
        "include": ["item.input_audio_transcription.logprobs"], "model": "gpt-4o-realtime-preview"
    })));
}

#[test]
fn ga_fields_in_beta_session_name_the_beta_field() {
    let p = update(
        json!({"type": "realtime", "output_modalities": ["text"], "audio": {},
        "truncation": "auto", "prompt": null, "max_output_tokens": 10}),
    );
    assert!(hint_at(&p, "session.output_modalities").contains("\"modalities\""));
    assert!(hint_at(&p, "session.audio").contains("input_audio_format"));
    assert!(hint_at(&p, "session.type").contains("remove it"));
    assert_eq!(hint_at(&p, "session.truncation"), "remove it");
    assert_eq!(hint_at(&p, "session.prompt"), "remove it");
    assert!(hint_at(&p, "session.max_output_tokens").contains("\"max_response_output_tokens\": 10"));
}

#[test]
fn beta_modalities_without_text_are_rejected() {
    let p = update(json!({"modalities": ["audio"]}));
    assert!(hint_at(&p, "session.modalities").contains("[\"audio\", \"text\"]"));
    assert_clean(&update(json!({"modalities": ["text"]})));
}

#[test]
fn beta_temperature_is_limited_to_0_6_through_1_2() {
    let p = update(json!({"temperature": 0.2}));
    assert!(problem_at(&p, "session.temperature")
        .message
        .contains("below the minimum 0.6"));
}

#[test]
fn beta_formats_are_strings_and_a_ga_object_gets_the_beta_name() {
    let p =
        update(json!({"input_audio_format": {"type": "audio/pcmu"}, "output_audio_format": "pcm"}));
    assert_eq!(
        hint_at(&p, "session.input_audio_format"),
        "use \"g711_ulaw\""
    );
    assert_eq!(
        hint_at(&p, "session.output_audio_format"),
        "did you mean \"pcm16\"?"
    );
}

#[test]
fn beta_voice_rejects_unknown_names() {
    let p = update(json!({"voice": "allloy"}));
    assert_eq!(hint_at(&p, "session.voice"), "did you mean \"alloy\"?");
}

#[test]
fn beta_turn_detection_has_no_idle_timeout() {
    let p = update(json!({"turn_detection": {"type": "server_vad", "idle_timeout_ms": 6000}}));
    assert!(problem_at(&p, "session.turn_detection.idle_timeout_ms")
        .message
        .contains("GA"));
}

#[test]
fn beta_session_output_only_fields_are_set_by_the_server() {
    let p = update(json!({"id": "sess_1", "object": "realtime.session"}));
    assert_eq!(hint_at(&p, "session.id"), "remove it");
    assert_eq!(hint_at(&p, "session.object"), "remove it");
}

#[test]
fn transcription_session_update_is_checked_loosely() {
    let event =
        |session: Value| beta(json!({"type": "transcription_session.update", "session": session}));
    assert_clean(&event(
        json!({"input_audio_transcription": {"model": "gpt-4o-transcribe", "language": "en"},
        "turn_detection": null, "include": ["item.input_audio_transcription.logprobs"]}),
    ));
    let p = event(json!({"voice": "alloy", "type": "transcription"}));
    problem_at(&p, "session.voice");
    problem_at(&p, "session.type");
}

#[test]
fn beta_assistant_text_is_text_not_output_text() {
    let message =
        |part: Value| create(json!({"type": "message", "role": "assistant", "content": [part]}));
    assert_clean(&message(json!({"type": "text", "text": "Hi"})));
    let p = message(json!({"type": "output_text", "text": "Hi"}));
    assert!(hint_at(&p, "item.content[0].type").contains("\"text\""));
    let p = message(json!({"type": "audio", "transcript": "Hi"}));
    assert!(hint_at(&p, "item.content[0].type").contains("cannot create assistant audio"));
}

#[test]
fn beta_items_cover_messages_and_function_calls_but_not_mcp() {
    assert_clean(&create(json!({"type": "message", "role": "user",
        "content": [{"type": "input_text", "text": "hi"}, {"type": "input_audio", "audio": "AAAA"}]})));
    assert_clean(&create(
        json!({"type": "function_call", "name": "f", "call_id": "c", "arguments": "{}"}),
    ));
    let p = create(json!({"type": "function_call_output", "call_id": "c", "output": [1]}));
    assert!(hint_at(&p, "item.output").contains("JSON-encode"));
    let p = create(
        json!({"type": "mcp_approval_response", "approval_request_id": "a", "approve": true}),
    );
    assert!(hint_at(&p, "item.type").contains("GA"));
    let p = create(
        json!({"type": "message", "role": "user", "content": [{"type": "input_image", "image_url": "x"}]}),
    );
    assert!(hint_at(&p, "item.content[0].type").contains("GA"));
}

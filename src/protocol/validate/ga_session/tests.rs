use serde_json::{json, Value};

use super::super::test_support::{assert_clean, ga, hint_at, problem_at};
use crate::protocol::validate::Problem;

fn update(session: Value) -> Vec<Problem> {
    ga(json!({"type": "session.update", "session": session}))
}

fn realtime(mut fields: Value) -> Vec<Problem> {
    fields["type"] = json!("realtime");
    update(fields)
}

#[test]
fn ga_session_update_without_type_names_session_type() {
    let p = update(json!({"instructions": "x"}));
    let problem = problem_at(&p, "session.type");
    assert_eq!(
        problem.message,
        "Missing required parameter: 'session.type'"
    );
    assert!(hint_at(&p, "session.type").contains("add \"type\": \"realtime\""));
    assert_eq!(p.len(), 1, "the other fields are still checked, and fine");
}

#[test]
fn session_type_must_be_realtime_or_transcription() {
    let p = update(json!({"type": "realtim"}));
    assert!(problem_at(&p, "session.type")
        .message
        .contains("\"realtime\" or \"transcription\""));
    assert_eq!(hint_at(&p, "session.type"), "did you mean \"realtime\"?");
    assert_clean(&update(json!({"type": "transcription"})));
}

#[test]
fn beta_modalities_in_ga_session_points_to_output_modalities() {
    let p = realtime(json!({"modalities": ["text"]}));
    assert!(problem_at(&p, "session.modalities")
        .message
        .contains("beta name"));
    assert!(hint_at(&p, "session.modalities").contains("output_modalities"));
}

#[test]
fn every_beta_field_in_ga_session_names_its_ga_place() {
    for (beta, ga_place) in [
        ("voice", "\"voice\": \"alloy\""),
        ("input_audio_format", "\"format\""),
        ("output_audio_format", "\"output\": {\"format\""),
        (
            "turn_detection",
            "\"input\": {\"turn_detection\": \"alloy\"",
        ),
        ("input_audio_transcription", "\"transcription\""),
        ("input_audio_noise_reduction", "\"noise_reduction\""),
        ("max_response_output_tokens", "\"max_output_tokens\""),
        ("speed", "\"speed\""),
        ("temperature", "remove it"),
    ] {
        let p = realtime(json!({ beta: "alloy" }));
        let path = format!("session.{beta}");
        assert!(
            hint_at(&p, &path).contains(ga_place),
            "{beta}: {}",
            hint_at(&p, &path)
        );
    }
}

#[test]
fn output_modalities_with_both_text_and_audio_is_rejected() {
    let p = realtime(json!({"output_modalities": ["audio", "text"]}));
    assert!(hint_at(&p, "session.output_modalities").contains("cannot request both"));
    let p = realtime(json!({"output_modalities": ["video"]}));
    problem_at(&p, "session.output_modalities[0]");
    assert_clean(&realtime(json!({"output_modalities": ["text"]})));
}

#[test]
fn unknown_session_field_is_rejected_with_suggestion() {
    let p = realtime(json!({"instuctions": "be brief"}));
    assert!(problem_at(&p, "session.instuctions")
        .message
        .contains("unknown parameter"));
    assert!(hint_at(&p, "session.instuctions").contains("'instructions'"));
    let p = realtime(json!({"audio": {"output": {"volume": 2}}}));
    problem_at(&p, "session.audio.output.volume");
}

#[test]
fn vad_threshold_out_of_range_names_the_path() {
    let p = realtime(
        json!({"audio": {"input": {"turn_detection": {"type": "server_vad", "threshold": 1.5}}}}),
    );
    let problem = problem_at(&p, "session.audio.input.turn_detection.threshold");
    assert!(
        problem.message.contains("1.5 is above the maximum 1"),
        "{problem}"
    );
    assert!(hint_at(&p, "session.audio.input.turn_detection.threshold").contains("0 to 1"));
}

#[test]
fn vad_type_specific_fields_name_the_right_type() {
    let p = realtime(
        json!({"audio": {"input": {"turn_detection": {"type": "semantic_vad", "silence_duration_ms": 500}}}}),
    );
    let path = "session.audio.input.turn_detection.silence_duration_ms";
    assert!(problem_at(&p, path)
        .message
        .contains("only applies to type \"server_vad\""));
    let p = realtime(
        json!({"audio": {"input": {"turn_detection": {"type": "server_vad", "eagerness": "high"}}}}),
    );
    assert!(
        hint_at(&p, "session.audio.input.turn_detection.eagerness").contains("\"semantic_vad\"")
    );
    let p = realtime(json!({"audio": {"input": {"turn_detection": {"threshold": 0.5}}}}));
    problem_at(&p, "session.audio.input.turn_detection.type");
    assert_clean(&realtime(
        json!({"audio": {"input": {"turn_detection": null}}}),
    ));
}

#[test]
fn vad_durations_and_idle_timeout_are_range_checked() {
    let p = realtime(json!({"audio": {"input": {"turn_detection": {
        "type": "server_vad", "prefix_padding_ms": -1, "idle_timeout_ms": 1000, "create_response": "yes"}}}}));
    problem_at(&p, "session.audio.input.turn_detection.prefix_padding_ms");
    assert!(
        problem_at(&p, "session.audio.input.turn_detection.idle_timeout_ms")
            .message
            .contains("5000 to 30000")
    );
    problem_at(&p, "session.audio.input.turn_detection.create_response");
    let p = realtime(
        json!({"audio": {"input": {"turn_detection": {"type": "semantic_vad", "eagerness": "fast"}}}}),
    );
    problem_at(&p, "session.audio.input.turn_detection.eagerness");
}

#[test]
fn beta_format_string_gets_the_ga_object_form() {
    let p = realtime(
        json!({"audio": {"input": {"format": "pcm16"}, "output": {"format": "g711_ulaw"}}}),
    );
    assert!(problem_at(&p, "session.audio.input.format")
        .message
        .contains("beta format"));
    assert!(hint_at(&p, "session.audio.input.format")
        .contains("{\"type\": \"audio/pcm\", \"rate\": 24000}"));
    assert!(hint_at(&p, "session.audio.output.format").contains("audio/pcmu"));
    let p = realtime(json!({"audio": {"input": {"format": {"type": "pcm16"}}}}));
    assert!(hint_at(&p, "session.audio.input.format.type").contains("audio/pcm"));
}

#[test]
fn pcm_format_only_takes_rate_24000() {
    let p =
        realtime(json!({"audio": {"output": {"format": {"type": "audio/pcm", "rate": 16000}}}}));
    assert!(problem_at(&p, "session.audio.output.format.rate")
        .message
        .contains("exactly 24000"));
    assert_clean(&realtime(
        json!({"audio": {"output": {"format": {"type": "audio/pcma"}}}}),
    ));
    let p =
        realtime(json!({"audio": {"output": {"format": {"type": "audio/pcmu", "rate": 8000}}}}));
    problem_at(&p, "session.audio.output.format.rate");
}

#[test]
fn voice_must_be_built_in_or_a_custom_voice_id() {
    let p = realtime(json!({"audio": {"output": {"voice": "marine"}}}));
    assert_eq!(
        hint_at(&p, "session.audio.output.voice"),
        "did you mean \"marin\"?"
    );
    assert_clean(&realtime(
        json!({"audio": {"output": {"voice": {"id": "voice_123"}}}}),
    ));
    let p = realtime(json!({"audio": {"output": {"voice": {"id": "abc"}}}}));
    problem_at(&p, "session.audio.output.voice.id");
}

#[test]
fn output_speed_outside_quarter_to_one_and_a_half_is_rejected() {
    let p = realtime(json!({"audio": {"output": {"speed": 2}}}));
    problem_at(&p, "session.audio.output.speed");
    assert_clean(&realtime(json!({"audio": {"output": {"speed": 0.25}}})));
}

#[test]
fn transcription_and_noise_reduction_take_null_or_their_object() {
    assert_clean(&realtime(
        json!({"audio": {"input": {"transcription": null, "noise_reduction": null}}}),
    ));
    let p = realtime(
        json!({"audio": {"input": {"transcription": {"language": "en"}, "noise_reduction": {"type": "near"}}}}),
    );
    problem_at(&p, "session.audio.input.transcription.model");
    assert_eq!(
        hint_at(&p, "session.audio.input.noise_reduction.type"),
        "did you mean \"near_field\"?"
    );
}

#[test]
fn max_output_tokens_accepts_inf_or_1_to_4096() {
    assert_clean(&realtime(json!({"max_output_tokens": "inf"})));
    assert_clean(&realtime(json!({"max_output_tokens": 4096})));
    for bad in [json!(0), json!(5000), json!("infinite"), json!(1.5)] {
        problem_at(
            &realtime(json!({"max_output_tokens": bad})),
            "session.max_output_tokens",
        );
    }
}

#[test]
fn tracing_truncation_and_prompt_accept_their_documented_forms() {
    for ok in [
        json!({"tracing": null, "truncation": "disabled", "prompt": null}),
        json!({"tracing": "auto", "truncation": {"type": "retention_ratio", "retention_ratio": 0.5,
               "token_limits": {"post_instructions": 1000}}, "prompt": {"id": "pmpt_1", "version": "2", "variables": {"a": "b"}}}),
        json!({"tracing": {"workflow_name": "w", "group_id": "g", "metadata": {"k": 1}}}),
    ] {
        assert_clean(&realtime(ok));
    }
    let p = realtime(
        json!({"tracing": "on", "truncation": {"type": "retention_ratio", "retention_ratio": 2}, "prompt": {}}),
    );
    for path in [
        "session.tracing",
        "session.truncation.retention_ratio",
        "session.prompt.id",
    ] {
        problem_at(&p, path);
    }
}

#[test]
fn include_reasoning_and_parallel_tool_calls_are_checked() {
    assert_clean(&realtime(
        json!({"include": ["item.input_audio_transcription.logprobs"],
        "reasoning": {"effort": "xhigh"}, "parallel_tool_calls": false}),
    ));
    let p = realtime(
        json!({"include": ["logprobs"], "reasoning": {"effort": "max"}, "parallel_tool_calls": "no"}),
    );
    for path in [
        "session.include[0]",
        "session.reasoning.effort",
        "session.parallel_tool_calls",
    ] {
        problem_at(&p, path);
    }
}

#[test]
fn output_only_fields_are_set_by_the_server() {
    let p = realtime(
        json!({"id": "sess_1", "object": "realtime.session", "expires_at": 1, "client_secret": {}}),
    );
    for field in ["id", "object", "expires_at", "client_secret"] {
        let path = format!("session.{field}");
        assert!(problem_at(&p, &path).message.contains("set by the server"));
        assert_eq!(hint_at(&p, &path), "remove it");
    }
}

#[test]
fn transcription_session_rejects_realtime_only_fields() {
    let p = update(json!({"type": "transcription", "instructions": "x",
        "audio": {"input": {"transcription": {"model": "gpt-4o-transcribe"}}, "output": {}}}));
    assert!(problem_at(&p, "session.instructions")
        .message
        .contains("\"realtime\""));
    problem_at(&p, "session.audio.output");
}

#[test]
fn a_full_realtime_session_from_the_docs_is_clean() {
    assert_clean(&realtime(json!({
        "model": "gpt-realtime", "output_modalities": ["audio"], "instructions": "…",
        "tools": [], "tool_choice": "auto", "max_output_tokens": "inf", "tracing": null,
        "truncation": "auto", "prompt": null, "include": null,
        "audio": {"input": {"format": {"type": "audio/pcm", "rate": 24000}, "transcription": null,
            "noise_reduction": null, "turn_detection": {"type": "server_vad", "threshold": 0.5,
            "prefix_padding_ms": 300, "silence_duration_ms": 200, "idle_timeout_ms": null,
            "create_response": true, "interrupt_response": true}},
          "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin", "speed": 1}}
    })));
}

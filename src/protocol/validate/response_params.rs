//! `response.create.response` (protocol §4.5): per-response overrides, GA and beta.

use super::beta_items::BETA_INPUT_ITEMS;
use super::beta_session::{BETA_FORMAT, BETA_VOICE, MODALITIES, TEMPERATURE};
use super::common::{CONVERSATION, MAX_TOKENS, METADATA};
use super::ga_session::{GA_FORMAT, GA_VOICE, OUTPUT_MODALITIES, PROMPT, REASONING};
use super::items::GA_INPUT_ITEMS;
use super::shape::{moved, opt, ObjectShape, Shape};
use super::tools::{
    check_tool_choice_names, BETA_TOOLS, BETA_TOOL_CHOICE, GA_TOOLS, GA_TOOL_CHOICE,
};

const GA_RESPONSE_OUTPUT: ObjectShape =
    ObjectShape::new(&[opt("format", &GA_FORMAT), opt("voice", &GA_VOICE)]).with_moved(&[moved(
        "speed",
        "'speed' cannot be set per response",
        "set it on the session: \"audio\": {\"output\": {\"speed\": {value}}}",
    )]);

const GA_RESPONSE_AUDIO: ObjectShape =
    ObjectShape::new(&[opt("output", &Shape::Object(&GA_RESPONSE_OUTPUT))]);

const GA_RESPONSE: ObjectShape = ObjectShape::new(&[
    opt("output_modalities", &OUTPUT_MODALITIES),
    opt("instructions", &Shape::Str),
    opt("audio", &Shape::Object(&GA_RESPONSE_AUDIO)),
    opt("tools", &GA_TOOLS),
    opt("tool_choice", &GA_TOOL_CHOICE),
    opt("max_output_tokens", &MAX_TOKENS),
    opt("conversation", &CONVERSATION),
    opt("metadata", &METADATA),
    opt("prompt", &PROMPT),
    opt("input", &GA_INPUT_ITEMS),
    opt("parallel_tool_calls", &Shape::Bool),
    opt("reasoning", &REASONING),
])
.with_moved(&[
    moved(
        "modalities",
        "'modalities' is the beta name",
        "use \"output_modalities\": [\"audio\"] or [\"text\"] (GA allows one)",
    ),
    moved(
        "voice",
        "top-level 'voice' is the beta place",
        "move it to \"audio\": {\"output\": {\"voice\": {value}}}",
    ),
    moved(
        "output_audio_format",
        "'output_audio_format' is the beta name",
        "move it to \"audio\": {\"output\": {\"format\": …}} as an object, e.g. {\"type\": \"audio/pcm\", \"rate\": 24000}",
    ),
    moved(
        "temperature",
        "'temperature' is a beta parameter with no GA equivalent",
        "remove it",
    ),
    moved(
        "max_response_output_tokens",
        "'max_response_output_tokens' is the beta name",
        "rename it to \"max_output_tokens\": {value}",
    ),
])
.with_check(check_tool_choice_names);

/// GA `response.create.response`.
pub(crate) const GA_RESPONSE_PARAMS: Shape = Shape::Object(&GA_RESPONSE);

const BETA_RESPONSE: ObjectShape = ObjectShape::new(&[
    opt("modalities", &MODALITIES),
    opt("instructions", &Shape::Str),
    opt("voice", &BETA_VOICE),
    opt("output_audio_format", &BETA_FORMAT),
    opt("tools", &BETA_TOOLS),
    opt("tool_choice", &BETA_TOOL_CHOICE),
    opt("temperature", &TEMPERATURE),
    opt("max_response_output_tokens", &MAX_TOKENS),
    opt("conversation", &CONVERSATION),
    opt("metadata", &METADATA),
    opt("input", &BETA_INPUT_ITEMS),
    opt("prompt", &PROMPT),
])
.with_moved(&[
    moved(
        "output_modalities",
        "'output_modalities' is the GA name",
        "use \"modalities\": [\"audio\", \"text\"] or [\"text\"]",
    ),
    moved(
        "audio",
        "nested 'audio' is the GA shape",
        "use the flat beta fields \"voice\" and \"output_audio_format\"",
    ),
    moved(
        "max_output_tokens",
        "'max_output_tokens' is the GA name",
        "rename it to \"max_response_output_tokens\": {value}",
    ),
])
.with_check(check_tool_choice_names);

/// Beta `response.create.response`.
pub(crate) const BETA_RESPONSE_PARAMS: Shape = Shape::Object(&BETA_RESPONSE);

#[cfg(test)]
mod tests {
    use super::super::test_support::{assert_clean, beta, ga, hint_at, problem_at};
    use super::super::Problem;
    use serde_json::{json, Value};

    fn ga_create(response: Value) -> Vec<Problem> {
        ga(json!({"type": "response.create", "response": response}))
    }

    fn beta_create(response: Value) -> Vec<Problem> {
        beta(json!({"type": "response.create", "response": response}))
    }

    #[test]
    fn ga_response_params_accept_the_documented_fields() {
        assert_clean(&ga_create(json!({
            "output_modalities": ["text"], "instructions": "Say hi",
            "audio": {"output": {"format": {"type": "audio/pcmu"}, "voice": "cedar"}},
            "tools": [{"type": "function", "name": "f"}], "tool_choice": "required",
            "max_output_tokens": 200, "conversation": "none", "metadata": {"topic": "x"},
            "prompt": {"id": "pmpt_1"}, "parallel_tool_calls": true, "reasoning": {"effort": "low"},
            "input": []
        })));
    }

    #[test]
    fn beta_fields_in_ga_response_name_the_ga_field() {
        let p = ga_create(
            json!({"modalities": ["text"], "voice": "alloy", "output_audio_format": "pcm16",
            "temperature": 0.7, "max_response_output_tokens": 100}),
        );
        assert!(hint_at(&p, "response.modalities").contains("output_modalities"));
        assert!(hint_at(&p, "response.voice")
            .contains("\"audio\": {\"output\": {\"voice\": \"alloy\"}}"));
        assert!(hint_at(&p, "response.output_audio_format").contains("\"format\""));
        assert_eq!(hint_at(&p, "response.temperature"), "remove it");
        assert!(hint_at(&p, "response.max_response_output_tokens")
            .contains("\"max_output_tokens\": 100"));
    }

    #[test]
    fn response_audio_output_takes_format_and_voice_only() {
        let p = ga_create(json!({"audio": {"output": {"speed": 1.2}}}));
        assert!(hint_at(&p, "response.audio.output.speed").contains("session"));
    }

    #[test]
    fn conversation_must_be_auto_or_none() {
        let p = ga_create(json!({"conversation": "default"}));
        assert!(problem_at(&p, "response.conversation")
            .message
            .contains("\"auto\" or \"none\""));
    }

    #[test]
    fn metadata_limits_apply_to_response_create() {
        let p = ga_create(json!({"metadata": {"n": 1, "k".repeat(65): "v"}}));
        problem_at(&p, "response.metadata.n");
        problem_at(&p, &format!("response.metadata.{}", "k".repeat(65)));
    }

    #[test]
    fn response_input_accepts_items_and_references() {
        assert_clean(&ga_create(json!({"input": [
            {"type": "item_reference", "id": "item_1"},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]},
            {"type": "function_call_output", "call_id": "c", "output": "ok"}
        ]})));
        let p = ga_create(json!({"input": [{"type": "item_reference"}]}));
        problem_at(&p, "response.input[0].id");
        let p = ga_create(json!({"input": {"type": "item_reference", "id": "item_1"}}));
        assert!(problem_at(&p, "response.input").message.contains("array"));
    }

    #[test]
    fn tool_choice_in_response_must_name_a_tool_of_the_same_response() {
        let p = ga_create(json!({"tools": [{"type": "function", "name": "a"}],
            "tool_choice": {"type": "function", "name": "b"}}));
        problem_at(&p, "response.tool_choice.name");
    }

    #[test]
    fn beta_response_uses_beta_names() {
        assert_clean(&beta_create(json!({
            "modalities": ["text"], "voice": "alloy", "output_audio_format": "g711_alaw",
            "temperature": 0.8, "max_response_output_tokens": "inf", "conversation": "auto",
            "metadata": null, "tools": [], "tool_choice": "auto", "instructions": "x",
            "input": [{"type": "item_reference", "id": "item_1"}]
        })));
        let p = beta_create(
            json!({"output_modalities": ["text"], "audio": {}, "max_output_tokens": 5, "temperature": 2}),
        );
        assert!(hint_at(&p, "response.output_modalities").contains("\"modalities\""));
        assert!(hint_at(&p, "response.audio").contains("\"voice\""));
        assert!(hint_at(&p, "response.max_output_tokens").contains("max_response_output_tokens"));
        problem_at(&p, "response.temperature");
    }
}

//! The beta session (protocol §3.1): flat audio fields, `modalities`, `temperature`;
//! plus the beta-only `transcription_session.update` session, checked loosely.

use serde_json::Value;

use super::common::{INCLUDE, MAX_TOKENS, NOISE_REDUCTION, NON_NEG_INT, SPEED, TRACING};
use super::ga_session::{SEMANTIC_VAD, TURN_DETECTION_FIX};
use super::report::show;
use super::shape::{moved, opt, req, server, Moved, ObjectShape, Shape, Tagged};
use super::tools::{check_tool_choice_names, BETA_TOOLS, BETA_TOOL_CHOICE};
use super::Problem;

pub(crate) const BETA_VOICES: &[&str] = &[
    "alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar",
    "fable", "onyx", "nova",
];

pub(crate) const BETA_VOICE: Shape = Shape::Enum(BETA_VOICES);

const BETA_FORMAT_NAMES: &[&str] = &["pcm16", "g711_ulaw", "g711_alaw"];

/// Beta formats are strings; a GA format object gets its beta spelling.
fn check_beta_format(value: &Value, path: &str, out: &mut Vec<Problem>) {
    if let Some(kind) = value.get("type").and_then(Value::as_str) {
        let beta = match kind {
            "audio/pcmu" => "g711_ulaw",
            "audio/pcma" => "g711_alaw",
            _ => "pcm16",
        };
        out.push(
            Problem::new(
                path,
                format!(
                    "{} is a GA format object; beta formats are strings",
                    show(value)
                ),
            )
            .with_hint(format!("use \"{beta}\"")),
        );
        return;
    }
    super::walk::walk(&Shape::Enum(BETA_FORMAT_NAMES), value, path, out);
}

pub(crate) const BETA_FORMAT: Shape = Shape::Custom(check_beta_format);

/// Documented combinations are ["text"] and ["audio", "text"]; audio alone is believed
/// to be rejected (protocol §3.1, UNCONFIRMED) so it is flagged rather than let through.
fn check_modalities(value: &Value, path: &str, out: &mut Vec<Problem>) {
    let Some(list) = value.as_array() else { return };
    let has = |m: &str| list.iter().any(|v| v == m);
    if !has("text") {
        out.push(
            Problem::new(path, format!("{} has no \"text\"", show(value)))
                .with_hint("use [\"audio\", \"text\"] (speech and text) or [\"text\"] (text only)"),
        );
    }
}

pub(crate) const MODALITIES: Shape = Shape::Checked(
    &Shape::Array(&Shape::Enum(&["text", "audio"])),
    check_modalities,
);

pub(crate) const TEMPERATURE: Shape = Shape::Number { min: 0.6, max: 1.2 };

const SERVER_VAD: ObjectShape = ObjectShape::new(&[
    opt("threshold", &Shape::Number { min: 0.0, max: 1.0 }),
    opt("prefix_padding_ms", &NON_NEG_INT),
    opt("silence_duration_ms", &NON_NEG_INT),
    opt("create_response", &Shape::Bool),
    opt("interrupt_response", &Shape::Bool),
])
.with_moved(&[moved(
    "idle_timeout_ms",
    "'idle_timeout_ms' exists only in the GA API",
    "remove it",
)]);

const TURN_DETECTION_UNION: Tagged = Tagged {
    what: "turn_detection",
    tag: "type",
    variants: &[
        ("server_vad", Shape::Object(&SERVER_VAD)),
        ("semantic_vad", Shape::Object(&SEMANTIC_VAD)),
    ],
    legacy: &[],
    fix: TURN_DETECTION_FIX,
    assume: None,
};

pub(crate) const BETA_TURN_DETECTION: Shape =
    Shape::Either(&[Shape::Null, Shape::Tagged(&TURN_DETECTION_UNION)]);

const TRANSCRIPTION: ObjectShape = ObjectShape::new(&[
    req(
        "model",
        &Shape::Str,
        "add \"model\": \"whisper-1\" (or \"gpt-4o-transcribe\", \"gpt-4o-mini-transcribe\")",
    ),
    opt("language", &Shape::Str),
    opt("prompt", &Shape::Str),
]);

pub(crate) const BETA_TRANSCRIPTION: Shape =
    Shape::Either(&[Shape::Null, Shape::Object(&TRANSCRIPTION)]);

const GA_ONLY_SESSION_FIELDS: [Moved; 6] = [
    moved(
        "output_modalities",
        "'output_modalities' is the GA name",
        "use \"modalities\": [\"audio\", \"text\"] or [\"text\"]",
    ),
    moved(
        "audio",
        "nested 'audio' is the GA shape",
        "use the flat beta fields: voice, speed, input_audio_format, output_audio_format, \
         turn_detection, input_audio_transcription, input_audio_noise_reduction",
    ),
    moved(
        "type",
        "beta sessions have no 'type'",
        "remove it (or switch the dialect to GA)",
    ),
    moved(
        "truncation",
        "'truncation' exists only in the GA API",
        "remove it",
    ),
    moved(
        "prompt",
        "'prompt' exists only in the GA session",
        "remove it",
    ),
    moved(
        "max_output_tokens",
        "'max_output_tokens' is the GA name",
        "rename it to \"max_response_output_tokens\": {value}",
    ),
];

const BETA_SESSION_OBJECT: ObjectShape = ObjectShape::new(&[
    opt("model", &Shape::Str),
    opt("modalities", &MODALITIES),
    opt("instructions", &Shape::Str),
    opt("voice", &BETA_VOICE),
    opt("input_audio_format", &BETA_FORMAT),
    opt("output_audio_format", &BETA_FORMAT),
    opt("input_audio_transcription", &BETA_TRANSCRIPTION),
    opt("turn_detection", &BETA_TURN_DETECTION),
    opt("input_audio_noise_reduction", &NOISE_REDUCTION),
    opt("tools", &BETA_TOOLS),
    opt("tool_choice", &BETA_TOOL_CHOICE),
    opt("temperature", &TEMPERATURE),
    opt("max_response_output_tokens", &MAX_TOKENS),
    opt("speed", &SPEED),
    opt("tracing", &TRACING),
    opt("include", &INCLUDE),
    server("id"),
    server("object"),
    server("expires_at"),
    server("client_secret"),
])
.with_moved(&GA_ONLY_SESSION_FIELDS)
.with_check(check_tool_choice_names);

pub(crate) const BETA_SESSION: Shape = Shape::Object(&BETA_SESSION_OBJECT);

const TRANSCRIPTION_SESSION_OBJECT: ObjectShape = ObjectShape::new(&[
    opt("input_audio_format", &BETA_FORMAT),
    opt("input_audio_transcription", &BETA_TRANSCRIPTION),
    opt("turn_detection", &BETA_TURN_DETECTION),
    opt("input_audio_noise_reduction", &NOISE_REDUCTION),
    opt("include", &INCLUDE),
    opt("modalities", &MODALITIES),
    server("id"),
    server("object"),
    server("expires_at"),
    server("client_secret"),
])
.with_moved(&[moved(
    "type",
    "beta transcription sessions have no 'type'",
    "remove it (GA uses session.update with \"type\": \"transcription\")",
)]);

/// `transcription_session.update.session`.
pub(crate) const BETA_TRANSCRIPTION_SESSION: Shape = Shape::Object(&TRANSCRIPTION_SESSION_OBJECT);

#[cfg(test)]
mod tests;

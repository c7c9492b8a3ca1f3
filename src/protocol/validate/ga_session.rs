//! The GA session (protocol §3.2): `session.update.session` with a required `type`,
//! nested `audio.input` / `audio.output`, and the beta names that moved.

use serde_json::Value;

use super::common::{
    EAGERNESS, INCLUDE, MAX_TOKENS, NOISE_REDUCTION, NON_NEG_INT, SPEED, STRINGS, TRACING,
};
use super::report::show;
use super::shape::{moved, opt, req, server, Moved, ObjectShape, Shape, Tagged};
use super::tools::{check_tool_choice_names, GA_TOOLS, GA_TOOL_CHOICE};
use super::walk::walk;
use super::Problem;

pub(crate) const GA_VOICES: &[&str] = &[
    "alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar",
];

fn check_voice_id(value: &Value, path: &str, out: &mut Vec<Problem>) {
    if value.as_str().is_some_and(|id| !id.starts_with("voice_")) {
        out.push(
            Problem::new(
                path,
                format!(
                    "custom voice id {} does not start with \"voice_\"",
                    show(value)
                ),
            )
            .with_hint(
                "use a custom voice id like \"voice_…\", or a built-in voice such as \"marin\"",
            ),
        );
    }
}

const CUSTOM_VOICE: ObjectShape = ObjectShape::new(&[req(
    "id",
    &Shape::Checked(&Shape::Str, check_voice_id),
    "add \"id\": \"voice_…\"",
)]);

pub(crate) const GA_VOICE: Shape =
    Shape::Either(&[Shape::Enum(GA_VOICES), Shape::Object(&CUSTOM_VOICE)]);

const PCM_FORMAT: ObjectShape = ObjectShape::new(&[opt(
    "rate",
    &Shape::Int {
        min: 24000,
        max: 24000,
    },
)]);

const G711_FORMAT: ObjectShape = ObjectShape::new(&[]);

const PCM_OBJECT: &str = "use {\"type\": \"audio/pcm\", \"rate\": 24000}";
const PCMU_OBJECT: &str = "use {\"type\": \"audio/pcmu\"}";
const PCMA_OBJECT: &str = "use {\"type\": \"audio/pcma\"}";

/// Beta format strings and their GA object forms.
const BETA_FORMATS: &[(&str, &str)] = &[
    ("pcm16", PCM_OBJECT),
    ("g711_ulaw", PCMU_OBJECT),
    ("g711_alaw", PCMA_OBJECT),
];

const FORMAT_UNION: Tagged = Tagged {
    what: "audio format",
    tag: "type",
    variants: &[
        ("audio/pcm", Shape::Object(&PCM_FORMAT)),
        ("audio/pcmu", Shape::Object(&G711_FORMAT)),
        ("audio/pcma", Shape::Object(&G711_FORMAT)),
    ],
    legacy: BETA_FORMATS,
    fix: "add \"type\": \"audio/pcm\" (24 kHz PCM16), \"audio/pcmu\" or \"audio/pcma\"",
    assume: None,
};

/// GA formats are objects; a bare string is almost always a beta habit.
fn check_format(value: &Value, path: &str, out: &mut Vec<Problem>) {
    let Some(s) = value.as_str() else {
        return walk(&Shape::Tagged(&FORMAT_UNION), value, path, out);
    };
    let hint = BETA_FORMATS
        .iter()
        .find(|(beta, _)| *beta == s)
        .map(|(_, ga)| *ga)
        .or(match s {
            "audio/pcmu" => Some(PCMU_OBJECT),
            "audio/pcma" => Some(PCMA_OBJECT),
            _ => None,
        })
        .unwrap_or(PCM_OBJECT);
    let message = if BETA_FORMATS.iter().any(|(beta, _)| *beta == s) {
        format!(
            "{} is a beta format string; GA formats are objects",
            show(value)
        )
    } else {
        format!(
            "expected an audio format object, got string {}",
            show(value)
        )
    };
    out.push(Problem::new(path, message).with_hint(hint));
}

pub(crate) const GA_FORMAT: Shape = Shape::Custom(check_format);

const SERVER_VAD: ObjectShape = ObjectShape::new(&[
    opt("threshold", &Shape::Number { min: 0.0, max: 1.0 }),
    opt("prefix_padding_ms", &NON_NEG_INT),
    opt("silence_duration_ms", &NON_NEG_INT),
    opt("create_response", &Shape::Bool),
    opt("interrupt_response", &Shape::Bool),
    opt(
        "idle_timeout_ms",
        &Shape::Either(&[
            Shape::Null,
            Shape::Int {
                min: 5000,
                max: 30000,
            },
        ]),
    ),
]);

pub(crate) const SEMANTIC_VAD: ObjectShape = ObjectShape::new(&[
    opt("eagerness", &EAGERNESS),
    opt("create_response", &Shape::Bool),
    opt("interrupt_response", &Shape::Bool),
]);

pub(crate) const TURN_DETECTION_FIX: &str = "add \"type\": \"server_vad\" or \"semantic_vad\"";

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

const TRANSCRIPTION: ObjectShape = ObjectShape::new(&[
    req(
        "model",
        &Shape::Str,
        "add \"model\": \"gpt-4o-transcribe\" (or another transcriber: whisper-1, gpt-4o-mini-transcribe, gpt-4o-transcribe-diarize, gpt-transcribe, gpt-live-transcribe, gpt-realtime-whisper)",
    ),
    opt("language", &Shape::Str),
    opt("prompt", &Shape::Str),
    opt("languages", &STRINGS),
    opt("keywords", &STRINGS),
    opt("delay", &Shape::Any),
]);

const AUDIO_INPUT: ObjectShape = ObjectShape::new(&[
    opt("format", &GA_FORMAT),
    opt(
        "transcription",
        &Shape::Either(&[
            Shape::Null,
            Shape::Checked(
                &Shape::Object(&TRANSCRIPTION),
                super::transcription::check_transcription,
            ),
        ]),
    ),
    opt("noise_reduction", &NOISE_REDUCTION),
    opt(
        "turn_detection",
        &Shape::Either(&[Shape::Null, Shape::Tagged(&TURN_DETECTION_UNION)]),
    ),
]);

const AUDIO_OUTPUT: ObjectShape = ObjectShape::new(&[
    opt("format", &GA_FORMAT),
    opt("voice", &GA_VOICE),
    opt("speed", &SPEED),
]);

const AUDIO: ObjectShape = ObjectShape::new(&[
    opt("input", &Shape::Object(&AUDIO_INPUT)),
    opt("output", &Shape::Object(&AUDIO_OUTPUT)),
]);

const TRANSCRIPTION_AUDIO: ObjectShape =
    ObjectShape::new(&[opt("input", &Shape::Object(&AUDIO_INPUT))]);

/// GA allows one output modality; audio includes its transcript anyway.
fn check_output_modalities(value: &Value, path: &str, out: &mut Vec<Problem>) {
    let Some(list) = value.as_array() else { return };
    if list.len() != 1 {
        out.push(
            Problem::new(
                path,
                format!("{} must name exactly one modality", show(value)),
            )
            .with_hint(
                "use [\"audio\"] (speech plus its transcript) or [\"text\"]; \
                 GA cannot request both text and audio at the same time",
            ),
        );
    }
}

pub(crate) const OUTPUT_MODALITIES: Shape = Shape::Checked(
    &Shape::Array(&Shape::Enum(&["audio", "text"])),
    check_output_modalities,
);

const RETENTION_RATIO: ObjectShape = ObjectShape::new(&[
    req(
        "retention_ratio",
        &Shape::Number { min: 0.0, max: 1.0 },
        "add \"retention_ratio\": a number from 0 to 1, e.g. 0.8",
    ),
    opt(
        "token_limits",
        &Shape::Object(&ObjectShape::new(&[opt("post_instructions", &NON_NEG_INT)])),
    ),
]);

const TRUNCATION_UNION: Tagged = Tagged {
    what: "truncation",
    tag: "type",
    variants: &[("retention_ratio", Shape::Object(&RETENTION_RATIO))],
    legacy: &[],
    fix: "add \"type\": \"retention_ratio\"",
    assume: Some("retention_ratio"),
};

const TRUNCATION: Shape = Shape::Either(&[
    Shape::Enum(&["auto", "disabled"]),
    Shape::Tagged(&TRUNCATION_UNION),
]);

const PROMPT_REF: ObjectShape = ObjectShape::new(&[
    req("id", &Shape::Str, "add \"id\": \"pmpt_…\""),
    opt("version", &Shape::Either(&[Shape::Null, Shape::Str])),
    opt(
        "variables",
        &Shape::Either(&[Shape::Null, Shape::Map(&Shape::Any)]),
    ),
]);

pub(crate) const PROMPT: Shape = Shape::Either(&[Shape::Null, Shape::Object(&PROMPT_REF)]);

pub(crate) const REASONING: Shape = Shape::Object(&ObjectShape::new(&[opt(
    "effort",
    &Shape::Enum(&["minimal", "low", "medium", "high", "xhigh"]),
)]));

const NO_GA_TEMPERATURE: Moved = moved(
    "temperature",
    "'temperature' is a beta parameter with no GA equivalent",
    "remove it",
);

/// Beta audio names inside a GA session and where GA keeps them.
const BETA_AUDIO_NAMES: [Moved; 5] = [
    moved(
        "input_audio_format",
        "'input_audio_format' is the beta name",
        "move it to \"audio\": {\"input\": {\"format\": …}} as an object, e.g. {\"type\": \"audio/pcm\", \"rate\": 24000}",
    ),
    moved(
        "turn_detection",
        "top-level 'turn_detection' is the beta place",
        "move it to \"audio\": {\"input\": {\"turn_detection\": {value}}}",
    ),
    moved(
        "input_audio_transcription",
        "'input_audio_transcription' is the beta name",
        "move it to \"audio\": {\"input\": {\"transcription\": {value}}}",
    ),
    moved(
        "input_audio_noise_reduction",
        "'input_audio_noise_reduction' is the beta name",
        "move it to \"audio\": {\"input\": {\"noise_reduction\": {value}}}",
    ),
    moved(
        "output_audio_format",
        "'output_audio_format' is the beta name",
        "move it to \"audio\": {\"output\": {\"format\": …}} as an object, e.g. {\"type\": \"audio/pcm\", \"rate\": 24000}",
    ),
];

const REALTIME_MOVED: [Moved; 10] = [
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
        "speed",
        "top-level 'speed' is the beta place",
        "move it to \"audio\": {\"output\": {\"speed\": {value}}}",
    ),
    moved(
        "max_response_output_tokens",
        "'max_response_output_tokens' is the beta name",
        "rename it to \"max_output_tokens\": {value}",
    ),
    NO_GA_TEMPERATURE,
    BETA_AUDIO_NAMES[0],
    BETA_AUDIO_NAMES[1],
    BETA_AUDIO_NAMES[2],
    BETA_AUDIO_NAMES[3],
    BETA_AUDIO_NAMES[4],
];

const REALTIME_SESSION: ObjectShape = ObjectShape::new(&[
    opt("model", &Shape::Str),
    opt("output_modalities", &OUTPUT_MODALITIES),
    opt("instructions", &Shape::Str),
    opt("audio", &Shape::Object(&AUDIO)),
    opt("tools", &GA_TOOLS),
    opt("tool_choice", &GA_TOOL_CHOICE),
    opt("max_output_tokens", &MAX_TOKENS),
    opt("tracing", &TRACING),
    opt("truncation", &TRUNCATION),
    opt("prompt", &PROMPT),
    opt("include", &INCLUDE),
    opt("parallel_tool_calls", &Shape::Bool),
    opt("reasoning", &REASONING),
    server("id"),
    server("object"),
    server("expires_at"),
    server("client_secret"),
])
.with_moved(&REALTIME_MOVED)
.with_check(check_tool_choice_names);

const TRANSCRIPTION_SESSION: ObjectShape = ObjectShape::new(&[
    opt("audio", &Shape::Object(&TRANSCRIPTION_AUDIO)),
    opt("include", &INCLUDE),
    server("id"),
    server("object"),
    server("expires_at"),
    server("client_secret"),
])
.with_moved(&BETA_AUDIO_NAMES);

const SESSION_UNION: Tagged = Tagged {
    what: "session",
    tag: "type",
    variants: &[
        ("realtime", Shape::Object(&REALTIME_SESSION)),
        ("transcription", Shape::Object(&TRANSCRIPTION_SESSION)),
    ],
    legacy: &[],
    fix: "add \"type\": \"realtime\" (or \"transcription\" for a transcription-only session)",
    assume: Some("realtime"),
};

pub(crate) const GA_SESSION: Shape = Shape::Tagged(&SESSION_UNION);

#[cfg(test)]
mod tests;

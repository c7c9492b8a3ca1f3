//! The transcription config (`audio.input.transcription`): which models exist and
//! which parameters each takes (protocol.md §9, December 2026). A parameter a model
//! does not take is refused by the API, so it is caught here before sending.

use serde_json::Value;

use super::report::{key, show};
use super::suggest::closest;
use super::Problem;

/// Every transcription model the API names (protocol.md §9, December 2026).
pub const MODELS: &[&str] = &[
    "whisper-1",
    "gpt-4o-transcribe",
    "gpt-4o-mini-transcribe",
    "gpt-4o-mini-transcribe-2025-12-15",
    "gpt-4o-transcribe-diarize",
    "gpt-transcribe",
    "gpt-live-transcribe",
    "gpt-realtime-whisper",
];

/// Models that take `languages` and `keywords`.
const LIST_MODELS: &[&str] = &["gpt-transcribe", "gpt-live-transcribe"];
const DELAY_MODEL: &str = "gpt-realtime-whisper";
const DELAYS: &[&str] = &["minimal", "low", "medium", "high", "xhigh"];

pub(crate) fn check_transcription(value: &Value, path: &str, out: &mut Vec<Problem>) {
    let Some(model) = value.get("model").and_then(Value::as_str) else {
        return;
    };
    if !MODELS.contains(&model) {
        let hint = match closest(model, MODELS.iter().copied()) {
            Some(near) => format!("did you mean \"{near}\"? Known: {}", MODELS.join(", ")),
            None => format!("use one of {}", MODELS.join(", ")),
        };
        out.push(
            Problem::new(
                key(path, "model"),
                format!("\"{model}\" is not a transcription model"),
            )
            .with_hint(hint),
        );
        return;
    }
    for name in ["languages", "keywords"] {
        if value.get(name).is_some() && !LIST_MODELS.contains(&model) {
            out.push(
                Problem::new(key(path, name), format!("{model} does not take \"{name}\""))
                    .with_hint(format!(
                        "\"{name}\" works with gpt-transcribe and gpt-live-transcribe only; \
                         remove it, or use \"language\" (one ISO-639-1 code)"
                    )),
            );
        }
    }
    match value.get("delay") {
        Some(_) if model != DELAY_MODEL => out.push(
            Problem::new(
                key(path, "delay"),
                format!("{model} does not take \"delay\""),
            )
            .with_hint("\"delay\" works with gpt-realtime-whisper only; remove it"),
        ),
        Some(d) if !d.as_str().is_some_and(|d| DELAYS.contains(&d)) => out.push(
            Problem::new(
                key(path, "delay"),
                format!(
                    "invalid value {}: expected one of {}",
                    show(d),
                    DELAYS.join(", ")
                ),
            )
            .with_hint("e.g. \"delay\": \"low\""),
        ),
        _ => {}
    }
    if model == DELAY_MODEL && value.get("prompt").is_some() {
        out.push(
            Problem::new(
                key(path, "prompt"),
                format!("{model} does not take \"prompt\""),
            )
            .with_hint("remove \"prompt\", or use a gpt-4o transcriber, which takes one"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problems(v: Value) -> Vec<String> {
        let mut out = Vec::new();
        check_transcription(&v, "session.audio.input.transcription", &mut out);
        out.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn every_known_model_alone_is_fine() {
        for m in MODELS {
            assert!(problems(json!({"model": m})).is_empty(), "{m}");
        }
    }

    #[test]
    fn an_unknown_model_is_named_with_the_nearest() {
        let p = problems(json!({"model": "gpt-4o-transcrib"}));
        assert_eq!(p.len(), 1);
        assert!(p[0].contains("did you mean \"gpt-4o-transcribe\""), "{p:?}");
    }

    #[test]
    fn parameters_a_model_does_not_take_are_refused() {
        let p =
            problems(json!({"model": "gpt-4o-transcribe", "languages": ["en"], "delay": "low"}));
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("transcription.languages"));
        assert!(problems(json!({"model": "gpt-live-transcribe", "languages": ["en", "fr"], "keywords": ["rtconsole"]})).is_empty());
        let w = problems(json!({"model": "gpt-realtime-whisper", "prompt": "x", "delay": "soon"}));
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(problems(json!({"model": "gpt-realtime-whisper", "delay": "xhigh"})).is_empty());
    }
}

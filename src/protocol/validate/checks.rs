//! Value checks that a shape table cannot express: base64 audio, JSON carried inside a
//! string, and the metadata map limits.

use serde_json::Value;

use super::report::{check_length, got, key, mismatch, show};
use super::shape::Shape;
use super::{codes, Problem};

/// Per `input_audio_buffer.append` event (protocol §3.3).
pub(crate) const MAX_APPEND_BYTES: usize = 15 * 1024 * 1024;

const METADATA_MAX_PAIRS: usize = 16;
const METADATA_MAX_KEY: usize = 64;
const METADATA_MAX_VALUE: usize = 512;

/// Why `s` is not standard, padded-or-unpadded base64, as (message, hint).
fn base64_error(s: &str) -> Option<(String, &'static str)> {
    if s.starts_with("data:") {
        return Some((
            "a data: URL, not bare base64".to_string(),
            "send only the base64 payload after \"base64,\"",
        ));
    }
    let body = s.trim_end_matches('=');
    let padding = s.len() - body.len();
    for (i, c) in body.char_indices() {
        let (what, hint) = match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '+' | '/' => continue,
            ' ' | '\n' | '\r' | '\t' => (
                "whitespace",
                "remove spaces and line breaks from the base64 text",
            ),
            '-' | '_' => (
                "a URL-safe base64 character",
                "use the standard base64 alphabet (+ and /)",
            ),
            '=' => (
                "padding '=' before the end",
                "only the last 1-2 characters may be '='",
            ),
            _ => (
                "a character that is not base64",
                "encode the raw bytes with standard base64",
            ),
        };
        return Some((
            format!("not valid base64: {what} {c:?} at position {i}"),
            hint,
        ));
    }
    let cut_off = if padding > 0 {
        padding > 2 || !s.len().is_multiple_of(4)
    } else {
        body.len() % 4 == 1
    };
    cut_off.then(|| {
        (
            format!(
                "not valid base64: length {} does not fit base64 padding",
                s.len()
            ),
            "the text looks cut off or over-padded; re-encode the bytes",
        )
    })
}

/// Bytes that a valid base64 string decodes to.
pub(crate) fn decoded_len(s: &str) -> usize {
    let n = s.trim_end_matches('=').len();
    n / 4 * 3 + [0, 0, 1, 2][n % 4]
}

pub(crate) fn check_base64(value: &Value, path: &str, out: &mut Vec<Problem>) {
    if let Some((message, hint)) = value.as_str().and_then(base64_error) {
        out.push(Problem::new(path, message).with_hint(hint));
    }
}

pub(crate) fn check_append_audio(value: &Value, path: &str, out: &mut Vec<Problem>) {
    let before = out.len();
    check_base64(value, path, out);
    let Some(s) = value.as_str() else { return };
    let bytes = decoded_len(s);
    if out.len() == before && bytes > MAX_APPEND_BYTES {
        let mib = bytes as f64 / (1024.0 * 1024.0);
        out.push(
            Problem::new(
                path,
                format!("decodes to {mib:.1} MiB of audio, above the 15 MiB limit per event"),
            )
            .with_hint("split the audio over several input_audio_buffer.append events"),
        );
    }
}

/// Hint that pastes the JSON-encoded form of an object the user gave as-is.
fn encode_hint(value: &Value) -> String {
    let encoded = Value::String(value.to_string());
    format!("JSON-encode it into a string: {}", show(&encoded))
}

/// `function_call.arguments`: a string that itself contains JSON.
pub(crate) fn check_json_string(value: &Value, path: &str, out: &mut Vec<Problem>) {
    match value {
        Value::String(s) => {
            if let Err(e) = serde_json::from_str::<Value>(s) {
                out.push(
                    Problem::new(path, format!("{} does not contain valid JSON: {e}", show(value)))
                        .with_hint("arguments must be JSON text in a string, e.g. \"{\\\"city\\\":\\\"Paris\\\"}\""),
                );
            }
        }
        Value::Object(_) | Value::Array(_) => out.push(
            Problem::new(
                path,
                format!("expected a string containing JSON, got {}", got(value)),
            )
            .with_hint(encode_hint(value))
            .with_code(codes::INVALID_TYPE),
        ),
        _ => mismatch(&Shape::Str, value, path, out),
    }
}

/// `function_call_output.output`: any string; structured results must be encoded first.
pub(crate) fn check_output_string(value: &Value, path: &str, out: &mut Vec<Problem>) {
    match value {
        Value::String(_) => {}
        Value::Null => mismatch(&Shape::Str, value, path, out),
        _ => out.push(
            Problem::new(path, format!("expected a string, got {}", got(value)))
                .with_hint(encode_hint(value))
                .with_code(codes::INVALID_TYPE),
        ),
    }
}

/// `metadata`: at most 16 string pairs, keys ≤64 and values ≤512 characters (or null).
pub(crate) fn check_metadata(value: &Value, path: &str, out: &mut Vec<Problem>) {
    let map = match value {
        Value::Null => return,
        Value::Object(map) => map,
        _ => return mismatch(&Shape::Map(&Shape::Str), value, path, out),
    };
    if map.len() > METADATA_MAX_PAIRS {
        out.push(
            Problem::new(
                path,
                format!(
                    "{} key-value pairs, above the maximum of {METADATA_MAX_PAIRS}",
                    map.len()
                ),
            )
            .with_hint("keep at most 16 pairs"),
        );
    }
    for (k, v) in map {
        let p = key(path, k);
        if k.chars().count() > METADATA_MAX_KEY {
            out.push(
                Problem::new(
                    &p,
                    format!(
                        "metadata key too long: {} characters, maximum {METADATA_MAX_KEY}",
                        k.chars().count()
                    ),
                )
                .with_hint("shorten the key to 64 characters or fewer")
                .with_code(codes::STRING_ABOVE_MAX_LENGTH),
            );
        }
        match v.as_str() {
            Some(s) => check_length(s, METADATA_MAX_VALUE, &p, out),
            None => mismatch(&Shape::StrMax(METADATA_MAX_VALUE), v, &p, out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(check: fn(&Value, &str, &mut Vec<Problem>), value: Value) -> Vec<Problem> {
        let mut out = Vec::new();
        check(&value, "p", &mut out);
        out
    }

    #[test]
    fn base64_accepts_padded_and_unpadded_text() {
        for ok in ["", "AAAA", "AAE=", "AA==", "AAE", "AA", "+/+/"] {
            assert!(run(check_base64, json!(ok)).is_empty(), "{ok}");
        }
    }

    #[test]
    fn base64_rejects_bad_characters_lengths_and_data_urls() {
        for (bad, needle) in [
            ("AA A", "whitespace"),
            ("AA-_", "URL-safe"),
            ("A=AA", "padding"),
            ("AAAAA", "length"),
            ("AAA===", "length"),
            ("AA*A", "not base64"),
            ("data:audio/wav;base64,AAAA", "data: URL"),
        ] {
            let p = run(check_base64, json!(bad));
            assert!(p[0].message.contains(needle), "{bad}: {}", p[0].message);
        }
    }

    #[test]
    fn decoded_length_follows_base64_math() {
        assert_eq!(decoded_len("AAAA"), 3);
        assert_eq!(decoded_len("AAE="), 2);
        assert_eq!(decoded_len("AA=="), 1);
        assert_eq!(decoded_len("AAE"), 2);
    }

    #[test]
    fn appended_audio_above_15_mib_is_rejected() {
        let big = "A".repeat((MAX_APPEND_BYTES / 3 + 1) * 4);
        let p = run(check_append_audio, json!(big));
        assert!(p[0].message.contains("15 MiB"), "{}", p[0].message);
        let fits = "A".repeat(MAX_APPEND_BYTES / 3 * 4);
        assert!(run(check_append_audio, json!(fits)).is_empty());
    }

    #[test]
    fn metadata_limits_pairs_key_and_value_lengths() {
        let many: serde_json::Map<String, Value> =
            (0..17).map(|i| (format!("k{i}"), json!("v"))).collect();
        assert!(run(check_metadata, Value::Object(many))[0]
            .message
            .contains("17"));
        let p = run(
            check_metadata,
            json!({ "k".repeat(65): "v", "n": 1, "long": "x".repeat(513) }),
        );
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(run(check_metadata, json!(null)).is_empty());
    }
}

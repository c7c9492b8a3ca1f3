//! What a transcriber sends for one committed turn, by model: deltas for the
//! streaming models (none for `whisper-1`), speaker segments for
//! `gpt-4o-transcribe-diarize`, token logprobs when the session includes them,
//! then `completed` with its usage.

use serde_json::{json, Value};

use super::plan::word_chunks;

pub const LOGPROBS: &str = "item.input_audio_transcription.logprobs";

/// The events for `transcript` of `speech_ms` of speech, in order.
pub fn events(
    item_id: &str,
    transcript: &str,
    speech_ms: u64,
    cfg: &Value,
    include: &Value,
) -> Vec<Value> {
    let model = cfg.get("model").and_then(Value::as_str).unwrap_or("");
    let mut out = Vec::new();
    if model == "gpt-4o-transcribe-diarize" {
        out.extend(segments(item_id, transcript, speech_ms));
    } else if model != "whisper-1" {
        for delta in word_chunks(transcript) {
            out.push(
                json!({"type": "conversation.item.input_audio_transcription.delta",
                "item_id": item_id, "content_index": 0, "delta": delta}),
            );
        }
    }
    let wants_logprobs = include
        .as_array()
        .is_some_and(|l| l.iter().any(|v| v == LOGPROBS));
    let logprobs = if wants_logprobs {
        Value::Array(token_logprobs(transcript))
    } else {
        Value::Null
    };
    let seconds = (speech_ms as f64 / 100.0).round() / 10.0;
    out.push(
        json!({"type": "conversation.item.input_audio_transcription.completed",
        "item_id": item_id, "content_index": 0, "transcript": transcript,
        "logprobs": logprobs, "usage": {"type": "duration", "seconds": seconds}}),
    );
    out
}

/// Sentences alternate between speakers A and B (one sentence: its halves), each
/// timed by its share of the characters.
fn segments(item_id: &str, transcript: &str, speech_ms: u64) -> Vec<Value> {
    let mut parts: Vec<String> = transcript
        .split_inclusive(['.', '?', '!'])
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if parts.len() == 1 {
        let words: Vec<&str> = transcript.split_whitespace().collect();
        if words.len() > 1 {
            let (a, b) = words.split_at(words.len() / 2);
            parts = vec![a.join(" "), b.join(" ")];
        }
    }
    let total: usize = parts
        .iter()
        .map(|p| p.chars().count())
        .sum::<usize>()
        .max(1);
    let seconds = speech_ms as f64 / 1000.0;
    let mut start = 0.0;
    parts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let end = start + seconds * text.chars().count() as f64 / total as f64;
            let seg = json!({"type": "conversation.item.input_audio_transcription.segment",
                "item_id": item_id, "content_index": 0, "id": format!("seg_{i}"),
                "speaker": if i % 2 == 0 { "A" } else { "B" }, "text": text,
                "start": (start * 100.0_f64).round() / 100.0, "end": (end * 100.0_f64).round() / 100.0});
            start = end;
            seg
        })
        .collect()
}

/// One token per word; long words are a little less certain, so the numbers vary.
fn token_logprobs(transcript: &str) -> Vec<Value> {
    transcript
        .split_inclusive(' ')
        .map(|w| {
            let logprob = -0.01 - 0.04 * (w.trim().chars().count() % 7) as f64;
            json!({"token": w, "logprob": (logprob * 1000.0_f64).round() / 1000.0,
                   "bytes": w.as_bytes()})
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types(v: &[Value]) -> Vec<&str> {
        v.iter().map(|e| e["type"].as_str().unwrap()).collect()
    }

    #[test]
    fn each_model_streams_its_own_way() {
        let whisper = events(
            "i",
            "Hello there friend",
            2000,
            &json!({"model": "whisper-1"}),
            &Value::Null,
        );
        assert_eq!(
            types(&whisper),
            ["conversation.item.input_audio_transcription.completed"]
        );
        let gpt = events(
            "i",
            "Hello there friend",
            2000,
            &json!({"model": "gpt-4o-transcribe"}),
            &Value::Null,
        );
        assert!(
            gpt.len() > 1 && gpt[0]["type"] == "conversation.item.input_audio_transcription.delta"
        );
        assert!(gpt.last().unwrap()["logprobs"].is_null());
    }

    #[test]
    fn diarize_gives_alternating_speakers_that_cover_the_speech() {
        let ev = events(
            "i",
            "Hi there. Hello back!",
            3000,
            &json!({"model": "gpt-4o-transcribe-diarize"}),
            &Value::Null,
        );
        let segs: Vec<&Value> = ev
            .iter()
            .filter(|e| e["type"].as_str().unwrap().ends_with("segment"))
            .collect();
        assert_eq!(segs.len(), 2);
        assert_eq!(segs[0]["speaker"], "A");
        assert_eq!(segs[1]["speaker"], "B");
        assert_eq!(segs[1]["text"], "Hello back!");
        assert_eq!(segs[1]["end"], 3.0);
    }

    #[test]
    fn logprobs_come_only_when_included() {
        let ev = events(
            "i",
            "Paris is sunny",
            1000,
            &json!({"model": "gpt-4o-transcribe"}),
            &json!([LOGPROBS]),
        );
        let lp = ev.last().unwrap()["logprobs"].as_array().unwrap().clone();
        assert_eq!(lp.len(), 3);
        assert!(lp.iter().all(|t| t["logprob"].as_f64().unwrap() < 0.0));
    }
}

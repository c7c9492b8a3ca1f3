//! Planning a response: its effective settings (session, then per-response
//! overrides), what it will say, its token counts, and the timeline of its steps
//! under the scenario's pace. Pure: the model schedules what this returns.

use serde_json::{json, Value};

use super::ids::Ids;
use super::reply::{CtxItem, Reply};
use super::responses::{tokens, Body, InputTokens, OutItem, Resp};
use super::schedule::RStep;
use crate::mock::scenario::Pace;

/// A response's effective settings and context.
#[derive(Debug, Clone)]
pub struct Spec {
    pub conversation: bool,
    pub modalities: Vec<String>,
    pub voice: String,
    pub format: Value,
    pub max_output_tokens: Value,
    pub metadata: Value,
    pub instructions: String,
    pub tools: Vec<Value>,
    pub tool_choice: Value,
    pub context: Vec<CtxItem>,
}

impl Spec {
    pub fn audio(&self) -> bool {
        self.modalities.iter().any(|m| m == "audio")
    }

    /// Input tokens (text, audio): the context, the instructions and the tools.
    pub fn input_tokens(&self) -> (u64, u64) {
        let mut text = tokens(&self.instructions);
        if !self.tools.is_empty() {
            text += tokens(&Value::Array(self.tools.clone()).to_string());
        }
        let mut audio = 0;
        for item in &self.context {
            text += tokens(&item.text) + item.name.as_deref().map_or(0, tokens);
            // ~10 tokens per second of user audio, ~20 per second of model audio.
            audio += match item.role.as_deref() {
                Some("assistant") => item.audio_ms / 50,
                _ => item.audio_ms / 100,
            };
        }
        (text, audio)
    }
}

/// The item fields a context entry is read from.
pub fn ctx_of(item: &Value, heard: Option<&str>, audio_ms: u64) -> CtxItem {
    let s = |k: &str| item.get(k).and_then(Value::as_str).map(String::from);
    let kind = s("type").unwrap_or_default();
    let mut text = String::new();
    if let Some(parts) = item.get("content").and_then(Value::as_array) {
        for p in parts {
            let words = p
                .get("text")
                .or(p.get("transcript"))
                .and_then(Value::as_str);
            if let Some(w) = words {
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(w);
            }
        }
    }
    if text.is_empty() {
        text = match kind.as_str() {
            "function_call" => s("arguments").unwrap_or_default(),
            "function_call_output" => s("output").unwrap_or_default(),
            _ => heard.unwrap_or_default().to_string(),
        };
    }
    CtxItem {
        role: s("role"),
        call_id: s("call_id"),
        name: s("name"),
        output: s("output"),
        kind,
        text,
        audio_ms,
    }
}

/// Streaming pieces of a reply: a word or two at a time, whitespace kept.
pub fn word_chunks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for word in text.split_inclusive(' ') {
        cur.push_str(word);
        if cur.trim().chars().count() >= 4 {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Streaming pieces of function arguments: 8 characters at a time.
fn arg_chunks(args: &str) -> Vec<String> {
    let chars: Vec<char> = args.chars().collect();
    chars.chunks(8).map(|c| c.iter().collect()).collect()
}

/// The reply cut to `max_output_tokens`, and whether it was cut.
fn fit(text: &str, max: &Value, audio: bool, ms_per_char: u64) -> (String, bool) {
    let Some(max) = max.as_u64() else {
        return (text.to_string(), false);
    };
    // Tokens per character: ~4 characters per text token, plus ~20 audio tokens per
    // second of speech.
    let per_char = 0.25
        + if audio {
            ms_per_char as f64 / 50.0
        } else {
            0.0
        };
    let max_chars = (max as f64 / per_char).floor() as usize;
    if text.chars().count() <= max_chars {
        return (text.to_string(), false);
    }
    (text.chars().take(max_chars).collect(), true)
}

/// A planned response: its state, and its steps as (ms after start, step).
pub fn build(
    id: String,
    spec: &Spec,
    reply: Reply,
    pace: &Pace,
    ids: &mut Ids,
    input: InputTokens,
    rate_limits: Value,
) -> (Resp, Vec<(u64, RStep)>) {
    let audio = spec.audio();
    let ms_per_char = pace.audio_ms_per_char;
    let mut truncated = false;
    let mut message = |text: String| {
        let (text, cut) = fit(&text, &spec.max_output_tokens, audio, ms_per_char);
        truncated |= cut;
        Body::Message { audio, text }
    };
    let bodies = match reply {
        Reply::Text(text) => vec![message(text)],
        Reply::Call { name, arguments } => vec![Body::Call {
            name,
            call_id: ids.call(),
            arguments,
        }],
        // A preamble message, then the calls, all in one response (protocol.md §9).
        Reply::Calls { preamble, calls } => {
            let mut v: Vec<Body> = preamble.into_iter().map(&mut message).collect();
            for (name, arguments) in calls {
                v.push(Body::Call {
                    name,
                    call_id: ids.call(),
                    arguments,
                });
            }
            v
        }
    };
    let items: Vec<OutItem> = bodies
        .into_iter()
        .map(|body| OutItem {
            id: ids.item(),
            body,
            status: "in_progress",
            added: false,
            in_conv: false,
            part_added: false,
            done: false,
            emitted: String::new(),
        })
        .collect();
    let mut audio_ms = 0;
    let mut speaks = false;
    let mut item_chunks = Vec::new();
    for item in &items {
        item_chunks.push(match &item.body {
            Body::Message { audio, text } => {
                if *audio {
                    audio_ms += text.chars().count() as u64 * ms_per_char;
                    speaks = true;
                }
                word_chunks(text)
            }
            Body::Call { arguments, .. } => arg_chunks(arguments),
        });
    }
    let (final_status, final_details) = if truncated {
        (
            "incomplete",
            json!({"type": "incomplete", "reason": "max_output_tokens"}),
        )
    } else {
        ("completed", Value::Null)
    };
    let kinds: Vec<bool> = items
        .iter()
        .map(|i| matches!(i.body, Body::Message { .. }))
        .collect();
    let resp = Resp {
        id,
        conversation: spec.conversation,
        modalities: spec.modalities.clone(),
        voice: spec.voice.clone(),
        format: spec.format.clone(),
        max_output_tokens: spec.max_output_tokens.clone(),
        metadata: spec.metadata.clone(),
        items,
        status: "in_progress",
        status_details: Value::Null,
        final_status,
        final_details,
        input,
        rate_limits,
        ms_per_char,
        audio_ms,
        audio_started_at: None,
        generating: true,
        audible: false,
    };
    let first = pace.first_delta_ms;
    let n = item_chunks.iter().map(Vec::len).sum::<usize>().max(1) as u64;
    let spacing = match pace.delta_interval_ms {
        0 => 0,
        iv if speaks => iv.max(audio_ms / 3 / n),
        iv => iv,
    };
    let mut steps = vec![(0, RStep::Created), (0, RStep::RateLimits)];
    let mut audio_started = false;
    // Items one after the other: each is added, streamed and done before the next.
    let mut end = first;
    let mut k = 0u64;
    for (i, chunks) in item_chunks.into_iter().enumerate() {
        let start = if i == 0 { 0 } else { end };
        steps.push((start, RStep::ItemAdded(i)));
        if spec.conversation {
            steps.push((start, RStep::ConvAdded(i)));
        }
        if kinds[i] {
            steps.push((start.max(first), RStep::PartAdded(i)));
            if speaks && !audio_started {
                audio_started = true;
                steps.push((start.max(first), RStep::AudioStarted));
            }
        }
        for chunk in chunks {
            end = first + k * spacing;
            k += 1;
            steps.push((end, RStep::Delta(i, chunk)));
        }
        steps.push((end, RStep::ItemDone(i)));
    }
    steps.push((end, RStep::Done));
    if speaks {
        steps.push(((first + audio_ms).max(end), RStep::AudioStopped));
    }
    steps.sort_by_key(|(t, _)| *t);
    (resp, steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(modality: &str, max: Value) -> Spec {
        Spec {
            conversation: true,
            modalities: vec![modality.into()],
            voice: "marin".into(),
            format: Value::Null,
            max_output_tokens: max,
            metadata: Value::Null,
            instructions: String::new(),
            tools: vec![],
            tool_choice: json!("auto"),
            context: vec![],
        }
    }

    #[test]
    fn chunks_are_a_word_or_two() {
        assert_eq!(
            word_chunks("I am a mock here"),
            ["I am ", "a mock ", "here"]
        );
        assert_eq!(word_chunks("").len(), 0);
    }

    #[test]
    fn audio_spreads_deltas_over_the_first_third_then_stops() {
        let pace = Pace {
            first_delta_ms: 100,
            delta_interval_ms: 10,
            audio_ms_per_char: 60,
            latency_jitter_ms: 0,
        };
        let reply = Reply::Text("Hello there friend".into());
        let (resp, steps) = build(
            "resp_1".into(),
            &spec("audio", json!("inf")),
            reply,
            &pace,
            &mut Ids::new(1),
            InputTokens::default(),
            json!([]),
        );
        assert_eq!(resp.audio_ms, 18 * 60);
        let deltas: Vec<u64> = steps
            .iter()
            .filter(|(_, s)| matches!(s, RStep::Delta(..)))
            .map(|(t, _)| *t)
            .collect();
        assert_eq!(deltas, [100, 220, 340]);
        assert_eq!(steps.last(), Some(&(100 + 1080, RStep::AudioStopped)));
    }

    #[test]
    fn a_small_token_limit_cuts_the_reply() {
        let (resp, _) = build(
            "resp_1".into(),
            &spec("text", json!(2)),
            Reply::Text("one two three four".into()),
            &Pace::instant(),
            &mut Ids::new(1),
            InputTokens::default(),
            json!([]),
        );
        assert_eq!(resp.final_status, "incomplete");
        let Body::Message { text, .. } = &resp.items[0].body else {
            panic!()
        };
        assert_eq!(text, "one two ");
    }
}

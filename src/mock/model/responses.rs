//! Responses as they run: each scheduled step builds its events when it is due
//! (protocol.md §6.1–6.3), and a cancel ends a response early (`response.done` with
//! status `cancelled`), dropping what it had not said yet.

use serde_json::{json, Value};

use super::items::{Place, Stored};
use super::schedule::RStep;
use super::{Model, ModelOutput};

#[derive(Debug, Clone)]
pub enum Body {
    Message {
        audio: bool,
        text: String,
    },
    Call {
        name: String,
        call_id: String,
        arguments: String,
    },
}

#[derive(Debug, Clone)]
pub struct OutItem {
    pub id: String,
    pub body: Body,
    pub status: &'static str,
    pub added: bool,
    pub in_conv: bool,
    pub part_added: bool,
    pub done: bool,
    /// What has been streamed so far (text, transcript or arguments).
    pub emitted: String,
}

/// Input token counts of a response, fixed when it starts.
#[derive(Debug, Clone, Copy, Default)]
pub struct InputTokens {
    pub text: u64,
    pub audio: u64,
    pub cached: u64,
}

#[derive(Debug, Clone)]
pub struct Resp {
    pub id: String,
    pub conversation: bool,
    pub modalities: Vec<String>,
    pub voice: String,
    pub format: Value,
    pub max_output_tokens: Value,
    pub metadata: Value,
    pub items: Vec<OutItem>,
    pub status: &'static str,
    pub status_details: Value,
    /// What `response.done` will say if nothing cancels it.
    pub final_status: &'static str,
    pub final_details: Value,
    pub input: InputTokens,
    pub rate_limits: Value,
    pub ms_per_char: u64,
    /// Length of the spoken reply.
    pub audio_ms: u64,
    pub audio_started_at: Option<u64>,
    pub generating: bool,
    pub audible: bool,
}

pub fn tokens(s: &str) -> u64 {
    (s.chars().count() as u64).div_ceil(4)
}

impl OutItem {
    /// The item as events show it (no audio bytes).
    pub fn json(&self) -> Value {
        match &self.body {
            Body::Message { audio, .. } => {
                let content = match (self.part_added, audio) {
                    (false, _) => json!([]),
                    (true, false) => json!([{"type": "output_text", "text": self.emitted}]),
                    (true, true) => json!([{"type": "output_audio", "transcript": self.emitted}]),
                };
                json!({"id": self.id, "object": "realtime.item", "type": "message",
                       "status": self.status, "role": "assistant", "content": content})
            }
            Body::Call { name, call_id, .. } => {
                json!({"id": self.id, "object": "realtime.item", "type": "function_call",
                       "status": self.status, "name": name, "call_id": call_id,
                       "arguments": self.emitted})
            }
        }
    }

    fn is_audio(&self) -> bool {
        matches!(self.body, Body::Message { audio: true, .. })
    }
}

impl Resp {
    pub fn usage(&self) -> Value {
        let (mut text, mut audio) = (0, 0);
        for item in self.items.iter().filter(|i| i.added) {
            match &item.body {
                Body::Message { audio: true, .. } => {
                    text += tokens(&item.emitted);
                    audio += item.emitted.chars().count() as u64 * self.ms_per_char / 50;
                }
                Body::Message { .. } => text += tokens(&item.emitted),
                Body::Call { name, .. } => text += tokens(name) + tokens(&item.emitted),
            }
        }
        let i = self.input;
        let (input, output) = (i.text + i.audio, text + audio);
        let cached_text = i.cached.min(i.text);
        json!({
            "total_tokens": input + output,
            "input_tokens": input,
            "output_tokens": output,
            "input_token_details": {
                "text_tokens": i.text, "audio_tokens": i.audio, "image_tokens": 0,
                "cached_tokens": i.cached,
                "cached_tokens_details": {"text_tokens": cached_text,
                    "audio_tokens": i.cached - cached_text, "image_tokens": 0},
            },
            "output_token_details": {"text_tokens": text, "audio_tokens": audio},
        })
    }

    /// The response object (§4.5): `usage` null until it is done.
    pub fn object(&self, conversation_id: &str) -> Value {
        let done = !self.generating;
        let output: Vec<Value> = if done {
            self.items
                .iter()
                .filter(|i| i.added)
                .map(OutItem::json)
                .collect()
        } else {
            Vec::new()
        };
        let conv = if self.conversation {
            json!(conversation_id)
        } else {
            Value::Null
        };
        json!({
            "object": "realtime.response",
            "id": self.id,
            "status": self.status,
            "status_details": self.status_details,
            "output": output,
            "conversation_id": conv,
            "output_modalities": self.modalities,
            "max_output_tokens": self.max_output_tokens,
            "audio": {"output": {"format": self.format, "voice": self.voice}},
            "usage": if done { self.usage() } else { Value::Null },
            "metadata": self.metadata,
        })
    }
}

fn part(audio: bool, words: &str) -> Value {
    if audio {
        json!({"type": "audio", "transcript": words})
    } else {
        json!({"type": "text", "text": words})
    }
}

impl Model {
    fn resp_mut(&mut self, id: &str) -> Option<&mut Resp> {
        self.responses.iter_mut().find(|r| r.id == id)
    }

    pub(super) fn run_resp(&mut self, id: &str, step: RStep) {
        let now = self.now;
        let conv_id = self.conversation_id.clone();
        let Some(r) = self.resp_mut(id) else { return };
        let rid = r.id.clone();
        let mut events = Vec::new();
        match step {
            RStep::Created => {
                events.push(json!({"type": "response.created", "response": r.object(&conv_id)}))
            }
            RStep::RateLimits => events
                .push(json!({"type": "rate_limits.updated", "rate_limits": r.rate_limits.clone()})),
            RStep::ItemAdded(i) => {
                r.items[i].added = true;
                events.push(
                    json!({"type": "response.output_item.added", "response_id": rid,
                    "output_index": i, "item": r.items[i].json()}),
                );
            }
            RStep::ConvAdded(i) => {
                r.items[i].in_conv = true;
                let item = r.items[i].json();
                let stored = Stored {
                    item: item.clone(),
                    audio_ms: 0,
                    heard: None,
                };
                let prev = self.conv.insert(Place::End, stored);
                events.push(json!({"type": "conversation.item.added",
                    "previous_item_id": prev, "item": item}));
            }
            RStep::PartAdded(i) => {
                let item = &mut r.items[i];
                item.part_added = true;
                events.push(
                    json!({"type": "response.content_part.added", "response_id": rid,
                    "item_id": item.id, "output_index": i, "content_index": 0,
                    "part": part(item.is_audio(), "")}),
                );
            }
            RStep::AudioStarted => {
                r.audible = true;
                r.audio_started_at = Some(now);
                let duration_ms = r.audio_ms;
                let voice = r.voice.clone();
                let item_id = r.items.iter().find(|i| i.is_audio()).map(|i| i.id.clone());
                self.audio_produced = true;
                self.last_audio_response = Some(rid.clone());
                self.idle_since = None;
                self.send(json!({"type": "output_audio_buffer.started", "response_id": rid}));
                self.output(ModelOutput::PlayAudio {
                    response_id: rid,
                    item_id,
                    duration_ms,
                    voice,
                });
            }
            RStep::Delta(i, delta) => {
                let item = &mut r.items[i];
                item.emitted.push_str(&delta);
                events.push(match &item.body {
                    Body::Call { call_id, .. } => json!({
                        "type": "response.function_call_arguments.delta", "response_id": rid,
                        "item_id": item.id, "output_index": i, "call_id": call_id,
                        "delta": delta}),
                    Body::Message { audio, .. } => {
                        let ty = if *audio {
                            "response.output_audio_transcript.delta"
                        } else {
                            "response.output_text.delta"
                        };
                        json!({"type": ty, "response_id": rid, "item_id": item.id,
                               "output_index": i, "content_index": 0, "delta": delta})
                    }
                });
            }
            RStep::ItemDone(i) => {
                let status = if r.final_status == "incomplete" {
                    "incomplete"
                } else {
                    "completed"
                };
                let audio_ms = r.audio_ms;
                let item = &mut r.items[i];
                item.done = true;
                item.status = status;
                events.extend(done_events(&rid, i, item));
                let (in_conv, json, item_id) = (item.in_conv, item.json(), item.id.clone());
                let audio_ms = if item.is_audio() { audio_ms } else { 0 };
                if in_conv {
                    events.extend(self.finish_in_conversation(&item_id, json.clone(), audio_ms));
                }
                events.push(
                    json!({"type": "response.output_item.done", "response_id": rid,
                    "output_index": i, "item": json}),
                );
            }
            RStep::Done => {
                r.generating = false;
                r.status = r.final_status;
                r.status_details = r.final_details.clone();
                let audible = r.audible;
                events.push(json!({"type": "response.done", "response": r.object(&conv_id)}));
                if self.active.as_deref() == Some(id) {
                    self.active = None;
                }
                if !audible {
                    self.idle_since = Some(now);
                }
            }
            RStep::AudioStopped => {
                r.audible = false;
                self.idle_since = Some(now);
                events.push(json!({"type": "output_audio_buffer.stopped", "response_id": rid}));
            }
        }
        for e in events {
            self.send(e);
        }
    }

    /// Updates the stored item and gives its `conversation.item.done` (none when the
    /// client deleted it meanwhile).
    fn finish_in_conversation(&mut self, id: &str, item: Value, audio_ms: u64) -> Option<Value> {
        let stored = self.conv.get_mut(id)?;
        stored.item = item.clone();
        stored.audio_ms = audio_ms;
        let prev = self.conv.previous_of(id);
        Some(json!({"type": "conversation.item.done", "previous_item_id": prev, "item": item}))
    }

    /// Ends a still-generating response now: its unsent steps are dropped, started
    /// items end `incomplete`, `response.done` says `cancelled` with `reason`, and
    /// audible audio is cleared. False when it was not generating.
    pub(super) fn cancel_response(&mut self, id: &str, reason: &str) -> bool {
        let now = self.now;
        let conv_id = self.conversation_id.clone();
        let Some(r) = self.resp_mut(id) else {
            return false;
        };
        if !r.generating {
            return false;
        }
        let played = r
            .audio_started_at
            .map_or(0, |t| now.saturating_sub(t).min(r.audio_ms));
        let mut finished = Vec::new();
        for (i, item) in r.items.iter_mut().enumerate() {
            if item.added && !item.done {
                item.done = true;
                item.status = "incomplete";
                let ms = if item.is_audio() { played } else { 0 };
                finished.push((i, item.id.clone(), item.json(), item.in_conv, ms));
            }
        }
        r.generating = false;
        r.status = "cancelled";
        r.status_details = json!({"type": "cancelled", "reason": reason});
        let audible = std::mem::replace(&mut r.audible, false);
        let done = json!({"type": "response.done", "response": r.object(&conv_id)});
        self.queue.drop_resp(id, |_| true);
        for (i, item_id, json, in_conv, ms) in finished {
            if in_conv {
                if let Some(e) = self.finish_in_conversation(&item_id, json.clone(), ms) {
                    self.send(e);
                }
            }
            self.send(
                json!({"type": "response.output_item.done", "response_id": id,
                "output_index": i, "item": json}),
            );
        }
        self.send(done);
        if self.active.as_deref() == Some(id) {
            self.active = None;
        }
        if audible {
            self.send(json!({"type": "output_audio_buffer.cleared", "response_id": id}));
            self.output(ModelOutput::StopAudio);
        }
        self.idle_since = Some(now);
        true
    }

    /// Stops playout of every audible response (generation, if any, goes on).
    /// Returns the ids whose audio was cleared.
    pub(super) fn clear_audible(&mut self) -> Vec<String> {
        let mut cleared = Vec::new();
        for r in self.responses.iter_mut().filter(|r| r.audible) {
            r.audible = false;
            cleared.push(r.id.clone());
        }
        for id in &cleared {
            self.queue
                .drop_resp(id, |s| matches!(s, RStep::AudioStopped));
            self.send(json!({"type": "output_audio_buffer.cleared", "response_id": id}));
        }
        cleared
    }

    pub(super) fn generating_ids(&self) -> Vec<String> {
        self.responses
            .iter()
            .filter(|r| r.generating)
            .map(|r| r.id.clone())
            .collect()
    }
}

/// The `.done` events of one output item, before `conversation.item.done`.
fn done_events(rid: &str, i: usize, item: &OutItem) -> Vec<Value> {
    let base = |ty: &str| {
        json!({"type": ty, "response_id": rid, "item_id": item.id, "output_index": i,
               "content_index": 0})
    };
    let with = |mut v: Value, k: &str, x: Value| {
        v[k] = x;
        v
    };
    match &item.body {
        Body::Call { name, call_id, .. } => vec![json!({
            "type": "response.function_call_arguments.done", "response_id": rid,
            "item_id": item.id, "output_index": i, "call_id": call_id, "name": name,
            "arguments": item.emitted})],
        Body::Message { audio: false, .. } => vec![
            with(
                base("response.output_text.done"),
                "text",
                json!(item.emitted),
            ),
            with(
                base("response.content_part.done"),
                "part",
                part(false, &item.emitted),
            ),
        ],
        Body::Message { audio: true, .. } => vec![
            base("response.output_audio.done"),
            with(
                base("response.output_audio_transcript.done"),
                "transcript",
                json!(item.emitted),
            ),
            with(
                base("response.content_part.done"),
                "part",
                part(true, &item.emitted),
            ),
        ],
    }
}

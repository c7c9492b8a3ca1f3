//! Client events: validated like the real API (one `error` for the first problem,
//! the whole event rejected), then applied.

use serde_json::{json, Value};

use super::errors::ApiErr;
use super::flaky;
use super::names;
use super::plan::{self, ctx_of, Spec};
use super::reply::{self, CtxItem, ReplyCtx};
use super::responses::InputTokens;
use super::schedule::Step;
use super::Model;
use crate::protocol::validate::{validate_client_text, ValidationError};
use crate::protocol::Dialect;

const REQUESTS_LIMIT: u64 = 5000;
const TOKENS_LIMIT: u64 = 800_000;

fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

impl Model {
    pub(super) fn client(&mut self, text: &str) {
        let parsed: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => return self.error(ApiErr::invalid_json(&e.to_string())),
        };
        let event_id = str_at(&parsed, "event_id").map(String::from);
        let event = match validate_client_text(text, self.dialect) {
            Ok(v) => v,
            Err(ValidationError::Syntax { message, .. }) => {
                return self.error(ApiErr::invalid_json(&message))
            }
            Err(ValidationError::Invalid(problems)) => {
                let err = ApiErr::from_problem(&problems[0], &parsed, self.dialect);
                return self.error(err.for_event(event_id));
            }
        };
        let event = match self.dialect {
            Dialect::Ga => event,
            Dialect::Beta => names::client_to_ga(event),
        };
        if let Err(e) = self.apply(&event) {
            self.error(e.for_event(event_id));
        }
    }

    fn apply(&mut self, event: &Value) -> Result<(), ApiErr> {
        match str_at(event, "type").unwrap_or_default() {
            "session.update" => self.session_update(&event["session"]),
            "transcription_session.update" => self.transcription_update(&event["session"]),
            "input_audio_buffer.append" => {
                self.append(str_at(event, "audio").unwrap_or_default());
                Ok(())
            }
            "input_audio_buffer.commit" => self.commit_buffer(),
            "input_audio_buffer.clear" => {
                self.forget_speech();
                self.clear_input();
                self.event(json!({"type": "input_audio_buffer.cleared"}));
                Ok(())
            }
            "output_audio_buffer.clear" => {
                self.clear_output();
                Ok(())
            }
            "conversation.item.create" => self.item_create(event),
            "conversation.item.retrieve" => self.item_retrieve(event),
            "conversation.item.delete" => self.item_delete(event),
            "conversation.item.truncate" => self.item_truncate(event),
            "response.create" => {
                let params = event.get("response").cloned().unwrap_or(json!({}));
                self.start_response(&params)
            }
            "response.cancel" => self.cancel(str_at(event, "response_id")),
            // Validation lets nothing else through.
            _ => Ok(()),
        }
    }

    fn session_update(&mut self, patch: &Value) -> Result<(), ApiErr> {
        self.session.update(patch, self.audio_produced)?;
        self.vad_params_changed();
        let session = self.session.value().clone();
        self.event(json!({"type": "session.updated", "session": session}));
        Ok(())
    }

    /// Beta `transcription_session.update`: merged like a session update, answered
    /// with `transcription_session.updated` by the beta renaming.
    fn transcription_update(&mut self, patch: &Value) -> Result<(), ApiErr> {
        let mut patch = patch.clone();
        if let Some(m) = patch.as_object_mut() {
            m.shift_remove("type");
        }
        self.session.update(&patch, self.audio_produced)?;
        self.vad_params_changed();
        // Shown as a transcription session, which the beta renaming answers with
        // `transcription_session.updated` in the transcription layout.
        let mut session = self.session.value().clone();
        session["type"] = json!("transcription");
        self.event(json!({"type": "session.updated", "session": session}));
        Ok(())
    }

    /// `input_audio_buffer.append` (WebSocket style): only its length counts.
    fn append(&mut self, b64: &str) {
        let n = b64.trim_end_matches('=').len();
        let bytes = (n / 4 * 3 + [0, 0, 1, 2][n % 4]) as f64;
        let per_ms = match self.session.value().pointer("/audio/input/format/type") {
            Some(t) if t == "audio/pcmu" || t == "audio/pcma" => 8.0,
            _ => 48.0,
        };
        self.audio.appended_ms += bytes / per_ms;
    }

    fn clear_output(&mut self) {
        let cleared = self.clear_audible();
        if cleared.is_empty() {
            let rid = self.last_audio_response.clone();
            let mut e = json!({"type": "output_audio_buffer.cleared"});
            if let Some(rid) = rid {
                e["response_id"] = json!(rid);
            }
            self.event(e);
        }
        self.schedule(0, Step::Output(super::ModelOutput::StopAudio));
        self.idle_since = Some(self.now);
    }

    fn cancel(&mut self, response_id: Option<&str>) -> Result<(), ApiErr> {
        self.release(self.now);
        let generating = self.generating_ids();
        let target = match response_id {
            Some(id) => generating.iter().find(|g| *g == id).cloned(),
            None => self.active.clone().or_else(|| generating.last().cloned()),
        };
        match target {
            Some(id) if self.cancel_response(&id, "client_cancelled") => Ok(()),
            _ => Err(ApiErr::cancel_not_active()),
        }
    }

    fn conversation_context(&self) -> Vec<CtxItem> {
        self.conv
            .items()
            .iter()
            .map(|s| ctx_of(&s.item, s.heard.as_deref(), s.audio_ms))
            .collect()
    }

    /// `response.input`: items as given, references looked up in the conversation.
    fn input_context(&self, list: &[Value]) -> Result<Vec<CtxItem>, ApiErr> {
        let mut out = Vec::new();
        for (i, item) in list.iter().enumerate() {
            if str_at(item, "type") == Some("item_reference") {
                let id = str_at(item, "id").unwrap_or_default();
                let Some(s) = self.conv.get(id) else {
                    return Err(ApiErr::no_referenced_item(
                        id,
                        &format!("response.input[{i}].id"),
                    ));
                };
                out.push(ctx_of(&s.item, s.heard.as_deref(), s.audio_ms));
            } else {
                out.push(ctx_of(item, None, 0));
            }
        }
        Ok(out)
    }

    /// Starts a response with per-response `params` (GA `response.create.response`).
    pub(super) fn start_response(&mut self, params: &Value) -> Result<(), ApiErr> {
        let conversation = str_at(params, "conversation") != Some("none");
        if conversation {
            if let Some(active) = &self.active {
                return Err(ApiErr::active_response(active));
            }
        }
        let context = match params.get("input").and_then(Value::as_array) {
            Some(list) => self.input_context(list)?,
            None => self.conversation_context(),
        };
        let s = &self.session;
        let or = |key: &str, fallback: Value| params.get(key).cloned().unwrap_or(fallback);
        let modalities = match params.get("output_modalities").and_then(Value::as_array) {
            Some(l) => l
                .iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect(),
            None => s.output_modalities(),
        };
        let voice = params
            .pointer("/audio/output/voice")
            .and_then(super::config::voice_name)
            .unwrap_or(s.voice())
            .to_string();
        let tools = match params.get("tools").and_then(Value::as_array) {
            Some(t) => t.clone(),
            None => s.tools(),
        };
        let spec = Spec {
            conversation,
            modalities,
            voice,
            format: params
                .pointer("/audio/output/format")
                .cloned()
                .unwrap_or_else(|| s.output_format()),
            max_output_tokens: or("max_output_tokens", s.max_output_tokens()),
            metadata: or("metadata", Value::Null),
            instructions: str_at(params, "instructions")
                .unwrap_or(s.instructions())
                .to_string(),
            tools,
            tool_choice: or("tool_choice", s.tool_choice()),
            context,
        };
        let scenario = self.scenario.clone();
        let reply = reply::decide(
            &ReplyCtx {
                context: &spec.context,
                tools: &spec.tools,
                tool_choice: &spec.tool_choice,
                instructions: &spec.instructions,
                scenario: &scenario,
            },
            &mut self.text_rng,
        );
        let (text, audio) = spec.input_tokens();
        let total = text + audio;
        let cached = if conversation {
            self.last_input_tokens.min(total) / 64 * 64
        } else {
            0
        };
        let input = InputTokens {
            text,
            audio,
            cached,
        };
        let rate_limits = self.reserve(total, &spec.max_output_tokens);
        let id = self.ids.response();
        let (resp, steps) = plan::build(
            id.clone(),
            &spec,
            reply,
            &scenario.pace,
            &mut self.ids,
            input,
            rate_limits,
        );
        let (resp, steps) = flaky::apply(&scenario, &mut self.flaky_rng, resp, steps);
        if conversation {
            self.active = Some(id.clone());
            self.last_input_tokens = total;
        }
        self.idle_since = None;
        self.responses.push(resp);
        for (offset, step) in steps {
            let id = id.clone();
            self.schedule(offset, Step::Resp { id, step });
        }
        Ok(())
    }

    /// Counts a request and reserves its tokens; the `rate_limits` it leaves.
    fn reserve(&mut self, input_tokens: u64, max_output: &Value) -> Value {
        self.responses_created += 1;
        let out = max_output.as_u64().unwrap_or(4096).min(4096);
        self.tokens_used += input_tokens + out;
        let remaining = TOKENS_LIMIT.saturating_sub(self.tokens_used);
        let reset =
            (self.tokens_used as f64 * 60.0 / TOKENS_LIMIT as f64 * 1000.0).round() / 1000.0;
        json!([
            {"name": "requests", "limit": REQUESTS_LIMIT,
             "remaining": REQUESTS_LIMIT.saturating_sub(self.responses_created),
             "reset_seconds": 0.012},
            {"name": "tokens", "limit": TOKENS_LIMIT, "remaining": remaining,
             "reset_seconds": reset},
        ])
    }
}

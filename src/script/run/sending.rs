//! What the run sends by itself (answers to function calls) and how sent events
//! bear on binding; the run's last word.

use serde_json::Value;

use super::ScriptRun;
use crate::protocol::client_event::ClientEvent;
use crate::script::calls::answers_for;
use crate::script::outcome::{Action, Failure, Outcome};
use crate::session::{Effect, Input};

impl ScriptRun {
    /// Keeps track of what a sent event means for binding: a `response.create` is a
    /// request (and, from a step, binds later waits to it); sent audio may start a
    /// turn by itself, so it unbinds.
    pub(super) fn note_sent(&mut self, text: &str, from_step: bool) {
        let Ok(value) = serde_json::from_str::<Value>(text) else {
            return;
        };
        match value.get("type").and_then(Value::as_str) {
            Some("response.create") => {
                if from_step {
                    self.bound_from = Some(self.requests.len());
                }
                self.requests.sent(self.events.len(), &value);
            }
            Some("input_audio_buffer.append" | "input_audio_buffer.commit") if from_step => {
                self.bound_from = None;
            }
            _ => {}
        }
    }

    /// Answers the function calls of a finished response that an `on-call` rule
    /// covers: one `function_call_output` per call, then one `response.create`.
    /// Waiting for `response.done` (not `function_call_arguments.done`) means the
    /// response is over, so the new `response.create` is not refused as concurrent,
    /// and several calls in one response get a single follow-up response.
    pub(super) fn auto_answer(&mut self, now: u64, done: &Value) {
        let answered = &mut self.answered;
        let answers = answers_for(done, &self.on_call, |id| answered.insert(id.to_string()));
        for (name, call_id) in answers.unanswered {
            self.notes.push(format!(
                "the model called {name} ({call_id}) and no on-call rule answers it: add `on-call {name} OUTPUT` before the step that leads to the call"
            ));
        }
        if answers.outputs.is_empty() {
            return;
        }
        let mut events: Vec<ClientEvent> = answers
            .outputs
            .into_iter()
            .map(|(id, out)| ClientEvent::function_call_output(id, out))
            .collect();
        events.push(ClientEvent::response_create());
        if answers.delay_ms > 0 {
            // All outputs of the response wait for the slowest answer, then go out
            // together before the single response.create.
            self.delayed = Some((now + answers.delay_ms, events));
            self.outbox.push(Action::WakeAt(now + answers.delay_ms));
            return;
        }
        let line = self.steps.get(self.pc).map_or(0, |s| s.line);
        let mut out = std::mem::take(&mut self.outbox);
        for ev in events {
            self.send_event(now, ev, line, &mut out);
        }
        self.outbox = out;
    }

    /// Sends an event built by the run, through the session (which validates and logs it).
    pub(super) fn send_event(
        &mut self,
        now: u64,
        event: ClientEvent,
        line: usize,
        out: &mut Vec<Action>,
    ) {
        let what = event.type_name();
        for fx in self.session.handle(Input::Send { at_ms: now, event }) {
            match fx {
                Effect::Send { text } => {
                    self.note_sent(&text, false);
                    out.push(Action::Send(text));
                }
                Effect::Rejected { error } if self.failure.is_none() => {
                    self.failure = Some(Failure {
                        line,
                        expected: format!("a valid {what} event"),
                        got: format!("rtconsole refused to send it: {error}"),
                    });
                }
                _ => {}
            }
        }
    }

    pub(super) fn finish(&mut self, out: &mut Vec<Action>) {
        self.done = true;
        for call in self.session.pending_calls() {
            if call.arguments_done && !self.answered.contains(&call.call_id) {
                let note = format!(
                    "the call to {} ({}) was never answered",
                    call.name, call.call_id
                );
                if !self.notes.iter().any(|n| n.contains(&call.call_id)) {
                    self.notes.push(note);
                }
            }
        }
        let failure = self.failure.clone();
        out.push(Action::Done(Outcome {
            passed: failure.is_none(),
            failure,
            steps_run: self.pc.min(self.steps.len()),
            steps_total: self.steps.len(),
            notes: self.notes.clone(),
            metrics: Default::default(),
        }));
    }
}

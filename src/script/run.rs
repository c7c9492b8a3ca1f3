//! Playing a script, sans IO: the driver feeds server events, reports finished audio
//! and calls [`ScriptRun::poll`] with the time; the run answers with [`Action`]s.
//!
//! The run owns a [`Session`] and feeds it everything sent and received, so
//! transcripts, pending function calls and per-turn latency come from the same core
//! the TUI shows, not from a second reading of the events.
//!
//! Driver contract: call `poll(now)` at start, after every `on_server` and
//! `audio_finished`, and at each `WakeAt`; perform the actions in order; stop at
//! `Done`.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::binding::Requests;
use super::budget::Budgets;
use super::calls::{answers_for, calls_match, calls_of};
use super::event_types::match_name;
use super::negatives::{forbidden, quiet_broken};
use super::outcome::{Action, Failure, Outcome, SeenEvent};
use super::step::{CallRule, Expectation, Located, Script, Step};
use super::waits::{find_match, timed_out, transcript_matches, Bound, WaitContext};
use crate::protocol::client_event::ClientEvent;
use crate::session::summary::one_line;
use crate::session::{Effect, Input, NoticeLevel, Session, SessionOptions};

#[derive(Debug, Clone, Copy)]
enum State {
    /// The current step has not begun.
    Start,
    Sleeping {
        until: u64,
    },
    /// Audio or silence is streaming; `audio_finished` ends it.
    Streaming,
    /// `expect no`: no matching event from `from_event` on until `until`.
    Quiet {
        from_event: usize,
        until: u64,
    },
    Waiting {
        started: u64,
        deadline: u64,
        /// Server errors already recorded when the wait began.
        errors_before: usize,
    },
}

pub struct ScriptRun {
    steps: Vec<Located<Step>>,
    timeout_ms: u64,
    session: Session,
    pc: usize,
    state: State,
    events: Vec<SeenEvent>,
    /// `expect` looks at events from here on.
    cursor: usize,
    /// (line, event index) of the last `expect` that matched.
    last_match: Option<(usize, usize)>,
    /// `on-call` rules in force, by function name.
    on_call: HashMap<String, CallRule>,
    /// Answers held by an `on-call … delay D`: (when to send, the events).
    delayed: Option<(u64, Vec<ClientEvent>)>,
    /// `forbid` steps, wherever they are in the script: they cover the whole run.
    forbids: Vec<(usize, Expectation)>,
    /// Call ids answered automatically, so a repeated `response.done` is not answered twice.
    answered: HashSet<String>,
    budgets: Budgets,
    /// Every `response.create` the run sent, to know which responses are its own.
    requests: Requests,
    /// Response-scoped waits accept responses of requests from this one on; `None`
    /// (before the first request, and after audio that may start turns by itself)
    /// accepts any response.
    bound_from: Option<usize>,
    /// Sends decided between polls (auto-answers), handed out by the next poll.
    outbox: Vec<Action>,
    failure: Option<Failure>,
    notes: Vec<String>,
    /// Warnings the session raised on the run's clock ticks (a stalled server),
    /// for the front-end to show.
    warnings: Vec<String>,
    done: bool,
}

impl ScriptRun {
    /// `default_timeout_ms` is how long `expect` and `transcript` wait unless the
    /// script says `within` or `timeout`.
    pub fn new(script: Script, default_timeout_ms: u64) -> Self {
        let session = Session::new(SessionOptions {
            dialect: script.dialect,
            ..SessionOptions::default()
        });
        let forbids = script
            .steps
            .iter()
            .filter_map(|l| match &l.step {
                Step::Forbid(e) => Some((l.line, e.clone())),
                _ => None,
            })
            .collect();
        ScriptRun {
            steps: script.steps,
            timeout_ms: default_timeout_ms,
            session,
            pc: 0,
            state: State::Start,
            events: Vec::new(),
            cursor: 0,
            last_match: None,
            on_call: HashMap::new(),
            delayed: None,
            forbids,
            answered: HashSet::new(),
            budgets: Budgets::default(),
            requests: Requests::default(),
            bound_from: None,
            outbox: Vec::new(),
            failure: None,
            notes: Vec::new(),
            warnings: Vec::new(),
            done: false,
        }
    }

    /// The warnings raised since the last call.
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    /// Runs steps until one has to wait; returns what to do meanwhile.
    pub fn poll(&mut self, now_ms: u64) -> Vec<Action> {
        let mut out = std::mem::take(&mut self.outbox);
        if self.done {
            return out;
        }
        for fx in self.session.handle(Input::Tick { at_ms: now_ms }) {
            if let Effect::Notice {
                level: NoticeLevel::Warning,
                text,
            } = fx
            {
                self.warnings.push(text);
            }
        }
        match self.delayed.take() {
            Some((due, events)) if now_ms >= due => {
                let line = self.current_line().unwrap_or(0);
                for ev in events {
                    self.send_event(now_ms, ev, line, &mut out);
                }
            }
            Some((due, events)) => {
                out.push(Action::WakeAt(due));
                self.delayed = Some((due, events));
            }
            None => {}
        }
        loop {
            if self.failure.is_some() || self.pc >= self.steps.len() {
                self.finish(&mut out);
                return out;
            }
            match self.state {
                State::Start => self.start_step(now_ms, &mut out),
                State::Sleeping { until } if now_ms >= until => self.advance(),
                State::Sleeping { until } => {
                    out.push(Action::WakeAt(until));
                    return out;
                }
                State::Streaming => return out,
                State::Quiet { from_event, until } => {
                    if let Some(f) = self.quiet_broken(from_event) {
                        self.failure = Some(f);
                    } else if now_ms >= until {
                        self.advance();
                    } else {
                        out.push(Action::WakeAt(until));
                        return out;
                    }
                }
                State::Waiting {
                    started,
                    deadline,
                    errors_before,
                } => {
                    if self.wait_satisfied() {
                        self.advance();
                    } else if now_ms >= deadline {
                        let errors = &self.session.errors()
                            [errors_before.min(self.session.errors().len())..];
                        let bound = self.bound();
                        let cx = WaitContext {
                            bound: bound.as_ref(),
                            events: &self.events,
                            cursor: self.cursor,
                            last_match: self.last_match,
                            waited_ms: now_ms.saturating_sub(started),
                            errors,
                            session: &self.session,
                        };
                        self.failure = Some(timed_out(&self.steps[self.pc], &cx));
                    } else {
                        out.push(Action::WakeAt(deadline));
                        return out;
                    }
                }
            }
        }
    }

    /// A server message, exactly as received, at `now_ms` on the run's clock.
    pub fn on_server(&mut self, now_ms: u64, raw: &str) {
        let errors_before = self.session.errors().len();
        // Server events ask nothing of the edges: their effects are notices.
        let _ = self.session.handle(Input::Server {
            at_ms: now_ms,
            raw: raw.to_string(),
        });
        let value: Value = serde_json::from_str(raw).unwrap_or(Value::Null);
        let event_type = match value.get("type").and_then(Value::as_str) {
            Some(wire) => match_name(wire),
            None => "(not an event)".to_string(),
        };
        for e in &self.session.errors()[errors_before..] {
            self.notes.push(format!(
                "server error at {} ms: {}: {}",
                e.at_ms,
                e.code.as_deref().unwrap_or("error"),
                one_line(&e.message, 160)
            ));
        }
        if event_type == "response.done" && !self.done {
            self.auto_answer(now_ms, &value);
        }
        self.events.push(SeenEvent {
            at_ms: now_ms,
            event_type,
            value,
        });
        if self.failure.is_none() && !self.done {
            self.failure = forbidden(&self.forbids, &self.events);
        }
        if self.failure.is_none() {
            self.failure = self.budgets.check(self.session.turns().all());
        }
    }

    /// The audio or silence asked for by the current step has been streamed.
    pub fn audio_finished(&mut self, _now_ms: u64) {
        if matches!(self.state, State::Streaming) {
            self.advance();
        }
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    /// For edges that report transport changes or notes into the same session.
    pub fn session_mut(&mut self) -> &mut Session {
        &mut self.session
    }

    /// Every server event received, in order.
    pub fn events(&self) -> &[SeenEvent] {
        &self.events
    }

    /// The received server events as JSON, for [`super::compare_server_events`].
    pub fn server_events(&self) -> Vec<Value> {
        self.events.iter().map(|e| e.value.clone()).collect()
    }

    /// The script line being played, until the run is over.
    pub fn current_line(&self) -> Option<usize> {
        (!self.done)
            .then(|| self.steps.get(self.pc).map(|s| s.line))
            .flatten()
    }

    pub fn is_done(&self) -> bool {
        self.done
    }

    fn advance(&mut self) {
        self.pc += 1;
        self.state = State::Start;
    }

    fn start_step(&mut self, now: u64, out: &mut Vec<Action>) {
        let Located { line, step } = self.steps[self.pc].clone();
        match step {
            Step::Send { text, .. } => {
                // Validated when the script was parsed (or recorded as sent): logged as
                // sent, not validated again, so a replay sends what was recorded.
                let _ = self.session.handle(Input::Sent {
                    at_ms: now,
                    raw: text.clone(),
                });
                self.note_sent(&text, true);
                out.push(Action::Send(text));
                self.advance();
            }
            Step::Say(text) => {
                self.send_event(now, ClientEvent::user_text(text), line, out);
                self.bound_from = Some(self.requests.len());
                self.send_event(now, ClientEvent::response_create(), line, out);
                self.advance();
            }
            Step::Expect(ref e) => self.wait(now, e.within_ms),
            Step::ExpectCalls { within_ms, .. } => self.wait(now, within_ms),
            Step::ExpectNo(e) => {
                self.state = State::Quiet {
                    from_event: self.events.len(),
                    until: now.saturating_add(e.within_ms.unwrap_or(self.timeout_ms)),
                }
            }
            Step::Forbid(_) => self.advance(),
            Step::Transcript { within_ms, .. } => self.wait(now, within_ms),
            Step::Sleep(ms) => self.state = State::Sleeping { until: now + ms },
            Step::Audio(path) => {
                self.bound_from = None;
                out.push(Action::StreamAudio { path, line });
                self.state = State::Streaming;
            }
            Step::Silence(ms) => {
                self.bound_from = None;
                out.push(Action::StreamSilence { ms });
                self.state = State::Streaming;
            }
            Step::OnCall { name, output } => {
                let rule = CallRule {
                    name: name.clone(),
                    output,
                    delay_ms: 0,
                    error: false,
                };
                self.on_call.insert(name, rule);
                self.advance();
            }
            Step::OnCallRule(rule) => {
                self.on_call.insert(rule.name.clone(), rule);
                self.advance();
            }
            Step::Budget(ms) => {
                self.budgets.set(self.session.turns().all().len(), ms, line);
                self.advance();
            }
            Step::Timeout(ms) => {
                self.timeout_ms = ms;
                self.advance();
            }
        }
    }

    fn wait(&mut self, now: u64, within_ms: Option<u64>) {
        self.state = State::Waiting {
            started: now,
            deadline: now.saturating_add(within_ms.unwrap_or(self.timeout_ms)),
            errors_before: self.session.errors().len(),
        };
    }

    /// The failure of the current `expect no` if an event broke its quiet window.
    fn quiet_broken(&self, from_event: usize) -> Option<crate::script::Failure> {
        let bound = self.bound();
        quiet_broken(
            &self.steps[self.pc],
            &self.events,
            from_event,
            bound.as_ref(),
        )
    }

    /// The responses response-scoped waits accept now, when bound.
    fn bound(&self) -> Option<Bound> {
        self.bound_from
            .map(|from| Bound::new(&self.requests, &self.events, from))
    }

    /// Keeps track of what a sent event means for binding: a `response.create` is a
    /// request (and, from a step, binds later waits to it); sent audio may start a
    /// turn by itself, so it unbinds.
    fn note_sent(&mut self, text: &str, from_step: bool) {
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

    /// Checks the current wait; a matched `expect` moves the cursor past its event.
    fn wait_satisfied(&mut self) -> bool {
        let bound = self.bound();
        let Located { line, step } = &self.steps[self.pc];
        match step {
            Step::Expect(exp) => match find_match(&self.events, self.cursor, exp, bound.as_ref()) {
                Some(i) => {
                    self.cursor = i + 1;
                    self.last_match = Some((*line, i));
                    true
                }
                None => false,
            },
            Step::ExpectCalls { calls, .. } => {
                let found = self
                    .events
                    .iter()
                    .enumerate()
                    .skip(self.cursor)
                    .find(|(_, e)| {
                        e.event_type == "response.done"
                            && bound.as_ref().is_none_or(|b| b.admits(e))
                            && calls_match(calls, &calls_of(&e.value))
                    });
                match found {
                    Some((i, _)) => {
                        self.cursor = i + 1;
                        self.last_match = Some((*line, i));
                        true
                    }
                    None => false,
                }
            }
            Step::Transcript { role, matcher, .. } => {
                transcript_matches(&self.session, *role, matcher, bound.as_ref())
            }
            _ => true,
        }
    }

    /// Answers the function calls of a finished response that an `on-call` rule
    /// covers: one `function_call_output` per call, then one `response.create`.
    /// Waiting for `response.done` (not `function_call_arguments.done`) means the
    /// response is over, so the new `response.create` is not refused as concurrent,
    /// and several calls in one response get a single follow-up response.
    fn auto_answer(&mut self, now: u64, done: &Value) {
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
    fn send_event(&mut self, now: u64, event: ClientEvent, line: usize, out: &mut Vec<Action>) {
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

    fn finish(&mut self, out: &mut Vec<Action>) {
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
        }));
    }
}

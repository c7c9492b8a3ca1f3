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

mod sending;
mod steps;

use super::binding::Requests;
use super::budget::Budgets;
use super::event_types::match_name;
use super::negatives::forbidden;
use super::outcome::{Action, Failure, SeenEvent};
use super::step::{CallRule, Expectation, Located, Script, Step};
use super::waits::{timed_out, WaitContext};
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
    /// An anchored `audio`/`silence` saw its event: it streams at `at`.
    StreamAt {
        at: u64,
    },
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
                State::StreamAt { at } if now_ms >= at => self.start_stream(now_ms, at, &mut out),
                State::StreamAt { at } => {
                    out.push(Action::WakeAt(at));
                    return out;
                }
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
                        self.waited();
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
    /// A server message: matched against the script, then handed to the session.
    /// The session's effects (a playback flush, a notice) are the edge's to carry out.
    pub fn on_server(&mut self, now_ms: u64, raw: &str) -> Vec<Effect> {
        let errors_before = self.session.errors().len();
        let effects = self.session.handle(Input::Server {
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
        effects
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

    pub(super) fn advance(&mut self) {
        self.pc += 1;
        self.state = State::Start;
    }
}

//! Starting a step and checking whether its wait is over.

use super::{ScriptRun, State};
use crate::protocol::client_event::ClientEvent;
use crate::script::calls::{calls_match, calls_of};
use crate::script::negatives::quiet_broken;
use crate::script::outcome::Action;
use crate::script::step::{CallRule, Located, Step, Stream};
use crate::script::waits::{find_match, transcript_matches, Bound};
use crate::session::Input;

/// An anchored stream that starts later than this after its time was late: the
/// microphone's own frame is the precision anyway.
const LATE_MS: u64 = 20;

impl ScriptRun {
    /// A wait is over: the next step, or for an anchored `audio`/`silence` the
    /// moment it streams, `offset_ms` after its event arrived (not after the wait
    /// noticed it: an event that came while earlier audio played still counts).
    pub(super) fn waited(&mut self) {
        let anchored = match (&self.steps[self.pc].step, self.last_match) {
            (Step::StreamAfter { offset_ms, .. }, Some((_, i))) => {
                Some(self.events[i].at_ms.saturating_add(*offset_ms))
            }
            _ => None,
        };
        match anchored {
            Some(at) => self.state = State::StreamAt { at },
            None => self.advance(),
        }
    }

    /// Streams the anchored step's audio or silence, noting when it starts late
    /// (the script reached the step after its moment had passed).
    pub(super) fn start_stream(&mut self, now: u64, at: u64, out: &mut Vec<Action>) {
        let Located { line, step } = self.steps[self.pc].clone();
        let Step::StreamAfter { stream, .. } = step else {
            return self.advance();
        };
        if now > at + LATE_MS {
            self.notes.push(format!(
                "line {line}: the {} started {} ms later than its event asked for: an earlier step was still running; start it from an earlier event or shorten what comes before",
                stream_word(&stream),
                now - at
            ));
        }
        self.bound_from = None;
        out.push(match stream {
            Stream::Audio(path) => Action::StreamAudio { path, line },
            Stream::Silence(ms) => Action::StreamSilence { ms },
        });
        self.state = State::Streaming;
    }
    pub(super) fn start_step(&mut self, now: u64, out: &mut Vec<Action>) {
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
                    file: None,
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
            Step::StreamAfter { ref anchor, .. } => self.wait(now, anchor.within_ms),
        }
    }

    pub(super) fn wait(&mut self, now: u64, within_ms: Option<u64>) {
        self.state = State::Waiting {
            started: now,
            deadline: now.saturating_add(within_ms.unwrap_or(self.timeout_ms)),
            errors_before: self.session.errors().len(),
        };
    }

    /// The failure of the current `expect no` if an event broke its quiet window.
    pub(super) fn quiet_broken(&self, from_event: usize) -> Option<crate::script::Failure> {
        let bound = self.bound();
        quiet_broken(
            &self.steps[self.pc],
            &self.events,
            from_event,
            bound.as_ref(),
        )
    }

    /// The responses response-scoped waits accept now, when bound.
    pub(super) fn bound(&self) -> Option<Bound> {
        self.bound_from
            .map(|from| Bound::new(&self.requests, &self.events, from))
    }

    /// Checks the current wait; a matched `expect` moves the cursor past its event.
    pub(super) fn wait_satisfied(&mut self) -> bool {
        let bound = self.bound();
        let Located { line, step } = &self.steps[self.pc];
        match step {
            Step::Expect(exp) | Step::StreamAfter { anchor: exp, .. } => {
                match find_match(&self.events, self.cursor, exp, bound.as_ref()) {
                    Some(i) => {
                        self.cursor = i + 1;
                        self.last_match = Some((*line, i));
                        true
                    }
                    None => false,
                }
            }
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
}

fn stream_word(stream: &Stream) -> &'static str {
    match stream {
        Stream::Audio(_) => "audio",
        Stream::Silence(_) => "silence",
    }
}

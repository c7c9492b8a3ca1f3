//! `expect no` (a quiet window) and `forbid` (never, anywhere in the run).

use super::outcome::{Failure, SeenEvent};
use super::step::{Expectation, Located, Step};
use super::waits::{find_match, Bound};
use crate::protocol::redact::redact_text;
use crate::session::summary::one_line;

/// The event that broke an `expect no` window (events from `from_event` on), as a failure.
pub fn quiet_broken(
    step: &Located<Step>,
    events: &[SeenEvent],
    from_event: usize,
    bound: Option<&Bound>,
) -> Option<Failure> {
    let Step::ExpectNo(exp) = &step.step else {
        return None;
    };
    let i = find_match(events, from_event, exp, bound)?;
    Some(failure(step.line, step.step.to_string(), i, &events[i]))
}

/// The first `forbid` the newest event breaks, as a failure.
pub fn forbidden(forbids: &[(usize, Expectation)], events: &[SeenEvent]) -> Option<Failure> {
    let i = events.len().checked_sub(1)?;
    forbids.iter().find_map(|(line, exp)| {
        find_match(events, i, exp, None)
            .map(|i| failure(*line, Step::Forbid(exp.clone()).to_string(), i, &events[i]))
    })
}

fn failure(line: usize, expected: String, i: usize, e: &SeenEvent) -> Failure {
    Failure {
        line,
        expected,
        got: redact_text(&format!(
            "event #{} at {} ms: {}",
            i + 1,
            e.at_ms,
            one_line(&e.value.to_string(), 300)
        ))
        .into_owned(),
    }
}

//! Evaluating `expect` and `transcript` against what has arrived, and explaining a
//! wait that timed out: the nearest misses, or why nothing could match.

use std::collections::{HashMap, HashSet};

use super::binding::{item_responses, response_of, Requests};
use super::calls::{calls_of, describe};
use super::outcome::{Failure, SeenEvent};
use super::step::{Expectation, Located, Speaker, Step, TextMatcher};
use super::transcripts::latest;
use crate::protocol::redact::redact_text;
use crate::session::summary::one_line;
use crate::session::{ErrorRecord, Session};

/// How many near misses a timeout shows.
const SHOWN: usize = 3;

/// The responses a bound step accepts: those the script's requests created.
#[derive(Debug, Clone, Default)]
pub struct Bound {
    pub ids: Vec<String>,
    pub items: HashMap<String, String>,
    /// Responses whose `response.created` arrived; others cannot be judged and pass.
    pub created: HashSet<String>,
}

impl Bound {
    pub fn new(requests: &Requests, events: &[SeenEvent], from: usize) -> Self {
        Bound {
            ids: requests.bound_ids(events, from),
            items: item_responses(events),
            created: events
                .iter()
                .filter(|e| e.event_type == "response.created")
                .filter_map(|e| e.value.pointer("/response/id").and_then(|v| v.as_str()))
                .map(str::to_string)
                .collect(),
        }
    }

    /// Whether the event is not response-scoped, belongs to an accepted response, or
    /// to one whose `response.created` never came (nothing tells whose it is).
    pub fn admits(&self, event: &SeenEvent) -> bool {
        response_of(event, &self.items)
            .is_none_or(|id| !self.created.contains(id) || self.ids.iter().any(|b| b == id))
    }
}

/// The first event at or after `cursor` that satisfies `exp` (and, unless it says
/// `any`, belongs to a response of `bound`).
pub fn find_match(
    events: &[SeenEvent],
    cursor: usize,
    exp: &Expectation,
    bound: Option<&Bound>,
) -> Option<usize> {
    let bound = bound.filter(|_| !exp.any_response);
    events
        .iter()
        .enumerate()
        .skip(cursor)
        .find(|(_, e)| {
            e.event_type == exp.event_type
                && exp.accepts(&e.value)
                && bound.is_none_or(|b| b.admits(e))
        })
        .map(|(i, _)| i)
}

/// Whether the latest completed transcript of `role` matches.
pub fn transcript_matches(
    session: &Session,
    role: Speaker,
    matcher: &TextMatcher,
    bound: Option<&Bound>,
) -> bool {
    latest(session, role, bound.map(|b| b.ids.as_slice()))
        .completed
        .is_some_and(|t| matcher.matches(&t))
}

/// What the run knew when a wait gave up.
pub struct WaitContext<'a> {
    pub events: &'a [SeenEvent],
    pub cursor: usize,
    /// The line and event index of the previous `expect` match, if any.
    pub last_match: Option<(usize, usize)>,
    pub waited_ms: u64,
    /// Server errors that arrived while waiting.
    pub errors: &'a [ErrorRecord],
    pub session: &'a Session,
    /// The responses the step was bound to, if it was.
    pub bound: Option<&'a Bound>,
}

pub fn timed_out(step: &Located<Step>, cx: &WaitContext<'_>) -> Failure {
    let mut got = match &step.step {
        Step::Expect(exp) | Step::StreamAfter { anchor: exp, .. } => expect_got(exp, cx),
        Step::Transcript { role, .. } => transcript_got(*role, cx),
        Step::ExpectCalls { .. } => calls_got(cx),
        other => format!("{} did not finish", other.keyword()),
    };
    for e in cx.errors {
        got.push_str(&format!(
            "\nserver error while waiting (at {} ms): {}: {}",
            e.at_ms,
            e.code.as_deref().unwrap_or("error"),
            one_line(&e.message, 160)
        ));
    }
    Failure {
        line: step.line,
        expected: step.step.to_string(),
        got: redact_text(&got).into_owned(),
    }
}

fn expect_got(exp: &Expectation, cx: &WaitContext<'_>) -> String {
    let mut got = expect_got_unbound(exp, cx);
    if let Some(b) = cx.bound.filter(|_| !exp.any_response) {
        let skipped = cx
            .events
            .iter()
            .skip(cx.cursor)
            .filter(|e| e.event_type == exp.event_type && exp.accepts(&e.value) && !b.admits(e))
            .count();
        if skipped > 0 {
            got.push_str(&format!(
                "\n{skipped} matching event(s) belonged to responses the script did not request (write `expect any {}` to accept any response)",
                exp.event_type
            ));
        }
    }
    got
}

fn expect_got_unbound(exp: &Expectation, cx: &WaitContext<'_>) -> String {
    let ty = &exp.event_type;
    let of_type: Vec<(usize, &SeenEvent)> = cx
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| &e.event_type == ty)
        .collect();
    let after: Vec<&(usize, &SeenEvent)> =
        of_type.iter().filter(|(i, _)| *i >= cx.cursor).collect();
    if !after.is_empty() {
        let mut lines = vec![format!(
            "{} {ty} event(s) arrived, none satisfying the conditions; the last {}:",
            after.len(),
            after.len().min(SHOWN)
        )];
        for (i, e) in after.iter().rev().take(SHOWN).rev() {
            let why: Vec<String> = exp
                .conditions
                .iter()
                .filter_map(|c| c.mismatch(&e.value))
                .collect();
            lines.push(format!("#{} at {} ms: {}", i + 1, e.at_ms, why.join("; ")));
        }
        return lines.join("\n");
    }
    let received = cx.events.len();
    match (of_type.last(), cx.last_match) {
        (Some((i, e)), Some((line, matched))) => format!(
            "no {ty} after event #{} (matched by line {line}); the last {ty} was #{} at {} ms, before that ({received} server events received)",
            matched + 1,
            i + 1,
            e.at_ms
        ),
        _ => format!(
            "no {ty} event in {} ms ({received} server events received)",
            cx.waited_ms
        ),
    }
}

fn transcript_got(role: Speaker, cx: &WaitContext<'_>) -> String {
    let l = latest(cx.session, role, cx.bound.map(|b| b.ids.as_slice()));
    let who = role.as_str();
    let mut got = match &l.completed {
        Some(t) => format!(
            "the latest completed {who} transcript is \"{}\"",
            one_line(t, 200)
        ),
        None => format!("no completed {who} transcript in {} ms", cx.waited_ms),
    };
    if let Some(e) = &l.transcription_error {
        got.push_str(&format!(" (transcription failed: {})", one_line(e, 160)));
    }
    if l.pending {
        got.push_str(&match role {
            Speaker::User => "; a later user message has no transcript yet (is audio.input.transcription set in session.update?)".to_string(),
            Speaker::Assistant => "; a later assistant message is still being written".to_string(),
        });
    }
    got
}

fn calls_got(cx: &WaitContext<'_>) -> String {
    let dones: Vec<(usize, &SeenEvent)> = cx
        .events
        .iter()
        .enumerate()
        .skip(cx.cursor)
        .filter(|(_, e)| e.event_type == "response.done")
        .filter(|(_, e)| cx.bound.is_none_or(|b| b.admits(e)))
        .collect();
    if dones.is_empty() {
        return format!(
            "no response.done in {} ms ({} server events received)",
            cx.waited_ms,
            cx.events.len()
        );
    }
    let mut lines = vec![format!(
        "{} response(s) finished with other calls; the last {}:",
        dones.len(),
        dones.len().min(SHOWN)
    )];
    for (i, e) in dones.iter().rev().take(SHOWN).rev() {
        lines.push(format!(
            "#{} at {} ms: {}",
            i + 1,
            e.at_ms,
            one_line(&describe(&calls_of(&e.value)), 200)
        ));
    }
    lines.join("\n")
}

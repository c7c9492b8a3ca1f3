//! Latency budgets: each turn's time to first output, as the session core measures
//! it ([`Turn::first_output_ms`]), against the budget in force when the turn began.

use super::outcome::Failure;
use super::step::render_ms;
use crate::session::{Turn, TurnTrigger};

#[derive(Debug, Clone, Copy)]
struct Rule {
    /// The first turn (index into the session's turns) the rule applies to.
    from_turn: usize,
    /// `None` after `budget off`.
    ms: Option<u64>,
    line: usize,
}

#[derive(Debug, Default)]
pub struct Budgets {
    rules: Vec<Rule>,
    /// Turns already judged (or never to be judged); by turn index.
    decided: Vec<bool>,
}

impl Budgets {
    /// A `budget` step ran when the session had `turns_so_far` turns: later turns use it.
    pub fn set(&mut self, turns_so_far: usize, ms: Option<u64>, line: usize) {
        self.rules.push(Rule {
            from_turn: turns_so_far,
            ms,
            line,
        });
    }

    /// The first turn over its budget, among turns not judged yet.
    pub fn check(&mut self, turns: &[Turn]) -> Option<Failure> {
        if self.rules.is_empty() {
            return None;
        }
        self.decided.resize(turns.len(), false);
        for (i, turn) in turns.iter().enumerate() {
            if self.decided[i] {
                continue;
            }
            let rule = self.rules.iter().rev().find(|r| r.from_turn <= i);
            let (Some(rule), latency) = (rule, turn.first_output_ms()) else {
                // Before any budget: never judged.
                self.decided[i] = true;
                continue;
            };
            match (rule.ms, latency) {
                (None, _) => self.decided[i] = true,
                (Some(budget), Some(ms)) => {
                    self.decided[i] = true;
                    if ms > budget {
                        return Some(over_budget(i + 1, turn, ms, budget, rule.line));
                    }
                }
                // No output yet; a turn that ended without any is not judged.
                (Some(_), None) => self.decided[i] = turn.done_ms.is_some(),
            }
        }
        None
    }
}

fn over_budget(number: usize, turn: &Turn, ms: u64, budget: u64, line: usize) -> Failure {
    let from = match turn.trigger {
        TurnTrigger::Voice => "the user stopped speaking",
        TurnTrigger::Client => "response.create was sent",
        TurnTrigger::Server => "the server started a response",
    };
    let what = if turn.first_audio_ms.is_some() {
        "audio"
    } else {
        "text"
    };
    Failure {
        line,
        expected: format!(
            "budget {}: every turn's first output within {budget} ms",
            render_ms(budget)
        ),
        got: format!(
            "turn {number}: first output ({what}) {ms} ms after {from}, {} ms over budget",
            ms - budget
        ),
    }
}

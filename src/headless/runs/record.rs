//! One run as the reports see it: its verdict, the step that failed and why, and
//! its metrics. Built from what the runner hands back, without IO.

use std::path::PathBuf;

use super::super::runner::{Played, PASSED};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    /// An expectation failed (or a replay's events differed).
    Failed,
    /// The run never reached a verdict: the connection failed or ended, the
    /// recording could not be written, or a signal stopped it.
    Error,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Failed => "failed",
            Verdict::Error => "error",
        }
    }
}

/// What went wrong in a run that did not pass.
#[derive(Debug, Clone, PartialEq)]
pub struct RunFailure {
    /// The script line (0 when no step is to blame, as for a replay's comparison).
    pub line: usize,
    /// The step as written.
    pub step: String,
    /// What happened instead (several lines at most).
    pub message: String,
}

impl RunFailure {
    /// `line 6: expect response.done response.status=completed`.
    pub fn headline(&self) -> String {
        match self.line {
            0 => self.step.clone(),
            n => format!("line {n}: {}", self.step),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// 1-based, per script.
    pub run: usize,
    pub verdict: Verdict,
    pub duration_ms: f64,
    /// Steps finished, out of `steps_total`.
    pub steps_run: usize,
    pub steps_total: usize,
    pub failure: Option<RunFailure>,
    pub notes: Vec<String>,
    pub recording: Option<PathBuf>,
    pub metrics: Vec<(String, f64)>,
}

/// The script's steps as (line, text), to name a step by its line.
pub type StepLines = [(usize, String)];

impl RunRecord {
    pub fn from_played(run: usize, played: Played, steps: &StepLines, duration_ms: f64) -> Self {
        let step_at = |line: usize| {
            steps
                .iter()
                .find(|(l, _)| *l == line)
                .map(|(_, s)| s.clone())
                .unwrap_or_default()
        };
        let mut record = RunRecord {
            run,
            verdict: Verdict::Passed,
            duration_ms,
            steps_run: 0,
            steps_total: steps.len(),
            failure: None,
            notes: Vec::new(),
            recording: None,
            metrics: played.metrics,
        };
        match (played.outcome, played.stopped) {
            (Some(o), stopped) => {
                record.steps_run = o.steps_run;
                record.steps_total = o.steps_total;
                record.notes = o.notes;
                if let Some(f) = o.failure {
                    record.verdict = Verdict::Failed;
                    record.failure = Some(RunFailure {
                        line: f.line,
                        step: f.expected,
                        message: f.got,
                    });
                } else if played.code != PASSED {
                    // A replay whose server events differ (1), or a recording that
                    // could not be written (2).
                    record.verdict = if played.code == super::super::runner::FAILED {
                        Verdict::Failed
                    } else {
                        Verdict::Error
                    };
                    let why = stopped.unwrap_or_default();
                    let (head, rest) = why.split_once('\n').unwrap_or((&why, ""));
                    record.failure = Some(RunFailure {
                        line: 0,
                        step: head.trim_end_matches(':').to_string(),
                        message: rest.to_string(),
                    });
                }
            }
            (None, stopped) => {
                record.verdict = Verdict::Error;
                let line = played.line.unwrap_or(0);
                record.steps_run = steps.iter().take_while(|(l, _)| *l < line).count();
                record.failure = Some(RunFailure {
                    line,
                    step: step_at(line),
                    message: stopped.unwrap_or_else(|| "the run stopped".into()),
                });
            }
        }
        record
    }
}

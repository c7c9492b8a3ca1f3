//! Runs added up per script: pass rate, how often each step failed and with which
//! message most often, and percentiles of every named metric. Pure.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use super::record::{RunRecord, StepLines, Verdict};

/// p50, p95 and max of a metric's values over all runs (nearest rank).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    pub count: usize,
    pub p50: f64,
    pub p95: f64,
    pub max: f64,
}

impl Spread {
    pub fn of(values: &[f64]) -> Option<Spread> {
        if values.is_empty() {
            return None;
        }
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        Some(Spread {
            count: v.len(),
            p50: nearest_rank(&v, 50.0),
            p95: nearest_rank(&v, 95.0),
            max: v[v.len() - 1],
        })
    }
}

/// The smallest value with at least `p` percent of the values at or below it.
fn nearest_rank(sorted: &[f64], p: f64) -> f64 {
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[derive(Debug, Clone, PartialEq)]
pub struct StepTally {
    pub line: usize,
    pub step: String,
    /// Runs that got past this step, and runs whose failure was this step.
    pub passed: usize,
    pub failed: usize,
    /// The most frequent failure (ids and numbers aside) as one run wrote it, and
    /// how many runs failed that way.
    pub common_failure: Option<(String, usize)>,
}

impl StepTally {
    /// Passed out of the runs that reached the step; `None` when none did.
    pub fn pass_rate(&self) -> Option<f64> {
        let reached = self.passed + self.failed;
        (reached > 0).then(|| self.passed as f64 / reached as f64)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScriptTally {
    pub script: String,
    pub runs: Vec<RunRecord>,
    pub steps: Vec<StepTally>,
    pub metrics: BTreeMap<String, Spread>,
}

impl ScriptTally {
    /// `runs` in any order; they are kept sorted by run number.
    pub fn new(script: String, steps: &StepLines, mut runs: Vec<RunRecord>) -> ScriptTally {
        runs.sort_by_key(|r| r.run);
        let steps = steps
            .iter()
            .enumerate()
            .map(|(i, (line, step))| tally_step(i, *line, step, &runs))
            .collect();
        let mut values: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for r in &runs {
            for (name, ms) in &r.metrics {
                values.entry(name.clone()).or_default().push(*ms);
            }
        }
        let metrics = values
            .into_iter()
            .filter_map(|(k, v)| Spread::of(&v).map(|s| (k, s)))
            .collect();
        ScriptTally {
            script,
            runs,
            steps,
            metrics,
        }
    }

    pub fn count(&self, verdict: Verdict) -> usize {
        self.runs.iter().filter(|r| r.verdict == verdict).count()
    }

    pub fn pass_rate(&self) -> f64 {
        match self.runs.len() {
            0 => 0.0,
            n => self.count(Verdict::Passed) as f64 / n as f64,
        }
    }

    /// The step that failed most often (the earliest on a tie).
    pub fn worst_step(&self) -> Option<&StepTally> {
        self.steps
            .iter()
            .filter(|s| s.failed > 0)
            .max_by(|a, b| a.failed.cmp(&b.failed).then(b.line.cmp(&a.line)))
    }
}

fn tally_step(index: usize, line: usize, step: &str, runs: &[RunRecord]) -> StepTally {
    let mut passed = 0;
    let mut messages: Vec<(String, String)> = Vec::new();
    for r in runs {
        let blamed = r.verdict == Verdict::Failed
            && r.failure
                .as_ref()
                .is_some_and(|f| f.line == line && line > 0);
        if blamed {
            let message = r
                .failure
                .as_ref()
                .map(|f| f.message.clone())
                .unwrap_or_default();
            messages.push((shape_of(&message), message));
        } else if index < r.steps_run {
            passed += 1;
        }
    }
    let mut counts: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
    for (shape, message) in &messages {
        counts.entry(shape).or_insert((0, message)).0 += 1;
    }
    let common_failure = counts
        .values()
        .max_by_key(|(n, _)| *n)
        .map(|(n, m)| (m.to_string(), *n));
    StepTally {
        line,
        step: step.to_string(),
        passed,
        failed: messages.len(),
        common_failure,
    }
}

/// A failure message with what differs from run to run (ids, times, counts)
/// blanked, so the same failure in two runs counts once.
fn shape_of(message: &str) -> String {
    static VARYING: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\b[a-z]+_[A-Za-z0-9]{6,}\b|\d+(\.\d+)?").expect("regex"));
    VARYING.replace_all(message, "#").into_owned()
}

#[cfg(test)]
mod tests {
    use super::super::record::RunFailure;
    use super::*;

    fn run(
        n: usize,
        verdict: Verdict,
        steps_run: usize,
        fail: Option<(usize, &str)>,
        ms: &[f64],
    ) -> RunRecord {
        RunRecord {
            run: n,
            verdict,
            duration_ms: 1.0,
            steps_run,
            steps_total: 3,
            failure: fail.map(|(line, m)| RunFailure {
                line,
                step: format!("step at {line}"),
                message: m.into(),
            }),
            notes: vec![],
            recording: None,
            metrics: ms
                .iter()
                .map(|v| ("first_output".to_string(), *v))
                .collect(),
        }
    }

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        let s = Spread::of(&v).unwrap();
        assert_eq!((s.count, s.p50, s.p95, s.max), (20, 10.0, 19.0, 20.0));
        let one = Spread::of(&[7.0]).unwrap();
        assert_eq!((one.p50, one.p95, one.max), (7.0, 7.0, 7.0));
        assert!(Spread::of(&[]).is_none());
    }

    #[test]
    fn steps_count_passes_failures_and_the_common_message() {
        let steps = [
            (2, "say hi".to_string()),
            (3, "expect a".into()),
            (4, "expect b".into()),
        ];
        let runs = vec![
            run(
                3,
                Verdict::Failed,
                1,
                Some((3, "got resp_ABCDEF12 at 120 ms")),
                &[30.0],
            ),
            run(1, Verdict::Passed, 3, None, &[10.0, 20.0]),
            run(
                2,
                Verdict::Failed,
                1,
                Some((3, "got resp_ZZZZZZ99 at 80 ms")),
                &[40.0],
            ),
            run(4, Verdict::Failed, 2, Some((4, "other")), &[]),
            run(5, Verdict::Error, 0, Some((2, "connection refused")), &[]),
        ];
        let t = ScriptTally::new("s.rtc".into(), &steps, runs);
        assert_eq!(
            t.runs.iter().map(|r| r.run).collect::<Vec<_>>(),
            [1, 2, 3, 4, 5]
        );
        assert_eq!(
            (
                t.count(Verdict::Passed),
                t.count(Verdict::Failed),
                t.count(Verdict::Error)
            ),
            (1, 3, 1)
        );
        assert_eq!(t.pass_rate(), 0.2);
        let s: Vec<(usize, usize)> = t.steps.iter().map(|s| (s.passed, s.failed)).collect();
        // An error is nobody's step failure.
        assert_eq!(s, [(4, 0), (2, 2), (1, 1)]);
        let worst = t.worst_step().unwrap();
        assert_eq!(worst.line, 3);
        let (msg, n) = worst.common_failure.clone().unwrap();
        assert_eq!(n, 2, "the two messages differ only in ids and times");
        assert!(msg.starts_with("got resp_"), "{msg}");
        assert_eq!(t.steps[1].pass_rate(), Some(0.5));
        let fo = t.metrics["first_output"];
        assert_eq!((fo.count, fo.p50, fo.max), (4, 20.0, 40.0));
    }
}

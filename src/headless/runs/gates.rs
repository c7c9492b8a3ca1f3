//! The gates that decide `run`'s exit status over several runs: each script's pass
//! rate (default: every run passes) and the p95 of named metrics. Pure.

use super::tally::ScriptTally;
use crate::cli::P95Gate;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Met,
    Failed,
    /// The script measured nothing of the metric (no turns, say); other scripts did.
    NotMeasured,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GateResult {
    /// The script, or `None` for a gate no script could be checked against.
    pub script: Option<String>,
    /// `pass_rate` or `p95 first_output`.
    pub gate: String,
    pub threshold: f64,
    pub value: Option<f64>,
    pub status: Status,
}

impl GateResult {
    /// `flaky.rtc: pass rate 65.0% is below the minimum 80.0%`.
    pub fn describe(&self) -> String {
        let who = self.script.as_deref().unwrap_or("every script");
        let is_rate = self.gate == "pass_rate";
        let show = |v: f64| {
            if is_rate {
                format!("{:.1}%", v * 100.0)
            } else {
                format!("{v:.0} ms")
            }
        };
        let name = match self.gate.strip_prefix("p95_") {
            Some(metric) => format!("p95 of {metric}"),
            None => self.gate.replace('_', " "),
        };
        match (self.status, self.value) {
            (Status::Met, Some(v)) => {
                format!("{who}: {name} {} (limit {})", show(v), show(self.threshold))
            }
            (Status::Failed, Some(v)) if is_rate => {
                format!(
                    "{who}: {name} {} is below the minimum {}",
                    show(v),
                    show(self.threshold)
                )
            }
            (Status::Failed, Some(v)) => {
                format!(
                    "{who}: {name} {} is above the maximum {}",
                    show(v),
                    show(self.threshold)
                )
            }
            (Status::NotMeasured, _) => {
                format!("{who}: {name} not measured (no such values in its runs)")
            }
            (_, None) => format!("{who}: {name} was measured by no run"),
        }
    }
}

/// Every gate against every script; a p95 gate whose metric no script measured
/// fails once, naming the metrics there are (a typo must not pass silently).
pub fn check(
    tallies: &[ScriptTally],
    min_pass_rate: Option<f64>,
    p95: &[P95Gate],
) -> Vec<GateResult> {
    let min = min_pass_rate.unwrap_or(1.0);
    let mut out = Vec::new();
    for t in tallies {
        let rate = t.pass_rate();
        out.push(GateResult {
            script: Some(t.script.clone()),
            gate: "pass_rate".into(),
            threshold: min,
            value: Some(rate),
            // A rate is a ratio of small counts: compare with room for rounding.
            status: if rate + 1e-9 >= min {
                Status::Met
            } else {
                Status::Failed
            },
        });
    }
    for g in p95 {
        let gate = format!("p95_{}", g.metric);
        if !tallies.iter().any(|t| t.metrics.contains_key(&g.metric)) {
            out.push(GateResult {
                script: None,
                gate,
                threshold: g.max_ms,
                value: None,
                status: Status::Failed,
            });
            continue;
        }
        for t in tallies {
            let value = t.metrics.get(&g.metric).map(|s| s.p95);
            let status = match value {
                None => Status::NotMeasured,
                Some(v) if v <= g.max_ms => Status::Met,
                Some(_) => Status::Failed,
            };
            out.push(GateResult {
                script: Some(t.script.clone()),
                gate: gate.clone(),
                threshold: g.max_ms,
                value,
                status,
            });
        }
    }
    out
}

/// The metric names the runs measured, for a message about a gate that named none of them.
pub fn known_metrics(tallies: &[ScriptTally]) -> Vec<String> {
    let mut names: Vec<String> = tallies
        .iter()
        .flat_map(|t| t.metrics.keys().cloned())
        .collect();
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::super::record::{RunRecord, Verdict};
    use super::*;

    fn tally(name: &str, verdicts: &[Verdict], first_output: &[f64]) -> ScriptTally {
        let runs = verdicts
            .iter()
            .enumerate()
            .map(|(i, v)| RunRecord {
                run: i + 1,
                verdict: *v,
                duration_ms: 0.0,
                steps_run: 0,
                steps_total: 0,
                failure: None,
                notes: vec![],
                recording: None,
                metrics: if i == 0 {
                    first_output
                        .iter()
                        .map(|v| ("first_output".into(), *v))
                        .collect()
                } else {
                    vec![]
                },
            })
            .collect();
        ScriptTally::new(name.into(), &[], runs)
    }

    #[test]
    fn pass_rate_defaults_to_every_run_and_takes_a_lower_bar() {
        use Verdict::*;
        let t = [tally("a", &[Passed, Failed, Passed, Passed], &[])];
        let strict = check(&t, None, &[]);
        assert_eq!(strict[0].status, Status::Failed);
        assert!(
            strict[0]
                .describe()
                .contains("75.0% is below the minimum 100.0%"),
            "{}",
            strict[0].describe()
        );
        assert_eq!(check(&t, Some(0.75), &[])[0].status, Status::Met);
        assert_eq!(check(&t, Some(0.8), &[])[0].status, Status::Failed);
    }

    #[test]
    fn p95_gates_check_each_script_and_refuse_an_unmeasured_metric() {
        use Verdict::*;
        let t = [
            tally("a", &[Passed], &[100.0, 300.0]),
            tally("b", &[Passed], &[]),
        ];
        let g = |m: &str, ms: f64| P95Gate {
            metric: m.into(),
            max_ms: ms,
        };
        let r = check(&t, None, &[g("first_output", 250.0)]);
        let p95: Vec<Status> = r
            .iter()
            .filter(|r| r.gate == "p95_first_output")
            .map(|r| r.status)
            .collect();
        assert_eq!(p95, [Status::Failed, Status::NotMeasured]);
        assert!(
            r[2].describe()
                .contains("300 ms is above the maximum 250 ms"),
            "{}",
            r[2].describe()
        );
        let typo = check(&t, None, &[g("frist_output", 250.0)]);
        assert_eq!(typo.last().unwrap().status, Status::Failed);
        assert_eq!(typo.last().unwrap().script, None);
        assert_eq!(known_metrics(&t), ["first_output"]);
    }
}

//! `--report FILE.json`: everything the runs gave, for tools (README "Repeated
//! runs and reports" lists the fields).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::gates::{GateResult, Status};
use super::record::{RunRecord, Verdict};
use super::tally::ScriptTally;

/// What the run was asked to do, for the report's head.
pub struct Settings {
    pub runs: u32,
    pub jobs: u32,
    pub seed: Option<u64>,
    pub mock: bool,
}

pub fn render(tallies: &[ScriptTally], gates: &[GateResult], settings: &Settings) -> Value {
    json!({
        "rtconsole_report": 1,
        "version": env!("CARGO_PKG_VERSION"),
        "runs_per_script": settings.runs,
        "jobs": settings.jobs,
        "mock": settings.mock,
        "seed": settings.seed,
        "passed": gates.iter().all(|g| g.status != Status::Failed),
        "gates": gates.iter().map(gate).collect::<Vec<_>>(),
        "scripts": tallies.iter().map(script).collect::<Vec<_>>(),
    })
}

fn gate(g: &GateResult) -> Value {
    json!({
        "script": g.script,
        "gate": g.gate,
        "threshold": g.threshold,
        "value": g.value,
        "status": match g.status {
            Status::Met => "met",
            Status::Failed => "failed",
            Status::NotMeasured => "not_measured",
        },
        "message": g.describe(),
    })
}

fn script(t: &ScriptTally) -> Value {
    let metrics: Map<String, Value> = t
        .metrics
        .iter()
        .map(|(k, s)| {
            (
                k.clone(),
                json!({"count": s.count, "p50_ms": s.p50, "p95_ms": s.p95, "max_ms": s.max}),
            )
        })
        .collect();
    let steps: Vec<Value> = t
        .steps
        .iter()
        .map(|s| {
            json!({
                "line": s.line,
                "step": s.step,
                "passed": s.passed,
                "failed": s.failed,
                "pass_rate": s.pass_rate(),
                "most_common_failure": s.common_failure.as_ref().map(|(m, n)| json!({"message": m, "runs": n})),
            })
        })
        .collect();
    json!({
        "script": t.script,
        "runs": t.runs.len(),
        "passed": t.count(Verdict::Passed),
        "failed": t.count(Verdict::Failed),
        "errors": t.count(Verdict::Error),
        "pass_rate": t.pass_rate(),
        "metrics": metrics,
        "steps": steps,
        "run_results": t.runs.iter().map(run).collect::<Vec<_>>(),
    })
}

fn run(r: &RunRecord) -> Value {
    let mut metrics: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for (k, v) in &r.metrics {
        metrics.entry(k).or_default().push(*v);
    }
    json!({
        "run": r.run,
        "outcome": r.verdict.as_str(),
        "duration_ms": (r.duration_ms * 10.0).round() / 10.0,
        "steps_run": r.steps_run,
        "steps_total": r.steps_total,
        "failure": r.failure.as_ref().map(|f| json!({"line": f.line, "step": f.step, "message": f.message})),
        "notes": r.notes,
        "recording": r.recording.as_ref().map(|p| p.display().to_string()),
        "metrics": metrics,
    })
}

//! The summary table `run` prints on stderr after several runs, and the lines
//! under it that say which step failed most and how.

use std::fmt::Write;

use super::record::Verdict;
use super::tally::ScriptTally;
use crate::session::summary::one_line;

/// One row per script; latency columns are `metric`'s (the turn latency).
pub fn render(tallies: &[ScriptTally], metric: &str) -> String {
    let ms = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.0} ms"));
    let mut rows = vec![[
        "script".to_string(),
        "runs".into(),
        "passed".into(),
        "pass rate".into(),
        "p50".into(),
        "p95".into(),
        "max".into(),
        "worst step".into(),
    ]];
    for t in tallies {
        let spread = t.metrics.get(metric);
        let worst = t.worst_step().map_or("–".to_string(), |s| {
            one_line(&format!("line {} ({}×): {}", s.line, s.failed, s.step), 60)
        });
        rows.push([
            t.script.clone(),
            t.runs.len().to_string(),
            t.count(Verdict::Passed).to_string(),
            format!("{:.1}%", t.pass_rate() * 100.0),
            ms(spread.map(|s| s.p50)),
            ms(spread.map(|s| s.p95)),
            ms(spread.map(|s| s.max)),
            worst,
        ]);
    }
    let widths: Vec<usize> = (0..8)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = format!("== runs (p50/p95/max: {metric}, over every turn of every run)\n");
    for row in &rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            // Numbers right-aligned, text left.
            let pad = widths[c] - cell.chars().count();
            if (1..7).contains(&c) {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                if c < 7 {
                    line.push_str(&" ".repeat(pad));
                }
            }
            if c < 7 {
                line.push_str("  ");
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    for t in tallies {
        if let Some((message, n)) = t.worst_step().and_then(|s| s.common_failure.clone()) {
            let _ = writeln!(
                out,
                "{}: most common failure ({n}×): {}",
                t.script,
                one_line(&message, 160)
            );
        }
        let errors = t.runs.iter().filter(|r| r.verdict == Verdict::Error);
        if let Some(first) = errors.clone().next() {
            let why = first
                .failure
                .as_ref()
                .map_or(String::new(), |f| one_line(&f.message, 160));
            let _ = writeln!(
                out,
                "{}: {} run(s) ended without a verdict (counted as failed); run {}: {why}",
                t.script,
                errors.count(),
                first.run
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::record::{RunFailure, RunRecord};
    use super::*;

    #[test]
    fn rows_line_up_and_name_the_worst_step() {
        let run = |n: usize, v: Verdict, ms: f64| RunRecord {
            run: n,
            verdict: v,
            duration_ms: 0.0,
            steps_run: 0,
            steps_total: 1,
            failure: (v != Verdict::Passed).then(|| RunFailure {
                line: 2,
                step: "expect response.done".into(),
                message: "got status failed".into(),
            }),
            notes: vec![],
            recording: None,
            metrics: vec![("first_output".into(), ms)],
        };
        let steps = [(2, "expect response.done".to_string())];
        let t = vec![
            ScriptTally::new(
                "a.rtc".into(),
                &steps,
                vec![
                    run(1, Verdict::Passed, 100.0),
                    run(2, Verdict::Failed, 300.0),
                ],
            ),
            ScriptTally::new(
                "longer/b.rtc".into(),
                &steps,
                vec![run(1, Verdict::Error, 5.0)],
            ),
        ];
        let text = render(&t, "first_output");
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[1].starts_with("script        runs  passed  pass rate"),
            "{text}"
        );
        assert!(
            lines[2].contains("a.rtc") && lines[2].contains("50.0%") && lines[2].contains("300 ms"),
            "{text}"
        );
        assert!(
            lines[2].contains("line 2 (1×): expect response.done"),
            "{text}"
        );
        // Every column starts at the same place on every row.
        assert_eq!(
            lines[1].find("runs").map(|i| i + 4),
            lines[2].find("   2").map(|i| i + 4)
        );
        assert!(
            text.contains("a.rtc: most common failure (1×): got status failed"),
            "{text}"
        );
        assert!(
            text.contains("longer/b.rtc: 1 run(s) ended without a verdict"),
            "{text}"
        );
    }
}

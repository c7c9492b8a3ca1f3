//! `rtconsole run`'s options for several scripts and repeated runs: how many, how
//! many at a time, the gates that decide the exit status and the report files.

use std::path::PathBuf;

/// `--runs`, `--jobs`, the gates and the reports (README "Repeated runs and reports").
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Repeated runs and reports")]
pub struct RepeatArgs {
    /// Play each script this many times, each run its own session.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..), value_name = "N")]
    pub runs: u32,
    /// How many runs at a time.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..), value_name = "K")]
    pub jobs: u32,
    /// Each script's share of passed runs must be at least this: 0.9 or 90% (default: every run passes).
    #[arg(long, value_parser = parse_rate, value_name = "R")]
    pub min_pass_rate: Option<f64>,
    /// Each script's p95 of a metric must be at most D: `800ms` checks first_output (turn start to first output); `channel_open=2s` names the metric (first_output, response_done, channel_open, or any other the runs measure). Repeatable.
    #[arg(long = "max-p95", value_parser = parse_p95, value_name = "[METRIC=]D")]
    pub max_p95: Vec<P95Gate>,
    /// Write a JUnit XML report (a testsuite per script, a testcase per run).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a JSON report: every run's outcome, per-step pass rates, metric percentiles.
    #[arg(long, value_name = "FILE.json")]
    pub report: Option<PathBuf>,
}

/// `--max-p95 [METRIC=]D`.
#[derive(Debug, Clone, PartialEq)]
pub struct P95Gate {
    pub metric: String,
    pub max_ms: f64,
}

/// The metric `--max-p95 D` checks when none is named.
pub const DEFAULT_P95_METRIC: &str = crate::session::metrics::FIRST_OUTPUT;

/// `0.9`, `90%` or `100%`; a bare number above 1 is refused, as it is ambiguous.
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let (number, percent) = match t.strip_suffix('%') {
        Some(n) => (n.trim(), true),
        None => (t, false),
    };
    let v: f64 = number.parse().map_err(|_| {
        format!("`{text}` is not a rate: give a fraction like 0.9 or a percentage like 90%")
    })?;
    let rate = if percent { v / 100.0 } else { v };
    if !(0.0..=1.0).contains(&rate) || !rate.is_finite() {
        let hint = if !percent && v > 1.0 && v <= 100.0 {
            format!(" (for {v} percent write {v}%)")
        } else {
            String::new()
        };
        return Err(format!(
            "`{text}` is out of range: a rate is between 0 and 1, or 0% and 100%{hint}"
        ));
    }
    Ok(rate)
}

/// `800ms` or `METRIC=800ms`.
pub fn parse_p95(text: &str) -> Result<P95Gate, String> {
    let (metric, duration) = match text.split_once('=') {
        Some((m, d)) if !m.trim().is_empty() => (m.trim().to_string(), d.trim()),
        Some(_) => {
            return Err(format!(
                "`{text}` names no metric: write METRIC=D like channel_open=2s, or just D"
            ))
        }
        None => (DEFAULT_P95_METRIC.to_string(), text.trim()),
    };
    let d = humantime::parse_duration(duration).map_err(|e| {
        format!("`{duration}` is not a duration ({e}): write it with a unit, like 800ms or 2s")
    })?;
    Ok(P95Gate {
        metric,
        max_ms: d.as_secs_f64() * 1e3,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_take_fractions_and_percentages() {
        assert_eq!(parse_rate("0.9"), Ok(0.9));
        assert_eq!(parse_rate("90%"), Ok(0.9));
        assert_eq!(parse_rate("1"), Ok(1.0));
        assert!(parse_rate("90").unwrap_err().contains("90%"));
        assert!(parse_rate("-0.1").is_err());
        assert!(parse_rate("lots").unwrap_err().contains("fraction"));
    }

    #[test]
    fn p95_gates_name_their_metric_or_take_the_turn_latency() {
        assert_eq!(
            parse_p95("800ms"),
            Ok(P95Gate {
                metric: "first_output".into(),
                max_ms: 800.0
            })
        );
        assert_eq!(
            parse_p95("channel_open=2s"),
            Ok(P95Gate {
                metric: "channel_open".into(),
                max_ms: 2000.0
            })
        );
        assert!(parse_p95("=2s").is_err());
        assert!(parse_p95("800").unwrap_err().contains("unit"));
    }
}

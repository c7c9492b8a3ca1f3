//! `rtconsole run` over several scripts and repeated runs (issue #14), against the
//! embedded mock over loopback: what is expanded, how runs are counted, the pass
//! rate of a flaky scenario for a fixed seed, the gates and the report files.
//! Nothing here asserts on how long anything took.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/scripts")
}

fn rtconsole(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rtconsole"))
        .arg("run")
        .args(args)
        .env_remove("OPENAI_API_KEY")
        .output()
        .expect("rtconsole runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn report(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("the report is written"))
        .expect("the report is JSON")
}

/// A quick text turn the default mock answers.
const QUICK: &str = "timeout 5s\n\
send {\"type\": \"session.update\", \"session\": {\"type\": \"realtime\", \"output_modalities\": [\"text\"]}}\n\
expect session.updated\n\
say Hello\n\
expect response.done response.status=completed\n";

#[test]
fn directories_and_globs_give_every_script_its_runs() {
    let dir = tempfile::tempdir().unwrap();
    let scripts = dir.path().join("scripts");
    std::fs::create_dir(&scripts).unwrap();
    for name in ["b.rtc", "a.rtc"] {
        std::fs::write(scripts.join(name), QUICK).unwrap();
    }
    std::fs::write(scripts.join("README.txt"), "not a script").unwrap();
    let json = dir.path().join("dir.json");
    let out = rtconsole(&[
        scripts.to_str().unwrap(),
        "--mock",
        "--runs",
        "2",
        "--jobs",
        "2",
        "--report",
        json.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        out.stdout.is_empty(),
        "several runs write nothing to stdout"
    );
    let r = report(&json);
    let names: Vec<&str> = r["scripts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["script"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names[0].ends_with("a.rtc") && names[1].ends_with("b.rtc"),
        "{names:?}"
    );
    for s in r["scripts"].as_array().unwrap() {
        assert_eq!(
            (s["runs"].as_u64(), s["passed"].as_u64()),
            (Some(2), Some(2)),
            "{s}"
        );
    }

    // The same through a quoted glob, expanded by rtconsole itself.
    let glob = format!("{}/*.rtc", scripts.display());
    let json = dir.path().join("glob.json");
    let out = rtconsole(&[&glob, "--mock", "--report", json.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(report(&json)["scripts"].as_array().unwrap().len(), 2);

    // A glob that matches nothing is a usage error that says so.
    let none = format!("{}/*.nothing", scripts.display());
    let out = rtconsole(&[&none, "--mock", "--runs", "2"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no file matches"), "{}", stderr(&out));
}

#[test]
fn runs_and_jobs_are_counted_and_recorded_one_file_each() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("quick.rtc");
    std::fs::write(&script, QUICK).unwrap();
    let rec = dir.path().join("recordings");
    let json = dir.path().join("r.json");
    let out = rtconsole(&[
        script.to_str().unwrap(),
        "--mock",
        "--runs",
        "5",
        "--jobs",
        "3",
        "--record",
        rec.to_str().unwrap(),
        "--report",
        json.to_str().unwrap(),
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let r = report(&json);
    let s = &r["scripts"][0];
    assert_eq!(
        (s["runs"].as_u64(), s["passed"].as_u64()),
        (Some(5), Some(5)),
        "{s}"
    );
    let mut numbers: Vec<u64> = s["run_results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["run"].as_u64().unwrap())
        .collect();
    numbers.sort();
    assert_eq!(numbers, [1, 2, 3, 4, 5]);
    let mut files: Vec<String> = std::fs::read_dir(&rec)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "quick-run1.jsonl",
            "quick-run2.jsonl",
            "quick-run3.jsonl",
            "quick-run4.jsonl",
            "quick-run5.jsonl"
        ]
    );
    // Each is a whole recording of its own session: a header and its own response.
    for f in &files {
        let text = std::fs::read_to_string(rec.join(f)).unwrap();
        assert!(
            text.lines().next().unwrap().contains("rtconsole_recording"),
            "{f}"
        );
        assert!(text.contains("\"response.done\""), "{f}");
    }
    // The summary table names the script and its figures.
    assert!(err.contains("pass rate") && err.contains("100.0%"), "{err}");
}

/// The flaky example, `runs` times with `seed`, `jobs` at a time; the report and
/// the JUnit file are written into `dir`.
fn flaky(dir: &Path, runs: &str, jobs: &str, extra: &[&str]) -> (Output, Value, String) {
    let json = dir.join(format!("flaky-{runs}-{jobs}.json"));
    let xml = dir.join(format!("flaky-{runs}-{jobs}.xml"));
    let script = examples().join("mock_flaky.rtc");
    let mut args = vec![
        script.to_str().unwrap(),
        "--mock",
        "--seed",
        "1",
        "--runs",
        runs,
        "--jobs",
        jobs,
        "--report",
        json.to_str().unwrap(),
        "--junit",
        xml.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = rtconsole(&args);
    let r = report(&json);
    let x = std::fs::read_to_string(&xml).expect("the JUnit file is written");
    (out, r, x)
}

#[test]
fn a_flaky_scenario_has_a_pass_rate_the_gates_judge_the_same_for_a_seed() {
    let dir = tempfile::tempdir().unwrap();
    let (out, r, xml) = flaky(dir.path(), "16", "4", &[]);
    let err = stderr(&out);
    let s = &r["scripts"][0];
    let passed = s["passed"].as_u64().unwrap();
    let rate = s["pass_rate"].as_f64().unwrap();
    assert!(rate > 0.0 && rate < 1.0, "{rate}\n{err}");
    assert_eq!(s["errors"].as_u64(), Some(0), "{err}");
    // By default every run must pass: exit 1, naming the gate with its figures.
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("gate failed: ") && err.contains("pass rate"),
        "{err}"
    );
    assert_eq!(r["passed"], false);

    // The failures are the forbidden failed response, counted on its step, with
    // the mock's failure as the most common message.
    let forbid = s["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|st| st["step"].as_str().unwrap().starts_with("forbid"))
        .unwrap();
    assert_eq!(forbid["failed"].as_u64(), Some(16 - passed), "{forbid}");
    assert!(
        forbid["most_common_failure"]["message"]
            .as_str()
            .unwrap()
            .contains("failed"),
        "{forbid}"
    );

    // JUnit: real XML whose counts are what ran.
    let doc = roxmltree::Document::parse(&xml).expect("the JUnit file parses as XML");
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(suite.attribute("tests"), Some("16"));
    assert_eq!(
        suite.attribute("failures"),
        Some((16 - passed).to_string().as_str())
    );
    assert_eq!(suite.attribute("errors"), Some("0"));
    let cases: Vec<_> = suite
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 16);
    let failures: Vec<_> = cases
        .iter()
        .filter_map(|c| c.children().find(|n| n.has_tag_name("failure")))
        .collect();
    assert_eq!(failures.len() as u64, 16 - passed);
    let message = failures[0].attribute("message").unwrap();
    assert!(message.starts_with("line "), "{message}");

    // The same seed gives the same pass count, one run at a time or several.
    let (_, again, _) = flaky(dir.path(), "16", "1", &[]);
    assert_eq!(again["scripts"][0]["passed"].as_u64(), Some(passed));

    // At the measured rate the gate is met; just above it, not.
    let at = format!("{rate}");
    let (out, r, _) = flaky(dir.path(), "16", "4", &["--min-pass-rate", &at]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(r["passed"], true);
    let above = format!("{}", (passed as f64 + 1.0) / 16.0);
    let (out, _, _) = flaky(dir.path(), "16", "4", &["--min-pass-rate", &above]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn latency_gates_check_the_p95_and_refuse_an_unknown_metric() {
    let dir = tempfile::tempdir().unwrap();
    // The scenario answers no sooner than 40 ms after the request, by construction.
    let (out, r, _) = flaky(
        dir.path(),
        "4",
        "2",
        &["--min-pass-rate", "0", "--max-p95", "1ms"],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("p95 of first_output") && err.contains("above the maximum 1 ms"),
        "{err}"
    );
    let gate = r["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["gate"] == "p95_first_output")
        .unwrap();
    assert_eq!(gate["status"], "failed");

    let (out, _, _) = flaky(
        dir.path(),
        "4",
        "2",
        &["--min-pass-rate", "0", "--max-p95", "10m"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let (out, _, _) = flaky(
        dir.path(),
        "4",
        "2",
        &["--min-pass-rate", "0", "--max-p95", "frist_output=1s"],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("p95 of frist_output was measured by no run")
            && err.contains("measured: channel_open, first_output"),
        "{err}"
    );
}

#[test]
fn the_json_report_has_the_documented_fields() {
    let dir = tempfile::tempdir().unwrap();
    let (_, r, _) = flaky(dir.path(), "3", "3", &["--min-pass-rate", "0"]);
    for key in [
        "rtconsole_report",
        "version",
        "runs_per_script",
        "jobs",
        "mock",
        "seed",
        "passed",
        "gates",
        "scripts",
    ] {
        assert!(r.get(key).is_some(), "{key}: {r}");
    }
    assert_eq!(
        (
            r["runs_per_script"].as_u64(),
            r["jobs"].as_u64(),
            r["seed"].as_u64()
        ),
        (Some(3), Some(3), Some(1))
    );
    let s = &r["scripts"][0];
    for key in [
        "script",
        "runs",
        "passed",
        "failed",
        "errors",
        "pass_rate",
        "metrics",
        "steps",
        "run_results",
    ] {
        assert!(s.get(key).is_some(), "{key}: {s}");
    }
    let fo = &s["metrics"]["first_output"];
    for key in ["count", "p50_ms", "p95_ms", "max_ms"] {
        assert!(fo[key].is_number(), "{key}: {fo}");
    }
    assert!(
        s["metrics"]["channel_open"]["count"].as_u64() == Some(3),
        "{s}"
    );
    for st in s["steps"].as_array().unwrap() {
        for key in [
            "line",
            "step",
            "passed",
            "failed",
            "pass_rate",
            "most_common_failure",
        ] {
            assert!(st.get(key).is_some(), "{key}: {st}");
        }
    }
    for run in s["run_results"].as_array().unwrap() {
        for key in [
            "run",
            "outcome",
            "duration_ms",
            "steps_run",
            "steps_total",
            "failure",
            "notes",
            "recording",
            "metrics",
        ] {
            assert!(run.get(key).is_some(), "{key}: {run}");
        }
        assert!(["passed", "failed", "error"].contains(&run["outcome"].as_str().unwrap()));
    }
}

#[test]
fn a_connection_error_in_every_run_is_exit_2_and_options_for_one_run_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("quick.rtc");
    std::fs::write(&script, QUICK).unwrap();
    let xml = dir.path().join("e.xml");
    // Nothing listens on port 9: every run fails to connect.
    let out = rtconsole(&[
        script.to_str().unwrap(),
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--api-key-env",
        "RTCONSOLE_TEST_KEY",
        "--open-timeout",
        "3s",
        "--runs",
        "2",
        "--junit",
        xml.to_str().unwrap(),
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("no run reached a verdict"), "{err}");
    let text = std::fs::read_to_string(&xml).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let errors = doc
        .descendants()
        .filter(|n| n.has_tag_name("error"))
        .count();
    assert_eq!(errors, 2, "{text}");

    let out = rtconsole(&[
        script.to_str().unwrap(),
        "--mock",
        "--runs",
        "2",
        "--output",
        "x.wav",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--output writes one WAV"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_run_that_fails_to_connect_among_working_ones_counts_as_a_failed_run() {
    let dir = tempfile::tempdir().unwrap();
    // The shared mock refuses the first client secret only: one run of three
    // cannot connect, the others can.
    std::fs::write(
        dir.path().join("once.toml"),
        "[signaling]\nclient_secrets_status = 500\nfail_times = 1\n",
    )
    .unwrap();
    let script = dir.path().join("quick.rtc");
    std::fs::write(
        &script,
        format!("requires mock\nscenario once.toml\n{QUICK}"),
    )
    .unwrap();
    let json = dir.path().join("r.json");
    let xml = dir.path().join("r.xml");
    let args = |rate: &'static str| {
        vec![
            script.to_str().unwrap().to_string(),
            "--mock".into(),
            "--runs".into(),
            "3".into(),
            "--min-pass-rate".into(),
            rate.into(),
            "--report".into(),
            json.to_str().unwrap().to_string(),
            "--junit".into(),
            xml.to_str().unwrap().to_string(),
        ]
    };
    let strict: Vec<String> = args("100%");
    let out = rtconsole(&strict.iter().map(String::as_str).collect::<Vec<_>>());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("ended without a verdict"), "{err}");
    let r = report(&json);
    let s = &r["scripts"][0];
    assert_eq!(
        (
            s["passed"].as_u64(),
            s["failed"].as_u64(),
            s["errors"].as_u64()
        ),
        (Some(2), Some(0), Some(1)),
        "{s}"
    );
    let error = s["run_results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["outcome"] == "error")
        .unwrap();
    assert!(
        error["failure"]["message"]
            .as_str()
            .unwrap()
            .contains("500"),
        "{error}"
    );
    let text = std::fs::read_to_string(&xml).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(
        (
            suite.attribute("tests"),
            suite.attribute("failures"),
            suite.attribute("errors")
        ),
        (Some("3"), Some("0"), Some("1"))
    );
    // Two of three is enough for a lower bar.
    let lenient: Vec<String> = args("0.6");
    let out = rtconsole(&lenient.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn one_run_of_one_script_still_writes_its_recording_to_stdout_and_reports_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("quick.rtc");
    std::fs::write(&script, QUICK).unwrap();
    let xml = dir.path().join("one.xml");
    let out = rtconsole(&[
        script.to_str().unwrap(),
        "--mock",
        "--junit",
        xml.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout
            .lines()
            .next()
            .unwrap()
            .contains("rtconsole_recording"),
        "{stdout}"
    );
    assert!(
        stderr(&out).contains("passed: 5 of 5 steps"),
        "{}",
        stderr(&out)
    );
    let text = std::fs::read_to_string(&xml).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(
        (suite.attribute("tests"), suite.attribute("failures")),
        (Some("1"), Some("0"))
    );
}

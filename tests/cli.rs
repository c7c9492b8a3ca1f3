//! The binary's surface: help and version work; every command that is not built
//! yet says so plainly and exits non-zero.

use std::process::Command;

fn rtconsole(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rtconsole"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn version_and_help_work() {
    let v = rtconsole(&["--version"]);
    assert!(v.status.success());
    assert_eq!(
        String::from_utf8_lossy(&v.stdout).trim(),
        format!("rtconsole {}", env!("CARGO_PKG_VERSION"))
    );
    let h = rtconsole(&["--help"]);
    assert!(h.status.success());
    let help = String::from_utf8_lossy(&h.stdout);
    for cmd in [
        "run",
        "mock",
        "open",
        "devices",
        "--mock",
        "--token-url",
        "--dialect",
    ] {
        assert!(help.contains(cmd), "help lacks {cmd}:\n{help}");
    }
}

#[test]
fn unbuilt_commands_say_so_and_exit_2() {
    for (args, issue) in [
        (&[][..], "#5"),
        (&["--mock"][..], "#5"),
        (&["open", "x.jsonl"][..], "#5"),
        (&["devices"][..], "#6"),
    ] {
        let out = rtconsole(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("not built yet") && err.contains(issue),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn a_bad_dialect_is_a_usage_error_that_names_the_choices() {
    let out = rtconsole(&["--dialect", "v2"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ga") && err.contains("beta"), "{err}");
}

#[test]
fn mock_prints_its_url_and_key_then_stops_on_sigterm() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let mut child = Command::new(env!("CARGO_BIN_EXE_rtconsole"))
        .args(["mock", "--key", "sk-mock-cli-test"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let second = lines.next().unwrap().unwrap();
    assert!(
        first.starts_with("rtconsole mock serving http://127.0.0.1:"),
        "{first}"
    );
    assert!(first.ends_with("/v1 (ga dialect)"), "{first}");
    assert_eq!(second, "standard key: sk-mock-cli-test");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert_eq!(exit.code(), Some(0), "SIGTERM is a clean stop");
}

#[test]
fn mock_with_a_broken_scenario_names_the_problem_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "[[fault]]\nafter_events = 1\naction = \"explode\"\n").unwrap();
    let out = rtconsole(&["mock", "--scenario", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml") && err.contains("explode"), "{err}");
}

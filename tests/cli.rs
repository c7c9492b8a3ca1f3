//! The binary's surface: help and version work; problems found before the TUI starts
//! are plain messages with exit status 2.

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
fn problems_found_before_the_screen_goes_up_are_plain_messages_with_exit_2() {
    // No key: say which variable, and offer the mock.
    let out = Command::new(env!("CARGO_BIN_EXE_rtconsole"))
        .env_remove("OPENAI_API_KEY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("OPENAI_API_KEY") && err.contains("--mock"),
        "{err}"
    );

    let out = rtconsole(&["open", "/nonexistent/x.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/x.jsonl"), "{err}");

    let out = rtconsole(&["--mock", "--theme", "solarized"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown theme") && err.contains("high-contrast"),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, "[keys]\nrespond = \"f12\"\n").unwrap();
    let out = rtconsole(&["--mock", "--config", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown action `respond`"), "{err}");
}

#[test]
fn devices_lists_honestly_without_alsa_noise() {
    let out = rtconsole(&["devices"]);
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("ALSA lib"),
        "alsa-lib chatter reached stderr: {err}"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.to_lowercase().contains("input") && text.to_lowercase().contains("output"),
        "{text}"
    );
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

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
        (&["run", "x.script"][..], "#4"),
        (&["mock"][..], "#3"),
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

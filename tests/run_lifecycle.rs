//! How `rtconsole run` ends when it is not the script that ends it: a signal, a
//! recording that cannot be written, a connection that never comes up. Each leaves
//! a clear exit status, a message and, where there is one, an intact recording.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rtconsole::recording::open_recording;

fn rtconsole() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rtconsole"));
    cmd.env_remove("OPENAI_API_KEY").env_remove("RTCONSOLE_LOG");
    cmd
}

fn script(dir: &Path, text: &str) -> std::path::PathBuf {
    let p = dir.join("script.rtc");
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
#[cfg(unix)]
fn sigterm_leaves_an_intact_recording_and_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec.jsonl");
    let s = script(
        dir.path(),
        "say hello\nexpect response.done within 20s\nsleep 60s\n",
    );
    let child = rtconsole()
        .args(["run", "--mock", "--record"])
        .arg(&rec)
        .arg(&s)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rtconsole runs");
    // Wait (bounded) until the turn is in the recording, then stop the run.
    let until = Instant::now() + Duration::from_secs(30);
    while !std::fs::read_to_string(&rec).is_ok_and(|t| t.contains("response.done")) {
        assert!(
            Instant::now() < until,
            "the turn never reached the recording"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{err}");
    assert!(
        err.contains("== summary") && err.contains("turns: 1"),
        "{err}"
    );
    assert!(err.contains("stopped by SIGTERM"), "{err}");
    let read = open_recording(&rec).expect("the recording opens");
    assert!(read.warnings.is_empty(), "{:?}", read.warnings);
    let last = read.entries.last().unwrap().event().unwrap();
    assert_eq!(last["type"], "local.transport");
    assert_eq!(last["state"], "closed");
    assert_eq!(last["reason"], "stopped by SIGTERM");
}

#[test]
#[cfg(target_os = "linux")]
fn a_recording_that_cannot_be_written_fails_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let s = script(dir.path(), "say hello\nexpect response.done\n");
    let out = rtconsole()
        .args(["run", "--mock", "--record", "/dev/full"])
        .arg(&s)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("writing the recording to /dev/full failed")
            && err.contains("No space left on device")
            && err.contains("fix:"),
        "{err}"
    );
}

#[test]
fn a_failed_connection_still_writes_its_recording() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec.jsonl");
    let s = script(dir.path(), "say hello\n");
    // Nothing listens on port 9 of loopback: the request is refused at once.
    let out = rtconsole()
        .args(["run", "--base-url", "http://127.0.0.1:9/v1", "--record"])
        .arg(&rec)
        .arg(&s)
        .env("RTCONSOLE_TEST_KEY", "sk-test-not-a-real-key-000000000000")
        .args(["--api-key-env", "RTCONSOLE_TEST_KEY"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        !err.contains("sk-test-not-a-real"),
        "no secret in messages: {err}"
    );
    let read = open_recording(&rec).expect("the recording opens");
    let last = read.entries.last().unwrap().event().unwrap();
    assert_eq!(last["state"], "failed", "{last}");
    let text = std::fs::read_to_string(&rec).unwrap();
    assert!(
        !text.contains("sk-test-not-a-real"),
        "no secret in the recording"
    );
}

#[test]
fn mock_stops_cleanly_on_sigterm() {
    let mut child = rtconsole()
        .args(["mock", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // It listens for signals before it prints its URL.
    let mut first = String::new();
    {
        use std::io::BufRead;
        let stdout = child.stdout.as_mut().unwrap();
        std::io::BufReader::new(stdout)
            .read_line(&mut first)
            .unwrap();
    }
    assert!(first.contains("rtconsole mock serving"), "{first}");
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn diagnostics_go_to_stderr_and_the_log_file_at_the_asked_level() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("run.log");
    let s = script(dir.path(), "say hello\nexpect response.done\n");
    let out = rtconsole()
        .args(["run", "--mock", "--log-file"])
        .arg(&log)
        .arg(&s)
        .env("RTCONSOLE_LOG", "rtconsole=debug")
        .stdout(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("mock call rtc_"), "{logged}");
    assert!(err.contains("mock call rtc_"), "{err}");
}

#[test]
#[cfg(unix)]
fn a_run_killed_at_any_moment_leaves_a_recording_that_opens_and_replays() {
    let dir = tempfile::tempdir().unwrap();
    let s = script(
        dir.path(),
        "say one\nexpect response.done\nsleep 150ms\nsay two\nexpect response.done\nsleep 150ms\nsay three\nexpect response.done\nsleep 10s\n",
    );
    // 20 moments spread over connect, the turns and the idle tail, in a fixed
    // pseudo-random order so a failure names a reproducible moment.
    let mut moment = 7u64;
    for trial in 0..20 {
        moment = (moment * 7919 + 13) % 1500;
        let rec = dir.path().join(format!("kill-{trial}.jsonl"));
        let mut child = rtconsole()
            .args(["run", "--mock", "--record"])
            .arg(&rec)
            .arg(&s)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // The moments count from when the recording exists: before that there is
        // nothing to lose, and a loaded machine can take longer than a moment to get there.
        let started = std::time::Instant::now();
        while !rec.exists() && started.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_millis(20 + moment));
        child.kill().unwrap(); // SIGKILL: no handler runs.
        child.wait().unwrap();
        let read = open_recording(&rec)
            .unwrap_or_else(|e| panic!("trial {trial} (killed at {} ms): {e}", 20 + moment));
        // At most the last line may be cut short.
        assert!(
            read.warnings.len() <= 1,
            "trial {trial}: {:?}",
            read.warnings
        );
        // What was recorded replays through the core.
        let mut session =
            rtconsole::session::Session::new(rtconsole::session::SessionOptions::default());
        for input in read.inputs() {
            let _ = session.handle(input);
        }
        assert_eq!(session.log().len(), read.entries.len(), "trial {trial}");
    }
}

#[test]
fn run_prices_with_the_config_files_prices() {
    let dir = tempfile::tempdir().unwrap();
    let config_dir = dir.path().join("rtconsole");
    std::fs::create_dir_all(&config_dir).unwrap();
    // Absurd prices for the mock's model, so the cost can only come from here.
    std::fs::write(
        config_dir.join("config.toml"),
        "[prices.models.\"gpt-realtime\"]\ntext_input = 1000000\ntext_output = 1000000\naudio_input = 1000000\naudio_output = 1000000\ntext_cached_input = 1000000\naudio_cached_input = 1000000\n",
    )
    .unwrap();
    let s = script(dir.path(), "say hello\nexpect response.done\n");
    let out = rtconsole()
        .args(["run", "--mock"])
        .arg(&s)
        .env("XDG_CONFIG_HOME", dir.path())
        .stdout(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let cost_line = err.lines().find(|l| l.starts_with("tokens:")).unwrap();
    let cost: f64 = cost_line
        .rsplit('$')
        .next()
        .and_then(|c| c.trim().parse().ok())
        .unwrap_or_else(|| panic!("{cost_line}"));
    // Each token costs $1 at these prices.
    assert!(cost >= 10.0, "{cost_line}");
}

#[test]
fn the_connect_breakdown_names_every_step_of_a_webrtc_call() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec.jsonl");
    let s = script(dir.path(), "say hello\nexpect response.done\n");
    let out = rtconsole()
        .args(["run", "--mock", "--record"])
        .arg(&rec)
        .arg(&s)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read = open_recording(&rec).unwrap();
    let note = read
        .entries
        .iter()
        .filter_map(|e| e.event())
        .find(|v| v["type"] == "local.connected")
        .expect("the breakdown note");
    let step = |k: &str| {
        note[k]
            .as_f64()
            .unwrap_or_else(|| panic!("{k} missing: {note}"))
    };
    // Each step happens after the one before it.
    let order = [
        step("ice_connected_ms"),
        step("dtls_connected_ms"),
        step("channel_open_ms"),
    ];
    assert!(order.windows(2).all(|w| w[0] <= w[1]), "{note}");
    assert!(
        step("secret_ms") >= 0.0 && step("sdp_post_ms") >= 0.0,
        "{note}"
    );
    assert!(
        step("session_created_ms") >= step("channel_open_ms") - 1.0,
        "{note}"
    );
    assert!(step("first_rtp_ms") > 0.0, "{note}");
    assert_eq!(read.header.call_id.as_deref(), note["call_id"].as_str());
}

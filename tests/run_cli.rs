//! `rtconsole run` end to end: the binary against the embedded mock (`--mock`) or a
//! mock started here, over real WebRTC on loopback.

use std::path::Path;
use std::process::{Command, Output};

use rtconsole::audio::levels::level_i16;
use rtconsole::audio::wav::read_wav_48k_mono;
use rtconsole::mock::{MockConfig, MockServer};
use rtconsole::recording::open_recording;

fn examples() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scripts"))
}

fn run(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rtconsole"));
    cmd.arg("run").args(args).env_remove("OPENAI_API_KEY");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("rtconsole runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn script(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn a_text_turn_passes_and_stdout_is_a_recording() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        &["--mock", examples().join("text_turn.rtc").to_str().unwrap()],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("passed: 10 of 10 steps"), "{err}");
    assert!(err.contains("turn 1") && err.contains("tokens:"), "{err}");
    let rec = dir.path().join("stdout.jsonl");
    std::fs::write(&rec, &out.stdout).unwrap();
    let rec = open_recording(&rec).expect("stdout reads as a recording");
    assert!(rec.header.call_id.as_deref().unwrap().starts_with("rtc_"));
    assert!(rec.entries.len() > 10);
}

#[test]
fn a_function_call_is_answered_automatically() {
    let out = run(
        &[
            "--mock",
            examples().join("function_call.rtc").to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("function_call_output"), "{stdout}");
}

#[test]
fn speech_from_a_wav_gets_a_spoken_reply_that_is_not_silent() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("reply.wav");
    let out = run(
        &[
            "--mock",
            examples().join("voice_turn.rtc").to_str().unwrap(),
            "--output",
            wav.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The run lasts over 2 s, so transport statistics reached the core.
    let err = stderr(&out);
    assert!(
        err.contains("transport: rtt") && !err.contains("rtt n/a"),
        "{err}"
    );
    let samples = read_wav_48k_mono(&wav).expect("output WAV");
    assert!(samples.len() > 48_000 / 2, "{} samples", samples.len());
    let level = level_i16(&samples);
    assert!(level.rms_dbfs > -40.0, "{level:?}");
}

#[test]
fn an_invalid_event_is_refused_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let s = script(
        dir.path(),
        "bad.rtc",
        "say hello\nsend {\"type\":\"session.update\",\"session\":{\"instructions\":\"x\"}}\n",
    );
    let rec = dir.path().join("rec.jsonl");
    let out = run(&["--mock", &s, "--record", rec.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("bad.rtc:2"), "{err}");
    assert!(err.contains("session.type"), "{err}");
    assert!(!rec.exists(), "nothing connected, nothing recorded");
}

#[test]
fn a_failed_expectation_exits_1_naming_the_line_and_what_came() {
    let dir = tempfile::tempdir().unwrap();
    let s = script(
        dir.path(),
        "fail.rtc",
        "say hello\nexpect response.done response.status=failed within 3s\n",
    );
    let out = run(&["--mock", &s], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("line 2"), "{err}");
    assert!(err.contains("completed"), "what came instead: {err}");
}

fn with_mock<T>(config: MockConfig, f: impl FnOnce(&str, &str) -> T) -> T {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(MockServer::start(config)).unwrap();
    let (base, key) = (server.base_url(), server.key().to_string());
    let result = f(&base, &key);
    rt.block_on(server.shutdown());
    result
}

#[test]
fn a_bad_key_is_a_401_with_its_fix_and_never_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let s = script(dir.path(), "t.rtc", "say hello\n");
    let wrong = concat!("sk-", "proj-", "NOTAREALKEYNOTAREALKEY");
    let out = with_mock(MockConfig::default(), |base, _| {
        run(&["--base-url", base, &s], &[("OPENAI_API_KEY", wrong)])
    });
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("401"), "{err}");
    assert!(err.contains("fix:"), "{err}");
    assert!(!err.contains("NOTAREALKEY"), "{err}");
}

#[test]
fn beta_shape_disabled_is_surfaced_with_its_message() {
    let dir = tempfile::tempdir().unwrap();
    let s = script(dir.path(), "t.rtc", "say hello\n");
    let out = with_mock(MockConfig::default(), |base, key| {
        Command::new(env!("CARGO_BIN_EXE_rtconsole"))
            .args(["--dialect", "beta", "run", "--base-url", base, &s])
            .env("OPENAI_API_KEY", key)
            .output()
            .unwrap()
    });
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("beta_api_shape_disabled"), "{err}");
    assert!(err.contains("no longer supported"), "{err}");
}

#[test]
fn no_key_says_which_variable_to_set() {
    let dir = tempfile::tempdir().unwrap();
    let s = script(dir.path(), "t.rtc", "say hello\n");
    let out = run(&["--base-url", "http://127.0.0.1:9/v1", &s], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("OPENAI_API_KEY"), "{}", stderr(&out));
}

#[test]
fn a_recording_replays_with_the_same_result() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("first.jsonl");
    let out = run(
        &[
            "--mock",
            examples().join("function_call.rtc").to_str().unwrap(),
            "--record",
            rec.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "events go to --record, not stdout");
    let replay = run(&["--mock", "--fast", rec.to_str().unwrap()], &[]);
    let err = stderr(&replay);
    assert_eq!(replay.status.code(), Some(0), "{err}");
    assert!(err.contains("match the recording"), "{err}");
}

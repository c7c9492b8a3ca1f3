//! The example scripts of the script features (issue #14), each played by the
//! binary against the embedded mock over loopback.

use std::path::Path;
use std::process::{Command, Output};

fn run_example(name: &str) -> Output {
    let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scripts")).join(name);
    Command::new(env!("CARGO_BIN_EXE_rtconsole"))
        .args(["run", "--mock"])
        .arg(path)
        .env_remove("OPENAI_API_KEY")
        .output()
        .expect("rtconsole runs")
}

fn assert_passes(name: &str) -> String {
    let out = run_example(name);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{name}:\n{err}");
    assert!(err.contains("passed:"), "{name}:\n{err}");
    err
}

#[test]
fn bound_response_passes_after_an_out_of_band_response() {
    assert_passes("bound_response.rtc");
}

#[test]
fn parallel_calls_with_a_preamble_are_checked_as_a_set_and_answered_once() {
    let out = run_example("mock_parallel_calls.rtc");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Both outputs, then one response.create, in the recording's client lines.
    let client: Vec<String> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["dir"] == "client" || v["direction"] == "client")
        .filter_map(|v| {
            let e = v.get("event").cloned().unwrap_or(v.clone());
            let ty = e["type"].as_str()?.to_string();
            Some(match e["item"]["type"].as_str() {
                Some(item) => format!("{ty}:{item}"),
                None => ty,
            })
        })
        .collect();
    let tail: Vec<&str> = client
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(String::as_str)
        .collect();
    assert_eq!(
        tail,
        [
            "conversation.item.create:function_call_output",
            "conversation.item.create:function_call_output",
            "response.create"
        ],
        "{client:?}"
    );
}

#[test]
fn negatives_hold_against_the_mock() {
    let err = assert_passes("negatives.rtc");
    assert!(err.contains("passed: 9 of 9 steps"), "{err}");
}

/// Speech stretches of one channel of a stereo WAV, in ms: (start, end).
fn speech_ms(channel: &[i16]) -> Vec<(u64, u64)> {
    use rtconsole::audio::talk_metrics::{BRIDGE_MS, MIN_SPEECH_MS};
    use rtconsole::audio::timeline::{Pacing, Track};
    let mut t = Track::new(Pacing::Stamped, false);
    t.push(0, channel);
    t.speech(BRIDGE_MS, MIN_SPEECH_MS)
        .iter()
        .map(|s| (s.start_ms(), s.end_ms()))
        .collect()
}

#[test]
fn barge_in_cuts_the_answer_and_the_stereo_file_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let stereo = dir.path().join("barge_in.wav");
    let path =
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scripts")).join("barge_in.rtc");
    let out = Command::new(env!("CARGO_BIN_EXE_rtconsole"))
        .args(["run", "--mock"])
        .arg(&path)
        .arg("--output-stereo")
        .arg(&stereo)
        .env_remove("OPENAI_API_KEY")
        .output()
        .expect("rtconsole runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("passed: 11 of 11 steps"), "{err}");
    let timing = err
        .lines()
        .find(|l| l.starts_with("audio timing:"))
        .unwrap_or_else(|| panic!("no audio timing line:\n{err}"));
    assert!(timing.contains("stopped after barge-in in "), "{timing}");
    assert!(timing.contains("response gap "), "{timing}");

    // The server's side: the answer started, the user cut in, it was cancelled.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let server: Vec<String> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["dir"] == "server")
        .filter_map(|v| {
            let e = &v["event"];
            let ty = e["type"].as_str()?;
            Some(match e["response"]["status"].as_str() {
                Some(status) => format!("{ty}:{status}"),
                None => ty.to_string(),
            })
        })
        .collect();
    let at = |what: &str| {
        server
            .iter()
            .position(|t| t == what)
            .unwrap_or_else(|| panic!("no {what} in {server:?}"))
    };
    let started = at("output_audio_buffer.started");
    let cancelled = at("response.done:cancelled");
    let barge = server
        .iter()
        .enumerate()
        .skip(started)
        .position(|(_, t)| t == "input_audio_buffer.speech_started")
        .map(|i| i + started)
        .expect("speech started after the answer began");
    assert!(started < barge && barge < cancelled, "{server:?}");

    // The audio's side, on one clock: question, answer, the user cutting in while
    // the answer plays, the answer going silent before the interruption ends.
    let mut reader = hound::WavReader::open(&stereo).unwrap();
    assert_eq!(reader.spec().channels, 2);
    let all: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
    let left: Vec<i16> = all.iter().step_by(2).copied().collect();
    let right: Vec<i16> = all.iter().skip(1).step_by(2).copied().collect();
    let (sent, received) = (speech_ms(&left), speech_ms(&right));
    assert!(
        sent.len() >= 2 && !received.is_empty(),
        "{sent:?} {received:?}"
    );
    let (question, interruption, answer) = (sent[0], sent[1], received[0]);
    assert!(question.1 < answer.0, "{sent:?} {received:?}");
    assert!(
        answer.0 < interruption.0 && interruption.0 < answer.1,
        "the user cut in while the answer played: {sent:?} {received:?}"
    );
    let interruption_end = sent.last().unwrap().1;
    assert!(
        answer.1 < interruption_end,
        "the answer stopped while the user spoke: {sent:?} {received:?}"
    );
}

#[test]
fn anchored_silence_and_an_on_call_answer_from_a_file_work_against_the_mock() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("weather.json"),
        "{\"city\": \"{{city}}\", \"temperature_c\": 21, \"sky\": \"sunny\"}\n",
    )
    .unwrap();
    let script = dir.path().join("file_answer.rtc");
    std::fs::write(
        &script,
        r#"timeout 20s
send {"type": "session.update", "session": {"type": "realtime", "output_modalities": ["text"],
  "tools": [{"type": "function", "name": "get_weather", "description": "The weather.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}],
  "tool_choice": "auto"}}
expect session.updated within 5s
on-call get_weather @weather.json
say What's the weather in Paris right now? Use get_weather.
expect response.done response.status=completed
silence 200ms after conversation.item.added item.type=function_call_output +100ms
expect response.done response.status=completed
transcript assistant ~/21/
"#,
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rtconsole"))
        .args(["run", "--mock"])
        .arg(&script)
        .env_remove("OPENAI_API_KEY")
        .output()
        .expect("rtconsole runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("passed: 9 of 9 steps"), "{err}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(r#"\"city\":\"Paris\",\"temperature_c\":21"#),
        "the file's answer, templated, went out:\n{stdout}"
    );
}

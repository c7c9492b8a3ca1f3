//! The WebSocket transport and the sideband attach, end to end against the mock:
//! `rtconsole run --transport websocket`, `rtconsole run --attach CALL_ID` on a
//! WebRTC call another client made, and the errors and close codes a socket can end
//! with.

#[path = "support/mock_client.rs"]
mod mock_client;

use std::path::Path;
use std::process::Output;
use std::sync::Arc;

use mock_client::{connect_default, start_mock};
use rtconsole::mock::scenario::{Pace, Scenario};
use rtconsole::mock::MockConfig;
use rtconsole::recording::open_recording;
use serde_json::json;

fn examples() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scripts"))
}

fn rtconsole(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_rtconsole"));
    cmd.args(args).env_remove("OPENAI_API_KEY");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("rtconsole runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_text_turn_over_the_websocket() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("ws.jsonl");
    let script = examples().join("text_turn.rtc");
    let out = rtconsole(
        &[
            "run",
            "--mock",
            "--transport",
            "websocket",
            "--record",
            rec.to_str().unwrap(),
            script.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("passed: 10 of 10 steps"));
    let read = open_recording(&rec).unwrap();
    let types: Vec<String> = read
        .entries
        .iter()
        .filter_map(|e| e.event())
        .map(|v| v["type"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(types.contains(&"response.done".to_string()));
    assert!(
        !types.iter().any(|t| t.starts_with("output_audio_buffer.")),
        "no WebRTC-only events on a socket: {types:?}"
    );
}

#[test]
fn the_initial_session_goes_out_as_the_first_event_on_a_socket() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("s.rtc");
    std::fs::write(
        &script,
        "expect session.updated session.instructions~/pirate/\n",
    )
    .unwrap();
    let out = rtconsole(
        &[
            "run",
            "--mock",
            "--transport",
            "websocket",
            "--instructions",
            "Talk like a pirate.",
            script.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attach_watches_and_drives_a_call_another_client_made() {
    let server = start_mock(MockConfig {
        scenario: Arc::new(Scenario {
            pace: Pace::instant(),
            ..Scenario::default()
        }),
        ..MockConfig::default()
    })
    .await;
    let mut caller = connect_default(&server).await;
    caller.wait_for("session.created").await;
    let call_id = caller.conn.answer.call_id.clone().expect("a call id");
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("attach.rtc");
    // The caller speaks first (a text turn it starts itself), then the sideband asks
    // for a response of its own.
    std::fs::write(
        &script,
        r#"expect conversation.item.added item.role=user within 10s
expect response.done within 10s
send {"type": "response.create", "response": {"output_modalities": ["text"], "instructions": "Say exactly: \"hello from the sideband\""}}
expect response.output_text.done text~/sideband/ within 10s
"#,
    )
    .unwrap();
    let base = server.base_url();
    let key = server.key().to_string();
    let script_arg = script.to_str().unwrap().to_string();
    let id = call_id.clone();
    let run = tokio::task::spawn_blocking(move || {
        rtconsole(
            &[
                "run",
                "--attach",
                &id,
                "--base-url",
                &base,
                "--api-key-env",
                "RTCONSOLE_TEST_MOCK_KEY",
                &script_arg,
            ],
            &[("RTCONSOLE_TEST_MOCK_KEY", &key)],
        )
    });
    // Give the sideband a moment to attach, then the caller's own turn.
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    caller
        .send(
            &json!({"type": "conversation.item.create", "item": {"type": "message", "role": "user",
            "content": [{"type": "input_text", "text": "Say exactly: \"hi\""}]}}),
        )
        .await;
    caller
        .send(&json!({"type": "response.create", "response": {"output_modalities": ["text"]}}))
        .await;
    // The caller's data channel gets the response the sideband asked for.
    let seen = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        loop {
            let v = caller.next().await.expect("the call stays up");
            if v["type"] == "response.output_text.done"
                && v["text"].as_str().unwrap_or("").contains("sideband")
            {
                return v;
            }
        }
    })
    .await
    .expect("the page receives the sideband's response");
    assert!(seen["text"]
        .as_str()
        .unwrap()
        .contains("hello from the sideband"));
    let out = run.await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("connected: call {call_id}")));
    caller.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attach_names_the_failures_a_sideband_can_have() {
    let server = start_mock(MockConfig::default()).await;
    let base = server.base_url();
    let key = server.key().to_string();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("wait.rtc");
    std::fs::write(&script, "expect response.done within 30s\n").unwrap();
    let script_arg = script.to_str().unwrap().to_string();

    // No such call: 404 call_id_not_found, said plainly.
    let (b, k, s) = (base.clone(), key.clone(), script_arg.clone());
    let out = tokio::task::spawn_blocking(move || {
        rtconsole(
            &[
                "run",
                "--attach",
                "rtc_nope",
                "--base-url",
                &b,
                "--api-key-env",
                "RTCONSOLE_TEST_MOCK_KEY",
                &s,
            ],
            &[("RTCONSOLE_TEST_MOCK_KEY", &k)],
        )
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("call_id_not_found"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains(&key), "the key is never shown");

    // The call ends while attached: the sideband says the call ended.
    let caller = connect_default(&server).await;
    let call_id = caller.conn.answer.call_id.clone().unwrap();
    let (b, k, s, id) = (
        base.clone(),
        key.clone(),
        script_arg.clone(),
        call_id.clone(),
    );
    let run = tokio::task::spawn_blocking(move || {
        rtconsole(
            &[
                "run",
                "--attach",
                &id,
                "--base-url",
                &b,
                "--api-key-env",
                "RTCONSOLE_TEST_MOCK_KEY",
                &s,
            ],
            &[("RTCONSOLE_TEST_MOCK_KEY", &k)],
        )
    });
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let signaling = rtconsole::transport::signaling::Signaling::new(&base);
    signaling.hangup(&key, &call_id).await.unwrap();
    let out = run.await.unwrap();
    assert!(stderr(&out).contains("the call ended"), "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    caller.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_beta_socket_is_refused_with_close_4000_and_the_fix() {
    let server = start_mock(MockConfig::default()).await;
    let (base, key) = (server.base_url(), server.key().to_string());
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("s.rtc");
    std::fs::write(&script, "expect session.created within 5s\n").unwrap();
    // The mock serves GA; the client asks for the beta shape.
    let s = script.to_str().unwrap().to_string();
    let out = tokio::task::spawn_blocking(move || {
        rtconsole(
            &[
                "--dialect",
                "beta",
                "run",
                "--transport",
                "websocket",
                "--base-url",
                &base,
                "--api-key-env",
                "RTCONSOLE_TEST_MOCK_KEY",
                &s,
            ],
            &[("RTCONSOLE_TEST_MOCK_KEY", &key)],
        )
    })
    .await
    .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("beta_api_shape_disabled"), "{err}");
    assert!(
        err.contains("close 4000") && err.contains("drop --dialect beta"),
        "{err}"
    );
    server.shutdown().await;
}

/// The recording's events of one type, as JSON.
fn events_of(rec: &Path, ty: &str) -> Vec<serde_json::Value> {
    open_recording(rec)
        .unwrap()
        .entries
        .iter()
        .filter_map(|e| e.event())
        .filter(|v| v["type"] == ty)
        .collect()
}

fn b64_len(v: &serde_json::Value, key: &str) -> usize {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(v[key].as_str().unwrap())
        .unwrap()
        .len()
}

fn wav_peak(path: &Path) -> i32 {
    let mut r = hound::WavReader::open(path).unwrap();
    r.samples::<i16>()
        .map(|s| i32::from(s.unwrap()).abs())
        .max()
        .unwrap_or(0)
}

/// Runs a script over the socket against the mock, with a recording and a WAV.
fn socket_run(script: &Path, dir: &Path) -> (Output, std::path::PathBuf, std::path::PathBuf) {
    let rec = dir.join("rec.jsonl");
    let wav = dir.join("out.wav");
    let out = rtconsole(
        &[
            "run",
            "--mock",
            "--transport",
            "websocket",
            "--record",
            rec.to_str().unwrap(),
            "--output",
            wav.to_str().unwrap(),
            script.to_str().unwrap(),
        ],
        &[],
    );
    (out, rec, wav)
}

#[test]
fn a_voice_turn_over_the_websocket_sends_and_plays_audio() {
    let dir = tempfile::tempdir().unwrap();
    let (out, rec, wav) = socket_run(&examples().join("voice_turn.rtc"), dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let appends = events_of(&rec, "input_audio_buffer.append");
    assert!(appends.len() > 20, "{} appends", appends.len());
    // 40 ms of 24 kHz pcm16 each, the base64 back in the recording as sent.
    assert!(appends.iter().all(|a| b64_len(a, "audio") == 1920));
    let deltas = events_of(&rec, "response.output_audio.delta");
    assert!(!deltas.is_empty());
    assert!(deltas.iter().all(|d| b64_len(d, "delta") > 0));
    assert!(!std::fs::read_to_string(&rec).unwrap().contains("@audio:"));
    assert!(wav_peak(&wav) > 1000, "the reply WAV is not silent");

    // `open` reads the audio into the spool, and writing it out again is byte-exact.
    let spooled = rtconsole::recording::open_recording_spooled(&rec).unwrap();
    let audio_rows = spooled
        .entries
        .iter()
        .filter(|e| e.raw.contains("\"delta\":\"@audio:") || e.raw.contains("\"audio\":\"@audio:"))
        .count();
    assert_eq!(audio_rows, appends.len() + deltas.len());
    let mut again =
        rtconsole::recording::RecordingWriter::new(Vec::new(), &spooled.header).unwrap();
    for e in &spooled.entries {
        again.write_event(e.t_ms, e.dir, &e.raw).unwrap();
    }
    let original = std::fs::read_to_string(&rec).unwrap();
    let rewritten = String::from_utf8(again.into_inner()).unwrap();
    let events = |s: &str| -> Vec<String> {
        s.lines()
            .skip(1)
            .filter(|l| !l.contains("\"dir\":\"local\""))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(events(&rewritten), events(&original));
}

#[test]
fn a_g711_session_over_the_websocket_uses_8_khz_audio_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("ulaw.rtc");
    let voice = examples().join("voice_turn.rtc");
    let text = std::fs::read_to_string(&voice)
        .unwrap()
        .replace("scenario voice_turn.toml", &format!("scenario {}", examples().join("voice_turn.toml").display()))
        .replace("../audio/question.wav", &examples().join("../audio/question.wav").display().to_string())
        .replace(
            "\"audio\": {\"input\": {",
            "\"audio\": {\"output\": {\"format\": {\"type\": \"audio/pcmu\"}}, \"input\": {\"format\": {\"type\": \"audio/pcmu\"}, ",
        );
    std::fs::write(&script, text).unwrap();
    let (out, rec, wav) = socket_run(&script, dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let appends = events_of(&rec, "input_audio_buffer.append");
    // The first appends may go out before session.updated switched the format.
    let last = appends.last().expect("appends");
    assert_eq!(b64_len(last, "audio"), 320, "40 ms of 8 kHz μ-law");
    let deltas = events_of(&rec, "response.output_audio.delta");
    assert_eq!(b64_len(&deltas[0], "delta"), 320);
    assert!(wav_peak(&wav) > 1000, "the reply WAV is not silent");
}

#[test]
fn a_barge_in_on_a_socket_truncates_the_item_to_what_was_played() {
    let dir = tempfile::tempdir().unwrap();
    let (out, rec, _) = socket_run(&examples().join("socket_barge_in.rtc"), dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let truncates = events_of(&rec, "conversation.item.truncate");
    assert_eq!(truncates.len(), 1, "{truncates:?}");
    let t = &truncates[0];
    let item = t["item_id"].as_str().unwrap();
    let received_ms: usize = events_of(&rec, "response.output_audio.delta")
        .iter()
        .filter(|d| d["item_id"] == item)
        .map(|d| b64_len(d, "delta") / 48)
        .sum();
    let end = t["audio_end_ms"].as_u64().unwrap() as usize;
    assert!(
        end > 0 && end <= received_ms,
        "played {end} ms of {received_ms} ms received"
    );
    assert_eq!(events_of(&rec, "conversation.item.truncated").len(), 1);
}

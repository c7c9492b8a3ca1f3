//! Transcription-only sessions against the mock, over each transport: `--transcribe`
//! (or `session.type: "transcription"` in `--session`), a spoken WAV in, its
//! transcript out, no responses; diarized segments and logprobs when asked for; and
//! the parameter checks that stop a bad session before anything connects.

use std::path::Path;
use std::process::Output;

use rtconsole::recording::open_recording;

fn examples() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scripts"))
}

fn rtconsole(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_rtconsole"))
        .args(args)
        .env_remove("OPENAI_API_KEY")
        .output()
        .expect("rtconsole runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn types(rec: &Path) -> Vec<String> {
    open_recording(rec)
        .unwrap()
        .entries
        .iter()
        .filter_map(|e| e.event())
        .map(|v| v["type"].as_str().unwrap_or("").to_string())
        .collect()
}

fn transcribe_over(transport: &str) {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("t.jsonl");
    let script = examples().join("transcribe.rtc");
    let out = rtconsole(&[
        "run",
        "--mock",
        "--transcribe",
        "--transport",
        transport,
        "--record",
        rec.to_str().unwrap(),
        script.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{transport}: {}", stderr(&out));
    let seen = types(&rec);
    assert!(seen
        .iter()
        .any(|t| t == "conversation.item.input_audio_transcription.delta"));
    assert!(!seen.iter().any(|t| t.starts_with("response.")), "{seen:?}");
}

#[test]
fn a_wav_is_transcribed_over_webrtc() {
    transcribe_over("webrtc");
}

#[test]
fn a_wav_is_transcribed_over_the_websocket() {
    transcribe_over("websocket");
}

#[test]
fn diarized_segments_and_logprobs_come_when_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("s.json");
    std::fs::write(
        &session,
        r#"{"type": "transcription", "include": ["item.input_audio_transcription.logprobs"],
            "audio": {"input": {"transcription": {"model": "gpt-4o-transcribe-diarize"}}}}"#,
    )
    .unwrap();
    let script = dir.path().join("d.rtc");
    let text = std::fs::read_to_string(examples().join("transcribe.rtc"))
        .unwrap()
        .replace(
            "scenario voice_turn.toml",
            &format!("scenario {}", examples().join("voice_turn.toml").display()),
        )
        .replace(
            "../audio/question.wav",
            &examples()
                .join("../audio/question.wav")
                .display()
                .to_string(),
        )
        .replace(
            "expect conversation.item.input_audio_transcription.completed transcript~/weather/i",
            "expect conversation.item.input_audio_transcription.segment speaker=B\n\
             expect conversation.item.input_audio_transcription.completed logprobs[0].logprob?",
        );
    std::fs::write(&script, text).unwrap();
    let out = rtconsole(&[
        "run",
        "--mock",
        "--transport",
        "websocket",
        "--session",
        session.to_str().unwrap(),
        script.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_parameter_the_transcriber_does_not_take_stops_the_run_before_connecting() {
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("s.json");
    std::fs::write(
        &session,
        r#"{"type": "transcription", "audio": {"input": {"transcription": {"model": "whisper-1", "keywords": ["rtconsole"]}}}}"#,
    )
    .unwrap();
    let script = examples().join("transcribe.rtc");
    let out = rtconsole(&[
        "run",
        "--mock",
        "--session",
        session.to_str().unwrap(),
        script.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("transcription.keywords") && err.contains("gpt-live-transcribe"),
        "{err}"
    );
    let out = rtconsole(&[
        "run",
        "--mock",
        "--transcribe=whisper-1",
        "--model",
        "gpt-realtime",
        script.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--model does not apply to a transcription session"));
}

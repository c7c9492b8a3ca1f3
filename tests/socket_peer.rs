//! rtconsole's WebSocket client against a socket server it did not write: Python's
//! `websockets` with its own base64 and pcm16 (`tests/peers/socket_server.py`). The
//! server checks the appends rtconsole sends; rtconsole plays the server's audio and,
//! when the server reports a barge-in, truncates the answer to what it played.

#[path = "support/aiortc.rs"]
mod peers;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

const SERVER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/socket_server.py");
const KEY: &str = "sk-peer-test-not-a-real-key";

struct Server {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server() -> (Server, u16) {
    let mut child = Command::new(peers::python())
        .arg(SERVER)
        .arg(KEY)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("python runs");
    let out = child.stdout.take().unwrap();
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let server = Server { child, lines };
    let first = server
        .lines
        .recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|_| {
            panic!(
                "the python socket server did not start; {}",
                peers::INSTALL_HINT
            )
        });
    let port = first
        .strip_prefix("PORT ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line from the server: {first}"));
    (server, port)
}

#[test]
fn audio_both_ways_and_a_barge_in_against_a_python_socket_server() {
    let (server, port) = start_server();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("s.rtc");
    let question = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/audio/question.wav");
    std::fs::write(
        &script,
        format!(
            "timeout 15s\nexpect session.created\naudio {question}\n\
             expect any response.done response.status=cancelled\n\
             expect any conversation.item.truncated\n"
        ),
    )
    .unwrap();
    let wav = dir.path().join("out.wav");
    let rec = dir.path().join("rec.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_rtconsole"))
        .args([
            "run",
            "--transport",
            "websocket",
            "--api-key-env",
            "RTC_PEER_KEY",
        ])
        .args(["--base-url", &format!("http://127.0.0.1:{port}/v1")])
        .args([
            "--output",
            wav.to_str().unwrap(),
            "--record",
            rec.to_str().unwrap(),
        ])
        .arg(&script)
        .env("RTC_PEER_KEY", KEY)
        .output()
        .expect("rtconsole runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report: Value = serde_json::from_str(
        &server
            .lines
            .recv_timeout(Duration::from_secs(10))
            .expect("the server reports when the socket closes"),
    )
    .unwrap();
    assert_eq!(report["path"], "/v1/realtime?model=gpt-realtime");
    assert_eq!(report["auth_ok"], true);
    assert!(
        report["beta_header"].is_null(),
        "GA sends no OpenAI-Beta header"
    );
    assert_eq!(report["bad_appends"], 0, "{report}");
    assert!(report["loud_appends"].as_u64().unwrap() >= 10, "{report}");
    let truncates = report["truncates"].as_array().unwrap();
    assert_eq!(truncates.len(), 1, "{report}");
    assert_eq!(truncates[0]["item_id"], "item_py");
    let end = truncates[0]["audio_end_ms"].as_u64().unwrap();
    assert!(end > 0 && end < 2000, "cut inside the 2 s answer: {end} ms");
    // The server's tone came out of the speaker.
    let mut r = hound::WavReader::open(&wav).unwrap();
    let peak = r
        .samples::<i16>()
        .map(|s| i32::from(s.unwrap()).abs())
        .max()
        .unwrap_or(0);
    assert!(
        peak > 4000,
        "the answer's tone is in the output WAV: peak {peak}"
    );
    // No key anywhere in what rtconsole wrote.
    assert!(!std::fs::read_to_string(&rec).unwrap().contains(KEY));
    assert!(!stderr.contains(KEY));
}

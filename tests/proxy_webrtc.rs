//! WebRTC calls through `rtconsole proxy --upstream mock --headless`: rtconsole's own
//! client as the app (a voice turn, audio both ways, hangup through the proxy), and
//! offers posted by hand for the refusals. Chromium as the app is in
//! `proxy_chromium.rs`.

#[path = "support/proxy_process.rs"]
mod proxy_process;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use proxy_process::{assert_no_key, is, ProxyProcess, KEY};
use rtconsole::transport::rtc_setup::{AudioSender, Peer, PeerSettings, EVENTS_LABEL};
use serde_json::Value;

fn examples() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/examples"))
}

fn wav_peak(path: &Path) -> i32 {
    let mut reader = hound::WavReader::open(path).unwrap();
    reader
        .samples::<i16>()
        .map(|s| i32::from(s.unwrap()).abs())
        .max()
        .unwrap_or(0)
}

#[test]
fn a_voice_call_goes_through_the_proxy_both_ways_and_its_hangup_is_forwarded() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("rec");
    let proxy = ProxyProcess::start(&["--record", record.to_str().unwrap()]);
    let script = dir.path().join("voice.rtc");
    std::fs::write(
        &script,
        format!(
            r#"timeout 20s
send {{"type": "session.update", "session": {{"type": "realtime",
  "audio": {{"input": {{"transcription": {{"model": "gpt-4o-mini-transcribe"}},
    "turn_detection": {{"type": "server_vad", "silence_duration_ms": 500}}}}}}}}}}
expect session.updated within 5s
silence 300ms
audio {}
silence 1s
expect input_audio_buffer.speech_started
expect response.done response.status=completed
expect output_audio_buffer.stopped
"#,
            examples().join("audio/question.wav").display()
        ),
    )
    .unwrap();
    let heard = dir.path().join("heard.wav");
    let out = Command::new(env!("CARGO_BIN_EXE_rtconsole"))
        .arg("run")
        .arg(&script)
        .args(["--base-url", &proxy.base_url, "--output"])
        .arg(&heard)
        .env("OPENAI_API_KEY", KEY)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "run failed: {stderr}");
    assert!(
        wav_peak(&heard) > 1000,
        "the mock's voice did not come through"
    );

    let opened = proxy.wait_stdout("the relayed call", |v| {
        is(v, "local", "local.proxy.open") && v["event"]["path"] == "/v1/realtime/calls"
    });
    let call_id = opened["event"]["call_id"].as_str().unwrap().to_string();
    assert!(call_id.starts_with("rtc_"), "{opened}");
    let conn = opened["conn"].clone();
    proxy.wait_stdout("the app's session.update on the call", |v| {
        v["conn"] == conn && is(v, "client", "session.update")
    });
    proxy.wait_stdout("the mock's response.done on the call", |v| {
        v["conn"] == conn && is(v, "server", "response.done")
    });
    // Both ways carried audio with energy (the question up, the answer down).
    for dir in ["client", "server"] {
        proxy.wait_stdout(&format!("{dir} audio with energy"), |v| {
            v["conn"] == conn
                && v["dir"] == dir
                && v["audio"]["peak_dbfs"].as_f64().is_some_and(|p| p > -30.0)
        });
    }
    // The client hung up at the proxy's Location; the proxy forwarded it.
    let hangup = proxy.wait_stdout("the forwarded hangup", |v| {
        is(v, "local", "local.proxy.http")
            && v["event"]["path"] == format!("/v1/realtime/calls/{call_id}/hangup")
    });
    assert_eq!(hangup["event"]["status"], 200, "{hangup}");
    let closed = proxy.wait_stdout("the call's end", |v| {
        v["conn"] == conn && is(v, "local", "local.proxy.closed")
    });
    assert_eq!(closed["event"]["by"], "client", "{closed}");

    let recordings: Vec<_> = std::fs::read_dir(&record)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let call = recordings
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .find(|r| r.contains(&call_id))
        .expect("a recording of the call");
    assert!(call.contains(r#""dir":"server","event":{"type":"response.done""#));
    assert!(call.contains("local.proxy.audio"));
    assert_no_key(&call, "the recording");
    assert_no_key(&proxy.stdout(), "stdout");
    assert_no_key(&proxy.stderr(), "stderr");
}

/// A complete offer from a peer of our own, as an app would post it.
async fn offer() -> (Peer, String) {
    let mut peer = Peer::build(&PeerSettings::loopback_offerer())
        .await
        .unwrap();
    let _audio = AudioSender::add_to(&peer.pc, 7).await.unwrap();
    let _dc = peer
        .pc
        .create_data_channel(EVENTS_LABEL, None)
        .await
        .unwrap();
    let offer = peer.pc.create_offer(None).await.unwrap();
    peer.pc.set_local_description(offer).await.unwrap();
    peer.gathered(Duration::from_secs(5)).await.unwrap();
    let sdp = peer.pc.local_description().await.unwrap().sdp;
    (peer, sdp)
}

#[tokio::test]
async fn refusals_reach_the_app_as_the_upstreams_own_answer() {
    let proxy = ProxyProcess::start(&[]);
    let calls = format!("{}/realtime/calls", proxy.base_url);
    let http = reqwest::Client::new();
    let (peer, sdp) = offer().await;

    // A key the upstream does not know: its 401 and body, unchanged.
    let wrong = http
        .post(&calls)
        .bearer_auth("sk-mock-not-the-key")
        .header("content-type", "application/sdp")
        .body(sdp.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    let body: Value = wrong.json().await.unwrap();
    assert!(body["error"]["message"].is_string(), "{body}");
    let refused = proxy.wait_stdout("the refusal", |v| is(v, "local", "local.proxy.refused"));
    assert_eq!(refused["event"]["status"], 401);

    // Not an offer: refused by the proxy itself, saying what to send.
    let garbage = http
        .post(&calls)
        .bearer_auth(KEY)
        .header("content-type", "application/sdp")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status().as_u16(), 400);
    let body: Value = garbage.json().await.unwrap();
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("v=0"), "{message}");

    // The multipart shape is relayed as multipart, with its session.
    let form = reqwest::multipart::Form::new().text("sdp", sdp).text(
        "session",
        r#"{"type":"realtime","instructions":"from the form"}"#,
    );
    let answered = http
        .post(&calls)
        .bearer_auth(KEY)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status().as_u16(), 201);
    let location = answered.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with(&format!("{}/realtime/calls/rtc_", proxy.base_url)),
        "Location points back at the proxy: {location}"
    );
    let answer = answered.text().await.unwrap();
    assert!(answer.starts_with("v=0"), "{answer}");
    let _ = peer.pc.close().await;
    assert_no_key(&proxy.stdout(), "stdout");
}

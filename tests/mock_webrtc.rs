//! The mock over real WebRTC on loopback, driven by rtconsole's own peer and
//! signaling: every simulated behaviour that needs the wire (data channel, audio both
//! ways, VAD, hang-up) and every fault a scenario can inject.

#[path = "support/mock_client.rs"]
mod mock_client;

use std::sync::Arc;
use std::time::Duration;

use mock_client::{connect_default, connect_with_session, start_mock, TestClient};
use rtconsole::audio::levels::level_i16;
use rtconsole::mock::scenario::{Pace, Scenario};
use rtconsole::mock::voice::Voice;
use rtconsole::mock::MockConfig;
use rtconsole::protocol::server_event::{decode_server, DecodeOutcome};
use rtconsole::recording::open_recording;
use rtconsole::transport::connect::{connect, DEFAULT_OPEN_TIMEOUT};
use rtconsole::transport::rtc_setup::PeerSettings;
use rtconsole::transport::signaling::Signaling;
use serde_json::{json, Value};

fn fast() -> MockConfig {
    MockConfig {
        scenario: Arc::new(Scenario {
            pace: Pace::instant(),
            ..Scenario::default()
        }),
        ..MockConfig::default()
    }
}

fn with_scenario(text: &str) -> MockConfig {
    let mut s = Scenario::parse(text).expect("scenario parses");
    if !text.contains("[pace]") {
        s.pace = Pace::instant();
    }
    MockConfig {
        scenario: Arc::new(s),
        ..MockConfig::default()
    }
}

fn user_text(text: &str) -> Value {
    json!({"type": "conversation.item.create", "item": {"type": "message", "role": "user",
        "content": [{"type": "input_text", "text": text}]}})
}

fn assert_known(v: &Value) {
    let d = decode_server(&v.to_string());
    assert!(
        matches!(d.outcome, DecodeOutcome::Known(_)),
        "not a well-formed known event: {v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_text_turn_over_webrtc() {
    let server = start_mock(fast()).await;
    let mut c = connect_default(&server).await;
    assert!(c
        .conn
        .answer
        .call_id
        .as_deref()
        .unwrap()
        .starts_with("rtc_"));
    assert_eq!(c.conn.answer_setup.as_deref(), Some("active"));
    let created = c.wait_for("session.created").await;
    assert_eq!(created["session"]["type"], "realtime");
    c.send(&user_text("Hello there")).await;
    c.wait_for("conversation.item.done").await;
    c.send(&json!({"type": "response.create", "response": {"output_modalities": ["text"]}}))
        .await;
    let done = c.wait_for("response.done").await;
    assert_eq!(done["response"]["status"], "completed");
    let text = done["response"]["output"][0]["content"][0]["text"]
        .as_str()
        .unwrap();
    assert!(text.contains("Hello there"), "{text}");
    let types = c.types_since(0);
    for t in [
        "response.created",
        "rate_limits.updated",
        "response.output_text.delta",
        "response.output_text.done",
    ] {
        assert!(types.iter().any(|x| x == t), "missing {t} in {types:?}");
    }
    for v in &c.seen {
        assert_known(v);
    }
    c.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_audio_reply_arrives_on_the_track_and_is_not_silent() {
    let server = start_mock(fast()).await;
    let mut c = connect_default(&server).await;
    c.wait_for("session.created").await;
    c.send(&user_text("Say something")).await;
    c.send(&json!({"type": "response.create"})).await;
    c.wait_for("output_audio_buffer.started").await;
    c.wait_for("response.done").await;
    c.wait_for("output_audio_buffer.stopped").await;
    let heard = c.heard.lock().unwrap().clone();
    assert!(
        heard.len() > 48_000 / 2,
        "only {} samples heard",
        heard.len()
    );
    let level = level_i16(&heard);
    assert!(level.rms_dbfs > -40.0, "reply too quiet: {level:?}");
    c.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn speech_on_the_microphone_starts_a_vad_turn_with_a_reply() {
    let server = start_mock(with_scenario(
        "transcripts = [\"what is the weather\"]\n[[reply]]\nwhen = \"weather\"\ntext = \"Sunny.\"",
    ))
    .await;
    let session = json!({"type": "realtime", "output_modalities": ["text"],
        "audio": {"input": {"transcription": {"model": "gpt-4o-transcribe"}}}});
    let mut c = connect_with_session(&server, Some(&session)).await;
    c.wait_for("session.created").await;
    // 1.2 s of synthetic voice, then silence long enough to end the turn.
    let mut speech = vec![0i16; 48_000 * 6 / 5];
    Voice::new(3, "cedar").fill(&mut speech);
    speech.extend(std::iter::repeat_n(0i16, 48_000 * 3 / 5));
    c.stream_audio(&speech).await;
    let started = c.wait_for("input_audio_buffer.speech_started").await;
    let stopped = c.wait_for("input_audio_buffer.speech_stopped").await;
    assert!(stopped["audio_end_ms"].as_u64() > started["audio_start_ms"].as_u64());
    c.wait_for("input_audio_buffer.committed").await;
    let tr = c
        .wait_for("conversation.item.input_audio_transcription.completed")
        .await;
    assert_eq!(tr["transcript"], "what is the weather");
    let done = c.wait_for("response.done").await;
    assert_eq!(
        done["response"]["output"][0]["content"][0]["text"],
        "Sunny."
    );
    c.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hangup_closes_the_data_channel_promptly() {
    let server = start_mock(fast()).await;
    let mut c = connect_default(&server).await;
    c.wait_for("session.created").await;
    assert_eq!(server.live_calls(), 1);
    let id = c.conn.answer.call_id.clone().unwrap();
    Signaling::new(&server.base_url())
        .hangup(server.key(), &id)
        .await
        .expect("hangup");
    // Far below the ~4.5 s an ICE timeout would take.
    assert!(c.closes_within(Duration::from_secs(3)).await);
    c.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multipart_session_reaches_the_call() {
    let server = start_mock(fast()).await;
    let signaling = Signaling::new(&server.base_url());
    let key = server.key().to_string();
    let session = json!({"type": "realtime", "instructions": "from multipart"});
    let conn = connect(
        &PeerSettings::loopback_offerer(),
        DEFAULT_OPEN_TIMEOUT,
        |sdp| {
            let signaling = &signaling;
            let (key, session) = (key.clone(), session.clone());
            async move { signaling.post_offer_multipart(&key, &sdp, &session).await }
        },
    )
    .await
    .expect("connect");
    let mut c = TestClient::from_connection(conn);
    let created = c.wait_for("session.created").await;
    assert_eq!(created["session"]["instructions"], "from multipart");
    c.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_delay_holds_the_sdp_answer() {
    let server = start_mock(with_scenario("[signaling]\nanswer_delay_ms = 300")).await;
    let c = connect_default(&server).await;
    // A lower bound only: the answer cannot come before the delay has passed.
    assert!(c.conn.timings.signaling_ms >= 300.0, "{:?}", c.conn.timings);
    c.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_close_data_channel_after_n_events() {
    let server = start_mock(with_scenario(
        "[[fault]]\nafter_events = 2\naction = \"close_data_channel\"",
    ))
    .await;
    let mut c = connect_default(&server).await;
    c.wait_for("session.created").await;
    c.send(&user_text("hi")).await;
    assert!(c.closes_within(Duration::from_secs(5)).await);
    assert_eq!(c.seen.len(), 2, "{:?}", c.types_since(0));
    c.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_send_malformed_and_unknown_events() {
    let server = start_mock(with_scenario(
        "[[fault]]\nafter_events = 1\naction = \"send_malformed\"\n[[fault]]\nafter_events = 2\naction = \"send_unknown\"",
    ))
    .await;
    let mut c = connect_default(&server).await;
    c.wait_for("session.created").await;
    let malformed = c.next().await.unwrap();
    assert!(
        malformed.is_string(),
        "not JSON text expected, got {malformed}"
    );
    assert!(matches!(
        decode_server(malformed.as_str().unwrap()).outcome,
        DecodeOutcome::NotAnEvent { .. }
    ));
    let unknown = c.next().await.unwrap();
    assert!(
        matches!(
            decode_server(&unknown.to_string()).outcome,
            DecodeOutcome::Unknown
        ),
        "{unknown}"
    );
    // The session goes on after both.
    c.send(&user_text("still there?")).await;
    c.wait_for("conversation.item.done").await;
    c.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_stop_audio_keeps_events_but_silences_the_track() {
    let server = start_mock(with_scenario(
        "[[fault]]\nafter_events = 1\naction = \"stop_audio\"",
    ))
    .await;
    let mut c = connect_default(&server).await;
    c.wait_for("session.created").await;
    c.send(&user_text("talk to me")).await;
    c.send(&json!({"type": "response.create"})).await;
    c.wait_for("response.done").await;
    c.wait_for("output_audio_buffer.stopped").await;
    // Only the silent packets of call setup may have arrived: no voice.
    let heard = c.heard.lock().unwrap().clone();
    let level = level_i16(&heard);
    assert!(level.rms_dbfs < -60.0, "audio after stop_audio: {level:?}");
    c.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_session_expired_ends_the_call_with_the_error() {
    let server = start_mock(with_scenario(
        "[[fault]]\nafter_events = 1\naction = \"session_expired\"",
    ))
    .await;
    let mut c = connect_default(&server).await;
    c.wait_for("session.created").await;
    let err = c.wait_for("error").await;
    assert_eq!(err["error"]["code"], "session_expired");
    assert!(c.closes_within(Duration::from_secs(5)).await);
    c.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_limit_ends_the_call() {
    let server = start_mock(MockConfig {
        session_limit: Duration::from_millis(300),
        ..fast()
    })
    .await;
    let mut c = connect_default(&server).await;
    c.wait_for("session.created").await;
    let err = c.wait_for("error").await;
    assert_eq!(err["error"]["code"], "session_expired");
    assert!(c.closes_within(Duration::from_secs(5)).await);
    c.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_call_is_recorded_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_mock(MockConfig {
        record_dir: Some(dir.path().to_path_buf()),
        ..fast()
    })
    .await;
    let mut c = connect_default(&server).await;
    c.wait_for("session.created").await;
    c.send(&user_text("record me")).await;
    c.send(&json!({"type": "response.create", "response": {"output_modalities": ["text"]}}))
        .await;
    c.wait_for("response.done").await;
    let id = c.conn.answer.call_id.clone().unwrap();
    c.close().await;
    server.shutdown().await;
    let path = dir.path().join(format!("{id}.jsonl"));
    let rec = open_recording(&path).expect("recording reads");
    assert_eq!(rec.header.call_id.as_deref(), Some(id.as_str()));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"dir\":\"client\"") && text.contains("record me"));
    assert!(text.contains("response.done"));
    assert!(
        !text.contains(server_key_prefix()),
        "the mock key must not be recorded"
    );
}

fn server_key_prefix() -> &'static str {
    "sk-mock-"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_sessions_each_complete_a_turn() {
    let server = start_mock(fast()).await;
    let base = server.base_url();
    let key = server.key().to_string();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let (base, key) = (base.clone(), key.clone());
        tasks.push(tokio::spawn(async move {
            let signaling = Signaling::new(&base);
            let secret = signaling.mint_secret(&key, None).await.expect("mint");
            let conn = connect(
                &PeerSettings::loopback_offerer(),
                DEFAULT_OPEN_TIMEOUT,
                |sdp| {
                    let signaling = &signaling;
                    async move { signaling.post_offer(&secret.value, &sdp).await }
                },
            )
            .await
            .expect("connect");
            let mut c = TestClient::from_connection(conn);
            c.wait_for("session.created").await;
            c.send(&user_text(&format!("session {i}"))).await;
            c.send(
                &json!({"type": "response.create", "response": {"output_modalities": ["text"]}}),
            )
            .await;
            let done = c.wait_for("response.done").await;
            c.close().await;
            done["response"]["status"].as_str().unwrap().to_string()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), "completed");
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_rules_hold_over_the_data_channel() {
    let server = start_mock(fast()).await;
    let mut c = connect_default(&server).await;
    c.wait_for("session.created").await;
    // GA requires session.type; the whole update is refused and the id echoed.
    c.send(
        &json!({"type": "session.update", "event_id": "evt_1", "session": {"instructions": "x"}}),
    )
    .await;
    let err = c.wait_for("error").await;
    assert_eq!(err["error"]["code"], "missing_required_parameter");
    assert_eq!(err["error"]["param"], "session.type");
    assert_eq!(err["error"]["event_id"], "evt_1");
    // Items: create, retrieve, delete, and an unknown id.
    c.send(&user_text("remember me")).await;
    let added = c.wait_for("conversation.item.added").await;
    let id = added["item"]["id"].as_str().unwrap().to_string();
    c.send(&json!({"type": "conversation.item.retrieve", "item_id": id}))
        .await;
    c.wait_for("conversation.item.retrieved").await;
    c.send(&json!({"type": "conversation.item.delete", "item_id": id}))
        .await;
    c.wait_for("conversation.item.deleted").await;
    c.send(&json!({"type": "conversation.item.delete", "item_id": id}))
        .await;
    let err = c.wait_for("error").await;
    assert!(
        err["error"]["message"].as_str().unwrap().contains(&id),
        "{err}"
    );
    // Nothing to cancel, then one response at a time.
    c.send(&json!({"type": "response.cancel"})).await;
    let err = c.wait_for("error").await;
    assert_eq!(err["error"]["code"], "response_cancel_not_active");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn speech_during_a_spoken_reply_barges_in() {
    // Paced so the reply is still audible when the user starts talking.
    let server = start_mock(with_scenario(
        "[pace]\nfirst_delta_ms = 0\ndelta_interval_ms = 0\naudio_ms_per_char = 200",
    ))
    .await;
    let mut c = connect_default(&server).await;
    c.wait_for("session.created").await;
    c.send(&user_text("tell me a long story")).await;
    c.send(&json!({"type": "response.create"})).await;
    let started = c.wait_for("output_audio_buffer.started").await;
    let mut speech = vec![0i16; 48_000];
    Voice::new(9, "ash").fill(&mut speech);
    c.stream_audio(&speech).await;
    c.wait_for("input_audio_buffer.speech_started").await;
    let cleared = c.wait_for("output_audio_buffer.cleared").await;
    assert_eq!(cleared["response_id"], started["response_id"]);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_beta_mock_serves_old_clients_with_beta_names() {
    let server = start_mock(MockConfig {
        dialect: rtconsole::protocol::Dialect::Beta,
        ..fast()
    })
    .await;
    let signaling = Signaling::new(&server.base_url());
    let key = server.key().to_string();
    let conn = connect(
        &PeerSettings::loopback_offerer(),
        DEFAULT_OPEN_TIMEOUT,
        |sdp| {
            let signaling = &signaling;
            async move {
                signaling
                    .post_offer_beta(&key, &sdp, "gpt-4o-realtime-preview-2024-12-17")
                    .await
            }
        },
    )
    .await
    .expect("connect");
    assert!(
        conn.answer.call_id.is_none(),
        "beta answers carry no Location"
    );
    let mut c = TestClient::from_connection(conn);
    let created = c.wait_for("session.created").await;
    assert!(created["session"].get("modalities").is_some(), "{created}");
    c.send(
        &json!({"type": "conversation.item.create", "item": {"type": "message", "role": "user",
        "content": [{"type": "input_text", "text": "hi"}]}}),
    )
    .await;
    c.wait_for("conversation.item.created").await;
    c.send(&json!({"type": "response.create", "response": {"modalities": ["text"]}}))
        .await;
    c.wait_for("response.text.delta").await;
    c.wait_for("response.done").await;
    server.shutdown().await;
}

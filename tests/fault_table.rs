//! The fault table of the README's Troubleshooting section, one test per row: each
//! fault is staged against the mock (scenario faults) or a local server, and
//! `rtconsole run` must name it with its fix, exit with the documented status
//! (0 passed, 1 an expectation failed, 2 usage or connection errors) and leave a
//! recording that opens and replays.

#[path = "support/fault_kit.rs"]
mod fault_kit;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fault_kit::*;

/// A turn the mock answers; connection faults end the run before it starts.
const TURN: &str = "say hello\nexpect response.done within 10s\n";

/// `--mock` with a scenario, and the script `TURN` unless given.
fn with_scenario(scenario: &str, extra: &[&str], script: &str) -> Ran {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario_file(dir.path(), scenario);
    let mut args = vec!["--mock", "--scenario", file.as_str()];
    args.extend_from_slice(extra);
    run(&args, script, None)
}

fn failed_to_connect(ran: &Ran) {
    let last = ran.last_transport();
    assert_eq!(last["state"], "failed", "{last}");
}

#[test]
fn http_401_unauthorized() {
    let ran = with_scenario("[signaling]\nclient_secrets_status = 401", &[], TURN);
    ran.says(2, &["401 Unauthorized", "fix: check the API key"]);
    failed_to_connect(&ran);
}

#[test]
fn http_403_forbidden() {
    let ran = with_scenario("[signaling]\nclient_secrets_status = 403", &[], TURN);
    ran.says(2, &["403 Forbidden", "fix:", "permissions"]);
    failed_to_connect(&ran);
}

#[test]
fn http_404_not_found() {
    // A base URL with a wrong path: the mock answers 404 like any HTTP server.
    let mock = LiveMock::start();
    let wrong = mock.base_url().replace("/v1", "/v2");
    let ran = run(&["--base-url", &wrong], TURN, Some(&mock.key()));
    ran.says(
        2,
        &[
            "404 Not Found from",
            "/v2/realtime/client_secrets",
            "fix: check --base-url",
        ],
    );
    failed_to_connect(&ran);
}

#[test]
fn http_429_with_retry_after() {
    let ran = with_scenario(
        "[signaling]\nclient_secrets_status = 429\nretry_after_s = 7",
        &[],
        TURN,
    );
    ran.says(2, &["429", "retry after 7 s", "fix:"]);
    failed_to_connect(&ran);
}

#[test]
fn http_500_502_503_server_errors() {
    for status in [500, 502, 503] {
        let ran = with_scenario(&format!("[signaling]\ncalls_status = {status}"), &[], TURN);
        let named = format!("failed with {status} (a server-side error)");
        ran.says(
            2,
            &[
                &named,
                "did not say when to retry",
                "fix: not caused by your request",
            ],
        );
        failed_to_connect(&ran);
    }
}

#[test]
fn http_timeout() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (addr, _server) = silent_server(&rt);
    let base = format!("http://{addr}/v1");
    let ran = run(
        &["--base-url", &base, "--http-timeout", "1s"],
        TURN,
        Some(FAKE_KEY),
    );
    ran.says(
        2,
        &["timed out after 1 s", "did not answer", "--http-timeout"],
    );
    failed_to_connect(&ran);
}

#[test]
fn connection_refused() {
    let base = format!("http://127.0.0.1:{}/v1", refused_port());
    let ran = run(&["--base-url", &base], TURN, Some(FAKE_KEY));
    ran.says(2, &["cannot reach", "fix: check the network"]);
    failed_to_connect(&ran);
}

#[test]
fn unresolvable_host() {
    // `.invalid` never resolves (RFC 6761).
    let ran = run(
        &["--base-url", "http://rtconsole-fault-table.invalid/v1"],
        TURN,
        Some(FAKE_KEY),
    );
    ran.says(
        2,
        &[
            "cannot resolve the host",
            "fix: check the spelling of --base-url",
        ],
    );
    failed_to_connect(&ran);
}

#[test]
fn tls_failure() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (addr, _server) = self_signed_tls_server(&rt);
    let base = format!("https://localhost:{}/v1", addr.port());
    let ran = run(&["--base-url", &base], TURN, Some(FAKE_KEY));
    ran.says(2, &["TLS with https://localhost", "certificate", "fix:"]);
    failed_to_connect(&ran);
}

#[test]
fn non_sdp_answer() {
    let mock = LiveMock::start();
    let html: Rewrite = Arc::new(|_| {
        let page = "<!doctype html><html><body>Welcome</body></html>";
        ("text/html".into(), page.into())
    });
    let (base, _relay) = answer_rewriting_relay(&mock, html);
    let ran = run(&["--base-url", &base], TURN, Some(&mock.key()));
    ran.says(
        2,
        &[
            "is not SDP",
            "text/html",
            "fix: point --base-url at a Realtime API",
        ],
    );
    failed_to_connect(&ran);
}

#[test]
fn answer_with_no_usable_candidate() {
    let mock = LiveMock::start();
    let strip: Rewrite = Arc::new(|sdp| {
        let kept: Vec<&str> = sdp
            .split("\r\n")
            .filter(|l| !l.starts_with("a=candidate:"))
            .collect();
        ("application/sdp".into(), kept.join("\r\n"))
    });
    let (base, _relay) = answer_rewriting_relay(&mock, strip);
    let ran = run(&["--base-url", &base], TURN, Some(&mock.key()));
    ran.says(
        2,
        &["no usable ICE candidate", "no a=candidate lines", "fix:"],
    );
    failed_to_connect(&ran);
}

#[test]
fn data_channel_never_opens() {
    // The answer's ICE password is not the mock's: every check we send is refused,
    // so no path ever comes up, as when UDP is blocked.
    let mock = LiveMock::start();
    let wrong_pwd: Rewrite = Arc::new(|sdp| {
        let lines: Vec<String> = sdp
            .split("\r\n")
            .map(|l| match l.strip_prefix("a=ice-pwd:") {
                Some(_) => "a=ice-pwd:notthemockspasswordnotthemocks".to_string(),
                None => l.to_string(),
            })
            .collect();
        ("application/sdp".into(), lines.join("\r\n"))
    });
    let (base, _relay) = answer_rewriting_relay(&mock, wrong_pwd);
    let ran = run(
        &["--base-url", &base, "--open-timeout", "2s"],
        TURN,
        Some(&mock.key()),
    );
    ran.says(
        2,
        &[
            "the data channel did not open within 2s",
            "check UDP connectivity",
            "--open-timeout",
        ],
    );
    failed_to_connect(&ran);
}

/// How many events the mock has sent once `say hello`'s response is under way:
/// session.created, the user item's added and done, response.created,
/// rate_limits.updated, response.output_item.added. Faults fire after this many.
const MID_RESPONSE: u64 = 6;
/// … and once its audio is playing: the output item's conversation.item.added,
/// response.content_part.added, output_audio_buffer.started, two deltas.
const MID_AUDIO: u64 = MID_RESPONSE + 5;

#[test]
fn data_channel_closed_mid_turn() {
    let ran = with_scenario(
        &format!("[[fault]]\nafter_events = {MID_RESPONSE}\naction = \"close_data_channel\""),
        &[],
        TURN,
    );
    ran.says(
        2,
        &[
            "the server closed the data channel",
            "in progress and is cut short",
            "fix: run again",
        ],
    );
    assert_eq!(ran.last_transport()["state"], "closed");
}

#[test]
fn server_stops_sending() {
    let ran = with_scenario(
        &format!("[[fault]]\nafter_events = {MID_RESPONSE}\naction = \"stop_events\""),
        &["--stall-after", "1s"],
        "say hello\nexpect response.done within 4s\n",
    );
    // The warning, then the script's own verdict: its expectation failed.
    ran.says(
        1,
        &[
            "the server has sent nothing for",
            "check the network",
            "line 2",
        ],
    );
    assert_eq!(ran.notes("local.stall").len(), 1);
}

#[test]
fn audio_stops() {
    // A long spoken reply whose audio stops mid-way while its events go on.
    let scenario = format!(
        "[pace]\naudio_ms_per_char = 250\n\n[[reply]]\nwhen = \".\"\ntext = \"A reply that takes a while.\"\n\n[[fault]]\nafter_events = {MID_AUDIO}\naction = \"stop_audio\""
    );
    let ran = with_scenario(
        &scenario,
        &["--stall-after", "3s"],
        "say hello\nexpect output_audio_buffer.stopped within 30s\n",
    );
    // A warning: the events, and so the script, go on.
    ran.says(0, &["no audio from the server for", "UDP loss"]);
    let stalls = ran.notes("local.audio_stall");
    assert_eq!(stalls.len(), 1, "{stalls:?}");
}

#[test]
fn session_expired() {
    let ran = with_scenario(
        "[[fault]]\nafter_events = 1\naction = \"session_expired\"",
        &[],
        TURN,
    );
    ran.says(2, &["the session expired", "Start a new session"]);
    assert_eq!(ran.last_transport()["state"], "closed");
}

#[test]
fn hangup_by_server() {
    // Someone with the key ends the call (`POST /realtime/calls/{id}/hangup`), as
    // an app's backend does; the run is idle in a long sleep.
    let mock = LiveMock::start();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("idle.rtc");
    std::fs::write(&script, "sleep 60s\n").unwrap();
    let rec = dir.path().join("idle.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rtconsole"))
        .env_remove("OPENAI_API_KEY")
        .env_remove("RTCONSOLE_LOG")
        .env(KEY_ENV, mock.key())
        .args([
            "run",
            "--base-url",
            &mock.base_url(),
            "--api-key-env",
            KEY_ENV,
            "--record",
        ])
        .arg(&rec)
        .arg(&script)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut said = String::new();
    let until = Instant::now() + Duration::from_secs(20);
    let call_id = loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "ended early: {said}"
        );
        said.push_str(&line);
        if let Some(id) = line.trim().strip_prefix("connected: call ") {
            break id.to_string();
        }
        assert!(Instant::now() < until, "never connected: {said}");
    };
    let hangup = format!("{}/realtime/calls/{call_id}/hangup", mock.base_url());
    let key = mock.key();
    let status = mock.rt.block_on(async {
        reqwest::Client::new()
            .post(&hangup)
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
            .status()
    });
    assert!(status.is_success(), "{status}");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    said.push_str(&rest);
    let code = child.wait().unwrap().code();
    let recording = intact(&rec, &said);
    let ran = Ran {
        code,
        stderr: said,
        recording,
        recording_text: std::fs::read_to_string(&rec).unwrap(),
    };
    ran.says(
        2,
        &[
            "the server closed the data channel",
            "hang-up",
            "fix: run again",
        ],
    );
    assert_eq!(ran.last_transport()["state"], "closed");
}

//! The mock's HTTP surface, checked over loopback with rtconsole's own signaling
//! client and raw reqwest: keys, client secrets, call shapes, beta paths, CORS,
//! injected signaling faults.

use std::sync::Arc;

use rtconsole::mock::scenario::Scenario;
use rtconsole::mock::{MockConfig, MockServer};
use rtconsole::protocol::Dialect;
use rtconsole::transport::signaling::{Signaling, SignalingError};
use serde_json::{json, Value};

async fn mock(config: MockConfig) -> MockServer {
    MockServer::start(config).await.expect("mock starts")
}

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

async fn error_of(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.expect("error body is JSON");
    (status, body["error"].clone())
}

#[tokio::test]
async fn client_secret_carries_the_validated_session_and_expiry() {
    let server = mock(MockConfig::default()).await;
    let url = format!("{}/realtime/client_secrets", server.base_url());
    let body = json!({
        "expires_after": {"anchor": "created_at", "seconds": 120},
        "session": {"type": "realtime", "instructions": "be brief", "audio": {"output": {"voice": "cedar"}}}
    });
    let resp = http()
        .post(&url)
        .bearer_auth(server.key())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    let value = v["value"].as_str().unwrap();
    assert!(value.starts_with("ek_") && value.len() == 35, "{value}");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let exp = v["expires_at"].as_u64().unwrap();
    assert!((now + 118..=now + 122).contains(&exp), "{exp} vs {now}");
    assert_eq!(v["session"]["instructions"], "be brief");
    assert_eq!(v["session"]["audio"]["output"]["voice"], "cedar");
    assert_eq!(v["session"]["object"], "realtime.session");
    server.shutdown().await;
}

#[tokio::test]
async fn client_secret_requests_are_checked_like_the_api() {
    let server = mock(MockConfig::default()).await;
    let url = format!("{}/realtime/client_secrets", server.base_url());
    for (body, code, param) in [
        (
            json!({"expires_after": {"seconds": 5}}),
            "integer_below_min_value",
            "expires_after.seconds",
        ),
        (
            json!({"expires_after": {"seconds": 7201}}),
            "integer_above_max_value",
            "expires_after.seconds",
        ),
        (
            json!({"expires_after": {"anchor": "now"}}),
            "invalid_value",
            "expires_after.anchor",
        ),
        (json!({"sesion": {}}), "unknown_parameter", "sesion"),
    ] {
        let resp = http()
            .post(&url)
            .bearer_auth(server.key())
            .json(&body)
            .send()
            .await
            .unwrap();
        let (status, err) = error_of(resp).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(err["code"], code, "{body}: {err}");
        assert_eq!(err["param"], param, "{body}: {err}");
        assert_eq!(err["type"], "invalid_request_error");
    }
    // A session that session.update would reject is rejected here, with its path.
    let resp = http()
        .post(&url)
        .bearer_auth(server.key())
        .json(&json!({"session": {"type": "realtime", "voise": "cedar"}}))
        .send()
        .await
        .unwrap();
    let (status, err) = error_of(resp).await;
    assert_eq!(status, 400);
    assert!(err["param"].as_str().unwrap().contains("voise"), "{err}");
    server.shutdown().await;
}

#[tokio::test]
async fn bad_missing_and_expired_keys_get_401_without_echoing_the_key() {
    let server = mock(MockConfig::default()).await;
    let url = format!("{}/realtime/client_secrets", server.base_url());
    let wrong = concat!("sk-", "proj-", "WRONGWRONGWRONGWRONGWRONG");
    let resp = http()
        .post(&url)
        .bearer_auth(wrong)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let (status, err) = error_of(resp).await;
    assert_eq!(status, 401);
    assert_eq!(err["code"], "invalid_api_key");
    assert!(!err.to_string().contains("WRONGWRONG"), "{err}");

    let resp = http().post(&url).json(&json!({})).send().await.unwrap();
    assert_eq!(resp.status(), 401);

    // The minimum lifetime is 10 s; a secret used after it ends is refused.
    let signaling = Signaling::new(&server.base_url());
    let resp = http()
        .post(&url)
        .bearer_auth(server.key())
        .json(&json!({"expires_after": {"seconds": 10}}))
        .send()
        .await
        .unwrap();
    let v: Value = resp.json().await.unwrap();
    let ek = v["value"].as_str().unwrap().to_string();
    // A client secret cannot mint more secrets.
    let resp = http()
        .post(&url)
        .bearer_auth(&ek)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    // A secret is accepted by /calls (the offer is nonsense, so 400, not 401).
    let resp = http()
        .post(format!("{}/realtime/calls", server.base_url()))
        .bearer_auth(&ek)
        .header("content-type", "application/sdp")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let err = signaling.post_offer(wrong, "v=0\r\n").await.unwrap_err();
    assert!(matches!(err, SignalingError::Unauthorized { .. }), "{err}");
    assert!(!err.to_string().contains("WRONGWRONG"));
    server.shutdown().await;
}

#[tokio::test]
async fn a_non_sdp_offer_is_a_400_that_says_what_to_send() {
    let server = mock(MockConfig::default()).await;
    let resp = http()
        .post(format!("{}/realtime/calls", server.base_url()))
        .bearer_auth(server.key())
        .header("content-type", "application/sdp")
        .body("{\"sdp\": 1}")
        .send()
        .await
        .unwrap();
    let (status, err) = error_of(resp).await;
    assert_eq!(status, 400);
    assert_eq!(err["code"], "invalid_sdp");
    assert!(err["message"].as_str().unwrap().contains("application/sdp"));
    // SDP-looking text the WebRTC stack cannot use is the client's fault too.
    let resp = http()
        .post(format!("{}/realtime/calls", server.base_url()))
        .bearer_auth(server.key())
        .header("content-type", "application/sdp")
        .body("v=0\r\nnonsense\r\n")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    server.shutdown().await;
}

#[tokio::test]
async fn beta_paths_are_retired_unless_the_mock_plays_a_beta_server() {
    let server = mock(MockConfig::default()).await;
    let base = server.base_url();
    let resp = http()
        .post(format!("{base}/realtime/sessions"))
        .bearer_auth(server.key())
        .json(&json!({"model": "gpt-4o-realtime-preview-2024-12-17"}))
        .send()
        .await
        .unwrap();
    let (status, err) = error_of(resp).await;
    assert_eq!(status, 400);
    assert_eq!(err["code"], "beta_api_shape_disabled");
    let signaling = Signaling::new(&base);
    let err = signaling
        .post_offer_beta(server.key(), "v=0\r\n", "gpt-4o-realtime-preview")
        .await
        .unwrap_err();
    assert!(matches!(err, SignalingError::BetaDisabled { .. }), "{err}");
    assert!(err.to_string().contains("no longer supported"), "{err}");
    server.shutdown().await;

    let beta = mock(MockConfig {
        dialect: Dialect::Beta,
        ..MockConfig::default()
    })
    .await;
    let resp = http()
        .post(format!("{}/realtime/sessions", beta.base_url()))
        .bearer_auth(beta.key())
        .json(&json!({"model": "gpt-4o-realtime-preview-2024-12-17", "voice": "verse"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert!(v["client_secret"]["value"]
        .as_str()
        .unwrap()
        .starts_with("ek_"));
    assert_eq!(v["voice"], "verse", "{v}");
    assert!(v.get("modalities").is_some(), "beta sessions are flat: {v}");
    beta.shutdown().await;
}

#[tokio::test]
async fn cors_lets_another_origin_post_and_read_location() {
    let server = mock(MockConfig::default()).await;
    let resp = http()
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/realtime/calls", server.base_url()),
        )
        .header("origin", "http://127.0.0.1:9")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    let h = resp.headers();
    assert_eq!(h["access-control-allow-origin"], "*");
    let resp = http()
        .post(format!("{}/realtime/client_secrets", server.base_url()))
        .header("origin", "http://127.0.0.1:9")
        .bearer_auth(server.key())
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let exposed = resp.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("location"), "{exposed}");
    server.shutdown().await;
}

#[tokio::test]
async fn hangup_of_an_unknown_call_is_a_404_and_unknown_paths_say_what_exists() {
    let server = mock(MockConfig::default()).await;
    let resp = http()
        .post(format!(
            "{}/realtime/calls/rtc_nope/hangup",
            server.base_url()
        ))
        .bearer_auth(server.key())
        .send()
        .await
        .unwrap();
    let (status, err) = error_of(resp).await;
    assert_eq!(status, 404);
    assert!(err["message"].as_str().unwrap().contains("Location"));
    let resp = http()
        .get(format!("{}/models", server.base_url()))
        .send()
        .await
        .unwrap();
    let (status, err) = error_of(resp).await;
    assert_eq!(status, 404);
    assert!(err["message"]
        .as_str()
        .unwrap()
        .contains("/v1/realtime/calls"));
    server.shutdown().await;
}

fn scenario(text: &str) -> Arc<Scenario> {
    Arc::new(Scenario::parse(text).expect("scenario parses"))
}

#[tokio::test]
async fn injected_signaling_statuses_fail_the_first_requests_then_recover() {
    for (status, check) in [
        (401u16, "Unauthorized"),
        (429, "RateLimited"),
        (500, "ServerError"),
        (403, "Forbidden"),
    ] {
        let server = mock(MockConfig {
            scenario: scenario(&format!(
                "[signaling]\nclient_secrets_status = {status}\nfail_times = 1"
            )),
            ..MockConfig::default()
        })
        .await;
        let signaling = Signaling::new(&server.base_url());
        let err = signaling.mint_secret(server.key(), None).await.unwrap_err();
        let kind = format!("{err:?}");
        assert!(kind.starts_with(check), "{status}: {kind}");
        assert!(
            signaling.mint_secret(server.key(), None).await.is_ok(),
            "second request succeeds"
        );
        server.shutdown().await;
    }
    let server = mock(MockConfig {
        scenario: scenario("[signaling]\ncalls_status = 429"),
        ..MockConfig::default()
    })
    .await;
    let signaling = Signaling::new(&server.base_url());
    let err = signaling
        .post_offer(server.key(), "v=0\r\n")
        .await
        .unwrap_err();
    assert!(matches!(err, SignalingError::RateLimited { .. }), "{err}");
    assert!(err.to_string().contains("quota"), "{err}");
    server.shutdown().await;
}

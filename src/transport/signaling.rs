//! HTTP signaling of the Realtime API: mint a client secret, post the SDP offer, keep
//! the call id from `Location`, hang up. Every failure a user meets becomes a
//! [`SignalingError`] whose message names the cause and the fix, and never a secret.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, LOCATION};
use reqwest::Client;
use serde_json::{json, Value};

use crate::protocol::redact::redact_text;

mod error;
pub use error::{error_from_status, SignalingError};
use error::{retry_after_secs, transport_error};

pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

/// A client secret (`ek_…`) and what the server said about it.
#[derive(Clone)]
pub struct ClientSecret {
    pub value: String,
    /// Unix seconds; 0 when the server did not say.
    pub expires_at: u64,
    pub session: Option<Value>,
}

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSecret")
            .field("value", &"ek_…[redacted]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// The SDP answer and the call id from `Location` (GA only).
#[derive(Debug, Clone)]
pub struct Answer {
    pub sdp: String,
    pub call_id: Option<String>,
}

/// How long one HTTP request may take; `--http-timeout` changes it.
pub const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(20);

pub struct Signaling {
    http: Client,
    base_url: String,
    timeout: Duration,
}

impl Signaling {
    pub fn new(base_url: &str) -> Signaling {
        Signaling::with_timeout(base_url, DEFAULT_HTTP_TIMEOUT)
    }

    pub fn with_timeout(base_url: &str, timeout: Duration) -> Signaling {
        let http = Client::builder()
            .timeout(timeout)
            .user_agent(concat!("rtconsole/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        Signaling {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
            timeout,
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// GA: `POST /realtime/client_secrets` with the standard key and the initial session.
    pub async fn mint_secret(
        &self,
        api_key: &str,
        session: Option<&Value>,
    ) -> Result<ClientSecret, SignalingError> {
        let url = format!("{}/realtime/client_secrets", self.base_url);
        let mut body = json!({});
        if let Some(s) = session {
            body["session"] = s.clone();
        }
        let what = "minting a client secret";
        let resp = self
            .http
            .post(&url)
            .header(AUTHORIZATION, format!("Bearer {api_key}"))
            .json(&body)
            .send()
            .await
            .map_err(|e| self.transport_error(&url, e))?;
        let v = json_body(what, resp).await?;
        parse_secret(what, &v)
    }

    /// `--token-url`: your backend mints the secret, as it would for a browser. GA
    /// backends return `{value}`, beta-era ones `{client_secret:{value}}`.
    pub async fn secret_from_backend(&self, url: &str) -> Result<ClientSecret, SignalingError> {
        let what = "getting a client secret from --token-url";
        let resp = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| self.transport_error(url, e))?;
        let v = json_body(what, resp).await?;
        parse_secret(what, &v)
    }

    /// GA: `POST /realtime/calls` with the raw offer and a client secret (or key).
    pub async fn post_offer(&self, bearer: &str, sdp: &str) -> Result<Answer, SignalingError> {
        let url = format!("{}/realtime/calls", self.base_url);
        let req = self
            .http
            .post(&url)
            .header(AUTHORIZATION, format!("Bearer {bearer}"))
            .header(CONTENT_TYPE, "application/sdp")
            .body(sdp.to_string());
        self.answer("posting the SDP offer", &url, req).await
    }

    /// GA unified interface: multipart `sdp` + `session` with the standard key.
    pub async fn post_offer_multipart(
        &self,
        api_key: &str,
        sdp: &str,
        session: &Value,
    ) -> Result<Answer, SignalingError> {
        let url = format!("{}/realtime/calls", self.base_url);
        let form = reqwest::multipart::Form::new()
            .part(
                "sdp",
                reqwest::multipart::Part::text(sdp.to_string())
                    .mime_str("application/sdp")
                    .expect("static mime"),
            )
            .part(
                "session",
                reqwest::multipart::Part::text(session.to_string())
                    .mime_str("application/json")
                    .expect("static mime"),
            );
        let req = self
            .http
            .post(&url)
            .header(AUTHORIZATION, format!("Bearer {api_key}"))
            .multipart(form);
        self.answer("posting the SDP offer", &url, req).await
    }

    /// Beta: `POST /realtime?model=…` (legacy servers only).
    pub async fn post_offer_beta(
        &self,
        bearer: &str,
        sdp: &str,
        model: &str,
    ) -> Result<Answer, SignalingError> {
        let url = format!("{}/realtime", self.base_url);
        let req = self
            .http
            .post(&url)
            .query(&[("model", model)])
            .header(AUTHORIZATION, format!("Bearer {bearer}"))
            .header(CONTENT_TYPE, "application/sdp")
            .body(sdp.to_string());
        self.answer("posting the SDP offer", &url, req).await
    }

    /// `POST /realtime/calls/{id}/hangup`; ends the call on the server at once.
    pub async fn hangup(&self, api_key: &str, call_id: &str) -> Result<(), SignalingError> {
        let url = format!("{}/realtime/calls/{call_id}/hangup", self.base_url);
        let resp = self
            .http
            .post(&url)
            .header(AUTHORIZATION, format!("Bearer {api_key}"))
            .send()
            .await
            .map_err(|e| self.transport_error(&url, e))?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(status_error("hanging up", resp).await)
        }
    }

    fn transport_error(&self, url: &str, e: reqwest::Error) -> SignalingError {
        transport_error(url, e, self.timeout)
    }

    async fn answer(
        &self,
        what: &'static str,
        url: &str,
        req: reqwest::RequestBuilder,
    ) -> Result<Answer, SignalingError> {
        let resp = req.send().await.map_err(|e| self.transport_error(url, e))?;
        if !resp.status().is_success() {
            return Err(status_error(what, resp).await);
        }
        let call_id = resp
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(call_id_from_location);
        let content_type = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let sdp = resp
            .text()
            .await
            .map_err(|e| self.transport_error(url, e))?;
        if !sdp.trim_start().starts_with("v=0") {
            let start: String = redact_text(sdp.trim_start()).chars().take(60).collect();
            return Err(SignalingError::NotSdp {
                content_type,
                start,
            });
        }
        Ok(Answer { sdp, call_id })
    }
}

/// `Location: /v1/realtime/calls/rtc_…` → `rtc_…` (the last path segment).
pub fn call_id_from_location(location: &str) -> Option<String> {
    let path = location.split(['?', '#']).next()?;
    let last = path.trim_end_matches('/').rsplit('/').next()?;
    (!last.is_empty()).then(|| last.to_string())
}

fn parse_secret(what: &'static str, v: &Value) -> Result<ClientSecret, SignalingError> {
    let (value, expires_at) = match v.get("value").and_then(Value::as_str) {
        Some(value) => (value, v.get("expires_at")),
        None => match v.pointer("/client_secret/value").and_then(Value::as_str) {
            Some(value) => (value, v.pointer("/client_secret/expires_at")),
            None => {
                return Err(SignalingError::BadResponse {
                    what,
                    detail: "no `value` (GA) or `client_secret.value` (beta) in the JSON; a token endpoint must return the client secret it minted".into(),
                })
            }
        },
    };
    Ok(ClientSecret {
        value: value.to_string(),
        expires_at: expires_at.and_then(Value::as_u64).unwrap_or(0),
        session: v.get("session").cloned(),
    })
}

async fn json_body(what: &'static str, resp: reqwest::Response) -> Result<Value, SignalingError> {
    if !resp.status().is_success() {
        return Err(status_error(what, resp).await);
    }
    let text = resp.text().await.unwrap_or_default();
    serde_json::from_str(&text).map_err(|e| SignalingError::BadResponse {
        what,
        detail: format!(
            "not JSON ({e}): {}",
            redact_text(&text).chars().take(80).collect::<String>()
        ),
    })
}

/// Turns an HTTP error status and its OpenAI error envelope into the matching error.
async fn status_error(what: &'static str, resp: reqwest::Response) -> SignalingError {
    let status = resp.status().as_u16();
    let url = redact_text(resp.url().as_str()).into_owned();
    let retry_after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(retry_after_secs);
    let text = resp.text().await.unwrap_or_default();
    match error_from_status(what, status, &text) {
        SignalingError::RateLimited { what, message, .. } => SignalingError::RateLimited {
            what,
            message,
            retry_after_secs: retry_after,
        },
        SignalingError::ServerError {
            what,
            status,
            message,
            ..
        } => SignalingError::ServerError {
            what,
            status,
            message,
            retry_after_secs: retry_after,
        },
        SignalingError::NotFound { what, message, .. } => {
            SignalingError::NotFound { what, url, message }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_id_is_the_last_segment_of_location() {
        assert_eq!(
            call_id_from_location("/v1/realtime/calls/rtc_u1_9c65").as_deref(),
            Some("rtc_u1_9c65")
        );
        assert_eq!(
            call_id_from_location("https://x/v1/realtime/calls/calls/rtc_a/").as_deref(),
            Some("rtc_a")
        );
        assert_eq!(call_id_from_location(""), None);
    }

    #[test]
    fn secrets_parse_in_both_shapes() {
        let ga = parse_secret("t", &json!({"value": "ek_1", "expires_at": 5})).unwrap();
        assert_eq!((ga.value.as_str(), ga.expires_at), ("ek_1", 5));
        let beta = parse_secret(
            "t",
            &json!({"client_secret": {"value": "ek_2", "expires_at": 6}}),
        )
        .unwrap();
        assert_eq!((beta.value.as_str(), beta.expires_at), ("ek_2", 6));
        assert!(parse_secret("t", &json!({"nope": 1})).is_err());
        assert!(!format!("{ga:?}").contains("ek_1"));
    }
}

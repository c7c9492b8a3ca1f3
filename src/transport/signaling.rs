//! HTTP signaling of the Realtime API: mint a client secret, post the SDP offer, keep
//! the call id from `Location`, hang up. Every failure a user meets becomes a
//! [`SignalingError`] whose message names the cause and the fix, and never a secret.

use std::error::Error as _;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, LOCATION};
use reqwest::Client;
use serde_json::{json, Value};

use crate::protocol::redact::redact_text;

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

#[derive(Debug, thiserror::Error)]
pub enum SignalingError {
    #[error("no API key: set OPENAI_API_KEY (or name another variable with --api-key-env), or get client secrets from your backend with --token-url")]
    NoKey,
    #[error("{what} was refused with 401 Unauthorized: {message}\nfix: check the API key (a revoked or mistyped key gives this), or mint a fresh client secret")]
    Unauthorized { what: &'static str, message: String },
    #[error("{what} was refused: the client secret has expired ({message})\nfix: mint a new one just before connecting; secrets live 600 s unless expires_after.seconds says otherwise")]
    Expired { what: &'static str, message: String },
    #[error("{what} was refused with beta_api_shape_disabled: {message}\nfix: the beta API was shut down; drop --dialect beta to use the GA endpoints (/realtime/client_secrets, /realtime/calls)")]
    BetaDisabled { what: &'static str, message: String },
    #[error("{what} was refused with 403 Forbidden: {message}\nfix: the key is valid but may not use this: check the project's permissions and model access (a restricted key, a project without Realtime access, an unsupported region)")]
    Forbidden { what: &'static str, message: String },
    #[error("{what} got 404 Not Found{}: {message}\nfix: check --base-url (it ends in /v1, e.g. {DEFAULT_BASE_URL}) and --model", from_url(url))]
    NotFound {
        what: &'static str,
        url: String,
        message: String,
    },
    #[error("{what} was refused with 429 ({message}); {}\nfix: you are out of quota or rate limited; check billing and limits at https://platform.openai.com/settings/organization/limits", retry_text(*.retry_after_secs))]
    RateLimited {
        what: &'static str,
        message: String,
        retry_after_secs: Option<u64>,
    },
    #[error("{what} failed with {status} (a server-side error): {message}; {}\nfix: not caused by your request; retry (with backoff); if it persists, check https://status.openai.com", retry_text(*.retry_after_secs))]
    ServerError {
        what: &'static str,
        status: u16,
        message: String,
        retry_after_secs: Option<u64>,
    },
    #[error("{what} failed with {status}: {message}")]
    Status {
        what: &'static str,
        status: u16,
        message: String,
    },
    #[error("cannot resolve the host of {url}: {detail}\nfix: check the spelling of --base-url / --token-url and your DNS or network")]
    Dns { url: String, detail: String },
    #[error("cannot reach {url}: {detail}\nfix: check the network, a proxy or firewall, and that the server is running")]
    Unreachable { url: String, detail: String },
    #[error("TLS with {url} failed: {detail}\nfix: check the system clock and any TLS-intercepting proxy; the server's certificate must be valid")]
    Tls { url: String, detail: String },
    #[error("{url} timed out after {secs} s: the server accepted the connection but did not answer\nfix: check the network, a proxy or firewall, and the server; --http-timeout sets the wait")]
    Timeout { url: String, secs: u64 },
    #[error("the answer to the SDP offer is not SDP (Content-Type {content_type:?}, body starts {start:?})\nfix: point --base-url at a Realtime API (…/v1), not at a web page or proxy")]
    NotSdp { content_type: String, start: String },
    #[error("no such call (404 call_id_not_found): {message}\nfix: check the call id (`rtc_…`, from the `Location` of the SDP answer); right after a call is created the API can answer 404 for a moment, so try again; a call that has ended cannot be attached")]
    CallNotFound { message: String },
    #[error("{what} answered something unexpected: {detail}")]
    BadResponse { what: &'static str, detail: String },
}

/// " from URL", or nothing when the URL is not known (the socket handshake).
fn from_url(url: &str) -> String {
    if url.is_empty() {
        String::new()
    } else {
        format!(" from {url}")
    }
}

/// What the server's `Retry-After` said, as the user reads it.
fn retry_text(secs: Option<u64>) -> String {
    match secs {
        Some(s) => format!("retry after {s} s (the server's Retry-After)"),
        None => "the server did not say when to retry: wait a minute, then retry".into(),
    }
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

/// `Retry-After` in seconds (RFC 9110 also allows a date, which the API does not
/// send; it is ignored rather than misread).
fn retry_after_secs(value: &str) -> Option<u64> {
    value.trim().parse().ok()
}

/// The error for an HTTP status and its body (the OpenAI error envelope, or
/// anything else): shared by the REST calls and the socket handshake.
pub fn error_from_status(what: &'static str, status: u16, text: &str) -> SignalingError {
    let envelope: Option<Value> = serde_json::from_str(text).ok();
    let code = envelope
        .as_ref()
        .and_then(|v| v.pointer("/error/code"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let message = envelope
        .as_ref()
        .and_then(|v| v.pointer("/error/message"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| text.chars().take(200).collect());
    // The server may quote part of the key; never show it.
    let message = redact_text(&message).into_owned();
    match (status, code.as_str()) {
        (_, "beta_api_shape_disabled") => SignalingError::BetaDisabled { what, message },
        (_, "expired_client_secret") => SignalingError::Expired { what, message },
        (_, "call_id_not_found") => SignalingError::CallNotFound { message },
        (401, _) if message.to_ascii_lowercase().contains("expired") => {
            SignalingError::Expired { what, message }
        }
        (401, _) => SignalingError::Unauthorized { what, message },
        (403, _) => SignalingError::Forbidden { what, message },
        (404, _) => SignalingError::NotFound {
            what,
            url: String::new(),
            message,
        },
        (429, _) => SignalingError::RateLimited {
            what,
            message,
            retry_after_secs: None,
        },
        (500..=599, _) => SignalingError::ServerError {
            what,
            status,
            message,
            retry_after_secs: None,
        },
        _ => SignalingError::Status {
            what,
            status,
            message,
        },
    }
}

fn transport_error(url: &str, e: reqwest::Error, timeout: Duration) -> SignalingError {
    let url = redact_text(url).into_owned();
    let mut chain = Vec::new();
    let mut source = e.source();
    while let Some(s) = source {
        chain.push(s.to_string());
        source = s.source();
    }
    let detail = redact_text(&chain.join(": ")).into_owned();
    let lower = detail.to_ascii_lowercase();
    if e.is_timeout() {
        SignalingError::Timeout {
            url,
            secs: timeout.as_secs_f64().ceil() as u64,
        }
    } else if lower.contains("dns")
        || lower.contains("failed to lookup")
        || lower.contains("name or service not known")
    {
        SignalingError::Dns { url, detail }
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        SignalingError::Tls { url, detail }
    } else {
        SignalingError::Unreachable { url, detail }
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
    fn statuses_become_named_errors_with_their_fix() {
        let body = r#"{"error":{"message":"nope","code":null}}"#;
        let e = error_from_status("t", 403, body);
        assert!(matches!(e, SignalingError::Forbidden { .. }), "{e:?}");
        let e = error_from_status("t", 404, body);
        assert!(e.to_string().contains("404 Not Found: nope"), "{e}");
        for status in [500, 502, 503] {
            let e = error_from_status("t", status, "<html>bad gateway</html>");
            let text = e.to_string();
            assert!(text.contains(&format!("failed with {status} (a server-side error)")));
            assert!(text.contains("did not say when to retry"), "{text}");
        }
        let e = SignalingError::RateLimited {
            what: "t",
            message: "slow down".into(),
            retry_after_secs: Some(7),
        };
        assert!(e.to_string().contains("retry after 7 s"), "{e}");
    }

    #[test]
    fn retry_after_is_read_in_seconds_only() {
        assert_eq!(retry_after_secs(" 7 "), Some(7));
        assert_eq!(retry_after_secs("Wed, 21 Oct 2026 07:28:00 GMT"), None);
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

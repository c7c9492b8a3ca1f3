//! The errors of HTTP signaling: each names the cause and the fix, and never a
//! secret (server text is redacted before it is kept).

use std::error::Error as _;
use std::time::Duration;

use serde_json::Value;

use crate::protocol::redact::redact_text;

use super::DEFAULT_BASE_URL;

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

/// `Retry-After` in seconds (RFC 9110 also allows a date, which the API does not
/// send; it is ignored rather than misread).
pub(super) fn retry_after_secs(value: &str) -> Option<u64> {
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

pub(super) fn transport_error(url: &str, e: reqwest::Error, timeout: Duration) -> SignalingError {
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
}

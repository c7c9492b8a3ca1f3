//! HTTP errors in the OpenAI envelope: `{"error":{"message","type","param","code"}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::keys::AuthError;
use crate::protocol::validate::Problem;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub code: Option<&'static str>,
    pub param: Option<String>,
    pub message: String,
}

impl ApiError {
    pub fn invalid(code: &'static str, param: Option<String>, message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            kind: "invalid_request_error",
            code: Some(code),
            param,
            message: message.into(),
        }
    }

    pub fn auth(e: &AuthError) -> Self {
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            kind: "invalid_request_error",
            code: e.code(),
            param: None,
            message: e.message().to_string(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            kind: "invalid_request_error",
            code: Some("not_found"),
            param: None,
            message: message.into(),
        }
    }

    /// The real API's answer to anything beta-shaped since 2026-05-12.
    pub fn beta_disabled() -> Self {
        ApiError::invalid(
            "beta_api_shape_disabled",
            None,
            "The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API.",
        )
    }

    /// A session config that fails validation, reported like the API reports a bad
    /// `session.update`: the first problem, with its path as `param`.
    pub fn bad_session(problems: &[Problem], prefix: &str) -> Self {
        let first = problems.first();
        let param = first.map(|p| {
            if p.path.is_empty() {
                prefix.to_string()
            } else {
                format!("{prefix}.{}", p.path.trim_start_matches("session."))
            }
        });
        let mut message = match first {
            Some(p) => format!(
                "Invalid '{}': {}",
                param.clone().unwrap_or_default(),
                p.message
            ),
            None => "Invalid session.".to_string(),
        };
        if problems.len() > 1 {
            message.push_str(&format!(" ({} more problems)", problems.len() - 1));
        }
        ApiError::invalid("invalid_value", param, message)
    }

    /// A scenario-injected signaling failure with the body the real API sends.
    pub fn injected(status: u16) -> Self {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let (kind, code, message) = match status.as_u16() {
            401 => ("invalid_request_error", Some("invalid_api_key"), "Incorrect API key provided (injected by the mock scenario)."),
            403 => ("invalid_request_error", None, "You are not allowed to use this model or endpoint (injected by the mock scenario)."),
            429 => ("requests", Some("rate_limit_exceeded"), "Rate limit reached for requests (injected by the mock scenario)."),
            s if s >= 500 => ("server_error", None, "The server had an error while processing your request. Sorry about that! (injected by the mock scenario)"),
            _ => ("invalid_request_error", None, "Request refused (injected by the mock scenario)."),
        };
        ApiError {
            status,
            kind,
            code,
            param: None,
            message: message.to_string(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {
            "message": self.message,
            "type": self.kind,
            "param": self.param,
            "code": self.code,
        }});
        (self.status, Json(body)).into_response()
    }
}

//! The proxy's plain HTTP: `client_secrets`, hangups and the other call requests
//! forwarded to the upstream as they are, and a clear refusal for what it does not
//! serve.

use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::{ProxyEvent, Shared};
use crate::protocol::redact::redact_text;

/// Request headers that decide what the upstream does; passed through unchanged.
const REQUEST_HEADERS: [&str; 5] = [
    "authorization",
    "content-type",
    "openai-beta",
    "openai-organization",
    "openai-project",
];

/// The request headers an app's session depends on, besides its body's type.
const SESSION_HEADERS: [&str; 4] = [
    "authorization",
    "openai-beta",
    "openai-organization",
    "openai-project",
];

/// The app's credential and session headers, to pass through unchanged; kept only
/// in memory, never shown.
pub(super) fn passed_headers(headers: &HeaderMap) -> Vec<(&'static str, HeaderValue)> {
    SESSION_HEADERS
        .iter()
        .flat_map(|name| headers.get_all(*name).iter().map(|v| (*name, v.clone())))
        .collect()
}

/// Response headers not passed back: they describe the upstream connection, not
/// the answer, and the proxy's server sets its own.
const HOP_HEADERS: [&str; 6] = [
    "connection",
    "content-length",
    "keep-alive",
    "transfer-encoding",
    "upgrade",
    "date",
];

/// An error in the OpenAI envelope, so SDKs show its message.
pub(super) fn api_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({"error": {
        "message": message,
        "type": "invalid_request_error",
        "param": null,
        "code": code,
    }});
    (status, Json(body)).into_response()
}

/// `POST /v1/realtime/client_secrets` (and `/v1/realtime/calls/{id}/…`): what the app
/// sent, to the upstream; its answer, to the app.
pub(super) async fn forward(
    State(shared): State<Arc<Shared>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let conn = shared.next_conn();
    let base = reqwest::Url::parse(&shared.upstream).expect("checked when the proxy started");
    let mut url = base.clone();
    url.set_path(&shared.upstream_path(base.path(), uri.path()));
    url.set_query(uri.query());
    let mut request = shared.http.post(url.clone()).body(body.clone());
    for name in REQUEST_HEADERS {
        for value in headers.get_all(name) {
            request = request.header(name, value.as_bytes());
        }
    }
    let request_text = String::from_utf8_lossy(&body).into_owned();
    let (response, response_text) = match request.send().await {
        Ok(answer) => {
            let status =
                StatusCode::from_u16(answer.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
            let mut builder = Response::builder().status(status);
            for (name, value) in answer.headers() {
                if !HOP_HEADERS.contains(&name.as_str()) {
                    builder = builder.header(name.as_str(), value.as_bytes());
                }
            }
            match answer.bytes().await {
                Ok(bytes) => {
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    let response = builder
                        .body(Body::from(bytes))
                        .unwrap_or_else(|_| status.into_response());
                    (response, text)
                }
                Err(e) => unreachable_upstream(&url, &e),
            }
        }
        Err(e) => unreachable_upstream(&url, &e),
    };
    shared
        .emit(ProxyEvent::Http {
            conn,
            at: Instant::now(),
            method: Method::POST.to_string(),
            path: uri.path().to_string(),
            status: response.status().as_u16(),
            request: request_text,
            response: response_text,
        })
        .await;
    response
}

fn unreachable_upstream(url: &reqwest::Url, e: &reqwest::Error) -> (Response, String) {
    let message = format!(
        "rtconsole proxy could not reach {}: {}; check --upstream and the network",
        redact_text(url.as_str()),
        redact_text(&e.to_string())
    );
    (
        api_error(
            StatusCode::BAD_GATEWAY,
            "proxy_upstream_unreachable",
            &message,
        ),
        message,
    )
}

/// `POST /v1/realtime/calls/{call_id}/{action}` (`hangup`, and the SIP call's
/// `accept`, `reject`, `refer`): forwarded; after a hangup the relay of that call
/// ends on our side too.
pub(super) async fn call_action(
    State(shared): State<Arc<Shared>>,
    Path((call_id, action)): Path<(String, String)>,
    uri: OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if action == "hangup" {
        // Before forwarding: the upstream may end the call before it answers.
        shared.hang_up_call(&call_id);
    }
    forward(State(shared), uri, headers, body).await
}

/// Anything else: name what the proxy serves.
pub(super) async fn not_served(
    State(shared): State<Arc<Shared>>,
    OriginalUri(uri): OriginalUri,
    method: Method,
    body: Bytes,
) -> Response {
    let message = format!(
        "rtconsole proxy does not relay {method} {}; it serves GET /v1/realtime (WebSocket sessions), POST /v1/realtime/calls (WebRTC calls), POST /v1/realtime/calls/{{call_id}}/… and POST /v1/realtime/client_secrets",
        uri.path()
    );
    let response = api_error(StatusCode::NOT_FOUND, "proxy_path_not_relayed", &message);
    refused_here(&shared, &uri, method, body, response, &message).await
}

async fn refused_here(
    shared: &Shared,
    uri: &axum::http::Uri,
    method: Method,
    body: Bytes,
    response: Response,
    message: &str,
) -> Response {
    shared
        .emit(ProxyEvent::Http {
            conn: shared.next_conn(),
            at: Instant::now(),
            method: method.to_string(),
            path: uri.path().to_string(),
            status: response.status().as_u16(),
            request: String::from_utf8_lossy(&body).into_owned(),
            response: json!({"error": {"message": message}}).to_string(),
        })
        .await;
    response
}

//! The mock's HTTP surface under `/v1`, shaped like the real API: client secrets,
//! WebRTC calls and hang-up, the retired beta paths, CORS for browser pages.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use futures_util::FutureExt;
use serde_json::{json, Map, Value};
use tower_http::cors::{Any, CorsLayer};

use super::api_error::ApiError;
use super::call::{self, CallError};
use super::keys::{Caller, SECRET_TTL_DEFAULT, SECRET_TTL_MAX, SECRET_TTL_MIN};
use super::server::App;
use crate::protocol::validate::validate_session_value;
use crate::protocol::Dialect;

/// CORS as the API allows it for browser pages: any origin, and `Location` exposed.
pub(crate) fn browser_cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::POST, Method::GET, Method::OPTIONS])
        .allow_headers(Any)
        // A page reads the call id from Location; browsers hide it unless exposed.
        .expose_headers([LOCATION])
}

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/v1/realtime/client_secrets", post(client_secrets))
        .route("/v1/realtime/calls", post(create_call))
        .route("/v1/realtime/calls/{call_id}/hangup", post(hangup))
        .route("/v1/realtime/sessions", post(beta_sessions))
        .route(
            "/v1/realtime",
            post(beta_call).get(super::socket::realtime_socket),
        )
        .fallback(not_found)
        .layer(browser_cors())
        .with_state(app)
}

type Reply = Result<Response, ApiError>;

fn auth(app: &App, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let header = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    app.keys
        .check(header, SystemTime::now())
        .map_err(|e| ApiError::auth(&e))
}

fn standard_only(caller: &Caller) -> Result<(), ApiError> {
    match caller {
        Caller::Standard => Ok(()),
        Caller::Secret { .. } => Err(ApiError::auth(&super::keys::AuthError::SecretNotAllowed)),
    }
}

/// A scenario's `[signaling]` fault for this endpoint, if it still applies: the
/// error response, with `Retry-After` when the scenario sets `retry_after_s`.
fn injected_failure(app: &App, status: Option<u16>) -> Option<Response> {
    let status = status?;
    let signaling = &app.scenario.signaling;
    let n = app.signaling_failures.fetch_add(1, Ordering::SeqCst);
    if signaling.fail_times.is_some_and(|limit| n >= limit) {
        return None;
    }
    let mut resp = ApiError::injected(status).into_response();
    if let Some(secs) = signaling.retry_after_s {
        resp.headers_mut()
            .insert(axum::http::header::RETRY_AFTER, HeaderValue::from(secs));
    }
    Some(resp)
}

fn parse_json(body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::invalid("invalid_json", None, "The body must be a JSON object.")),
        Err(e) => Err(ApiError::invalid(
            "invalid_json",
            None,
            format!("We could not parse the JSON body of your request ({e}). Send a JSON object with Content-Type: application/json."),
        )),
    }
}

/// Validates a GA session config the way `session.update` is validated.
pub(super) fn check_session(session: &Value, prefix: &str) -> Result<(), ApiError> {
    let problems = validate_session_value(session, Dialect::Ga);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::bad_session(&problems, prefix))
    }
}

async fn client_secrets(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Reply {
    let caller = auth(&app, &headers)?;
    standard_only(&caller)?;
    if let Some(refused) = injected_failure(&app, app.scenario.signaling.client_secrets_status) {
        return Ok(refused);
    }
    let mut req = parse_json(&body)?;
    let ttl = match req.remove("expires_after") {
        None | Some(Value::Null) => SECRET_TTL_DEFAULT,
        Some(Value::Object(ea)) => expires_after_seconds(&ea)?,
        Some(_) => {
            return Err(ApiError::invalid(
                "invalid_type",
                Some("expires_after".into()),
                "Invalid type for 'expires_after': expected an object like {\"anchor\":\"created_at\",\"seconds\":600}.",
            ))
        }
    };
    let session = req.remove("session").filter(|s| !s.is_null());
    if let Some(key) = req.keys().next() {
        return Err(ApiError::invalid(
            "unknown_parameter",
            Some(key.clone()),
            format!("Unknown parameter: '{key}'. The body takes `expires_after` and `session`."),
        ));
    }
    if let Some(s) = &session {
        check_session(s, "session")?;
    }
    let effective = app.effective_session(session.as_ref());
    let (value, expires_at) = app
        .keys
        .mint(Duration::from_secs(ttl), session, SystemTime::now());
    Ok(
        Json(json!({"value": value, "expires_at": expires_at, "session": effective}))
            .into_response(),
    )
}

fn expires_after_seconds(ea: &Map<String, Value>) -> Result<u64, ApiError> {
    if let Some(anchor) = ea.get("anchor") {
        if anchor != "created_at" {
            return Err(ApiError::invalid(
                "invalid_value",
                Some("expires_after.anchor".into()),
                "Invalid value for 'expires_after.anchor': the only supported anchor is \"created_at\".",
            ));
        }
    }
    match ea.get("seconds") {
        None => Ok(SECRET_TTL_DEFAULT),
        Some(v) => match v.as_u64() {
            Some(s) if s < SECRET_TTL_MIN => Err(ApiError::invalid(
                "integer_below_min_value",
                Some("expires_after.seconds".into()),
                format!("Invalid 'expires_after.seconds': integer below minimum value. Expected a value >= {SECRET_TTL_MIN}, but got {s} instead."),
            )),
            Some(s) if s > SECRET_TTL_MAX => Err(ApiError::invalid(
                "integer_above_max_value",
                Some("expires_after.seconds".into()),
                format!("Invalid 'expires_after.seconds': integer above maximum value. Expected a value <= {SECRET_TTL_MAX}, but got {s} instead."),
            )),
            Some(s) => Ok(s),
            None => Err(ApiError::invalid(
                "invalid_type",
                Some("expires_after.seconds".into()),
                format!("Invalid type for 'expires_after.seconds': expected an integer, but got {v} instead."),
            )),
        },
    }
}

/// The SDP offer and optional session of a `POST /realtime/calls`, in any of the
/// shapes clients send: raw SDP, multipart (`sdp` + `session`), or JSON `{sdp, session}`.
pub(super) struct CallBody {
    pub(super) sdp: String,
    pub(super) session: Option<Value>,
}

/// Axum's own default limit for a multipart body, which this path always had.
const MULTIPART_LIMIT: usize = 2 << 20;
const BODY_LIMIT: usize = 1 << 20;

async fn read_call_body(req: Request) -> Result<CallBody, ApiError> {
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let multipart = content_type
        .to_ascii_lowercase()
        .starts_with("multipart/form-data");
    let limit = if multipart {
        MULTIPART_LIMIT
    } else {
        BODY_LIMIT
    };
    let body = axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|e| {
            if multipart {
                ApiError::invalid(
                    "invalid_multipart",
                    None,
                    format!("Could not read the multipart body: {e}"),
                )
            } else {
                ApiError::invalid(
                    "invalid_body",
                    None,
                    format!("Could not read the body: {e}"),
                )
            }
        })?;
    parse_call_body(&content_type, body)
}

/// The body of a `POST /realtime/calls` once it is all in memory: no I/O, so it
/// is also what the fuzz target drives (`crate::mock::parse_call_request`).
pub(super) fn parse_call_body(content_type: &str, body: Bytes) -> Result<CallBody, ApiError> {
    let lower = content_type.to_ascii_lowercase();
    if lower.starts_with("multipart/form-data") {
        // The boundary is case-sensitive: hand multer the header as sent.
        let req = Request::builder()
            .header(CONTENT_TYPE, content_type)
            .body(axum::body::Body::from(body))
            .map_err(|e| {
                ApiError::invalid(
                    "invalid_multipart",
                    None,
                    format!("Could not read the multipart body: {e}"),
                )
            })?;
        // The body is already in memory, so the parse never waits.
        return read_multipart(req).now_or_never().unwrap_or_else(|| {
            Err(ApiError::invalid(
                "invalid_multipart",
                None,
                "Could not read the multipart body: it ended early.",
            ))
        });
    }
    if lower.starts_with("application/json") {
        let mut m = parse_json(&body)?;
        let sdp = match m.remove("sdp") {
            Some(Value::String(s)) => s,
            _ => {
                return Err(ApiError::invalid(
                    "missing_required_parameter",
                    Some("sdp".into()),
                    "Missing required parameter: 'sdp'.",
                ))
            }
        };
        return Ok(CallBody {
            sdp,
            session: m.remove("session").filter(|s| !s.is_null()),
        });
    }
    let sdp = String::from_utf8(body.to_vec())
        .map_err(|_| ApiError::invalid("invalid_sdp", None, "The SDP offer is not UTF-8 text."))?;
    if !sdp.trim_start().starts_with("v=0") {
        return Err(ApiError::invalid(
            "invalid_sdp",
            None,
            "The body is not an SDP offer (it must start with \"v=0\"). Send the offer's sdp with Content-Type: application/sdp, or multipart/form-data with an 'sdp' part.",
        ));
    }
    Ok(CallBody { sdp, session: None })
}

async fn read_multipart(req: Request) -> Result<CallBody, ApiError> {
    let mut form = Multipart::from_request(req, &()).await.map_err(|e| {
        ApiError::invalid(
            "invalid_multipart",
            None,
            format!("Could not read the multipart body: {e}"),
        )
    })?;
    let (mut sdp, mut session) = (None, None);
    while let Some(field) = form.next_field().await.map_err(|e| {
        ApiError::invalid(
            "invalid_multipart",
            None,
            format!("Could not read the multipart body: {e}"),
        )
    })? {
        let name = field.name().unwrap_or("").to_string();
        let text = field.text().await.map_err(|e| {
            ApiError::invalid(
                "invalid_multipart",
                Some(name.clone()),
                format!("Could not read part '{name}': {e}"),
            )
        })?;
        match name.as_str() {
            "sdp" => sdp = Some(text),
            "session" => {
                let v: Value = serde_json::from_str(&text).map_err(|e| {
                    ApiError::invalid(
                        "invalid_json",
                        Some("session".into()),
                        format!("The 'session' part is not JSON: {e}"),
                    )
                })?;
                session = Some(v);
            }
            other => {
                return Err(ApiError::invalid(
                    "unknown_parameter",
                    Some(other.to_string()),
                    format!(
                    "Unknown form part '{other}'. Send the parts 'sdp' and (optionally) 'session'."
                ),
                ))
            }
        }
    }
    let sdp = sdp.ok_or_else(|| {
        ApiError::invalid(
            "missing_required_parameter",
            Some("sdp".into()),
            "Missing required parameter: 'sdp'.",
        )
    })?;
    Ok(CallBody { sdp, session })
}

async fn create_call(State(app): State<Arc<App>>, req: Request) -> Reply {
    let caller = auth(&app, req.headers())?;
    let body = read_call_body(req).await?;
    let session = match (body.session, caller) {
        (Some(s), _) => {
            check_session(&s, "session")?;
            Some(s)
        }
        (None, Caller::Secret { session }) => session,
        (None, Caller::Standard) => None,
    };
    answer_call(&app, body.sdp, session, Dialect::Ga, true).await
}

async fn answer_call(
    app: &Arc<App>,
    sdp: String,
    session: Option<Value>,
    dialect: Dialect,
    with_location: bool,
) -> Reply {
    if let Some(refused) = injected_failure(app, app.scenario.signaling.calls_status) {
        return Ok(refused);
    }
    if let Some(ms) = app.scenario.signaling.answer_delay_ms {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    let (spec, hangup) = app.new_call(sdp, session, dialect);
    let call_id = spec.call_id.clone();
    let forget = {
        let app = app.clone();
        let id = call_id.clone();
        Box::new(move || app.forget_call(&id))
    };
    let answer = call::start(spec, hangup, forget)
        .await
        .map_err(|e| match e {
            CallError::Offer(_) => ApiError::invalid("invalid_offer", None, e.to_string()),
            CallError::Setup(_) => ApiError {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                kind: "server_error",
                code: None,
                param: None,
                message: e.to_string(),
            },
        });
    let answer = match answer {
        Ok(a) => a,
        Err(e) => {
            app.forget_call(&call_id);
            return Err(e);
        }
    };
    let mut resp = (StatusCode::CREATED, answer).into_response();
    let h = resp.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("application/sdp"));
    if with_location {
        if let Ok(v) = HeaderValue::from_str(&format!("/v1/realtime/calls/{call_id}")) {
            h.insert(LOCATION, v);
        }
    }
    Ok(resp)
}

async fn hangup(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(call_id): Path<String>,
) -> Reply {
    auth(&app, &headers)?;
    if app.hang_up(&call_id) {
        Ok(StatusCode::OK.into_response())
    } else {
        Err(ApiError::not_found(format!(
            "No active call with id '{call_id}'. The id is the last segment of the Location header of POST /v1/realtime/calls."
        )))
    }
}

/// Beta `POST /v1/realtime/sessions`: retired, unless the mock plays a beta server.
async fn beta_sessions(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Reply {
    auth(&app, &headers)?;
    if app.dialect != Dialect::Beta {
        return Err(ApiError::beta_disabled());
    }
    if let Some(refused) = injected_failure(&app, app.scenario.signaling.client_secrets_status) {
        return Ok(refused);
    }
    let req = parse_json(&body)?;
    let mut session = Value::Object(req);
    let ttl = session
        .pointer("/client_secret/expires_after/seconds")
        .and_then(Value::as_u64)
        .unwrap_or(60)
        .clamp(SECRET_TTL_MIN, SECRET_TTL_MAX);
    if let Some(m) = session.as_object_mut() {
        m.remove("client_secret");
    }
    let ga = crate::protocol::session_config::beta_to_ga(session.clone());
    let (value, expires_at) = app.keys.mint(
        Duration::from_secs(ttl),
        Some(ga.clone()),
        SystemTime::now(),
    );
    let mut out = app.effective_beta_session(Some(&ga));
    if let Some(m) = out.as_object_mut() {
        m.insert(
            "client_secret".into(),
            json!({"value": value, "expires_at": expires_at}),
        );
    }
    Ok(Json(out).into_response())
}

/// Beta `POST /v1/realtime?model=…` with a raw SDP offer.
async fn beta_call(
    State(app): State<Arc<App>>,
    Query(_query): Query<Map<String, Value>>,
    req: Request,
) -> Reply {
    let caller = auth(&app, req.headers())?;
    if app.dialect != Dialect::Beta {
        return Err(ApiError::beta_disabled());
    }
    let body = read_call_body(req).await?;
    let session = match caller {
        Caller::Secret { session } => session,
        Caller::Standard => None,
    };
    answer_call(&app, body.sdp, session, Dialect::Beta, false).await
}

async fn not_found(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!(
        "The mock does not serve {method} {}. It serves POST /v1/realtime/client_secrets, POST /v1/realtime/calls and POST /v1/realtime/calls/{{call_id}}/hangup.",
        uri.path()
    ))
}

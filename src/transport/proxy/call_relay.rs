//! `POST /v1/realtime/calls` (and the beta `POST /v1/realtime?model=…`): the app's
//! WebRTC offer is answered here by a peer of the proxy's own, and the same call is
//! placed upstream by a second peer, with the app's credential and session. The app
//! gets its answer only once the upstream has answered, so an upstream refusal reaches
//! the app as the same HTTP status and body. Both legs are set up at once: the app's
//! answer is ready when the upstream's arrives.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{OriginalUri, State};
use axum::http::header::{CONTENT_TYPE, HOST, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tokio::sync::{oneshot, Notify};

use super::call_bridge::{self, Bridge};
use super::http_forward::{api_error, passed_headers};
use super::socket_relay::refused;
use super::{target_of, ProxyEvent, Shared};
use crate::protocol::redact::redact_text;
use crate::transport::connect::connect;
use crate::transport::rtc_setup::{AudioSender, Peer, PeerSettings, RTCSessionDescription};
use crate::transport::signaling::{
    call_id_from_location, error_from_status, Answer, SignalingError, DEFAULT_HTTP_TIMEOUT,
};

/// How long the app-side peer may take to gather its candidates.
const GATHER_LIMIT: Duration = Duration::from_secs(2);

/// The shape the app sent its offer in; the upstream gets the same shape.
enum Shape {
    /// `application/sdp` (or any non-form type): the body is the SDP.
    Sdp(String),
    /// `multipart/form-data` with `sdp` and an optional `session` part.
    Multipart(Option<Value>),
    /// `application/json` `{sdp, session, …}`: every other field is kept.
    Json(serde_json::Map<String, Value>),
}

/// What the upstream said to the offer, for the app.
enum Upstream {
    Answered {
        answer: Answer,
        location: Option<String>,
    },
    Refused {
        status: StatusCode,
        content_type: Option<HeaderValue>,
        body: Bytes,
    },
}

pub(super) async fn create_call(
    State(shared): State<Arc<Shared>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let conn = shared.next_conn();
    let target = target_of(&uri);
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/sdp")
        .to_string();
    let (offer, shape) = match read_offer(&content_type, &body) {
        Ok(parsed) => parsed,
        Err(message) => {
            let response = api_error(StatusCode::BAD_REQUEST, "invalid_offer", &message);
            return refused(&shared, conn, target, response, message).await;
        }
    };

    let (mut app_peer, app_audio) = match accept_offer(&shared.app_bind, &offer).await {
        Ok(accepted) => accepted,
        Err((status, message)) => {
            let response = api_error(status, "invalid_offer", &message);
            return refused(&shared, conn, target, response, message).await;
        }
    };

    // The upstream leg: its offer is posted from inside `connect`, which reports
    // the answer here as soon as it arrives and goes on to open the data channel.
    let url = shared.upstream_url(&uri);
    let auth = passed_headers(&headers);
    let (answered_tx, answered_rx) = oneshot::channel::<Upstream>();
    let post = {
        let http = shared.http.clone();
        let url = url.clone();
        let auth = auth.clone();
        let content_type = content_type.clone();
        move |sdp: String| post_offer(http, url, auth, content_type, shape, sdp, answered_tx)
    };
    let settings = upstream_settings(&url);
    let open_timeout = shared.open_timeout;
    let upstream_leg = tokio::spawn(async move { connect(&settings, open_timeout, post).await });

    // The app's answer, meanwhile.
    let app_answer = match answer_app(&mut app_peer).await {
        Ok(sdp) => sdp,
        Err((status, message)) => {
            // Aborting drops `connect`'s peer, and webrtc closes a dropped peer: an
            // upstream call already answered ends for want of it.
            upstream_leg.abort();
            close_peer(&app_peer).await;
            let response = api_error(status, "proxy_webrtc_setup", &message);
            return refused(&shared, conn, target, response, message).await;
        }
    };

    let upstream = match answered_rx.await {
        Ok(Upstream::Answered { answer, location }) => (answer, location),
        Ok(Upstream::Refused {
            status,
            content_type,
            body,
        }) => {
            close_peer(&app_peer).await;
            let text = String::from_utf8_lossy(&body).into_owned();
            let mut response = Response::builder().status(status);
            if let Some(ct) = content_type {
                response = response.header(CONTENT_TYPE, ct);
            }
            let response = response
                .body(Body::from(body))
                .unwrap_or_else(|_| status.into_response());
            return refused(&shared, conn, target, response, text).await;
        }
        Err(_) => {
            // `connect` failed before any answer: the offer was never posted.
            close_peer(&app_peer).await;
            let why = match upstream_leg.await {
                Ok(Err(e)) => redact_text(&e.to_string()).into_owned(),
                _ => "the upstream call could not be set up".to_string(),
            };
            let message = format!("rtconsole proxy could not place the call upstream: {why}");
            let response = api_error(
                StatusCode::BAD_GATEWAY,
                "proxy_upstream_unreachable",
                &message,
            );
            return refused(&shared, conn, target, response, message).await;
        }
    };
    let (answer, location) = upstream;
    let call_id = answer.call_id.clone();
    let hangup = Arc::new(Notify::new());
    if let Some(id) = &call_id {
        shared.register_call(id, hangup.clone());
    }
    shared
        .emit(ProxyEvent::Opened {
            conn,
            at: Instant::now(),
            target: target.clone(),
            call_id: call_id.clone(),
        })
        .await;
    let bridge = Bridge {
        conn,
        call_id: call_id.clone(),
        app_peer,
        app_audio,
        upstream_leg,
        hangup,
        hangup_url: call_id.as_ref().and_then(|id| hangup_url(&shared, id)),
        auth,
    };
    tokio::spawn(call_bridge::run(shared.clone(), bridge));

    let mut response = (StatusCode::CREATED, app_answer).into_response();
    let h = response.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("application/sdp"));
    if let Some(id) = &call_id {
        let at = proxy_location(&headers, &shared, id);
        if let Ok(v) = HeaderValue::from_str(&at) {
            h.insert(LOCATION, v);
        }
    } else if let Some(loc) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        h.insert(LOCATION, loc);
    }
    response
}

/// The offer's SDP and the shape to forward it in; a message for the app if the body
/// is not an offer.
fn read_offer(content_type: &str, body: &Bytes) -> Result<(String, Shape), String> {
    let (sdp, session) = crate::mock::read_call_offer(content_type, body)
        .map_err(|e| format!("rtconsole proxy could not read the call's offer: {e}"))?;
    let lower = content_type.to_ascii_lowercase();
    let shape = if lower.starts_with("multipart/form-data") {
        Shape::Multipart(session)
    } else if lower.starts_with("application/json") {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => Shape::Json(map),
            _ => return Err("rtconsole proxy could not read the call's JSON body".into()),
        }
    } else {
        Shape::Sdp(content_type.to_string())
    };
    Ok((sdp, shape))
}

/// Posts the proxy's own offer upstream in the app's shape, and reports the answer.
async fn post_offer(
    http: reqwest::Client,
    url: reqwest::Url,
    auth: Vec<(&'static str, HeaderValue)>,
    content_type: String,
    shape: Shape,
    sdp: String,
    answered: oneshot::Sender<Upstream>,
) -> Result<Answer, SignalingError> {
    let mut request = http.post(url.clone()).timeout(DEFAULT_HTTP_TIMEOUT);
    for (name, value) in &auth {
        request = request.header(*name, value.clone());
    }
    request = match shape {
        Shape::Sdp(ct) => request.header("content-type", ct).body(sdp.clone()),
        Shape::Multipart(session) => {
            let mut form = reqwest::multipart::Form::new().text("sdp", sdp.clone());
            if let Some(s) = session {
                form = form.text("session", s.to_string());
            }
            request.multipart(form)
        }
        Shape::Json(mut map) => {
            map.insert("sdp".into(), Value::String(sdp.clone()));
            request
                .header("content-type", content_type)
                .body(Value::Object(map).to_string())
        }
    };
    let reply = match request.send().await {
        Ok(r) => r,
        Err(e) => {
            let message = format!(
                "rtconsole proxy could not reach {}: {}; check --upstream and the network",
                redact_text(url.as_str()),
                redact_text(&e.to_string())
            );
            let body = api_error(
                StatusCode::BAD_GATEWAY,
                "proxy_upstream_unreachable",
                &message,
            );
            let bytes = axum::body::to_bytes(body.into_body(), 1 << 16)
                .await
                .unwrap_or_default();
            let _ = answered.send(Upstream::Refused {
                status: StatusCode::BAD_GATEWAY,
                content_type: Some(HeaderValue::from_static("application/json")),
                body: bytes,
            });
            return Err(error_from_status("call", 502, &message));
        }
    };
    let status = StatusCode::from_u16(reply.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let content_type = reply.headers().get(CONTENT_TYPE).cloned();
    let location = reply
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = reply.bytes().await.unwrap_or_default();
    if !status.is_success() {
        let text = String::from_utf8_lossy(&body).into_owned();
        let _ = answered.send(Upstream::Refused {
            status,
            content_type,
            body,
        });
        return Err(error_from_status("call", status.as_u16(), &text));
    }
    let answer = Answer {
        sdp: String::from_utf8_lossy(&body).into_owned(),
        call_id: location.as_deref().and_then(call_id_from_location),
    };
    let _ = answered.send(Upstream::Answered {
        answer: answer.clone(),
        location,
    });
    Ok(answer)
}

fn app_setup_error(e: &dyn std::fmt::Display) -> (StatusCode, String) {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("rtconsole proxy could not set up WebRTC toward the app: {e}"),
    )
}

/// Applies the app's offer to the proxy's app-side peer: an offer WebRTC refuses is
/// refused here, before anything is placed upstream.
async fn accept_offer(
    bind: &str,
    offer: &str,
) -> Result<(Peer, AudioSender), (StatusCode, String)> {
    let settings = PeerSettings {
        bind: bind.to_string(),
        ..PeerSettings::loopback_answerer()
    };
    let peer = Peer::build(&settings)
        .await
        .map_err(|e| app_setup_error(&e))?;
    let accepted = async {
        let audio = AudioSender::add_to(&peer.pc, rand::random())
            .await
            .map_err(|e| app_setup_error(&e))?;
        let offer = RTCSessionDescription::offer(offer.to_string()).map_err(|e| {
            (StatusCode::BAD_REQUEST, format!("the SDP offer was rejected: {e}"))
        })?;
        peer.pc.set_remote_description(offer).await.map_err(|e| {
            (StatusCode::BAD_REQUEST, format!("the SDP offer was rejected: {e}. Post the `sdp` of the offer from createOffer()/setLocalDescription, with an audio m-line and the `oai-events` data channel"))
        })?;
        Ok(audio)
    }
    .await;
    match accepted {
        Ok(audio) => Ok((peer, audio)),
        Err(e) => {
            close_peer(&peer).await;
            Err(e)
        }
    }
}

/// The app-side answer, complete with its candidates (there is no trickle).
async fn answer_app(peer: &mut Peer) -> Result<String, (StatusCode, String)> {
    let answer = peer
        .pc
        .create_answer(None)
        .await
        .map_err(|e| app_setup_error(&e))?;
    peer.pc
        .set_local_description(answer)
        .await
        .map_err(|e| app_setup_error(&e))?;
    peer.gathered(GATHER_LIMIT)
        .await
        .map_err(|e| app_setup_error(&e))?;
    peer.pc
        .local_description()
        .await
        .map(|d| d.sdp)
        .ok_or_else(|| app_setup_error(&"no local description after answering"))
}

pub(super) async fn close_peer(peer: &Peer) {
    let _ = tokio::time::timeout(Duration::from_secs(1), peer.pc.close()).await;
}

/// Loopback upstreams (the mock, a test server) are reached from a loopback socket;
/// anything else from every interface.
fn upstream_settings(url: &reqwest::Url) -> PeerSettings {
    let host = url.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if loopback {
        PeerSettings::loopback_offerer()
    } else {
        PeerSettings {
            bind: "0.0.0.0:0".into(),
            ice_check_interval: None,
        }
    }
}

/// `Location` for the app: the call on the proxy, so its hangup comes through here.
fn proxy_location(headers: &HeaderMap, shared: &Shared, call_id: &str) -> String {
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| shared.listen.to_string());
    format!("http://{host}/v1/realtime/calls/{call_id}")
}

/// Where the upstream takes this call's hangup; `None` for an id that is no path.
fn hangup_url(shared: &Shared, call_id: &str) -> Option<reqwest::Url> {
    let path = format!("/v1/realtime/calls/{call_id}/hangup");
    axum::http::Uri::try_from(path)
        .ok()
        .map(|uri| shared.upstream_url(&uri))
}

//! `GET /v1/realtime?…`: open the same session upstream with the app's credential,
//! and only then accept the app's upgrade, so a refusal reaches the app as the
//! upstream's own HTTP status and body. Then frames go both ways as they are.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ws::{self, WebSocket, WebSocketUpgrade};
use axum::extract::{OriginalUri, State};
use axum::http::header::SEC_WEBSOCKET_PROTOCOL;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::breakpoints::Lane;
use super::http_forward::{api_error, passed_headers};
use super::{target_of, Flow, ProxyEvent, Shared};
use crate::protocol::redact::redact_text;
use crate::transport::link::explain_session_close;

type Upstream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long the side that did not close gets to answer a relayed close frame.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

pub(super) async fn upgrade(
    State(shared): State<Arc<Shared>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let conn = shared.next_conn();
    let target = target_of(&uri);
    let mut url = shared.upstream_socket.clone();
    let path = shared.upstream_path(shared.upstream_socket.path(), uri.path());
    url.set_path(&path);
    url.set_query(uri.query());
    let shown_url = redact_text(url.as_str()).into_owned();
    let refuse = |status: StatusCode, message: String| {
        let response = api_error(status, "proxy_upstream_unreachable", &message);
        (response, message)
    };
    let mut request = match url.as_str().into_client_request() {
        Ok(r) => r,
        Err(e) => {
            let (response, body) = refuse(
                StatusCode::BAD_REQUEST,
                format!("rtconsole proxy cannot make a WebSocket request for {shown_url}: {e}"),
            );
            return refused(&shared, conn, target, response, body).await;
        }
    };
    for (name, value) in passed_headers(&headers) {
        if let Ok(v) = value.to_str() {
            if let Ok(v) = v.parse() {
                request.headers_mut().append(name, v);
            }
        }
    }
    // A browser app authenticates in its subprotocols (it cannot set headers); they
    // go upstream as they are, and the app gets the one the upstream chose.
    for value in headers.get_all(SEC_WEBSOCKET_PROTOCOL) {
        request
            .headers_mut()
            .append(SEC_WEBSOCKET_PROTOCOL, value.clone());
    }
    let limit = shared.open_timeout;
    let (upstream, chosen) = match tokio::time::timeout(
        limit,
        tokio_tungstenite::connect_async_with_config(request, None, true),
    )
    .await
    {
        Ok(Ok((socket, answer))) => {
            let chosen = answer
                .headers()
                .get(SEC_WEBSOCKET_PROTOCOL)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            (socket, chosen)
        }
        Ok(Err(WsError::Http(answer))) => {
            let status =
                StatusCode::from_u16(answer.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
            let bytes = answer.body().clone().unwrap_or_default();
            let body = String::from_utf8_lossy(&bytes).into_owned();
            let mut response = Response::builder().status(status);
            if let Some(ct) = answer.headers().get("content-type") {
                response = response.header("content-type", ct.as_bytes());
            }
            let response = response
                .body(Body::from(bytes))
                .unwrap_or_else(|_| status.into_response());
            return refused(&shared, conn, target, response, body).await;
        }
        Ok(Err(e)) => {
            let (response, body) = refuse(
                StatusCode::BAD_GATEWAY,
                format!(
                    "rtconsole proxy could not open {shown_url}: {}; check --upstream and the network",
                    redact_text(&e.to_string())
                ),
            );
            return refused(&shared, conn, target, response, body).await;
        }
        Err(_) => {
            let (response, body) = refuse(
                StatusCode::GATEWAY_TIMEOUT,
                format!(
                    "rtconsole proxy: {shown_url} did not complete the WebSocket handshake within {limit:?}; check --upstream and the network"
                ),
            );
            return refused(&shared, conn, target, response, body).await;
        }
    };
    shared
        .emit(ProxyEvent::Opened {
            conn,
            at: Instant::now(),
            target,
            call_id: None,
        })
        .await;
    let injected = shared.injector.register(conn);
    let upgrade = match chosen {
        Some(p) => upgrade.protocols([p]),
        None => upgrade,
    };
    upgrade.on_upgrade(move |app| async move {
        relay(&shared, conn, app, upstream, injected).await;
        shared.injector.forget(conn);
    })
}

pub(super) async fn refused(
    shared: &Shared,
    conn: u64,
    target: String,
    response: Response,
    body: String,
) -> Response {
    shared
        .emit(ProxyEvent::Refused {
            conn,
            at: Instant::now(),
            target,
            status: response.status().as_u16(),
            body,
        })
        .await;
    response
}

/// Relays until either side closes; a close frame is passed on with its code. A
/// direction with a held event reads nothing more until the user decides.
async fn relay(
    shared: &Shared,
    conn: u64,
    mut app: WebSocket,
    mut upstream: Upstream,
    mut injected: tokio::sync::mpsc::UnboundedReceiver<String>,
) {
    let mut up = Lane::new(conn, Flow::Client);
    let mut down = Lane::new(conn, Flow::Server);
    loop {
        tokio::select! {
            from_app = app.recv(), if up.is_open() => match from_app {
                Some(Ok(ws::Message::Text(text))) => {
                    if let Some(text) = up.admit(shared, text.as_str().to_string()).await {
                        if !to_upstream(shared, conn, &mut upstream, Flow::Client, text).await {
                            return ended(shared, conn, Flow::Server, None).await;
                        }
                    }
                }
                Some(Ok(ws::Message::Binary(bytes))) => {
                    let len = bytes.len();
                    if upstream.send(Message::Binary(bytes)).await.is_err() {
                        return ended(shared, conn, Flow::Server, None).await;
                    }
                    binary_event(shared, conn, Flow::Client, len).await;
                }
                // Each side's WebSocket answers its own pings.
                Some(Ok(ws::Message::Ping(_) | ws::Message::Pong(_))) => {}
                Some(Ok(ws::Message::Close(frame))) => {
                    let frame = frame.map(|f| CloseFrame {
                        code: CloseCode::from(f.code),
                        reason: f.reason.as_str().to_string().into(),
                    });
                    let _ = upstream.send(Message::Close(frame.clone())).await;
                    let _ = tokio::time::timeout(CLOSE_GRACE, upstream.next()).await;
                    return ended(shared, conn, Flow::Client, frame.as_ref()).await;
                }
                None | Some(Err(_)) => {
                    let _ = upstream.close(None).await;
                    return ended(shared, conn, Flow::Client, None).await;
                }
            },
            decision = up.decided() => {
                if let Some(text) = up.resolve(shared, decision).await {
                    if !to_upstream(shared, conn, &mut upstream, Flow::Client, text).await {
                        return ended(shared, conn, Flow::Server, None).await;
                    }
                }
            }
            from_upstream = upstream.next(), if down.is_open() => match from_upstream {
                Some(Ok(Message::Text(text))) => {
                    if let Some(text) = down.admit(shared, text.as_str().to_string()).await {
                        if !to_app(shared, conn, &mut app, text).await {
                            return ended(shared, conn, Flow::Client, None).await;
                        }
                    }
                }
                Some(Ok(Message::Binary(bytes))) => {
                    let len = bytes.len();
                    if app.send(ws::Message::Binary(bytes)).await.is_err() {
                        return ended(shared, conn, Flow::Client, None).await;
                    }
                    binary_event(shared, conn, Flow::Server, len).await;
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                Some(Ok(Message::Close(frame))) => {
                    let to_app = frame.as_ref().map(|f| ws::CloseFrame {
                        code: u16::from(f.code),
                        reason: f.reason.as_str().to_string().into(),
                    });
                    let _ = app.send(ws::Message::Close(to_app)).await;
                    let _ = tokio::time::timeout(CLOSE_GRACE, app.recv()).await;
                    return ended(shared, conn, Flow::Server, frame.as_ref()).await;
                }
                None | Some(Err(_)) => {
                    let _ = app.send(ws::Message::Close(None)).await;
                    return ended(shared, conn, Flow::Server, None).await;
                }
            },
            decision = down.decided() => {
                if let Some(text) = down.resolve(shared, decision).await {
                    if !to_app(shared, conn, &mut app, text).await {
                        return ended(shared, conn, Flow::Client, None).await;
                    }
                }
            }
            Some(text) = injected.recv() => {
                if !to_upstream(shared, conn, &mut upstream, Flow::Injected, text).await {
                    return ended(shared, conn, Flow::Server, None).await;
                }
            }
        }
    }
}

/// Sends one text frame upstream and reports it; false when the upstream is gone.
async fn to_upstream(
    shared: &Shared,
    conn: u64,
    upstream: &mut Upstream,
    flow: Flow,
    text: String,
) -> bool {
    if upstream.send(Message::text(text.clone())).await.is_err() {
        return false;
    }
    text_event(shared, conn, flow, text).await;
    true
}

/// Sends one text frame to the app and reports it; false when the app is gone.
async fn to_app(shared: &Shared, conn: u64, app: &mut WebSocket, text: String) -> bool {
    if app
        .send(ws::Message::Text(text.clone().into()))
        .await
        .is_err()
    {
        return false;
    }
    text_event(shared, conn, Flow::Server, text).await;
    true
}

async fn text_event(shared: &Shared, conn: u64, flow: Flow, text: String) {
    shared
        .emit(ProxyEvent::Text {
            conn,
            at: Instant::now(),
            flow,
            text,
        })
        .await;
}

async fn binary_event(shared: &Shared, conn: u64, flow: Flow, len: usize) {
    shared
        .emit(ProxyEvent::Binary {
            conn,
            at: Instant::now(),
            flow,
            len,
        })
        .await;
}

async fn ended(shared: &Shared, conn: u64, by: Flow, frame: Option<&CloseFrame>) {
    let explanation = (by == Flow::Server).then(|| explain_session_close(frame));
    shared
        .emit(ProxyEvent::Closed {
            conn,
            at: Instant::now(),
            by,
            code: frame.map(|f| u16::from(f.code)),
            reason: frame
                .map(|f| redact_text(f.reason.as_str()).into_owned())
                .unwrap_or_default(),
            explanation,
        })
        .await;
}

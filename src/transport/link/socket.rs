//! The WebSocket link: a session of its own (`{base}/realtime?model=…`) or the
//! sideband of a call someone else made (`?call_id=…`). One text frame is one
//! event either way; the close code says how it ended.

use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::driver::{Driver, Ending};
use super::setup::{self, SetupError, Target};
use super::{CallInfo, LinkEvent, Transport};
use crate::protocol::redact::redact_text;
use crate::protocol::Dialect;
use crate::session::{ConnectBreakdown, Input, TransportStatus};
use crate::transport::signaling::error_from_status;

pub(super) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What the socket is for, which changes the URL and the messages.
#[derive(Clone)]
enum Kind {
    Session {
        model: String,
    },
    /// A transcription-only session (`?intent=transcription`).
    Transcription,
    Sideband {
        call_id: String,
    },
}

pub(super) async fn run(mut d: Driver) {
    let options = d.options.clone();
    let kind = match &options.transport {
        Transport::Attach(call_id) => Kind::Sideband {
            call_id: call_id.clone(),
        },
        _ if setup::is_transcription(&options.session) => Kind::Transcription,
        _ => Kind::Session {
            model: options
                .session
                .get("model")
                .and_then(Value::as_str)
                .unwrap_or(DEFAULT_MODEL)
                .to_string(),
        },
    };
    let started = d.clock.now_ms_f64();
    let setup = async {
        let target = setup::target(&options).await.map_err(|e| (e, None))?;
        match open(&target, &options, &kind).await {
            Ok((socket, secret_ms)) => Ok((target, socket, secret_ms)),
            Err(e) => Err((e, Some(target))),
        }
    };
    let Some(opened) = d.until_set_up(setup).await else {
        return;
    };
    let (target, socket, secret_ms) = match opened {
        Ok(ok) => ok,
        Err((e, target)) => {
            let status = TransportStatus::Failed { reason: e.0 };
            d.end(target, Ending { status }).await;
            return;
        }
    };
    let open_at = d.clock.now_ms_f64();
    let call_id = match &kind {
        Kind::Sideband { call_id } => Some(call_id.clone()),
        Kind::Session { .. } | Kind::Transcription => None,
    };
    let info = CallInfo {
        call_id: call_id.clone(),
        secret_expires_at: None,
    };
    let _ = d.events.send(LinkEvent::Up(info)).await;
    d.transport(TransportStatus::Connected).await;
    d.transport(TransportStatus::ChannelOpen).await;
    let mut breakdown = ConnectBreakdown {
        call_id,
        secret_ms,
        channel_open_ms: Some(open_at.max(started)),
        ..ConnectBreakdown::default()
    };
    if !matches!(kind, Kind::Sideband { .. }) {
        // With the standard key there is no client secret to carry the session, so
        // what the user asked for goes as the first event, through the core.
        if let Some(update) = initial_update(&options.session) {
            let at_ms = d.clock.now_ms();
            d.input(Input::SendText {
                at_ms,
                text: update,
            })
            .await;
        }
    }
    let sideband = matches!(kind, Kind::Sideband { .. });
    let explain = |frame: Option<&CloseFrame>| explain_close(frame, &kind);
    let ending = super::socket_live::live(&mut d, socket, sideband, &explain, &mut breakdown).await;
    d.end(Some(target), ending).await;
}

/// The model when neither `--model` nor the session names one.
const DEFAULT_MODEL: &str = "gpt-realtime";

/// Connects; the socket and how long minting a client secret took, if one was.
async fn open(
    target: &Target,
    options: &super::LinkOptions,
    kind: &Kind,
) -> Result<(Socket, Option<f64>), SetupError> {
    let (bearer, secret_ms) = match (kind, options.token_url.as_deref(), &target.key) {
        (Kind::Sideband { .. }, Some(_), _) => {
            return Err(SetupError(
                "attaching to a call needs the standard API key, not a client secret from --token-url\nfix: drop --token-url and set OPENAI_API_KEY (or --api-key-env)".into(),
            ))
        }
        (_, Some(_), _) => {
            let cred = setup::credential(target, options.token_url.as_deref(), &options.session)
                .await?;
            (cred.bearer, cred.round_trip_ms)
        }
        (_, None, Some(key)) => (key.clone(), None),
        (_, None, None) => return Err(crate::transport::signaling::SignalingError::NoKey.into()),
    };
    let url = socket_url(target.signaling.base_url(), kind, options.dialect)?;
    let shown_url = redact_text(&url).into_owned();
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| SetupError(format!("{shown_url} is not a WebSocket URL: {e}")))?;
    let auth = HeaderValue::from_str(&format!("Bearer {bearer}"))
        .map_err(|_| SetupError("the API key holds characters a header cannot carry".into()))?;
    request.headers_mut().insert("Authorization", auth);
    if options.dialect == Dialect::Beta {
        request
            .headers_mut()
            .insert("OpenAI-Beta", HeaderValue::from_static("realtime=v1"));
    }
    let limit = options.connect.open_timeout;
    let what = match kind {
        Kind::Session { .. } => "the WebSocket session",
        Kind::Transcription => "the transcription session",
        Kind::Sideband { .. } => "attaching to the call",
    };
    match tokio::time::timeout(limit, tokio_tungstenite::connect_async(request)).await {
        Err(_) => Err(SetupError(format!(
            "{shown_url} did not complete the WebSocket handshake within {limit:?}\nfix: check the network, or raise --open-timeout"
        ))),
        Ok(Err(WsError::Http(response))) => {
            let body = response
                .body()
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            Err(error_from_status(what, response.status().as_u16(), &body).into())
        }
        Ok(Err(e)) => Err(SetupError(format!(
            "cannot open {shown_url}: {}\nfix: check --base-url, the network, and that the server speaks WebSocket at /realtime",
            redact_text(&e.to_string())
        ))),
        Ok(Ok((socket, _))) => Ok((socket, secret_ms)),
    }
}

/// `{base}/realtime?model=…` (or `?call_id=…`), ws/wss from http/https.
fn socket_url(base: &str, kind: &Kind, dialect: Dialect) -> Result<String, SetupError> {
    let mut url = websocket_base(base, "--base-url")?;
    let path = format!("{}/realtime", url.path().trim_end_matches('/'));
    url.set_path(&path);
    url.set_query(None);
    match kind {
        Kind::Transcription => {
            url.query_pairs_mut().append_pair("intent", "transcription");
        }
        Kind::Session { model } => {
            url.query_pairs_mut().append_pair("model", model);
        }
        Kind::Sideband { call_id } => {
            url.query_pairs_mut().append_pair("call_id", call_id);
        }
    }
    let _ = dialect;
    Ok(url.to_string())
}

/// The API's base URL (`option` names where it came from, for the message) with
/// its scheme turned into ws/wss; shared with the proxy, which opens the same path.
pub(crate) fn websocket_base(base: &str, option: &str) -> Result<reqwest::Url, SetupError> {
    let mut url = reqwest::Url::parse(base)
        .map_err(|e| SetupError(format!("{option} {base} is not a URL: {e}")))?;
    let scheme = match url.scheme() {
        "https" | "wss" => "wss",
        "http" | "ws" => "ws",
        other => {
            return Err(SetupError(format!(
                "{option} {base}: cannot open a WebSocket over {other}:; use http(s)://…/v1"
            )))
        }
    };
    url.set_scheme(scheme)
        .map_err(|_| SetupError(format!("{option} {base}: cannot use {scheme}")))?;
    Ok(url)
}

/// What a close code of a WebSocket session means, with the server's reason (for
/// the proxy, which relays sessions it did not open).
pub(crate) fn explain_session_close(frame: Option<&CloseFrame>) -> String {
    explain_close(
        frame,
        &Kind::Session {
            model: String::new(),
        },
    )
}

/// The `session.update` that carries the initial session, when it says more than
/// its type and model (the model is in the URL).
fn initial_update(session: &Value) -> Option<String> {
    let mut s = session.as_object()?.clone();
    s.remove("model");
    if s.keys().all(|k| k == "type") {
        return None;
    }
    Some(json!({"type": "session.update", "session": s}).to_string())
}

/// What a close code means here, with the server's reason.
fn explain_close(frame: Option<&CloseFrame>, kind: &Kind) -> String {
    let Some(frame) = frame else {
        return "the server closed the WebSocket without a code".into();
    };
    let code = u16::from(frame.code);
    let reason = redact_text(frame.reason.as_str()).into_owned();
    let said = if reason.is_empty() {
        String::new()
    } else {
        format!(": {reason}")
    };
    match (code, kind) {
        (4000, _) => format!(
            "the server refused the beta API shape (close 4000{said})\nfix: the beta API was shut down; drop --dialect beta (GA sockets send no OpenAI-Beta header)"
        ),
        (1000, Kind::Sideband { .. }) if reason.to_ascii_lowercase().contains("ended") => {
            format!("the call ended (close 1000{said}); the sideband closed with it")
        }
        (1000, Kind::Sideband { .. }) => format!(
            "the sideband closed cleanly (close 1000{said}); the call itself may still be running\nfix: attach again to keep watching; the API does not tell a closed sideband from an ended call"
        ),
        (1000, _) => format!("the server closed the session (close 1000{said})"),
        (1001, _) if reason.contains("maximum duration") => format!(
            "the session hit the 60-minute limit (close 1001{said})\nfix: start a new session; a session lasts at most 60 minutes"
        ),
        (1001, _) => format!("the server is going away (close 1001{said})"),
        (1008, _) => format!(
            "the server closed the socket for a policy violation (close 1008{said})\nfix: check the key and the event it names"
        ),
        (1011, _) => format!("the server hit an internal error (close 1011{said}); try again"),
        (code, _) => format!("the server closed the WebSocket (close {code}{said})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

    fn frame(code: u16, reason: &str) -> CloseFrame {
        CloseFrame {
            code: CloseCode::from(code),
            reason: reason.to_string().into(),
        }
    }

    #[test]
    fn urls_follow_the_base_url_scheme_and_path() {
        let session = Kind::Session {
            model: "gpt-realtime".into(),
        };
        assert_eq!(
            socket_url("https://api.openai.com/v1", &session, Dialect::Ga).unwrap(),
            "wss://api.openai.com/v1/realtime?model=gpt-realtime"
        );
        let side = Kind::Sideband {
            call_id: "rtc_1".into(),
        };
        assert_eq!(
            socket_url("http://127.0.0.1:5/v1/", &side, Dialect::Ga).unwrap(),
            "ws://127.0.0.1:5/v1/realtime?call_id=rtc_1"
        );
        assert!(socket_url("ftp://x/v1", &session, Dialect::Ga).is_err());
    }

    #[test]
    fn close_codes_are_explained() {
        let s = Kind::Session { model: "m".into() };
        let side = Kind::Sideband {
            call_id: "rtc_1".into(),
        };
        let limit = explain_close(
            Some(&frame(
                1001,
                "Your session hit the maximum duration of 60 minutes.",
            )),
            &s,
        );
        assert!(limit.contains("60-minute limit") && limit.contains("start a new session"));
        let beta = explain_close(Some(&frame(4000, "beta_api_shape_disabled")), &s);
        assert!(beta.contains("drop --dialect beta"), "{beta}");
        let ended = explain_close(Some(&frame(1000, "the call ended")), &side);
        assert!(ended.starts_with("the call ended"), "{ended}");
        let clean = explain_close(Some(&frame(1000, "")), &side);
        assert!(clean.contains("may still be running"), "{clean}");
        assert_ne!(ended, clean);
    }

    #[test]
    fn the_initial_update_leaves_out_the_model_and_an_empty_session() {
        assert_eq!(
            initial_update(&json!({"type": "realtime", "model": "x"})),
            None
        );
        let u = initial_update(&json!({"type": "realtime", "model": "x", "instructions": "hi"}))
            .unwrap();
        assert_eq!(
            u,
            r#"{"type":"session.update","session":{"type":"realtime","instructions":"hi"}}"#
        );
    }
}

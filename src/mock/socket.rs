//! The mock's WebSocket endpoint, `GET /v1/realtime`: a session of its own
//! (`?model=…`, the same simulated model as a WebRTC call, its audio as base64
//! `response.output_audio.delta`s and the client's from `input_audio_buffer.append`),
//! a transcription session (`?intent=transcription`: no responses, transcripts of
//! the appended audio), or the sideband of one of its WebRTC calls (`?call_id=…`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

use super::api_error::ApiError;
use super::keys::Caller;
use super::model::{Model, ModelInput, ModelOptions, ModelOutput};
use super::server::{App, Attached};
use super::voice::Voice;
use crate::audio::wire_format::{Way, WireFormat};
use crate::audio::{FRAME, RATE};
use crate::protocol::Dialect;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A socket's audio deltas: 40 ms of 24 kHz pcm16 each, as the API sends them.
const DELTA_MS: u64 = 40;

/// What a browser offers in `Sec-WebSocket-Protocol`, as the API's browser clients
/// send it: `realtime`, `openai-insecure-api-key.<key>`, `openai-beta.realtime-v1`.
#[derive(Default)]
struct Subprotocols {
    realtime: bool,
    key: Option<String>,
    beta: bool,
}

impl Subprotocols {
    fn of(headers: &HeaderMap) -> Subprotocols {
        let mut out = Subprotocols::default();
        let offered = headers
            .get_all(axum::http::header::SEC_WEBSOCKET_PROTOCOL)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim);
        for p in offered {
            match p {
                "realtime" => out.realtime = true,
                "openai-beta.realtime-v1" => out.beta = true,
                _ => {
                    if let Some(key) = p.strip_prefix("openai-insecure-api-key.") {
                        out.key = Some(key.to_string());
                    }
                }
            }
        }
        out
    }
}

pub async fn realtime_socket(
    State(app): State<Arc<App>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let offered = Subprotocols::of(&headers);
    let header = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| offered.key.as_ref().map(|k| format!("Bearer {k}")));
    let caller = app
        .keys
        .check(header.as_deref(), SystemTime::now())
        .map_err(|e| ApiError::auth(&e))?;
    // A browser cannot set headers on a WebSocket: it says "beta" in a subprotocol.
    let beta_header = offered.beta
        || headers
            .get("openai-beta")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("realtime=v1"));
    let ws = if offered.realtime {
        ws.protocols(["realtime"])
    } else {
        ws
    };
    if beta_header && app.dialect == Dialect::Ga {
        // The real API accepts the handshake, says why in an error event, then
        // closes with 4000.
        return Ok(ws.on_upgrade(refuse_beta).into_response());
    }
    if let Some(call_id) = query.get("call_id") {
        if caller != Caller::Standard {
            return Err(ApiError::auth(&super::keys::AuthError::SecretNotAllowed));
        }
        let Some(attached) = app.attach(call_id) else {
            return Err(ApiError {
                status: StatusCode::NOT_FOUND,
                kind: "invalid_request_error",
                code: Some("call_id_not_found"),
                param: Some("call_id".into()),
                message: format!("No call found with id '{call_id}'."),
            });
        };
        return Ok(ws
            .on_upgrade(move |socket| attach(socket, attached))
            .into_response());
    }
    let transcription = query.get("intent").map(String::as_str) == Some("transcription");
    let mut session = match caller {
        Caller::Secret { session } => session,
        Caller::Standard => None,
    };
    if transcription {
        let kind = session
            .as_ref()
            .and_then(|s| s.get("type"))
            .and_then(Value::as_str);
        if kind.is_some_and(|k| k != "transcription") {
            return Err(ApiError::invalid(
                "invalid_intent",
                Some("intent".into()),
                "This client secret was minted for a realtime session; mint one with session.type \"transcription\" for ?intent=transcription.",
            ));
        }
        session.get_or_insert_with(|| json!({"type": "transcription"}));
    }
    let options = ModelOptions {
        seed: app.next_seed(),
        dialect: app.dialect,
        session,
        scenario: app.scenario.clone(),
        session_limit_ms: app.session_limit_ms(),
        socket: true,
    };
    Ok(ws
        .on_upgrade(move |socket| session_socket(socket, options))
        .into_response())
}

async fn refuse_beta(mut socket: WebSocket) {
    let error = json!({"type": "error", "event_id": "event_beta", "error": {
        "type": "invalid_request_error", "code": "beta_api_shape_disabled", "param": null,
        "event_id": null,
        "message": "The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API."}});
    let _ = socket.send(Message::Text(error.to_string().into())).await;
    close(&mut socket, 4000, "beta_api_shape_disabled").await;
}

/// Sends a close frame and waits (briefly) for the client's, as the closing
/// handshake asks: dropping the socket at once resets a client still writing, and
/// the reset can overtake the close frame it has not read yet.
async fn close(socket: &mut WebSocket, code: u16, reason: &str) {
    let frame = CloseFrame {
        code,
        reason: reason.to_string().into(),
    };
    if socket.send(Message::Close(Some(frame))).await.is_err() {
        return;
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        while let Some(Ok(msg)) = socket.recv().await {
            if matches!(msg, Message::Close(_)) {
                return;
            }
        }
    })
    .await;
}

/// The sideband: every server event of the call out, client events in.
async fn attach(mut socket: WebSocket, sideband: Attached) {
    let mut events = sideband.events;
    loop {
        tokio::select! {
            ev = events.recv() => match ev {
                Ok(text) => {
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        return;
                    }
                }
                Err(RecvError::Lagged(n)) => {
                    tracing::warn!("mock: a sideband fell {n} events behind; they are skipped");
                }
                Err(RecvError::Closed) => {
                    close(&mut socket, 1000, "the call ended").await;
                    return;
                }
            },
            msg = socket.recv() => match msg {
                Some(Ok(Message::Text(text))) => {
                    if sideband.inject.send(text.to_string()).await.is_err() {
                        close(&mut socket, 1000, "the call ended").await;
                        return;
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}

/// A session over the socket, driven like a WebRTC call's model.
async fn session_socket(mut socket: WebSocket, options: ModelOptions) {
    let mut voice_seed = options.seed;
    let mut model = Model::new(options);
    model.set_wall_clock(super::keys::unix_seconds(SystemTime::now()) as i64);
    let started = Instant::now();
    let now_ms = || started.elapsed().as_millis() as u64;
    let mut pending = model.handle(ModelInput::Open { at_ms: 0 });
    loop {
        for out in pending.drain(..) {
            match out {
                ModelOutput::Send(text) => {
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        return;
                    }
                }
                ModelOutput::PlayAudio {
                    response_id,
                    item_id,
                    duration_ms,
                    voice,
                } => {
                    voice_seed = voice_seed.wrapping_add(1);
                    let mut v = Voice::new(voice_seed, &voice);
                    let format = WireFormat::of_session(model.session(), Way::Output);
                    for delta in audio_deltas(&mut v, duration_ms, format) {
                        let ev = json!({"type": "response.output_audio.delta",
                            "event_id": format!("event_audio_{}", crate::mock::keys::random_hex(8)),
                            "response_id": response_id, "item_id": item_id,
                            "output_index": 0, "content_index": 0, "delta": delta});
                        if socket
                            .send(Message::Text(ev.to_string().into()))
                            .await
                            .is_err()
                        {
                            return;
                        }
                    }
                }
                // Every delta is already out: the client truncates what it did not play.
                ModelOutput::StopAudio => {}
                ModelOutput::Close { reason } => {
                    let (code, said) = if reason.contains("expired") {
                        (1001, "Your session hit the maximum duration of 60 minutes.")
                    } else {
                        (1000, reason.as_str())
                    };
                    close(&mut socket, code, said).await;
                    return;
                }
            }
        }
        let deadline = model
            .next_deadline()
            .map(|ms| started + Duration::from_millis(ms));
        let timer = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            msg = socket.recv() => match msg {
                Some(Ok(Message::Text(text))) => {
                    let at_ms = now_ms();
                    pending = model.handle(ModelInput::Client { at_ms, text: &text });
                    let format = WireFormat::of_session(model.session(), Way::Input);
                    if let Some(samples) = appended_audio(&text, format) {
                        for frame in samples.chunks(FRAME) {
                            pending.extend(model.handle(ModelInput::Audio { at_ms, samples: frame }));
                        }
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
            _ = timer => pending = model.handle(ModelInput::Tick { at_ms: now_ms() }),
        }
    }
}

/// The voice as base64 in the session's output format, `DELTA_MS` per delta.
fn audio_deltas(voice: &mut Voice, duration_ms: u64, format: WireFormat) -> Vec<String> {
    let mut out = Vec::new();
    let mut left = duration_ms;
    let mut frame48 = vec![0i16; (DELTA_MS * 48) as usize];
    let step = (RATE / format.rate()) as usize;
    while left > 0 {
        let ms = left.min(DELTA_MS);
        let n = (ms * 48) as usize;
        voice.fill(&mut frame48[..n]);
        // 48 kHz down to the format's rate: the mean of each group, a crude low-pass
        // that is enough for a simulated voice.
        let samples: Vec<i16> = frame48[..n]
            .chunks(step)
            .map(|g| (g.iter().map(|&s| i32::from(s)).sum::<i32>() / g.len() as i32) as i16)
            .collect();
        out.push(B64.encode(format.encode(&samples)));
        left -= ms;
    }
    out
}

/// The 48 kHz samples of an `input_audio_buffer.append` in the session's input
/// format, for the model's VAD.
fn appended_audio(text: &str, format: WireFormat) -> Option<Vec<i16>> {
    if !text.contains("input_audio_buffer.append") {
        return None;
    }
    let v: Value = serde_json::from_str(text).ok()?;
    if v.get("type")?.as_str()? != "input_audio_buffer.append" {
        return None;
    }
    let bytes = B64.decode(v.get("audio")?.as_str()?).ok()?;
    let low = format.decode(&bytes);
    let step = (RATE / format.rate()) as usize;
    // Linear interpolation up to 48 kHz: the VAD only needs the energy right.
    let mut s48 = Vec::with_capacity(low.len() * step);
    for (i, &s) in low.iter().enumerate() {
        let next = i32::from(*low.get(i + 1).unwrap_or(&s));
        for k in 0..step {
            let s = i32::from(s);
            s48.push((s + (next - s) * k as i32 / step as i32) as i16);
        }
    }
    Some(s48)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_of_voice_is_25_deltas_of_40_ms_at_24_khz() {
        let mut v = Voice::new(1, "marin");
        let deltas = audio_deltas(&mut v, 1000, WireFormat::Pcm24k);
        assert_eq!(deltas.len(), 25);
        assert_eq!(B64.decode(&deltas[0]).unwrap().len(), 40 * 24 * 2);
        let ulaw = audio_deltas(&mut v, 1000, WireFormat::Pcmu);
        assert_eq!(B64.decode(&ulaw[0]).unwrap().len(), 40 * 8);
    }

    #[test]
    fn appended_audio_comes_back_at_48_khz() {
        let pcm: Vec<u8> = (0..480i16).flat_map(|s| s.to_le_bytes()).collect();
        let text =
            json!({"type": "input_audio_buffer.append", "audio": B64.encode(&pcm)}).to_string();
        assert_eq!(
            appended_audio(&text, WireFormat::Pcm24k).unwrap().len(),
            960
        );
        assert_eq!(
            appended_audio(&text, WireFormat::Pcmu).unwrap().len(),
            960 * 6
        );
        assert!(appended_audio(r#"{"type":"response.create"}"#, WireFormat::Pcm24k).is_none());
    }
}

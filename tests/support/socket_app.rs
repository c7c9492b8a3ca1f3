//! A socket app for the proxy's tests: it connects through the proxy with its key,
//! sends events and reads until the one it waits for.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Every wait is bounded; generous because CI machines are slow.
const SOCKET_WAIT: Duration = Duration::from_secs(30);

/// Opens `url` with `Authorization: Bearer key` (and the beta header with `beta`).
pub async fn connect(url: &str, key: &str, beta: bool) -> Result<Socket, WsError> {
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Authorization", format!("Bearer {key}").parse().unwrap());
    if beta {
        request
            .headers_mut()
            .insert("OpenAI-Beta", "realtime=v1".parse().unwrap());
    }
    tokio::time::timeout(SOCKET_WAIT, tokio_tungstenite::connect_async(request))
        .await
        .expect("the handshake ends in time")
        .map(|(s, _)| s)
}

pub async fn send(socket: &mut Socket, event: Value) {
    socket.send(Message::text(event.to_string())).await.unwrap();
}

/// Reads until an event of type `ty`; every event seen on the way is returned too.
pub async fn until(socket: &mut Socket, ty: &str) -> Vec<Value> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + SOCKET_WAIT;
    loop {
        let msg = tokio::time::timeout_at(deadline, socket.next())
            .await
            .unwrap_or_else(|_| panic!("no {ty} in time; saw {seen:?}"))
            .unwrap_or_else(|| panic!("socket ended before {ty}"))
            .unwrap();
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(t.as_str()).unwrap();
            let done = v["type"] == ty;
            seen.push(v);
            if done {
                return seen;
            }
        }
    }
}

/// The text the model streamed in one turn.
#[allow(dead_code)] // not every test reads the words
pub fn said(events: &[Value]) -> String {
    events
        .iter()
        .filter(|e| e["type"] == "response.output_text.delta")
        .filter_map(|e| e["delta"].as_str())
        .collect()
}

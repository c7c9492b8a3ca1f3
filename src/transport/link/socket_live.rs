//! The open WebSocket: events both ways until the server closes it, it fails, or
//! the front-end closes; and on a session (not a sideband), its audio through
//! [`super::socket_audio`].

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

use super::driver::{apply_audio_effect, is_session_created, Driver, Ending};
use super::socket::Socket;
use super::socket_audio::{part_of, Downlink, Uplink};
use super::{Command, Playback};
use crate::audio::wire_format::{Way, WireFormat};
use crate::protocol::redact::redact_text;
use crate::recording::audio_spool;
use crate::session::{Command as SessionCommand, ConnectBreakdown, Effect, Input, TransportStatus};

/// The playout clock of the model's audio: one Opus frame a tick.
const FRAME: Duration = Duration::from_millis(20);

/// A session's audio: what goes up from the microphone, what comes down to play.
struct Audio {
    packets: mpsc::Receiver<Vec<u8>>,
    playback: Arc<dyn Playback>,
    up: Uplink,
    down: Downlink,
}

pub(super) async fn live(
    d: &mut Driver,
    mut socket: Socket,
    sideband: bool,
    explain: &(dyn Fn(Option<&CloseFrame>) -> String + Sync),
    breakdown: &mut ConnectBreakdown,
) -> Ending {
    let mut audio = if sideband { None } else { start_audio(d) };
    let playback = d.audio.as_ref().map(|a| a.playback.clone());
    let speed = d.options.playout_speed.max(1);
    // The microphone waits in its channel until the session exists: a server that
    // refuses the socket (the beta shape) closes it, and writes racing that close
    // turn its close frame into a connection reset.
    let mut session_up = false;
    let mut reported = false;
    let breakdown_by = tokio::time::sleep(Duration::from_secs(3));
    tokio::pin!(breakdown_by);
    let mut pace = tokio::time::interval(FRAME);
    pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let ending = loop {
        let playing = audio.as_ref().is_some_and(|a| a.down.queued_ms() > 0.0);
        tokio::select! {
            frame = socket.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    let at = d.clock.now_ms_f64();
                    let mut raw = text.to_string();
                    if let Some(a) = audio.as_mut() {
                        raw = a.on_server(raw);
                    }
                    let created = is_session_created(&raw);
                    session_up |= created;
                    let first = !reported && created;
                    d.input(Input::Server { at_ms: at as u64, raw }).await;
                    if first {
                        breakdown.session_created_ms = Some(at);
                        reported = true;
                        d.transport(TransportStatus::Breakdown(breakdown.clone())).await;
                    }
                }
                Some(Ok(Message::Binary(bytes))) => {
                    let at_ms = d.clock.now_ms();
                    let raw = String::from_utf8_lossy(&bytes).into_owned();
                    d.input(Input::Server { at_ms, raw }).await;
                }
                Some(Ok(Message::Close(frame))) => {
                    break Ending { status: TransportStatus::Closed { reason: explain(frame.as_ref()) } };
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    break Ending { status: TransportStatus::Failed {
                        reason: format!("the WebSocket failed: {}", redact_text(&e.to_string())),
                    } };
                }
                None => break Ending { status: TransportStatus::Closed {
                    reason: "the server dropped the WebSocket without a close frame".into(),
                } },
            },
            packet = next_packet(&mut audio), if session_up => match packet {
                Some(p) => {
                    let appends = audio.as_mut().map(|a| a.up.push_packet(&p)).unwrap_or_default();
                    for append in appends {
                        if let Err(e) = socket.send(Message::text(append.wire)).await {
                            d.note(json!({"type": "local.send_failed", "error": e.to_string()})).await;
                            break;
                        }
                        let at_ms = d.clock.now_ms();
                        d.input(Input::Sent { at_ms, raw: append.logged }).await;
                    }
                }
                // The microphone ended (a WAV ran out): the session goes on.
                None => if let Some(a) = audio.as_mut() { a.packets.close() },
            },
            _ = pace.tick(), if playing => {
                if let Some(a) = audio.as_mut() {
                    for _ in 0..speed {
                        a.down.tick(Some(&a.playback));
                    }
                }
            }
            cmd = d.commands.recv() => match cmd {
                Some(Command::Send(text)) => {
                    if let Err(e) = socket.send(Message::text(text)).await {
                        d.note(json!({"type": "local.send_failed", "error": e.to_string()})).await;
                    }
                }
                Some(Command::Effect(Effect::FlushPlayback)) if audio.is_some() => {
                    if let Some(cut) = audio.as_mut().and_then(Audio::barge_in) {
                        let at_ms = d.clock.now_ms();
                        d.input(Input::Command { at_ms, command: cut }).await;
                    }
                }
                Some(Command::Effect(e)) => apply_audio_effect(playback.as_ref(), &e),
                Some(Command::Close(reason)) => {
                    close_socket(&mut socket).await;
                    break Ending { status: TransportStatus::Closed { reason } };
                }
                None => {
                    close_socket(&mut socket).await;
                    break Ending { status: TransportStatus::Closed { reason: "the front-end went away".into() } };
                }
            },
            _ = &mut breakdown_by, if !reported => {
                reported = true;
                d.transport(TransportStatus::Breakdown(breakdown.clone())).await;
            }
        }
    };
    // A sideband sees no session.created: the breakdown still goes out, with the call id.
    if !reported {
        d.transport(TransportStatus::Breakdown(breakdown.clone()))
            .await;
    }
    ending
}

/// The session's audio, when the front-end gave the link a microphone and speaker.
fn start_audio(d: &mut Driver) -> Option<Audio> {
    let port = d.audio.as_mut()?;
    let session = &d.options.session;
    let (up, down) = match (Uplink::new(session), Downlink::new(session)) {
        (Ok(up), Ok(down)) => (up, down),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!("socket audio could not start: {e}");
            return None;
        }
    };
    // The link owns the microphone from here; the driver keeps the playback for
    // the effects that come before the socket is open.
    let (_, empty) = mpsc::channel(1);
    let packets = std::mem::replace(&mut port.packets, empty);
    Some(Audio {
        packets,
        playback: port.playback.clone(),
        up,
        down,
    })
}

async fn next_packet(audio: &mut Option<Audio>) -> Option<Vec<u8>> {
    match audio {
        Some(a) if !a.packets.is_closed() || !a.packets.is_empty() => a.packets.recv().await,
        _ => std::future::pending().await,
    }
}

impl Audio {
    /// Takes the audio out of a server message (it goes to the playback and the
    /// spool) and follows format changes; the message as the core should log it.
    fn on_server(&mut self, raw: String) -> String {
        if raw.contains("\"response.output_audio.delta\"")
            || raw.contains("\"response.audio.delta\"")
        {
            let Some((cut, bytes)) = audio_spool::extract(&raw, "delta") else {
                // Not canonical base64 or no spool: played if it decodes, kept inline.
                return raw;
            };
            if let Some(part) = serde_json::from_str::<Value>(&cut)
                .ok()
                .as_ref()
                .and_then(part_of)
            {
                self.down.push_delta(part, &bytes);
            }
            return cut;
        }
        if raw.contains("\"response.output_audio.done\"") || raw.contains("\"response.audio.done\"")
        {
            if let Some(part) = serde_json::from_str::<Value>(&raw)
                .ok()
                .as_ref()
                .and_then(part_of)
            {
                self.down.part_done(&part);
            }
        } else if raw.contains("\"session.updated\"") || raw.contains("\"session.created\"") {
            if let Some(session) = serde_json::from_str::<Value>(&raw)
                .ok()
                .and_then(|mut v| v.get_mut("session").map(Value::take))
            {
                self.up
                    .set_format(WireFormat::of_session(&session, Way::Input));
                self.down
                    .set_format(WireFormat::of_session(&session, Way::Output));
            }
        }
        raw
    }

    /// Stops playback at once; what to truncate, when audio was cut short.
    fn barge_in(&mut self) -> Option<SessionCommand> {
        self.playback.flush();
        let cut = self.down.cut()?;
        Some(SessionCommand::TruncatePlayed {
            item_id: cut.part.item_id,
            content_index: cut.part.content_index,
            audio_end_ms: cut.played_ms,
        })
    }
}

/// A normal close, then a short wait for the server's answer so it hears it.
async fn close_socket(socket: &mut Socket) {
    let frame = CloseFrame {
        code: CloseCode::Normal,
        reason: "closed by rtconsole".into(),
    };
    let _ = socket.send(Message::Close(Some(frame))).await;
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        while let Some(Ok(_)) = socket.next().await {}
    })
    .await;
}

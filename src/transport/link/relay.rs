//! The link behind `rtconsole proxy`'s TUI: the proxy's events turned into the
//! same `Input`s a session of our own produces, so the live loop and every pane
//! work unchanged. The app's client events come in as `Input::Sent` (logged and
//! applied, never sent again), the API's as `Input::Server`, the proxy's own
//! happenings as `local.proxy.*` notes; what the front-end sends (already
//! validated by the core) is injected on the app's connection.
//!
//! One session is shown at a time: the newest connection's. When another app
//! connection opens, [`LinkEvent::Relayed`] says so and the inputs that follow
//! belong to a fresh session. Events of older connections are recorded but not
//! shown.

use std::sync::Arc;

use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::proxy_notes::note_of;
use super::{CallInfo, Clock, Command, LinkEvent, RelayRequest};
use crate::audio::levels::Level;
use crate::audio::meter::Meters;
use crate::protocol::redact::redact_text;
use crate::protocol::Direction;
use crate::session::{Input, TransportStatus};
use crate::transport::proxy::{Breakpoint, Breakpoints, Decision, Flow, Injector, ProxyEvent};

/// Writes what the proxy relays somewhere (one recording per connection), seeing
/// every event of every connection, shown or not.
pub trait RelayRecorder: Send + Sync {
    /// Records one event; returns what the user should be told (a recording that
    /// started, or one that failed).
    fn record(&mut self, event: &ProxyEvent) -> Vec<String>;
}

/// What the relay link is given: the proxy's event stream and injector.
pub struct RelayOptions {
    pub events: mpsc::Receiver<ProxyEvent>,
    pub injector: Injector,
    /// The base URL the app is told to use, for the first note.
    pub base_url: String,
    pub recorder: Option<Box<dyn RelayRecorder>>,
    pub breakpoints: Breakpoints,
    /// Where a relayed call's audio levels go (app: mic, API: speaker), for the
    /// audio pane.
    pub meters: Arc<Meters>,
}

pub(super) struct Relay {
    pub clock: Clock,
    pub events: mpsc::Sender<LinkEvent>,
    pub commands: mpsc::Receiver<Command>,
    pub requests: mpsc::Receiver<RelayRequest>,
    pub options: RelayOptions,
}

/// The connection on show and whether it is still open.
#[derive(Default)]
struct Shown {
    conn: Option<u64>,
    open: bool,
}

pub(super) async fn run(mut r: Relay) {
    let mut shown = Shown::default();
    let endpoint = format!("waiting for an app at {}", r.options.base_url);
    r.transport(r.clock.now_ms(), TransportStatus::Connecting { endpoint })
        .await;
    loop {
        tokio::select! {
            event = r.options.events.recv() => match event {
                Some(event) => r.on_event(&mut shown, event).await,
                None => {
                    r.end(&shown, "the proxy stopped".into()).await;
                    return;
                }
            },
            Some(request) = r.requests.recv() => r.on_request(request).await,
            command = r.commands.recv() => match command {
                Some(Command::Send(text)) => r.inject(&shown, text).await,
                // No audio device is driven for a relayed session.
                Some(Command::Effect(_)) => {}
                Some(Command::Close(reason)) => {
                    r.end(&shown, reason).await;
                    return;
                }
                None => {
                    r.end(&shown, "the front-end went away".into()).await;
                    return;
                }
            },
        }
    }
}

impl Relay {
    async fn input(&self, input: Input) {
        let _ = self.events.send(LinkEvent::Input(input)).await;
    }

    async fn transport(&self, at_ms: u64, status: TransportStatus) {
        self.input(Input::Transport { at_ms, status }).await;
    }

    async fn note(&self, at_ms: u64, note: Value) {
        self.input(Input::Note { at_ms, note }).await;
    }

    async fn on_event(&mut self, shown: &mut Shown, event: ProxyEvent) {
        let told = match self.options.recorder.as_mut() {
            Some(r) => r.record(&event),
            None => Vec::new(),
        };
        for message in told {
            let at_ms = self.clock.now_ms();
            let note = json!({"type": "local.proxy.record", "message": message});
            self.note(at_ms, note).await;
        }
        // The same note as --headless prints and the recording keeps, with the
        // connection it is about: the log shows one connection, notes may be others'.
        let note = note_of(&event).map(|mut n| {
            n["conn"] = json!(event_conn(&event));
            n
        });
        match (event, note) {
            (
                ProxyEvent::Opened {
                    conn, at, call_id, ..
                },
                Some(note),
            ) => {
                // The first connection continues the session that waited for it, so
                // the client secret the app minted first stays in view.
                let fresh = shown.conn.is_some();
                shown.conn = Some(conn);
                shown.open = true;
                let _ = self.events.send(LinkEvent::Relayed { conn, fresh }).await;
                let info = CallInfo {
                    call_id,
                    secret_expires_at: None,
                };
                let _ = self.events.send(LinkEvent::Up(info)).await;
                let at_ms = self.clock.ms_at(at);
                let endpoint = format!(
                    "app connection {conn}: {}",
                    note["path"].as_str().unwrap_or_default()
                );
                self.transport(at_ms, TransportStatus::Connecting { endpoint })
                    .await;
                self.note(at_ms, note).await;
                self.transport(at_ms, TransportStatus::Connected).await;
                self.transport(at_ms, TransportStatus::ChannelOpen).await;
            }
            (
                ProxyEvent::Text {
                    conn,
                    at,
                    flow,
                    text,
                },
                _,
            ) if shown.conn == Some(conn) => {
                let at_ms = self.clock.ms_at(at);
                match flow {
                    Flow::Client => self.input(Input::Sent { at_ms, raw: text }).await,
                    Flow::Server => self.input(Input::Server { at_ms, raw: text }).await,
                    // The core logged it (as injected) when the user sent it.
                    Flow::Injected => {}
                }
            }
            (
                ProxyEvent::Binary {
                    conn,
                    at,
                    flow,
                    len,
                },
                _,
            ) if shown.conn == Some(conn) => {
                let note =
                    json!({"type": "local.proxy.binary", "dir": flow.as_str(), "bytes": len});
                self.note(self.clock.ms_at(at), note).await;
            }
            (
                ProxyEvent::Closed {
                    conn,
                    at,
                    by,
                    code,
                    reason,
                    explanation,
                },
                Some(note),
            ) if shown.conn == Some(conn) => {
                shown.open = false;
                let at_ms = self.clock.ms_at(at);
                self.note(at_ms, note).await;
                let who = match by {
                    Flow::Server => "the API",
                    Flow::Client | Flow::Injected => "the app",
                };
                let mut reason = match code {
                    Some(code) => format!("{who} closed connection {conn} ({code} {reason})"),
                    None => format!("{who} dropped connection {conn}"),
                };
                if let Some(e) = explanation {
                    reason = format!("{reason}: {e}");
                }
                self.transport(at_ms, TransportStatus::Closed { reason })
                    .await;
            }
            (
                ProxyEvent::Audio {
                    conn,
                    flow,
                    rms_dbfs,
                    peak_dbfs,
                    ..
                },
                _,
            ) if shown.conn == Some(conn) => {
                // Levels go to the meters (latest value), not the log: a call reports
                // them every second; the recording keeps them as notes.
                let level = Level {
                    rms_dbfs,
                    peak_dbfs,
                };
                match flow {
                    Flow::Client => self.options.meters.mic.store(level),
                    Flow::Server | Flow::Injected => self.options.meters.speaker.store(level),
                }
            }
            // Older connections go on in the recordings only.
            (
                ProxyEvent::Text { .. }
                | ProxyEvent::Binary { .. }
                | ProxyEvent::Closed { .. }
                | ProxyEvent::Audio { .. },
                _,
            ) => {}
            // Held events wait for the user whichever connection they are on.
            (
                ProxyEvent::Held {
                    conn,
                    at,
                    hold,
                    flow,
                    text,
                },
                Some(note),
            ) => {
                self.note(self.clock.ms_at(at), note).await;
                let dir = match flow {
                    Flow::Server => Direction::Server,
                    Flow::Client | Flow::Injected => Direction::Client,
                };
                let text = redact_text(&text).into_owned();
                let held = LinkEvent::Held {
                    conn,
                    hold,
                    dir,
                    text,
                };
                let _ = self.events.send(held).await;
            }
            // The core redacts notes (a minted secret in an HTTP response) before
            // the log, the screen or a recording sees them.
            (
                ProxyEvent::Decided { at, .. }
                | ProxyEvent::Refused { at, .. }
                | ProxyEvent::Http { at, .. },
                Some(note),
            ) => self.note(self.clock.ms_at(at), note).await,
            (_, None) => {}
        }
    }

    /// Breakpoints and held events, as the user asked; the outcome is a note.
    async fn on_request(&self, request: RelayRequest) {
        let at_ms = self.clock.now_ms();
        let bps = &self.options.breakpoints;
        let note = match request {
            RelayRequest::ToggleBreak { dir, event_type } => {
                let parsed = match dir {
                    Direction::Local => Err("a breakpoint is on a client or a server event; local notes are the proxy's own".to_string()),
                    dir => Breakpoint::parse(&format!("{dir}:{event_type}")),
                };
                let bp = match parsed {
                    Ok(bp) => bp,
                    Err(error) => {
                        let note = json!({"type": "local.proxy.break_failed", "error": error});
                        return self.note(at_ms, note).await;
                    }
                };
                let shown = bp.to_string();
                let set = if bps.remove(&bp) { false } else { bps.add(bp) };
                json!({"type": "local.proxy.break", "breakpoint": shown, "set": set})
            }
            RelayRequest::Release { hold, edited } => {
                match bps.decide(hold, Decision::Release(edited)) {
                    Ok(()) => return,
                    Err(e) => json!({"type": "local.proxy.decide_failed", "error": e.to_string()}),
                }
            }
            RelayRequest::Drop { hold } => match bps.decide(hold, Decision::Drop) {
                Ok(()) => return,
                Err(e) => json!({"type": "local.proxy.decide_failed", "error": e.to_string()}),
            },
        };
        self.note(at_ms, note).await;
    }

    /// Sends a validated event upstream on the connection on show; when that one
    /// is gone, says so rather than send it on another app's connection.
    async fn inject(&self, shown: &Shown, text: String) {
        let at_ms = self.clock.now_ms();
        let error = match (shown.conn, shown.open) {
            (Some(conn), true) => match self.options.injector.inject(text) {
                Ok(_) => return,
                Err(e) => format!("connection {conn}: {e}"),
            },
            (Some(conn), false) => format!(
                "connection {conn} is closed; the event was not sent. Connect your app again and send it once the new connection shows"
            ),
            (None, _) => "no app is connected through the proxy yet; point your app at the proxy's URL first".to_string(),
        };
        let note = json!({"type": "local.send_failed", "error": redact_text(&error)});
        self.note(at_ms, note).await;
    }

    async fn end(&self, shown: &Shown, reason: String) {
        if shown.open || shown.conn.is_none() {
            let reason = format!("the proxy's view ended ({reason})");
            self.transport(self.clock.now_ms(), TransportStatus::Closed { reason })
                .await;
        }
        let _ = self.events.send(LinkEvent::Ended).await;
    }
}

/// The connection an event is about.
fn event_conn(event: &ProxyEvent) -> u64 {
    match event {
        ProxyEvent::Opened { conn, .. }
        | ProxyEvent::Text { conn, .. }
        | ProxyEvent::Audio { conn, .. }
        | ProxyEvent::Binary { conn, .. }
        | ProxyEvent::Closed { conn, .. }
        | ProxyEvent::Refused { conn, .. }
        | ProxyEvent::Held { conn, .. }
        | ProxyEvent::Decided { conn, .. }
        | ProxyEvent::Http { conn, .. } => *conn,
    }
}

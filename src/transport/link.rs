//! The one connection edge every front-end holds. A `Link` connects (signaling and
//! the WebRTC peer), turns everything that arrives into core `Input`s on one
//! bounded channel, executes the `Effect`s the core returns (send an event, audio
//! control), samples transport stats and breaks the connect down into its steps.
//! The TUI and `run` hold nothing else of the wire, so both see the same notes and
//! stats for the same session, and a new transport (a socket, a sideband attach, a
//! relay) is another driver behind the same handle.

mod audio;
mod driver;
mod proxy_notes;
mod relay;
pub mod setup;
mod socket;
mod socket_audio;
mod socket_live;
mod webrtc;

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::cli::ConnectArgs;
use crate::protocol::Dialect;
use crate::session::{Effect, Input};

pub use audio::{AudioPort, Playback};
pub use proxy_notes::{json_or_text, note_of};
pub use relay::{RelayOptions, RelayRecorder};
pub use setup::{SetupError, SharedMock};
pub(crate) use socket::{explain_session_close, websocket_base};

/// How many events may wait between the link and the task that owns the session;
/// a slow consumer holds the link back (nothing is dropped).
const EVENTS_CAPACITY: usize = 1024;
const COMMANDS_CAPACITY: usize = 256;
/// Hang-up, peer close and mock shutdown each have their own bounds; this is the
/// backstop for a front-end waiting on all of them.
const CLOSE_WAIT: Duration = Duration::from_secs(10);

/// The session's clock: milliseconds since the link was started. Front-ends stamp
/// their own inputs (keys, script steps) on it too, so one timeline holds all.
#[derive(Debug, Clone, Copy)]
pub struct Clock(Instant);

impl Clock {
    pub fn start() -> Clock {
        Clock(Instant::now())
    }
    pub fn now_ms(&self) -> u64 {
        self.0.elapsed().as_millis() as u64
    }
    /// Milliseconds with a fraction, for the connect breakdown.
    pub fn now_ms_f64(&self) -> f64 {
        self.0.elapsed().as_secs_f64() * 1e3
    }
    /// Where `at` falls on this clock (0 before the start), for events stamped
    /// elsewhere (the proxy's).
    pub fn ms_at(&self, at: std::time::Instant) -> u64 {
        Instant::from_std(at)
            .saturating_duration_since(self.0)
            .as_millis() as u64
    }
    /// The instant `ms` after the start, for timers.
    pub fn at(&self, ms: u64) -> Instant {
        self.0 + Duration::from_millis(ms)
    }
}

/// How a link reaches the session.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Transport {
    /// A WebRTC call (the default): Opus on a track, events on a data channel.
    #[default]
    WebRtc,
    /// A WebSocket session (`{base}/realtime?model=…`): events and base64 audio in
    /// text frames.
    WebSocket,
    /// The sideband of a call someone else made (`{base}/realtime?call_id=…`):
    /// events only, no audio.
    Attach(String),
}

impl Transport {
    /// From the command line: `--transport`, or a call to attach to.
    pub fn from_args(connect: &ConnectArgs, attach: Option<&str>) -> Transport {
        match (attach, connect.transport) {
            (Some(id), _) => Transport::Attach(id.to_string()),
            (None, crate::cli::TransportArg::Websocket) => Transport::WebSocket,
            (None, crate::cli::TransportArg::Webrtc) => Transport::WebRtc,
        }
    }
}

/// Where to connect and with what session.
#[derive(Debug, Clone)]
pub struct LinkOptions {
    pub transport: Transport,
    pub connect: ConnectArgs,
    pub token_url: Option<String>,
    pub dialect: Dialect,
    /// The initial session (see [`setup::initial_session`]), checked by the caller
    /// so a usage error is shown before anything starts.
    pub session: Value,
    /// A script's `scenario` line, used with `--mock` unless `--scenario` is given.
    pub script_scenario: Option<PathBuf>,
    /// How many times real time a socket session plays the model's audio: 1 but
    /// in the memory bench, which plays an hour in a minute.
    pub playout_speed: u32,
    /// Call this running mock instead of starting one (several runs of a script).
    pub shared_mock: Option<SharedMock>,
}

/// What the call is, once it is up: for the status bar and the recording header.
#[derive(Debug, Clone, Default)]
pub struct CallInfo {
    pub call_id: Option<String>,
    /// Unix seconds, when a client secret was minted or fetched.
    pub secret_expires_at: Option<u64>,
}

// Not boxed: each event is moved once from the link into the session.
#[allow(clippy::large_enum_variant)]
pub enum LinkEvent {
    /// For the core, stamped on the link's clock.
    Input(Input),
    /// The data channel is open; the `Input`s that say so follow.
    Up(CallInfo),
    /// `rtconsole proxy`: the view follows app connection `conn`, which just
    /// opened. With `fresh`, the `Input`s that follow belong to a new session (the
    /// one before had a connection of its own).
    Relayed { conn: u64, fresh: bool },
    /// `rtconsole proxy`: a breakpoint holds this event of app connection `conn`
    /// (`dir` the way it was going) until [`RelayRequest::Release`] or `Drop` for
    /// `hold`. `text` is redacted: a credential is never shown.
    Held {
        conn: u64,
        hold: u64,
        dir: crate::protocol::Direction,
        text: String,
    },
    /// Nothing more will come: the `Input`s before said how it ended.
    Ended,
}

enum Command {
    Send(String),
    Effect(Effect),
    Close(String),
}

/// What a front-end asks of the proxy's relay link, beyond sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayRequest {
    /// Set a breakpoint on events of this type going this way, or clear it if set.
    ToggleBreak {
        dir: crate::protocol::Direction,
        event_type: String,
    },
    /// Send held event `hold` on: as it was (`edited: None`) or this text instead.
    Release { hold: u64, edited: Option<String> },
    /// Never send held event `hold`.
    Drop { hold: u64 },
}

/// The front-end's handle. Dropping it closes the call as `close` would, without
/// waiting.
pub struct Link {
    commands: mpsc::Sender<Command>,
    /// Only the proxy's relay link takes these.
    relay: Option<mpsc::Sender<RelayRequest>>,
}

impl Link {
    /// Starts connecting in the background; the events come on the receiver,
    /// stamped on `clock`, which the caller stamps its own inputs with too.
    pub fn start(
        clock: Clock,
        options: LinkOptions,
        audio: Option<AudioPort>,
    ) -> (Link, mpsc::Receiver<LinkEvent>) {
        let (events_tx, events) = mpsc::channel(EVENTS_CAPACITY);
        let (commands, commands_rx) = mpsc::channel(COMMANDS_CAPACITY);
        tokio::spawn(driver::run(driver::Driver {
            options,
            clock,
            events: events_tx,
            commands: commands_rx,
            audio,
        }));
        let relay = None;
        (Link { commands, relay }, events)
    }

    /// The link of `rtconsole proxy`'s TUI: the relayed app's session as `Input`s,
    /// stamped on `clock`; sends are injected on the app's connection.
    pub fn relay(clock: Clock, options: RelayOptions) -> (Link, mpsc::Receiver<LinkEvent>) {
        let (events_tx, events) = mpsc::channel(EVENTS_CAPACITY);
        let (commands, commands_rx) = mpsc::channel(COMMANDS_CAPACITY);
        let (requests, requests_rx) = mpsc::channel(COMMANDS_CAPACITY);
        tokio::spawn(relay::run(relay::Relay {
            clock,
            events: events_tx,
            commands: commands_rx,
            requests: requests_rx,
            options,
        }));
        let relay = Some(requests);
        (Link { commands, relay }, events)
    }

    /// Passes a breakpoint request to the proxy's relay link; false when this link
    /// is not one (nothing is relayed here).
    pub async fn relay_request(&self, request: RelayRequest) -> bool {
        match &self.relay {
            Some(tx) => tx.send(request).await.is_ok(),
            None => false,
        }
    }

    /// Writes a validated client event on the data channel. Sent only once the
    /// channel is open; a failure comes back as a `local.send_failed` note.
    pub async fn send(&self, text: String) {
        let _ = self.commands.send(Command::Send(text)).await;
    }

    /// Carries out what the core asked for: sends go on the wire, audio effects to
    /// the playback. Notices and refusals are the front-end's to show.
    pub async fn execute(&self, effect: Effect) {
        match effect {
            Effect::Send { text } => self.send(text).await,
            Effect::FlushPlayback | Effect::StartMic | Effect::StopMic => {
                let _ = self.commands.send(Command::Effect(effect)).await;
            }
            Effect::Notice { .. } | Effect::Rejected { .. } => {}
        }
    }

    /// Asks the link to hang up (so the server stops at once), close the peer and
    /// stop an embedded mock. The closing `Input`s and then `Ended` follow on the
    /// channel: keep reading it until `Ended` (see [`drain_until_ended`]).
    pub async fn close(&self, reason: impl Into<String>) {
        let _ = self.commands.send(Command::Close(reason.into())).await;
    }
}

/// Reads a link's events until it has ended, handing each `Input` to `feed`: what a
/// front-end does after `close`, so the last notes reach the session (and the
/// recording). Bounded, in case the link is stuck.
pub async fn drain_until_ended(
    events: &mut mpsc::Receiver<LinkEvent>,
    mut feed: impl FnMut(Input),
) {
    let drain = async {
        while let Some(ev) = events.recv().await {
            match ev {
                LinkEvent::Input(input) => feed(input),
                LinkEvent::Up(_) | LinkEvent::Relayed { .. } | LinkEvent::Held { .. } => {}
                LinkEvent::Ended => return,
            }
        }
    };
    if tokio::time::timeout(CLOSE_WAIT, drain).await.is_err() {
        tracing::warn!("the link did not finish closing within {CLOSE_WAIT:?}");
    }
}

//! What every link's task shares: the channel into the core, the commands from the
//! front-end, the wait for setup (which a close may cut short), and how a link ends.
//! Which transport runs is chosen here.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::mpsc;

use super::setup::Target;
use super::{AudioPort, Clock, Command, LinkEvent, LinkOptions, Playback, Transport};
use crate::session::{Effect, Input, TransportStatus};

pub(super) struct Driver {
    pub options: LinkOptions,
    pub clock: Clock,
    pub events: mpsc::Sender<LinkEvent>,
    pub commands: mpsc::Receiver<Command>,
    pub audio: Option<AudioPort>,
}

/// How the call ended.
pub(super) struct Ending {
    pub status: TransportStatus,
}

pub(super) async fn run(d: Driver) {
    let endpoint = if d.options.connect.mock {
        "mock".to_string()
    } else {
        d.options.connect.base_url.clone()
    };
    d.transport(TransportStatus::Connecting { endpoint }).await;
    match d.options.transport {
        Transport::WebRtc => super::webrtc::run(d).await,
        Transport::WebSocket | Transport::Attach(_) => super::socket::run(d).await,
    }
}

impl Driver {
    pub async fn input(&self, input: Input) {
        let _ = self.events.send(LinkEvent::Input(input)).await;
    }

    pub async fn transport(&self, status: TransportStatus) {
        let at_ms = self.clock.now_ms();
        self.input(Input::Transport { at_ms, status }).await;
    }

    pub async fn note(&self, note: serde_json::Value) {
        let at_ms = self.clock.now_ms();
        self.input(Input::Note { at_ms, note }).await;
    }

    /// Runs `setup` until it is done, or until the front-end closes the link (then
    /// the link ends here and `None` comes back). Sends wait in the front-end until
    /// the call is open, so one arriving now is a bug worth a warning.
    pub async fn until_set_up<F: Future>(&mut self, setup: F) -> Option<F::Output> {
        tokio::pin!(setup);
        loop {
            tokio::select! {
                r = &mut setup => return Some(r),
                cmd = self.commands.recv() => match cmd {
                    Some(Command::Send(_)) => tracing::warn!("an event was sent before the call was open; dropped"),
                    Some(Command::Effect(e)) => apply_audio_effect(self.audio.as_ref().map(|a| &a.playback), &e),
                    Some(Command::Close(reason)) => {
                        self.end(None, Ending { status: TransportStatus::Closed { reason } }).await;
                        return None;
                    }
                    None => {
                        let reason = "the front-end went away".to_string();
                        self.end(None, Ending { status: TransportStatus::Closed { reason } }).await;
                        return None;
                    }
                },
            }
        }
    }

    /// Stops an embedded mock, then reports how it ended and that nothing follows.
    pub async fn end(&self, target: Option<Target>, ending: Ending) {
        if let Some(m) = target.and_then(|t| t.mock) {
            m.shutdown().await;
        }
        self.transport(ending.status).await;
        let _ = self.events.send(LinkEvent::Ended).await;
    }
}

/// A cheap look for the first `session.created` (or its transcription twin),
/// without parsing every message twice: the core does the real decoding.
pub(super) fn is_session_created(raw: &str) -> bool {
    raw.contains("\"session.created\"") || raw.contains("\"transcription_session.created\"")
}

pub(super) fn apply_audio_effect(playback: Option<&Arc<dyn Playback>>, effect: &Effect) {
    let Some(p) = playback else { return };
    match effect {
        Effect::FlushPlayback => p.flush(),
        Effect::StartMic => p.set_talking(true),
        Effect::StopMic => p.set_talking(false),
        _ => {}
    }
}

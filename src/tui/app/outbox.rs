//! What the user asks to send: through the core when the data channel is open,
//! queued until it is otherwise, so nothing typed while connecting is lost or logged
//! as sent when it was not.

use super::{App, Request};
use crate::session::{Command, Input, NoticeLevel, Phase};

/// Something asked for before the data channel opened.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Queued {
    Text(String),
    Command(Command),
}

impl Queued {
    pub(super) fn into_input(self, at_ms: u64) -> Input {
        match self {
            Queued::Text(text) => Input::SendText { at_ms, text },
            Queued::Command(command) => Input::Command { at_ms, command },
        }
    }
}

impl App {
    /// Sends a client event through the core, which validates and logs it. Before
    /// the data channel is open the text waits in a queue, so what a user types while
    /// connecting is neither lost nor logged as sent when it was not.
    pub fn send(&mut self, text: String, at_ms: u64) -> Vec<Request> {
        self.submit(Queued::Text(text), at_ms)
    }

    /// A command the core turns into events (shortcuts, the config editor's apply),
    /// queued like a typed event until the channel is open.
    pub fn command(&mut self, command: Command, at_ms: u64) -> Vec<Request> {
        self.submit(Queued::Command(command), at_ms)
    }

    fn submit(&mut self, what: Queued, at_ms: u64) -> Vec<Request> {
        if self.read_only_refusal() {
            return Vec::new();
        }
        if !self.live_is_open() {
            self.queued.push(what);
            let why = match self.session.phase() {
                Phase::Failed(_) | Phase::Closed(_) => "the session is not connected",
                _ => "the data channel is not open yet",
            };
            self.set_notice(
                NoticeLevel::Warning,
                format!(
                    "{} event(s) queued: {why}; they go out when it opens",
                    self.queued.len()
                ),
            );
            return Vec::new();
        }
        self.on_input(what.into_input(at_ms))
    }

    /// A live session always has a connection endpoint; tests of panes alone do not
    /// connect, so an app whose phase never left Idle sends straight through.
    fn live_is_open(&self) -> bool {
        matches!(self.session.phase(), Phase::Open | Phase::Idle)
    }

    /// Sends what was asked for while connecting, once the channel is open.
    pub(super) fn flush_queue(&mut self, at_ms: u64) -> Vec<Request> {
        if self.queued.is_empty() || !self.live_is_open() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for what in std::mem::take(&mut self.queued) {
            let fx = self.session.handle(what.into_input(at_ms));
            out.extend(self.effects(fx));
        }
        out
    }
}

//! `rtconsole proxy`'s breakpoints as the app shows them: an event a breakpoint
//! holds opens in the composer for editing, and keys release it (with the edit)
//! or drop it. The proxy holds the event; the app only asks.

use std::collections::VecDeque;

use super::{App, Request};
use crate::protocol::validate::validate_client_text;
use crate::protocol::Direction;
use crate::session::NoticeLevel;
use crate::transport::link::RelayRequest;
use crate::tui::keymap::Action;
use crate::tui::pane::PaneId;

/// An event a breakpoint holds, waiting for the user.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct HeldEvent {
    hold: u64,
    conn: u64,
    dir: Direction,
    /// As shown in the composer (redacted).
    shown: String,
}

/// Held events, oldest first: the first is the one in the composer.
pub(super) type HeldQueue = VecDeque<HeldEvent>;

impl App {
    /// A breakpoint held an event; the oldest one waiting is in the composer.
    pub fn on_held(&mut self, conn: u64, hold: u64, dir: Direction, text: String) {
        self.held.push_back(HeldEvent {
            hold,
            conn,
            dir,
            shown: text,
        });
        if self.held.len() == 1 {
            self.show_held();
        } else {
            let n = self.held.len();
            self.set_notice(
                NoticeLevel::Warning,
                format!("{n} events held; they open in the composer one by one"),
            );
        }
    }

    /// How many held events wait for a decision.
    pub fn held_count(&self) -> usize {
        self.held.len()
    }

    fn show_held(&mut self) {
        let Some(h) = self.held.front() else {
            return;
        };
        let text = format!(
            "held #{} ({} event of connection {}): edit it in the composer; {} releases it, {} drops it",
            h.hold,
            h.dir,
            h.conn,
            self.keymap.keys_of(Action::ReleaseHeld),
            self.keymap.keys_of(Action::DropHeld),
        );
        let shown = h.shown.clone();
        self.composer.set_text(&shown);
        self.focus = PaneId::Composer;
        self.set_notice(NoticeLevel::Warning, text);
    }

    /// Releases the held event in the composer, as edited there. An edited client
    /// event is validated first, like a typed one, and stays held when invalid.
    pub(super) fn release_held(&mut self) -> Vec<Request> {
        let Some(h) = self.held.front().cloned() else {
            self.nothing_held();
            return Vec::new();
        };
        let text = self.composer.text();
        let edited = (text.trim() != h.shown.trim()).then_some(text);
        // The same checks as `:release N {…}` in --headless.
        let refused = match (&edited, h.dir) {
            (Some(t), Direction::Client) => validate_client_text(t, self.session.dialect())
                .err()
                .map(|e| format!("the edit is not a valid client event: {e}")),
            (Some(t), _) => match serde_json::from_str::<serde_json::Value>(t) {
                Ok(v) if v.is_object() => None,
                _ => Some("the edited server event is not one JSON object".to_string()),
            },
            (None, _) => None,
        };
        if let Some(why) = refused {
            self.set_notice(
                NoticeLevel::Error,
                format!("held #{} stays held: {why}", h.hold),
            );
            return Vec::new();
        }
        self.held.pop_front();
        self.composer.set_text("");
        self.set_notice(NoticeLevel::Info, format!("held #{} released", h.hold));
        self.show_held();
        vec![Request::Relay(RelayRequest::Release {
            hold: h.hold,
            edited,
        })]
    }

    /// Drops the held event in the composer: it is never sent.
    pub(super) fn drop_held(&mut self) -> Vec<Request> {
        let Some(h) = self.held.pop_front() else {
            self.nothing_held();
            return Vec::new();
        };
        self.composer.set_text("");
        self.set_notice(NoticeLevel::Info, format!("held #{} dropped", h.hold));
        self.show_held();
        vec![Request::Relay(RelayRequest::Drop { hold: h.hold })]
    }

    /// Sets (or clears) a breakpoint on events like the selected one.
    pub(super) fn toggle_break(&mut self, dir: Direction, event_type: String) -> Vec<Request> {
        if self.conn.relay.is_none() {
            self.set_notice(
                NoticeLevel::Warning,
                "breakpoints hold an app's events in `rtconsole proxy`; this session is not relayed",
            );
            return Vec::new();
        }
        vec![Request::Relay(RelayRequest::ToggleBreak {
            dir,
            event_type,
        })]
    }

    fn nothing_held(&mut self) {
        let text = if self.conn.relay.is_some() {
            "no event is held: set a breakpoint with `b` on an event in the events pane"
        } else {
            "no event is held: breakpoints are for `rtconsole proxy`"
        };
        self.set_notice(NoticeLevel::Warning, text);
    }
}

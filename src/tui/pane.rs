//! What every pane gets and gives back. Panes own their presentation state (scroll,
//! selection, editor buffers) and read the session; they never send anything
//! themselves: they return JSON texts for the app to hand to the core.

use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::Frame;

use super::theme::Theme;
use crate::audio::meter::Meters;
use crate::session::Session;

/// The panes, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaneId {
    Composer,
    Log,
    Transcript,
    Config,
    Meters,
}

impl PaneId {
    pub const ALL: [PaneId; 5] = [
        PaneId::Composer,
        PaneId::Log,
        PaneId::Transcript,
        PaneId::Config,
        PaneId::Meters,
    ];

    pub fn title(self) -> &'static str {
        match self {
            PaneId::Composer => "Composer",
            PaneId::Log => "Events",
            PaneId::Transcript => "Transcript",
            PaneId::Config => "Session config",
            PaneId::Meters => "Audio",
        }
    }
}

/// Facts about the connection that are not session state: where, which call, how long.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConnInfo {
    /// `mock`, the API's host, or the recording's file name when browsing offline.
    pub endpoint: String,
    pub call_id: Option<String>,
    /// When the client secret expires, on the session clock (ms); `None` with no secret.
    pub secret_expires_at_ms: Option<u64>,
    /// The server's session limit (60 minutes for the API).
    pub session_limit_ms: u64,
    /// Where the live session is being recorded, if it is.
    pub recording: Option<String>,
    /// True for `rtconsole open`: nothing can be sent.
    pub read_only: bool,
    /// `rtconsole proxy`: the session shown is an app's, relayed.
    pub relay: Option<RelayInfo>,
}

/// What the status bar says about the proxy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RelayInfo {
    /// The base URL the app is to use.
    pub base_url: String,
    /// The app connection on show, once one opened.
    pub conn: Option<u64>,
}

/// The audio edge as the UI shows it. Meters are read live from `Meters`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AudioStatus {
    /// "default (48000 Hz, 1 ch)" or "no input device — text only".
    pub input: String,
    pub output: String,
    pub mic_muted: bool,
    pub speaker_muted: bool,
    /// Push-to-talk is held (the mic is live while turn detection is off).
    pub talking: bool,
    pub half_duplex: bool,
    /// The mic level follows the speaker level: probably echo.
    pub echo_suspected: bool,
    /// Playback gaps filled with silence so far.
    pub underruns: u64,
}

/// Everything a pane reads while drawing or handling a key.
pub struct PaneCtx<'a> {
    pub session: &'a Session,
    pub theme: &'a Theme,
    pub focused: bool,
    pub conn: &'a ConnInfo,
    pub audio: &'a AudioStatus,
    pub meters: Option<&'a Meters>,
}

/// What a pane asks of the app after a key.
#[derive(Debug, Clone, PartialEq)]
pub enum PaneReply {
    /// Not this pane's key: the app may use it (global bindings, focus moves).
    Ignored,
    Handled,
    /// Send these client events, in order, through the core (validated there).
    Send(Vec<String>),
    /// A command for the core, which builds the events itself.
    Command(crate::session::Command),
    /// A line for the status area.
    Notice(String),
    /// `rtconsole proxy`: set or clear a breakpoint on events of this type going
    /// this way.
    Break {
        dir: crate::protocol::Direction,
        event_type: String,
    },
}

/// The contract of every pane.
pub trait Pane {
    fn render(&mut self, f: &mut Frame, area: Rect, ctx: &PaneCtx);
    fn on_key(&mut self, key: KeyEvent, ctx: &PaneCtx) -> PaneReply;
    /// True while keys are text (an editor or a prompt has them): plain letters like
    /// `q` and `?` then go to the pane, not to the global bindings.
    fn is_text_entry(&self) -> bool {
        false
    }
}

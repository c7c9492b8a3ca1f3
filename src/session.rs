//! The session state machine: `Session::handle(Input) -> Vec<Effect>`.
//!
//! No I/O and no clock: time arrives inside the inputs (milliseconds since the
//! session started), so every behaviour is tested with plain unit tests and a
//! recording replays exactly. Front-ends feed it server messages, things the
//! user wants to send, transport changes and ticks; it answers with what to do.

mod apply_client;
mod apply_local;
mod apply_server;
pub mod config_diff;
pub mod conversation;
pub mod event_log;
pub mod latency;
pub mod metrics;
pub mod report;
pub mod responses;
mod shortcuts;
mod stall;
pub mod summary;
pub mod usage;

use std::collections::HashMap;

use serde_json::Value;

use crate::protocol::client_event::ClientEvent;
use crate::protocol::error_help::ErrorHelp;
use crate::protocol::session_config::SessionConfig;
use crate::protocol::validate::ValidationError;
use crate::protocol::Dialect;

pub use apply_client::INJECTED_NOTE;
pub use config_diff::{FieldChange, FieldDiff};
pub use conversation::{ConvItem, Conversation, PartText, Segment, TokenProb};
pub use event_log::{EntryKind, EntryMeta, EventLog, Footprint, LogEntry, Relation, Row};
pub use latency::{Turn, TurnTrigger, Turns};
pub use responses::{PendingCall, ResponseState, Responses};
pub use shortcuts::ToolSwitch;
pub use stall::DEFAULT_STALL_AFTER_MS;
pub use usage::{PriceTable, Prices, UsageTotals};

/// Transport statistics, as sampled by the WebRTC edge.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TransportStats {
    pub rtt_ms: Option<f64>,
    pub jitter_ms: Option<f64>,
    pub packets_lost: u64,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// When the last RTP packet of the server's audio arrived (the link's clock, ms),
    /// so the core can tell audio that stopped from audio that never was.
    pub last_audio_ms: Option<u64>,
}

/// Connection state changes reported by the transport edge.
#[derive(Debug, Clone, PartialEq)]
pub enum TransportStatus {
    Connecting {
        endpoint: String,
    },
    Connected,
    ChannelOpen,
    Closed {
        reason: String,
    },
    Failed {
        reason: String,
    },
    Stats(TransportStats),
    /// How long each step of the connect took, once the first media has arrived.
    Breakdown(ConnectBreakdown),
}

/// Where connect time went, each step in ms from the start of connecting (before
/// any HTTP request), except the two round trips, which are their own durations.
/// `None`: the step did not happen (no secret minted, no RTP before the deadline).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConnectBreakdown {
    pub call_id: Option<String>,
    /// The answer's `a=setup:` role (`active`: the server is the DTLS client).
    pub answer_setup: Option<String>,
    /// `POST /v1/realtime/client_secrets`, request to response.
    pub secret_ms: Option<f64>,
    /// The SDP offer's POST, request to answer.
    pub sdp_post_ms: Option<f64>,
    pub ice_connected_ms: Option<f64>,
    pub dtls_connected_ms: Option<f64>,
    pub channel_open_ms: Option<f64>,
    pub session_created_ms: Option<f64>,
    pub first_rtp_ms: Option<f64>,
}

/// The connection phase shown in the status bar.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Phase {
    #[default]
    Idle,
    Connecting,
    Connected,
    Open,
    Closed(String),
    Failed(String),
}

/// Things the user asks for that the core turns into events: front-ends name what
/// they want and never build the protocol JSON themselves.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Stop the model: `response.cancel` (when a response is active) and
    /// `output_audio_buffer.clear`, and drop what is queued for playback.
    Interrupt,
    PushToTalkPressed,
    /// With turn detection off this commits the audio and asks for a response.
    PushToTalkReleased,
    /// `output_modalities` audio ↔ text.
    ToggleOutputModality,
    /// server_vad → semantic_vad → off (push-to-talk) → server_vad.
    CycleTurnDetection,
    /// Tool `n` (1-based, numbered in the order first seen) off or back on.
    ToggleTool(usize),
    /// Send this GA session object as a `session.update` (the config editor).
    UpdateSession(Value),
    /// The user barged in on a session whose audio travels in events (a WebSocket):
    /// cut the item to what was played, with `conversation.item.truncate`, as the
    /// API asks socket clients to do. From the link, which knows what was played.
    TruncatePlayed {
        item_id: String,
        content_index: u32,
        audio_end_ms: u64,
    },
}

// Not boxed: an input is moved straight into `handle` and never stored in bulk.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// A message from the server, exactly as received.
    Server {
        at_ms: u64,
        raw: String,
    },
    /// JSON typed by a person or read from a script: validated before sending.
    SendText {
        at_ms: u64,
        text: String,
    },
    /// An event built by code (templates, auto-answers): validated all the same.
    Send {
        at_ms: u64,
        event: ClientEvent,
    },
    /// A client event that already went over the wire, as read from a recording:
    /// logged and applied, never validated or sent again.
    Sent {
        at_ms: u64,
        raw: String,
    },
    Transport {
        at_ms: u64,
        status: TransportStatus,
    },
    /// A note from an edge (audio device fell back, recording started…): a JSON
    /// object whose `type` starts with `local.`.
    Note {
        at_ms: u64,
        note: Value,
    },
    Command {
        at_ms: u64,
        command: Command,
    },
    Tick {
        at_ms: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeLevel {
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Write this text on the data channel; it has been validated and logged.
    Send {
        text: String,
    },
    /// A client event failed validation and was not sent.
    Rejected {
        error: ValidationError,
    },
    /// Drop audio queued for playback (the server cleared its output buffer).
    FlushPlayback,
    StartMic,
    StopMic,
    /// Something the user should see in the status line.
    Notice {
        level: NoticeLevel,
        text: String,
    },
}

/// A server error event (or transcription failure), tied back to the client
/// event that caused it when the server echoed that event's id.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorRecord {
    pub seq: usize,
    pub at_ms: u64,
    pub code: Option<String>,
    pub message: String,
    pub param: Option<String>,
    pub client_event_id: Option<String>,
    /// The type of the client event with that id, when we sent it.
    pub client_event_type: Option<String>,
    pub help: Option<ErrorHelp>,
}

/// The session config as the server reports it and as we last asked for it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConfigState {
    /// The last `session.created`/`session.updated`, in GA layout.
    pub effective: Option<SessionConfig>,
    /// The `session` of the last `session.update` sent, in GA layout.
    pub requested: Option<Value>,
    /// True between sending `session.update` and its `session.updated`.
    pub awaiting_update: bool,
    /// Fields the server changed or dropped against the last request.
    pub diff: Vec<FieldDiff>,
}

impl ConfigState {
    pub fn effective_json(&self) -> Option<Value> {
        self.effective
            .as_ref()
            .and_then(|s| serde_json::to_value(s).ok())
    }

    /// Whether the server will detect turns itself (GA `turn_detection` not null).
    pub fn turn_detection_on(&self) -> bool {
        match self.effective.as_ref().and_then(|s| s.turn_detection()) {
            Some(td) => td.is_some(),
            // Both dialects default to server VAD.
            None => true,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SessionOptions {
    pub dialect: Dialect,
    pub prices: PriceTable,
    /// Quiet time during a response before a stall warning; `None`: no watch.
    pub stall_after_ms: Option<u64>,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            dialect: Dialect::Ga,
            prices: PriceTable::default(),
            stall_after_ms: Some(DEFAULT_STALL_AFTER_MS),
        }
    }
}

#[derive(Debug)]
pub struct Session {
    opts: SessionOptions,
    now_ms: u64,
    phase: Phase,
    stats: TransportStats,
    log: EventLog,
    conversation: Conversation,
    responses: Responses,
    turns: Turns,
    usage: UsageTotals,
    config: ConfigState,
    errors: Vec<ErrorRecord>,
    /// Client event ids we sent, with their types, to explain server errors.
    sent_ids: HashMap<String, String>,
    /// Count of `response.output_audio.delta` seen; not expected on WebRTC, so
    /// any means the audio travels in events and the client plays it out itself.
    audio_deltas: u64,
    tools: ToolSwitch,
    connect: Option<ConnectBreakdown>,
    /// When stats last went into the log, and what they were (they reach the
    /// status bar every sample).
    stats_logged_at: Option<u64>,
    stats_logged: Option<TransportStats>,
    stall: stall::StallWatch,
    /// An app's session relayed by `rtconsole proxy`: what this session sends
    /// itself is injected on the app's connection, and logged as such.
    relayed: bool,
    /// The next client event logged is an injected one (after an injected note).
    inject_next: bool,
}

impl Session {
    pub fn new(opts: SessionOptions) -> Self {
        Session {
            opts,
            now_ms: 0,
            phase: Phase::Idle,
            stats: TransportStats::default(),
            log: EventLog::default(),
            conversation: Conversation::default(),
            responses: Responses::default(),
            turns: Turns::default(),
            usage: UsageTotals::default(),
            config: ConfigState::default(),
            errors: Vec::new(),
            sent_ids: HashMap::new(),
            audio_deltas: 0,
            tools: ToolSwitch::default(),
            connect: None,
            stats_logged_at: None,
            stats_logged: None,
            stall: stall::StallWatch::default(),
            relayed: false,
            inject_next: false,
        }
    }

    /// Every input goes through here; the effects are what the edges must do (send,
    /// flush audio, show a notice), so dropping them loses a send.
    #[must_use = "the effects say what to send and show; ignoring them drops events"]
    pub fn handle(&mut self, input: Input) -> Vec<Effect> {
        let mut fx = Vec::new();
        match input {
            Input::Server { at_ms, raw } => {
                self.now_ms = self.now_ms.max(at_ms);
                self.stall.heard(at_ms);
                self.on_server(at_ms, raw, &mut fx);
            }
            Input::SendText { at_ms, text } => {
                self.now_ms = self.now_ms.max(at_ms);
                self.on_send_text(at_ms, text, &mut fx);
            }
            Input::Send { at_ms, event } => {
                self.now_ms = self.now_ms.max(at_ms);
                self.on_send_text(at_ms, event.encode(), &mut fx);
            }
            Input::Sent { at_ms, raw } => {
                self.now_ms = self.now_ms.max(at_ms);
                self.on_sent(at_ms, raw);
            }
            Input::Transport { at_ms, status } => {
                self.now_ms = self.now_ms.max(at_ms);
                self.on_transport(at_ms, status, &mut fx);
            }
            Input::Note { at_ms, note } => {
                self.now_ms = self.now_ms.max(at_ms);
                self.push_note(at_ms, note);
            }
            Input::Command { at_ms, command } => {
                self.now_ms = self.now_ms.max(at_ms);
                self.on_command(at_ms, command, &mut fx);
            }
            Input::Tick { at_ms } => self.now_ms = self.now_ms.max(at_ms),
        }
        let now = self.now_ms;
        self.check_stall(now, &mut fx);
        fx
    }

    pub fn dialect(&self) -> Dialect {
        self.opts.dialect
    }
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }
    pub fn phase(&self) -> &Phase {
        &self.phase
    }
    pub fn stats(&self) -> &TransportStats {
        &self.stats
    }
    pub fn log(&self) -> &EventLog {
        &self.log
    }
    pub fn conversation(&self) -> &Conversation {
        &self.conversation
    }
    pub fn responses(&self) -> &Responses {
        &self.responses
    }
    pub fn pending_calls(&self) -> &[PendingCall] {
        self.responses.pending_calls()
    }
    pub fn turns(&self) -> &Turns {
        &self.turns
    }
    pub fn usage(&self) -> &UsageTotals {
        &self.usage
    }
    pub fn config(&self) -> &ConfigState {
        &self.config
    }
    pub fn errors(&self) -> &[ErrorRecord] {
        &self.errors
    }
    pub fn audio_deltas_seen(&self) -> u64 {
        self.audio_deltas
    }
    pub fn prices(&self) -> &PriceTable {
        &self.opts.prices
    }
    /// Prices for the responses still to come (the user's `[prices]`).
    pub fn set_prices(&mut self, prices: PriceTable) {
        self.opts.prices = prices;
    }
    /// A new, empty session with the same options (and relayed or not): the next
    /// app connection through the proxy.
    pub fn fresh(&self) -> Session {
        let mut next = Session::new(self.opts.clone());
        next.relayed = self.relayed;
        next
    }

    /// Marks this as an app's session relayed through `rtconsole proxy`: its client
    /// events come in as `Input::Sent` (the app's), and what it sends itself (typed,
    /// shortcuts) is injected on the app's connection, so the log marks those
    /// entries `injected` after a `local.proxy.injected` note.
    pub fn set_relayed(&mut self, relayed: bool) {
        self.relayed = relayed;
    }
    pub fn relayed(&self) -> bool {
        self.relayed
    }
    /// The numbered tools and whether each is on, for the help overlay.
    pub fn tool_list(&self) -> Vec<(usize, String, bool)> {
        self.tools.list(self)
    }
    /// The connect breakdown, once the link reported it.
    pub fn connect_breakdown(&self) -> Option<&ConnectBreakdown> {
        self.connect.as_ref()
    }
}

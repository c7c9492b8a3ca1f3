//! The mock's simulated model: deterministic, sans-IO. The call driver feeds it the
//! data channel's messages, the client's decoded audio and clock ticks; it answers
//! with events to send, voice to play or stop, and when to hang up.
//!
//! Everything it says has a due time (ms since the call started). `handle` returns
//! what is due at or before the input's time, including what that very input caused;
//! `next_deadline` says when the driver must come back with a `Tick`. Same options
//! and inputs give byte-identical outputs: ids and wording come from ChaCha streams
//! seeded by `seed`, and no clock is read.
//!
//! The model thinks in GA terms; with `Dialect::Beta` its events are renamed and
//! reshaped on the way out ([`names`]), and beta client events on the way in.

mod client;
mod config;
mod errors;
mod faults;
mod flaky;
mod ids;
mod item_ops;
mod items;
mod names;
mod plan;
mod reply;
mod responses;
mod schedule;
mod tool_args;
mod transcribe;
mod turns;

use std::sync::Arc;

use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Value};

use super::scenario::Scenario;
use super::vad::{Vad, VadParams};
use crate::protocol::session_config::{beta_to_ga, is_beta_session};
use crate::protocol::Dialect;
use config::SessionState;
use errors::ApiErr;
use ids::Ids;
use items::Conversation;
use responses::Resp;
use schedule::{Queue, Step};

/// 2026-01-01T00:00:00Z: the wall clock the model assumes unless the driver sets one
/// with [`Model::set_wall_clock`]; only `expires_at` reads it.
const DEFAULT_WALL_CLOCK_UNIX: i64 = 1_767_225_600;

pub struct ModelOptions {
    pub seed: u64,
    pub dialect: Dialect,
    /// Initial GA session config (from the client secret or the SDP request's
    /// `session` part), already validated. A beta flat session is accepted too.
    pub session: Option<Value>,
    pub scenario: Arc<Scenario>,
    /// When the session ends with `session_expired`; 60 minutes by default.
    pub session_limit_ms: u64,
    /// A WebSocket session: no `output_audio_buffer.*` events (they exist only on
    /// WebRTC), and the audio goes out as `response.output_audio.delta`.
    pub socket: bool,
}

impl ModelOptions {
    /// Seed 0, GA, no initial session, the 60-minute limit.
    pub fn new(scenario: Arc<Scenario>) -> Self {
        ModelOptions {
            seed: 0,
            dialect: Dialect::Ga,
            session: None,
            scenario,
            session_limit_ms: 60 * 60 * 1000,
            socket: false,
        }
    }
}

pub enum ModelInput<'a> {
    /// The data channel opened.
    Open {
        at_ms: u64,
    },
    /// One data-channel message from the client.
    Client {
        at_ms: u64,
        text: &'a str,
    },
    /// Decoded 48 kHz mono audio from the client's track, ~20 ms at a time.
    Audio {
        at_ms: u64,
        samples: &'a [i16],
    },
    Tick {
        at_ms: u64,
    },
}

impl ModelInput<'_> {
    fn at_ms(&self) -> u64 {
        match self {
            ModelInput::Open { at_ms }
            | ModelInput::Client { at_ms, .. }
            | ModelInput::Audio { at_ms, .. }
            | ModelInput::Tick { at_ms } => *at_ms,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ModelOutput {
    /// JSON text for the data channel.
    Send(String),
    /// Start the synthesized voice on the track now. `voice` is the response's
    /// voice (a per-response override, else the session's).
    PlayAudio {
        response_id: String,
        /// The audio message it belongs to, for a socket's `output_audio.delta`s.
        item_id: Option<String>,
        duration_ms: u64,
        voice: String,
    },
    StopAudio,
    /// Close the data channel and end the call.
    Close {
        reason: String,
    },
}

/// Where the client's audio stands.
#[derive(Default)]
struct AudioIn {
    /// 48 kHz samples received in all.
    total_samples: u64,
    /// Samples (and appended ms) in the input buffer since the last commit or clear.
    buffered_samples: u64,
    appended_ms: f64,
    /// Audio position (ms) where the input buffer starts.
    buffer_start_ms: u64,
    vad: Option<Vad>,
    vad_params: Option<VadParams>,
    /// Audio position (ms) at which the current VAD was created.
    vad_offset_ms: u64,
    in_speech: bool,
    /// The user item the current speech will become.
    turn_item: Option<String>,
    speech_start_ms: u64,
    /// Audio turns heard so far (indexes `scenario.transcripts`).
    turns: usize,
}

pub struct Model {
    dialect: Dialect,
    scenario: Arc<Scenario>,
    session_limit_ms: u64,
    ids: Ids,
    text_rng: ChaCha8Rng,
    flaky_rng: ChaCha8Rng,
    now: u64,
    session: SessionState,
    conversation_id: String,
    conv: Conversation,
    queue: Queue,
    releasing: bool,
    out: Vec<ModelOutput>,
    closed: bool,
    /// Events sent on the data channel, for faults.
    sent: u64,
    faults_fired: Vec<bool>,
    responses: Vec<Resp>,
    /// The response writing to the default conversation.
    active: Option<String>,
    responses_created: u64,
    tokens_used: u64,
    /// Input tokens of the last default-conversation response (cached next time).
    last_input_tokens: u64,
    audio_produced: bool,
    audio_disabled: bool,
    /// The `stop_events` fault: the call stays up, nothing more is said on it.
    events_stopped: bool,
    socket: bool,
    last_audio_response: Option<String>,
    idle_since: Option<u64>,
    audio: AudioIn,
}

impl Model {
    pub fn new(options: ModelOptions) -> Model {
        let mut ids = Ids::new(options.seed);
        let session_id = ids.session();
        let conversation_id = ids.conversation();
        let initial = options.session.map(|s| {
            if is_beta_session(&s) {
                beta_to_ga(s)
            } else {
                s
            }
        });
        let voice = match options.dialect {
            Dialect::Ga => "marin",
            Dialect::Beta => "alloy",
        };
        let expires = DEFAULT_WALL_CLOCK_UNIX + (options.session_limit_ms / 1000) as i64;
        Model {
            dialect: options.dialect,
            faults_fired: vec![false; options.scenario.faults.len()],
            scenario: options.scenario,
            session_limit_ms: options.session_limit_ms,
            ids,
            text_rng: ids::text_rng(options.seed),
            flaky_rng: flaky::rng(options.seed),
            now: 0,
            session: SessionState::new(&session_id, expires, voice, initial.as_ref()),
            conversation_id,
            conv: Conversation::default(),
            queue: Queue::default(),
            releasing: false,
            out: Vec::new(),
            closed: false,
            sent: 0,
            responses: Vec::new(),
            active: None,
            responses_created: 0,
            tokens_used: 0,
            last_input_tokens: 0,
            audio_produced: false,
            audio_disabled: false,
            events_stopped: false,
            socket: options.socket,
            last_audio_response: None,
            idle_since: None,
            audio: AudioIn::default(),
        }
    }

    /// Sets the wall clock (unix seconds) at the start of the call, for the session's
    /// `expires_at`. Call before `Open`.
    pub fn set_wall_clock(&mut self, unix_s: i64) {
        let expires = unix_s + (self.session_limit_ms / 1000) as i64;
        self.session.set_expires_at(expires);
    }

    pub fn handle(&mut self, input: ModelInput<'_>) -> Vec<ModelOutput> {
        if self.closed {
            return Vec::new();
        }
        let at = input.at_ms().max(self.now);
        self.release(at);
        self.now = at;
        match input {
            ModelInput::Open { .. } => self.open(),
            ModelInput::Client { text, .. } => self.client(text),
            ModelInput::Audio { samples, .. } => self.audio_in(samples),
            ModelInput::Tick { .. } => {}
        }
        self.release(at);
        self.responses.retain(|r| r.generating || r.audible);
        std::mem::take(&mut self.out)
    }

    /// When the driver must send a `Tick` for what is scheduled next.
    pub fn next_deadline(&self) -> Option<u64> {
        if self.closed {
            return None;
        }
        match (self.queue.first_due(), self.idle_deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The effective voice, for the synthesizer.
    pub fn voice(&self) -> &str {
        self.session.voice()
    }

    /// The effective session (GA layout).
    pub fn session(&self) -> &Value {
        self.session.value()
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }

    fn open(&mut self) {
        let session = self.session.value().clone();
        self.schedule(
            0,
            Step::Event(json!({"type": "session.created", "session": session})),
        );
        if self.dialect == Dialect::Beta {
            let conv = json!({"id": self.conversation_id, "object": "realtime.conversation"});
            self.schedule(
                0,
                Step::Event(json!({"type": "conversation.created", "conversation": conv})),
            );
        }
        let at = self.now.saturating_add(self.session_limit_ms);
        self.queue.push(at, Step::SessionLimit);
    }

    /// Schedules a step `delay` ms from now.
    fn schedule(&mut self, delay: u64, step: Step) {
        self.queue.push(self.now + delay, step);
    }

    fn event(&mut self, event: Value) {
        self.schedule(0, Step::Event(event));
    }

    fn error(&mut self, err: ApiErr) {
        self.event(err.to_event());
    }

    /// Runs everything due at or before `until`, in time order.
    fn release(&mut self, until: u64) {
        if self.releasing {
            return;
        }
        self.releasing = true;
        loop {
            if self.closed {
                self.queue.clear();
                break;
            }
            let queued = self.queue.first_due().filter(|d| *d <= until);
            let idle = self.idle_deadline().filter(|d| *d <= until);
            match (queued, idle) {
                (Some(q), Some(i)) if i < q => self.fire_idle(i),
                (None, Some(i)) => self.fire_idle(i),
                (Some(_), _) => {
                    let Some((due, step)) = self.queue.pop() else {
                        break;
                    };
                    self.now = self.now.max(due);
                    self.run(step);
                }
                (None, None) => break,
            }
        }
        self.releasing = false;
    }

    fn run(&mut self, step: Step) {
        match step {
            Step::Event(e) => self.send(e),
            Step::Output(o) => self.output(o),
            Step::Resp { id, step } => self.run_resp(&id, step),
            Step::SessionLimit => self.expire(),
        }
    }

    fn output(&mut self, o: ModelOutput) {
        if self.closed {
            return;
        }
        if matches!(o, ModelOutput::PlayAudio { .. }) && self.audio_disabled {
            return;
        }
        if let ModelOutput::Close { .. } = o {
            self.closed = true;
        }
        self.out.push(o);
    }

    /// Sends a GA event: renamed for beta, `event_id` second after `type`.
    fn send(&mut self, event: Value) {
        if self.closed {
            return;
        }
        let ty = event.get("type").and_then(Value::as_str).unwrap_or("");
        if self.socket && ty.starts_with("output_audio_buffer.") {
            return;
        }
        let event = match self.dialect {
            Dialect::Ga => Some(event),
            Dialect::Beta => names::event_to_beta(event),
        };
        let Some(Value::Object(fields)) = event else {
            return;
        };
        let mut out = Map::new();
        if let Some(t) = fields.get("type") {
            out.insert("type".into(), t.clone());
        }
        out.insert("event_id".into(), Value::String(self.ids.event()));
        for (k, v) in fields {
            if k != "type" && k != "event_id" {
                out.insert(k, v);
            }
        }
        self.send_text(Value::Object(out).to_string());
    }

    fn send_text(&mut self, text: String) {
        if self.closed || self.events_stopped {
            return;
        }
        self.out.push(ModelOutput::Send(text));
        self.sent += 1;
        self.check_faults();
    }

    /// The session limit: `session_expired`, then hang up.
    fn expire(&mut self) {
        self.send(ApiErr::session_expired(self.session_limit_ms).to_event());
        self.output(ModelOutput::Close {
            reason: "session expired".into(),
        });
    }
}

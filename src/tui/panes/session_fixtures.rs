//! Sessions built the way the app builds them, by feeding server events to the
//! core, and the small helpers pane tests share: keys, a context, a test terminal.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use serde_json::{json, Value};

use crate::session::{Effect, Input, Session, SessionOptions};
use crate::tui::pane::{AudioStatus, ConnInfo, Pane, PaneCtx, PaneReply};
use crate::tui::theme::Theme;

/// A GA session as `session.created` reports it (protocol §3.2 example).
pub fn ga_session(instructions: &str) -> Value {
    json!({
        "type": "realtime", "object": "realtime.session", "id": "sess_C9G5QPteg4UIbotdKLoYQ",
        "model": "gpt-realtime-2025-08-28", "output_modalities": ["audio"],
        "instructions": instructions, "tools": [], "tool_choice": "auto",
        "max_output_tokens": "inf", "tracing": null, "prompt": null, "expires_at": 1756324625,
        "audio": {
            "input": {
                "format": {"type": "audio/pcm", "rate": 24000}, "transcription": null,
                "noise_reduction": null,
                "turn_detection": {"type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300,
                    "silence_duration_ms": 200, "idle_timeout_ms": null, "create_response": true,
                    "interrupt_response": true}
            },
            "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin", "speed": 1.0}
        },
        "include": null
    })
}

/// Everything a pane reads, owned, so a test can change the session between keys.
pub struct Env {
    pub session: Session,
    pub theme: Theme,
    pub conn: ConnInfo,
    pub audio: AudioStatus,
    pub focused: bool,
    at_ms: u64,
}

impl Env {
    /// A session that has not heard from the server yet.
    pub fn empty() -> Env {
        Env {
            session: Session::new(SessionOptions::default()),
            theme: Theme::default(),
            conn: ConnInfo::default(),
            audio: AudioStatus::default(),
            focused: true,
            at_ms: 0,
        }
    }

    /// After `session.created` with these instructions.
    pub fn created(instructions: &str) -> Env {
        let mut env = Env::empty();
        env.server(json!({"type": "session.created", "event_id": "event_1",
            "session": ga_session(instructions)}));
        env
    }

    pub fn ctx(&self) -> PaneCtx<'_> {
        PaneCtx {
            session: &self.session,
            theme: &self.theme,
            focused: self.focused,
            conn: &self.conn,
            audio: &self.audio,
            meters: None,
        }
    }

    fn tick(&mut self) -> u64 {
        self.at_ms += 10;
        self.at_ms
    }

    pub fn server(&mut self, event: Value) -> Vec<Effect> {
        let at_ms = self.tick();
        self.session.handle(Input::Server {
            at_ms,
            raw: event.to_string(),
        })
    }

    /// Hands a pane's command to the core, as the app does; it must send exactly
    /// one event, which is returned.
    pub fn command(&mut self, command: crate::session::Command) -> String {
        let at_ms = self.tick();
        let fx = self.session.handle(Input::Command { at_ms, command });
        let sent: Vec<String> = fx
            .iter()
            .filter_map(|e| match e {
                Effect::Send { text } => Some(text.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(sent.len(), 1, "the core sent one event: {fx:?}");
        sent[0].clone()
    }

    /// `session.updated` carrying this session.
    pub fn updated(&mut self, session: Value) {
        self.server(json!({"type": "session.updated", "event_id": "event_u", "session": session}));
    }

    /// A function call the model asked for, left unanswered.
    pub fn pending_call(&mut self, response: &str, item: &str, call_id: &str, name: &str) {
        let args = "{\"city\":\"Paris\"}";
        self.server(json!({"type": "response.created", "event_id": "event_rc",
            "response": {"id": response, "object": "realtime.response", "status": "in_progress",
                "output": []}}));
        self.server(
            json!({"type": "response.function_call_arguments.done", "event_id": "event_ad",
            "response_id": response, "item_id": item, "output_index": 0, "call_id": call_id,
            "name": name, "arguments": args}),
        );
        self.server(json!({"type": "response.done", "event_id": "event_rd",
            "response": {"id": response, "object": "realtime.response", "status": "completed",
                "conversation_id": "conv_1",
                "output": [{"id": item, "type": "function_call", "status": "completed",
                    "name": name, "call_id": call_id, "arguments": args}]}}));
    }

    /// An assistant audio message in the conversation.
    pub fn assistant_audio(&mut self, item: &str, previous: Option<&str>) {
        self.server(
            json!({"type": "conversation.item.added", "event_id": "event_ia",
            "previous_item_id": previous,
            "item": {"id": item, "object": "realtime.item", "type": "message",
                "status": "completed", "role": "assistant",
                "content": [{"type": "output_audio", "transcript": "Hello there"}]}}),
        );
    }

    /// A user text message in the conversation.
    pub fn user_text(&mut self, item: &str, previous: Option<&str>) {
        self.server(
            json!({"type": "conversation.item.added", "event_id": "event_iu",
            "previous_item_id": previous,
            "item": {"id": item, "object": "realtime.item", "type": "message",
                "status": "completed", "role": "user",
                "content": [{"type": "input_text", "text": "hi"}]}}),
        );
    }

    /// A response still writing: `response.cancel` has something to cancel.
    pub fn active_response(&mut self, id: &str) {
        self.server(json!({"type": "response.created", "event_id": "event_ra",
            "response": {"id": id, "object": "realtime.response", "status": "in_progress",
                "output": []}}));
    }
}

pub fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

pub fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

pub fn alt(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::ALT)
}

/// Types text key by key (`\n` as Enter); the replies, in order.
pub fn type_text(pane: &mut dyn Pane, env: &Env, text: &str) -> Vec<PaneReply> {
    text.chars()
        .map(|c| {
            let k = match c {
                '\n' => key(KeyCode::Enter),
                c => key(KeyCode::Char(c)),
            };
            pane.on_key(k, &env.ctx())
        })
        .collect()
}

/// The global chords every pane must leave to the app.
pub fn app_chords() -> Vec<KeyEvent> {
    vec![
        key(KeyCode::Tab),
        KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT),
        key(KeyCode::F(1)),
        key(KeyCode::F(2)),
        ctrl('c'),
        ctrl('r'),
        ctrl('x'),
        alt(KeyCode::Char('c')),
        alt(KeyCode::Char('s')),
        alt(KeyCode::Char('1')),
        alt(KeyCode::Char('9')),
    ]
}

/// The pane drawn alone over a whole test terminal.
pub fn draw(pane: &mut dyn Pane, env: &Env, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal
        .draw(|f| pane.render(f, f.area(), &env.ctx()))
        .expect("draw");
    terminal
}

/// Everything on screen as one string, for `contains` checks.
pub fn screen(terminal: &Terminal<TestBackend>) -> String {
    terminal.backend().to_string()
}

/// The foreground colour of the first cell of the first occurrence of `needle`
/// on a row (searched row by row, so it must not wrap).
pub fn colour_of(terminal: &Terminal<TestBackend>, needle: &str) -> Option<ratatui::style::Color> {
    let buf = terminal.backend().buffer();
    let area = buf.area;
    for y in 0..area.height {
        let row: Vec<&str> = (0..area.width).map(|x| buf[(x, y)].symbol()).collect();
        let text: String = row.concat();
        if let Some(byte) = text.find(needle) {
            // Cells hold one symbol each: count symbols up to the match.
            let mut seen = 0;
            for (x, s) in row.iter().enumerate() {
                if seen >= byte {
                    return Some(buf[(x as u16, y)].fg);
                }
                seen += s.len();
            }
        }
    }
    None
}

/// True when no cell holds a raw control character (an escape reaching the terminal).
pub fn no_control_characters(terminal: &Terminal<TestBackend>) -> bool {
    let buf = terminal.backend().buffer();
    buf.content()
        .iter()
        .all(|c| !c.symbol().chars().any(char::is_control))
}

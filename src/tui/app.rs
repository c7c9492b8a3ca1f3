//! The app: the core `Session` plus the view state (focus, panes, overlays). Keys and
//! inputs go in, requests for the edges (send this text, mute the mic, quit) come
//! out; it never touches a socket or a device, so the whole UI is driven in tests.

use std::path::PathBuf;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

mod held;
mod outbox;

use super::help::render_help;
use super::keymap::{Action, Keymap};
use super::layout::{areas, Areas};
use super::pane::{AudioStatus, ConnInfo, Pane, PaneCtx, PaneId, PaneReply};
use super::panes::composer::ComposerPane;
use super::panes::config_editor::ConfigEditorPane;
use super::panes::event_log::EventLogPane;
use super::panes::meters::MetersPane;
use super::panes::status_bar::{render_status_bar, status_text};
use super::panes::transcript::TranscriptPane;
use super::text::one_line;
use super::theme::Theme;
use crate::audio::meter::Meters;
use crate::session::{Command, Effect, Input, NoticeLevel, Session};
use crate::transport::link::RelayRequest;
use outbox::Queued;

/// What the app asks of the edges.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// For the link: a validated send, or an audio effect (flush playback,
    /// push-to-talk on or off).
    Link(Effect),
    SetMicMuted(bool),
    SetSpeakerMuted(bool),
    ToggleRecording,
    /// Play a script file into the live session.
    Replay(PathBuf),
    /// For the proxy's relay link: breakpoints and held events.
    Relay(RelayRequest),
    Quit,
}

/// A one-line question at the bottom of the screen.
#[derive(Debug, Clone, PartialEq)]
struct Prompt {
    label: &'static str,
    text: String,
}

pub struct App {
    pub session: Session,
    pub keymap: Keymap,
    pub theme: Theme,
    pub conn: ConnInfo,
    pub audio: AudioStatus,
    pub meters: Option<Arc<Meters>>,
    focus: PaneId,
    maximized: bool,
    help_scroll: Option<u16>,
    prompt: Option<Prompt>,
    notice: Option<(NoticeLevel, String)>,
    /// What was asked for before the data channel opened.
    queued: Vec<Queued>,
    /// Events a proxy breakpoint holds, oldest (the one in the composer) first.
    held: held::HeldQueue,
    log: EventLogPane,
    transcript: TranscriptPane,
    config: ConfigEditorPane,
    composer: ComposerPane,
    meters_pane: MetersPane,
    dirty: bool,
    last_status: String,
    last_area: Rect,
    /// Frames drawn so far: the idle-redraw bench counts these.
    pub frames_drawn: u64,
}

impl App {
    pub fn new(
        session: Session,
        keymap: Keymap,
        theme: Theme,
        conn: ConnInfo,
        save_dir: PathBuf,
    ) -> App {
        App {
            session,
            keymap,
            theme,
            conn,
            audio: AudioStatus::default(),
            meters: None,
            focus: PaneId::Composer,
            maximized: false,
            help_scroll: None,
            prompt: None,
            notice: None,
            queued: Vec::new(),
            held: held::HeldQueue::new(),
            log: EventLogPane::new(save_dir),
            transcript: TranscriptPane::default(),
            config: ConfigEditorPane::default(),
            composer: ComposerPane::default(),
            meters_pane: MetersPane::default(),
            dirty: true,
            last_status: String::new(),
            last_area: Rect::default(),
            frames_drawn: 0,
        }
    }

    pub fn focus(&self) -> PaneId {
        self.focus
    }

    pub fn notice(&self) -> Option<&str> {
        self.notice.as_ref().map(|(_, t)| t.as_str())
    }

    pub fn set_notice(&mut self, level: NoticeLevel, text: impl Into<String>) {
        self.notice = Some((level, text.into()));
        self.dirty = true;
    }

    /// Shows another session (the proxy's next app connection): the panes that
    /// hold per-session state start over; the composer keeps its draft and history.
    pub fn start_session(&mut self, session: Session) {
        self.session = session;
        self.log = EventLogPane::new(self.log.save_dir().to_path_buf());
        self.transcript = TranscriptPane::default();
        self.config = ConfigEditorPane::default();
        self.dirty = true;
    }

    pub fn composer_mut(&mut self) -> &mut ComposerPane {
        &mut self.composer
    }

    pub fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    /// Advances the core's clock without forcing a frame: only a visible change
    /// (the status text) redraws, so an idle screen stays still.
    pub fn tick(&mut self, at_ms: u64) {
        // A tick moves the clock; its only effect is a notice (a stalled server).
        let fx = self.session.handle(Input::Tick { at_ms });
        if !fx.is_empty() {
            let requests = self.effects(fx);
            debug_assert!(requests.is_empty(), "a tick asks nothing of the edges");
        }
    }

    /// Feeds the core and turns its effects into requests.
    pub fn on_input(&mut self, input: Input) -> Vec<Request> {
        self.dirty = true;
        let at_ms = input_time(&input);
        let fx = self.session.handle(input);
        let mut out = self.effects(fx);
        out.extend(self.flush_queue(at_ms));
        out
    }

    pub fn on_key(&mut self, key: KeyEvent, at_ms: u64) -> Vec<Request> {
        self.dirty = true;
        let ctrl_c =
            key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl_c {
            // Ctrl-C quits from anywhere, whatever the keymap says.
            return vec![Request::Quit];
        }
        if self.help_scroll.is_some() {
            return self.help_key(key);
        }
        if self.prompt.is_some() {
            return self.prompt_key(key);
        }
        if let Some(action) = self.keymap.lookup(&key, true) {
            return self.act(action, at_ms);
        }
        let reply = {
            let ctx = PaneCtx {
                session: &self.session,
                theme: &self.theme,
                focused: true,
                conn: &self.conn,
                audio: &self.audio,
                meters: self.meters.as_deref(),
            };
            match self.focus {
                PaneId::Log => self.log.on_key(key, &ctx),
                PaneId::Transcript => self.transcript.on_key(key, &ctx),
                PaneId::Config => self.config.on_key(key, &ctx),
                PaneId::Composer => self.composer.on_key(key, &ctx),
                PaneId::Meters => self.meters_pane.on_key(key, &ctx),
            }
        };
        match reply {
            PaneReply::Handled => Vec::new(),
            PaneReply::Notice(text) => {
                self.set_notice(NoticeLevel::Info, text);
                Vec::new()
            }
            PaneReply::Command(command) => self.command(command, at_ms),
            PaneReply::Break { dir, event_type } => self.toggle_break(dir, event_type),
            PaneReply::Send(texts) => {
                let mut out = Vec::new();
                for text in texts {
                    out.extend(self.send(text, at_ms));
                }
                out
            }
            PaneReply::Ignored => {
                if !self.focused_is_text_entry() {
                    if let Some(action) = self.keymap.lookup(&key, false) {
                        return self.act(action, at_ms);
                    }
                }
                if key.code == KeyCode::Esc && self.maximized {
                    self.maximized = false;
                }
                Vec::new()
            }
        }
    }

    fn focused_is_text_entry(&self) -> bool {
        match self.focus {
            PaneId::Log => self.log.is_text_entry(),
            PaneId::Transcript => self.transcript.is_text_entry(),
            PaneId::Config => self.config.is_text_entry(),
            PaneId::Composer => self.composer.is_text_entry(),
            PaneId::Meters => self.meters_pane.is_text_entry(),
        }
    }

    fn act(&mut self, action: Action, at_ms: u64) -> Vec<Request> {
        match action {
            Action::Quit | Action::QuitPlain => return vec![Request::Quit],
            Action::Help | Action::HelpPlain => self.help_scroll = Some(0),
            Action::FocusNext | Action::FocusPrev => {
                let all = PaneId::ALL;
                let i = all.iter().position(|p| *p == self.focus).unwrap_or(0);
                let step = if action == Action::FocusNext {
                    1
                } else {
                    all.len() - 1
                };
                self.focus = all[(i + step) % all.len()];
            }
            Action::FocusComposer => self.focus = PaneId::Composer,
            Action::FocusLog => self.focus = PaneId::Log,
            Action::FocusTranscript => self.focus = PaneId::Transcript,
            Action::FocusConfig => self.focus = PaneId::Config,
            Action::FocusMeters => self.focus = PaneId::Meters,
            Action::Maximize => self.maximized = !self.maximized,
            Action::ResponseCreate => {
                return self.send(r#"{"type":"response.create"}"#.to_string(), at_ms)
            }
            Action::Interrupt => {
                if self.read_only_refusal() {
                    return Vec::new();
                }
                return self.on_input(Input::Command {
                    at_ms,
                    command: Command::Interrupt,
                });
            }
            Action::ToggleModality => {
                return self.command(Command::ToggleOutputModality, at_ms);
            }
            Action::CycleTurnDetection => {
                return self.command(Command::CycleTurnDetection, at_ms);
            }
            Action::PushToTalk => {
                if self.read_only_refusal() {
                    return Vec::new();
                }
                let command = if self.audio.talking {
                    Command::PushToTalkReleased
                } else {
                    Command::PushToTalkPressed
                };
                return self.on_input(Input::Command { at_ms, command });
            }
            Action::MuteMic => {
                self.audio.mic_muted = !self.audio.mic_muted;
                return vec![Request::SetMicMuted(self.audio.mic_muted)];
            }
            Action::MuteSpeaker => {
                self.audio.speaker_muted = !self.audio.speaker_muted;
                return vec![Request::SetSpeakerMuted(self.audio.speaker_muted)];
            }
            Action::ToggleRecording => {
                if self.read_only_refusal() {
                    return Vec::new();
                }
                return vec![Request::ToggleRecording];
            }
            Action::ReleaseHeld => return self.release_held(),
            Action::DropHeld => return self.drop_held(),
            Action::ReplayScript => {
                if !self.read_only_refusal() {
                    self.prompt = Some(Prompt {
                        label: "replay script file",
                        text: String::new(),
                    });
                }
            }
            a => {
                if let Some(n) = a.tool_number() {
                    return self.command(Command::ToggleTool(n), at_ms);
                }
            }
        }
        Vec::new()
    }

    fn read_only_refusal(&mut self) -> bool {
        if self.conn.read_only {
            self.set_notice(
                NoticeLevel::Warning,
                "read-only: this is a recording; nothing can be sent",
            );
        }
        self.conn.read_only
    }

    pub(super) fn effects(&mut self, fx: Vec<Effect>) -> Vec<Request> {
        let mut out = Vec::new();
        for effect in fx {
            match effect {
                Effect::Send { .. } | Effect::FlushPlayback => out.push(Request::Link(effect)),
                Effect::Rejected { error } => {
                    self.set_notice(NoticeLevel::Error, format!("not sent: {error}"))
                }
                Effect::StartMic => {
                    self.audio.talking = true;
                    out.push(Request::Link(effect));
                }
                Effect::StopMic => {
                    self.audio.talking = false;
                    out.push(Request::Link(effect));
                }
                Effect::Notice { level, text } => self.set_notice(level, text),
            }
        }
        out
    }

    fn help_key(&mut self, key: KeyEvent) -> Vec<Request> {
        let scroll = self.help_scroll.unwrap_or(0);
        self.help_scroll = match key.code {
            KeyCode::Esc | KeyCode::F(1) | KeyCode::Char('?') | KeyCode::Char('q') => None,
            KeyCode::Down | KeyCode::Char('j') => Some(scroll.saturating_add(1)),
            KeyCode::Up | KeyCode::Char('k') => Some(scroll.saturating_sub(1)),
            KeyCode::PageDown => Some(scroll.saturating_add(10)),
            KeyCode::PageUp => Some(scroll.saturating_sub(10)),
            KeyCode::Home => Some(0),
            _ => Some(scroll),
        };
        Vec::new()
    }

    fn prompt_key(&mut self, key: KeyEvent) -> Vec<Request> {
        let Some(prompt) = self.prompt.as_mut() else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Esc => self.prompt = None,
            KeyCode::Enter => {
                let text = prompt.text.trim().to_string();
                self.prompt = None;
                if !text.is_empty() {
                    return vec![Request::Replay(PathBuf::from(text))];
                }
            }
            KeyCode::Backspace => {
                prompt.text.pop();
            }
            KeyCode::Char(c)
                if !key
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                prompt.text.push(c)
            }
            _ => {}
        }
        Vec::new()
    }

    /// Pasted text goes to the focused editor as typed characters.
    pub fn on_paste(&mut self, text: &str, at_ms: u64) -> Vec<Request> {
        let mut out = Vec::new();
        for c in text.chars() {
            let key = match c {
                '\n' => KeyEvent::new(KeyCode::Enter, KeyModifiers::ALT),
                '\r' => continue,
                c => KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
            };
            if self.focused_is_text_entry() || self.prompt.is_some() {
                out.extend(self.on_key(key, at_ms));
            }
        }
        out
    }

    /// Whether the next frame would differ from the last one drawn.
    pub fn needs_draw(&mut self) -> bool {
        if self.dirty {
            return true;
        }
        if self.meters_pane.wants_frame(self.meters.as_deref()) {
            return true;
        }
        let ctx = PaneCtx {
            session: &self.session,
            theme: &self.theme,
            focused: false,
            conn: &self.conn,
            audio: &self.audio,
            meters: self.meters.as_deref(),
        };
        status_text(&ctx, self.last_area.width) != self.last_status
    }

    pub fn draw(&mut self, f: &mut Frame) {
        self.frames_drawn += 1;
        self.dirty = false;
        let area = f.area();
        self.last_area = area;
        let layout: Areas = areas(area, self.maximized.then_some(self.focus));
        let App {
            session,
            theme,
            conn,
            audio,
            meters,
            focus,
            log,
            transcript,
            config,
            composer,
            meters_pane,
            ..
        } = self;
        let ctx_for = |pane: PaneId| PaneCtx {
            session,
            theme,
            focused: *focus == pane,
            conn,
            audio,
            meters: meters.as_deref(),
        };
        self.last_status = status_text(&ctx_for(PaneId::Composer), area.width);
        render_status_bar(f, layout.status, &ctx_for(PaneId::Composer));
        let visible = |r: Rect| r.width > 0 && r.height > 0;
        if visible(layout.log) {
            log.render(f, layout.log, &ctx_for(PaneId::Log));
        }
        if visible(layout.transcript) {
            transcript.render(f, layout.transcript, &ctx_for(PaneId::Transcript));
        }
        if visible(layout.config) {
            config.render(f, layout.config, &ctx_for(PaneId::Config));
        }
        if visible(layout.meters) {
            meters_pane.render(f, layout.meters, &ctx_for(PaneId::Meters));
        }
        if visible(layout.composer) {
            composer.render(f, layout.composer, &ctx_for(PaneId::Composer));
        }
        self.render_hint(f, layout.hint);
        if let Some(prompt) = &self.prompt {
            render_prompt(f, area, prompt, &self.theme);
        }
        if let Some(scroll) = self.help_scroll {
            let tools = self.session.tool_list();
            render_help(f, area, &self.keymap, &tools, &self.theme, scroll);
        }
    }

    fn render_hint(&self, f: &mut Frame, area: Rect) {
        let theme = &self.theme;
        let line = match &self.notice {
            Some((level, text)) => {
                let colour = match level {
                    NoticeLevel::Info => theme.text,
                    NoticeLevel::Warning => theme.log_warning,
                    NoticeLevel::Error => theme.log_error,
                };
                Line::from(Span::styled(
                    one_line(text, area.width as usize),
                    Style::default().fg(colour),
                ))
            }
            None => {
                let k = |a: Action| self.keymap.keys_of(a);
                let text = format!(
                    "{} focus · {} help · {} quit · {} maximize · {} respond · {} interrupt",
                    k(Action::FocusNext),
                    k(Action::Help),
                    k(Action::Quit),
                    k(Action::Maximize),
                    k(Action::ResponseCreate),
                    k(Action::Interrupt),
                );
                Line::from(Span::styled(
                    one_line(&text, area.width as usize),
                    Style::default().fg(theme.text_dim),
                ))
            }
        };
        f.render_widget(Paragraph::new(line), area);
    }
}

fn input_time(input: &Input) -> u64 {
    match input {
        Input::Server { at_ms, .. }
        | Input::SendText { at_ms, .. }
        | Input::Send { at_ms, .. }
        | Input::Sent { at_ms, .. }
        | Input::Transport { at_ms, .. }
        | Input::Note { at_ms, .. }
        | Input::Command { at_ms, .. }
        | Input::Tick { at_ms } => *at_ms,
    }
}

fn render_prompt(f: &mut Frame, area: Rect, prompt: &Prompt, theme: &Theme) {
    let height = 3;
    let r = Rect::new(
        area.x + 2,
        area.y + area.height.saturating_sub(height + 1),
        area.width.saturating_sub(4),
        height.min(area.height),
    );
    f.render_widget(Clear, r);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::default().fg(theme.border_focused))
        .title(format!(" {} — Enter runs, Esc cancels ", prompt.label));
    let text = Line::from(vec![
        Span::styled(
            one_line(&prompt.text, r.width as usize),
            Style::default().fg(theme.text),
        ),
        Span::styled("█", Style::default().add_modifier(Modifier::SLOW_BLINK)),
    ]);
    f.render_widget(Paragraph::new(text).block(block), r);
}

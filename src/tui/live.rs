//! The live TUI: one task owns the `App` (and through it the core) and selects over
//! terminal events, the link's events, a replayed script, signals and a frame tick;
//! it draws only when something visible changed. The link connects in the
//! background, so the screen is up (and quittable) while signaling runs.

use std::io;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crossterm::event::{Event, KeyEventKind};
use futures_util::{Stream, StreamExt};
use ratatui::backend::Backend;
use ratatui::Terminal;
use serde_json::Value;
use tokio::sync::{mpsc, watch};
use tokio::time::MissedTickBehavior;

use super::app::{App, Request};
use super::replay::LiveReplay;
use crate::audio::engine::AudioEngine;
use crate::cli::{ConnectArgs, TuiArgs};
use crate::protocol::Dialect;
use crate::recording::{fresh_path, Header, SessionRecorder};
use crate::session::{Input, NoticeLevel};
use crate::signals::{Stop, StopSignals};
use crate::transport::link::{
    drain_until_ended, CallInfo, Clock, Link, LinkEvent, LinkOptions, Transport,
};

/// How often the screen may be redrawn while things change (30 fps).
const FRAME_EVERY: Duration = Duration::from_millis(33);

/// What to connect to; `None` for `rtconsole open`.
pub struct LiveSetup {
    pub connect: ConnectArgs,
    pub tui: TuiArgs,
    pub token_url: Option<String>,
    pub dialect: Dialect,
    /// The initial session, checked before the screen went up.
    pub session: Value,
    /// A call to attach to over its sideband, instead of a session of our own.
    pub attach: Option<String>,
}

/// What the live UI is connected through.
// Not boxed: one is built per UI and moved in once.
#[allow(clippy::large_enum_variant)]
pub enum Edge {
    /// A session of our own (or an attach), connected by a link the loop starts.
    Connect(LiveSetup),
    /// A link already started on `clock`: the proxy's relay of an app's session.
    Started {
        clock: Clock,
        link: Link,
        events: mpsc::Receiver<LinkEvent>,
        dialect: Dialect,
    },
}

/// Test seams: the screen as text after each frame.
#[derive(Default)]
pub struct Hooks {
    pub screen: Option<watch::Sender<String>>,
}

/// How the UI ended: by the user, or by a signal (the exit status says which).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    Quit,
    Signal(Stop),
}

/// Runs the UI until the user quits (or a signal). Returns when the terminal can be
/// restored; the caller owns the terminal.
pub async fn run_ui<B, K>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    keys: K,
    live: Option<LiveSetup>,
    audio: Option<AudioEngine>,
    hooks: Hooks,
) -> io::Result<Ended>
where
    B: Backend,
    K: Stream<Item = io::Result<Event>> + Unpin,
{
    run_ui_on(terminal, app, keys, live.map(Edge::Connect), audio, hooks).await
}

/// [`run_ui`] over any edge: the same loop for a session of our own and for the
/// proxy's relayed one.
pub async fn run_ui_on<B, K>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    mut keys: K,
    edge: Option<Edge>,
    mut audio: Option<AudioEngine>,
    hooks: Hooks,
) -> io::Result<Ended>
where
    B: Backend,
    K: Stream<Item = io::Result<Event>> + Unpin,
{
    let started_at = SystemTime::now();
    let mut recorder: Option<SessionRecorder> = None;
    let mut link: Option<Link> = None;
    let mut link_rx: Option<mpsc::Receiver<LinkEvent>> = None;
    let mut dialect = Dialect::Ga;
    let (clock, live) = match edge {
        Some(Edge::Started {
            clock,
            link: l,
            events,
            dialect: d,
        }) => {
            link = Some(l);
            link_rx = Some(events);
            dialect = d;
            (clock, None)
        }
        Some(Edge::Connect(setup)) => (Clock::start(), Some(setup)),
        None => (Clock::start(), None),
    };
    let now = move || clock.now_ms();
    if let Some(setup) = &live {
        dialect = setup.dialect;
        if let Some(path) = &setup.tui.record {
            start_recording(
                app,
                &mut recorder,
                Some(path.clone()),
                started_at,
                setup.dialect,
            );
        }
        let options = LinkOptions {
            transport: Transport::from_args(&setup.connect, setup.attach.as_deref()),
            connect: setup.connect.clone(),
            token_url: setup.token_url.clone(),
            dialect: setup.dialect,
            session: setup.session.clone(),
            script_scenario: None,
            playout_speed: 1,
            shared_mock: None,
        };
        let port = audio.as_mut().and_then(AudioEngine::link_port);
        let (l, rx) = Link::start(clock, options, port);
        link = Some(l);
        link_rx = Some(rx);
    }
    if let Some(engine) = &audio {
        app.meters = Some(engine.meters.clone());
        app.audio.input = engine.input_status();
        app.audio.output = engine.output_status();
        app.audio.half_duplex = engine.half_duplex();
    }

    let mut frame = tokio::time::interval(FRAME_EVERY);
    frame.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut signals = StopSignals::listen();
    let mut replay: Option<LiveReplay> = None;

    draw(terminal, app, &hooks)?;
    let ended = 'ui: loop {
        let replay_wake = replay.as_ref().and_then(LiveReplay::wake_at);
        let replay_timer = async {
            match replay_wake {
                Some(ms) => tokio::time::sleep_until(clock.at(ms)).await,
                None => std::future::pending().await,
            }
        };
        let link_event = async {
            match link_rx.as_mut() {
                Some(rx) => rx.recv().await,
                None => std::future::pending().await,
            }
        };
        let mut requests: Vec<Request> = Vec::new();
        tokio::select! {
            ev = keys.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    requests = app.on_key(k, now());
                }
                Some(Ok(Event::Paste(text))) => requests = app.on_paste(&text, now()),
                Some(Ok(Event::Resize(..))) => app.mark_dirty(),
                Some(Ok(_)) => {}
                // The terminal went away: nothing left to show.
                Some(Err(_)) | None => break 'ui Ended::Quit,
            },
            ev = link_event => match ev {
                Some(LinkEvent::Input(input)) => {
                    if let (Some(r), Input::Server { at_ms, raw }) = (replay.as_mut(), &input) {
                        r.on_server(*at_ms, raw);
                    }
                    requests = app.on_input(input);
                }
                Some(LinkEvent::Up(info)) => on_up(app, &info, now()),
                Some(LinkEvent::Relayed { conn, fresh }) => {
                    if fresh {
                        // A recording started with F9 is of the session it began in.
                        if let Some(r) = recorder.take() {
                            app.conn.recording = None;
                            app.set_notice(
                                NoticeLevel::Info,
                                format!("recording stopped (a new app connection opened): {}", r.describe()),
                            );
                        }
                        let session = app.session.fresh();
                        app.start_session(session);
                    }
                    if let Some(relay) = app.conn.relay.as_mut() {
                        relay.conn = Some(conn);
                    }
                    app.mark_dirty();
                }
                Some(LinkEvent::Held { conn, hold, dir, text }) => app.on_held(conn, hold, dir, text),
                Some(LinkEvent::Ended) | None => link_rx = None,
            },
            _ = replay_timer => {}
            _ = frame.tick() => {
                app.tick(now());
                if let Some(engine) = &audio {
                    refresh_audio_status(app, engine);
                }
                if app.needs_draw() {
                    draw(terminal, app, &hooks)?;
                }
            }
            stop = signals.recv() => break 'ui Ended::Signal(stop),
        }
        if let Some(r) = replay.as_mut() {
            for text in r.poll(now()) {
                requests.extend(app.send(text, now()));
            }
            if let Some(summary) = r.finished() {
                app.set_notice(NoticeLevel::Info, summary);
                replay = None;
            }
        }
        for req in requests {
            match req {
                Request::Quit => break 'ui Ended::Quit,
                Request::Link(effect) => match &link {
                    Some(l) => l.execute(effect).await,
                    None => app.set_notice(
                        NoticeLevel::Warning,
                        "not connected: the event is in the log but did not go out",
                    ),
                },
                Request::Relay(request) => {
                    let taken = match &link {
                        Some(l) => l.relay_request(request).await,
                        None => false,
                    };
                    if !taken {
                        app.set_notice(
                            NoticeLevel::Warning,
                            "breakpoints are for `rtconsole proxy`: nothing is relayed here",
                        );
                    }
                }
                Request::SetMicMuted(m) => {
                    if let Some(a) = &audio {
                        a.set_mic_muted(m);
                    }
                }
                Request::SetSpeakerMuted(m) => {
                    if let Some(a) = &audio {
                        a.set_speaker_muted(m);
                    }
                }
                Request::ToggleRecording => {
                    if let Some(r) = recorder.take() {
                        app.conn.recording = None;
                        app.set_notice(
                            NoticeLevel::Info,
                            format!("recording stopped: {}", r.describe()),
                        );
                    } else {
                        start_recording(app, &mut recorder, None, started_at, dialect);
                    }
                }
                Request::Replay(path) => match LiveReplay::load(&path, now()) {
                    Ok(r) => {
                        app.set_notice(
                            NoticeLevel::Info,
                            format!("replaying {} into the session", path.display()),
                        );
                        replay = Some(r);
                    }
                    Err(e) => app.set_notice(NoticeLevel::Error, e),
                },
            }
        }
        sync_recording(app, &mut recorder);
    };

    // Close the call and take in its last notes, so the recording ends with them.
    if let Some(l) = &link {
        if let Some(rx) = link_rx.as_mut() {
            let reason = match ended {
                Ended::Quit => "closed by the user".to_string(),
                Ended::Signal(s) => format!("stopped by {}", s.name()),
            };
            l.close(reason).await;
            drain_until_ended(rx, |input| {
                let _ = app.on_input(input);
            })
            .await;
        }
    }
    drop(link);
    if let Some(a) = audio.take() {
        a.stop();
    }
    if let Some(mut r) = recorder {
        if let Err(e) = r.sync(&app.session) {
            app.set_notice(
                NoticeLevel::Error,
                format!("recording to {} failed: {e}", r.describe()),
            );
        }
    }
    Ok(ended)
}

/// The call is up: its id and the secret's expiry for the status bar.
fn on_up(app: &mut App, info: &CallInfo, at_ms: u64) {
    app.conn.call_id = info.call_id.clone();
    app.conn.secret_expires_at_ms = info.secret_expires_at.map(|unix| {
        let now_unix = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        at_ms + unix.saturating_sub(now_unix) * 1000
    });
    app.mark_dirty();
}

fn sync_recording(app: &mut App, recorder: &mut Option<SessionRecorder>) {
    if let Some(r) = recorder.as_mut() {
        if let Err(e) = r.sync(&app.session) {
            app.set_notice(
                NoticeLevel::Error,
                format!(
                    "recording to {} failed: {e}; recording stopped",
                    r.describe()
                ),
            );
            *recorder = None;
            app.conn.recording = None;
        }
    }
}

fn refresh_audio_status(app: &mut App, engine: &AudioEngine) {
    // With turn detection off the mic is silent until push-to-talk is held.
    engine.set_push_to_talk(!app.session.config().turn_detection_on());
    let echo = engine.echo_suspected();
    let underruns = engine.stats().output_underruns;
    if echo != app.audio.echo_suspected || underruns != app.audio.underruns {
        app.audio.echo_suspected = echo;
        app.audio.underruns = underruns;
        app.mark_dirty();
    }
}

fn start_recording(
    app: &mut App,
    recorder: &mut Option<SessionRecorder>,
    path: Option<PathBuf>,
    started_at: SystemTime,
    dialect: Dialect,
) {
    let path = path.unwrap_or_else(|| fresh_path(&PathBuf::from("."), "rtconsole"));
    let mut header = Header::new(started_at, dialect).with_endpoint(app.conn.endpoint.clone());
    if let Some(id) = &app.conn.call_id {
        header = header.with_call_id(id.clone());
    }
    match SessionRecorder::create(&path, header) {
        Ok(r) => {
            app.conn.recording = Some(path.display().to_string());
            app.set_notice(
                NoticeLevel::Info,
                format!("recording to {}", path.display()),
            );
            *recorder = Some(r);
            // Mid-session (F9) the log so far goes out at once.
            sync_recording(app, recorder);
        }
        Err(e) => app.set_notice(
            NoticeLevel::Error,
            format!("cannot record to {}: {e}", path.display()),
        ),
    }
}

fn draw<B: Backend>(terminal: &mut Terminal<B>, app: &mut App, hooks: &Hooks) -> io::Result<()> {
    let completed = terminal.draw(|f| app.draw(f))?;
    if let Some(tx) = &hooks.screen {
        let buf = completed.buffer;
        let mut text = String::with_capacity(buf.area.area() as usize + buf.area.height as usize);
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                text.push_str(buf[(x, y)].symbol());
            }
            text.push('\n');
        }
        let _ = tx.send(text);
    }
    Ok(())
}

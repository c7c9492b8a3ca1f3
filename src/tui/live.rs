//! The live TUI: one task owns the `App` (and through it the core) and selects over
//! terminal events, data-channel messages, peer events, a replayed script and a frame
//! tick; it draws only when something visible changed. The connection is made in the
//! background so the screen is up (and quittable) while signaling runs.

use std::io;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crossterm::event::{Event, KeyEventKind};
use futures_util::{Stream, StreamExt};
use ratatui::backend::Backend;
use ratatui::Terminal;
use serde_json::{json, Value};
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, MissedTickBehavior};
use webrtc::peer_connection::RTCPeerConnectionState;

use super::app::{App, Request};
use super::recorder::{fresh_path, header, Recorder};
use super::replay::LiveReplay;
use super::session_link::{connect_link, Link, LinkEvent};
use crate::audio::engine::AudioEngine;
use crate::cli::{ConnectArgs, TuiArgs};
use crate::protocol::Dialect;
use crate::session::{Input, NoticeLevel, TransportStatus};
use crate::transport::stats;

/// How often the screen may be redrawn while things change (30 fps).
const FRAME_EVERY: Duration = Duration::from_millis(33);
const STATS_EVERY: Duration = Duration::from_secs(2);

/// What to connect to; `None` for `rtconsole open`.
pub struct LiveSetup {
    pub connect: ConnectArgs,
    pub tui: TuiArgs,
    pub token_url: Option<String>,
    pub dialect: Dialect,
}

/// Test seams: the screen as text after each frame, and where saves go.
#[derive(Default)]
pub struct Hooks {
    pub screen: Option<watch::Sender<String>>,
}

/// Runs the UI until the user quits (or a signal). Returns when the terminal can be
/// restored; the caller owns the terminal.
pub async fn run_ui<B, K>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    mut keys: K,
    live: Option<LiveSetup>,
    mut audio: Option<AudioEngine>,
    hooks: Hooks,
) -> io::Result<()>
where
    B: Backend,
    K: Stream<Item = io::Result<Event>> + Unpin,
{
    let clock = Instant::now();
    let started_at = SystemTime::now();
    let now = move || clock.elapsed().as_millis() as u64;

    let mut recorder: Option<Recorder> = None;
    let (link_tx, mut link_rx) = mpsc::unbounded_channel::<LinkEvent>();
    let mut link: Option<Link> = None;
    let mut pending_link = None;
    if let Some(setup) = &live {
        if let Some(path) = &setup.tui.record {
            start_recording(
                app,
                &mut recorder,
                Some(path.clone()),
                started_at,
                setup.dialect,
            );
        }
        app.on_input(Input::Transport {
            at_ms: now(),
            status: TransportStatus::Connecting {
                endpoint: app.conn.endpoint.clone(),
            },
        });
        pending_link = Some(tokio::spawn(connect_link(
            setup.connect.clone(),
            setup.token_url.clone(),
            setup.dialect,
            link_tx.clone(),
        )));
    }
    if let Some(engine) = &audio {
        app.meters = Some(engine.meters.clone());
        app.audio.input = engine.input_status();
        app.audio.output = engine.output_status();
        app.audio.half_duplex = engine.half_duplex();
    }

    let mut frame = tokio::time::interval(FRAME_EVERY);
    frame.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut stats_tick = tokio::time::interval(STATS_EVERY);
    stats_tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut term_signal = terminate_signal();
    let mut replay: Option<LiveReplay> = None;

    draw(terminal, app, &hooks)?;
    'ui: loop {
        let replay_wake = replay.as_ref().and_then(LiveReplay::wake_at);
        let replay_timer = async {
            match replay_wake {
                Some(ms) => tokio::time::sleep_until(clock + Duration::from_millis(ms)).await,
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
                Some(Err(_)) | None => break 'ui,
            },
            ev = link_rx.recv() => {
                if let Some(ev) = ev {
                    requests = on_link_event(app, &mut link, &mut audio, ev, now(), &mut replay);
                }
            }
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
            _ = stats_tick.tick(), if link.is_some() => {
                if let Some(l) = &link {
                    let s = stats::sample(&l.pc).await;
                    app.on_input(Input::Transport { at_ms: now(), status: TransportStatus::Stats(s) });
                }
            }
            _ = term_signal.recv() => break 'ui,
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
                Request::Quit => break 'ui,
                Request::Transmit(text) => match &link {
                    Some(l) => {
                        if let Err(e) = l.dc.send_text(&text).await {
                            app.set_notice(
                                NoticeLevel::Error,
                                format!("sending on the data channel failed: {e}"),
                            );
                        }
                    }
                    None => app.set_notice(
                        NoticeLevel::Warning,
                        "not connected: the event is in the log but did not go out",
                    ),
                },
                Request::FlushPlayback => {
                    if let Some(a) = &audio {
                        a.flush_playback();
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
                Request::SetTalking(t) => {
                    if let Some(a) = &audio {
                        a.set_talking(t);
                    }
                }
                Request::ToggleRecording => {
                    if let Some(r) = recorder.take() {
                        app.conn.recording = None;
                        app.set_notice(
                            NoticeLevel::Info,
                            format!("recording stopped: {}", r.path().display()),
                        );
                    } else {
                        let dialect = live.as_ref().map_or(Dialect::Ga, |l| l.dialect);
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
        if let Some(r) = recorder.as_mut() {
            if let Err(e) = r.sync(&app.session) {
                app.set_notice(
                    NoticeLevel::Error,
                    format!(
                        "recording to {} failed: {e}; recording stopped",
                        r.path().display()
                    ),
                );
                recorder = None;
                app.conn.recording = None;
            }
        }
    }

    if let Some(task) = pending_link {
        task.abort();
    }
    if let Some(l) = link {
        l.close().await;
    }
    if let Some(a) = audio.take() {
        a.stop();
    }
    if let Some(mut r) = recorder {
        let _ = r.sync(&app.session);
    }
    Ok(())
}

fn on_link_event(
    app: &mut App,
    link: &mut Option<Link>,
    audio: &mut Option<AudioEngine>,
    ev: LinkEvent,
    at_ms: u64,
    replay: &mut Option<LiveReplay>,
) -> Vec<Request> {
    match ev {
        LinkEvent::Connected(l) => {
            app.conn.call_id = l.call_id.clone();
            app.conn.secret_expires_at_ms = l.secret_expires_at.map(|unix| {
                let now_unix = SystemTime::now()
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                at_ms + unix.saturating_sub(now_unix) * 1000
            });
            let mut out = app.on_input(Input::Transport {
                at_ms,
                status: TransportStatus::Connected,
            });
            out.extend(app.on_input(Input::Note {
                at_ms,
                note: l.connected_note.clone(),
            }));
            out.extend(app.on_input(Input::Transport {
                at_ms,
                status: TransportStatus::ChannelOpen,
            }));
            let mut l = *l;
            if let Some(a) = audio.as_mut() {
                l.attach_audio(a);
            }
            *link = Some(l);
            out
        }
        LinkEvent::Failed(reason) => {
            app.set_notice(NoticeLevel::Error, reason.clone());
            app.on_input(Input::Transport {
                at_ms,
                status: TransportStatus::Failed { reason },
            })
        }
        LinkEvent::Message(text) => {
            if let Some(r) = replay.as_mut() {
                r.on_server(at_ms, &text);
            }
            app.on_input(Input::Server { at_ms, raw: text })
        }
        LinkEvent::Closed(reason) => {
            app.set_notice(NoticeLevel::Warning, reason.clone());
            app.on_input(Input::Transport {
                at_ms,
                status: TransportStatus::Closed { reason },
            })
        }
        LinkEvent::Track(t) => {
            if let (Some(a), Some(l)) = (audio.as_mut(), link.as_ref()) {
                l.play_track(t, a);
            }
            Vec::new()
        }
        LinkEvent::State(state) => {
            let mut out = app.on_input(Input::Note {
                at_ms,
                note: json!({"type": "local.connection", "state": state.to_string()}),
            });
            if state == RTCPeerConnectionState::Failed {
                out.extend(app.on_input(Input::Transport {
                    at_ms,
                    status: TransportStatus::Failed {
                        reason: "ICE/DTLS failed: the media path to the server broke".into(),
                    },
                }));
            }
            out
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
    recorder: &mut Option<Recorder>,
    path: Option<PathBuf>,
    started_at: SystemTime,
    dialect: Dialect,
) {
    let path = path.unwrap_or_else(|| fresh_path(&PathBuf::from("."), "rtconsole"));
    let model = app
        .session
        .config()
        .effective
        .as_ref()
        .and_then(|s| s.model.clone());
    let h = header(
        started_at,
        dialect,
        &app.conn.endpoint,
        model.as_deref(),
        app.conn.call_id.as_deref(),
    );
    match Recorder::start(&path, &h, &app.session) {
        Ok(r) => {
            app.conn.recording = Some(path.display().to_string());
            app.set_notice(NoticeLevel::Info, format!("recording to {}", path.display()));
            *recorder = Some(r);
        }
        Err(e) => app.set_notice(
            NoticeLevel::Error,
            format!(
                "cannot record to {}: {e}; pick a new file name (existing files are never overwritten)",
                path.display()
            ),
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

/// SIGTERM and SIGHUP end the UI like a quit, so the terminal is restored.
fn terminate_signal() -> mpsc::UnboundedReceiver<()> {
    let (tx, rx) = mpsc::unbounded_channel();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        for kind in [SignalKind::terminate(), SignalKind::hangup()] {
            let tx = tx.clone();
            if let Ok(mut s) = signal(kind) {
                tokio::spawn(async move {
                    if s.recv().await.is_some() {
                        let _ = tx.send(());
                    }
                });
            }
        }
    }
    let _ = &tx;
    rx
}

/// The note that ends up in the log when the call is up.
pub fn connected_note(call_id: Option<&str>, setup: Option<&str>, offer_to_open_ms: f64) -> Value {
    json!({"type": "local.connected", "call_id": call_id, "answer_setup": setup,
           "offer_to_open_ms": offer_to_open_ms})
}

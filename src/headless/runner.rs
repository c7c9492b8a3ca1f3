//! The headless run: connect, then one loop that feeds server events to the script,
//! carries out what it asks (send, stream audio, wait) and writes every event out.

use std::fs::File;
use std::io::{self, Write};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use serde_json::json;
use tokio::time::Instant;
use webrtc::peer_connection::RTCPeerConnectionState;

use super::audio_io::{read_wav, Mic, MicCommand, Speaker};
use super::setup::{self, SetupError};
use super::summary;
use crate::cli::RunArgs;
use crate::protocol::{Dialect, Direction};
use crate::recording::{Header, RecordingWriter};
use crate::script::{compare_server_events, Action, Outcome, ScriptRun};
use crate::session::{Input, TransportStatus};
use crate::transport::channel_io::forward_messages;
use crate::transport::rtc_setup::PeerEvent;
use crate::transport::stats;

/// How often transport statistics are sampled into the core and the recording.
const STATS_EVERY: Duration = Duration::from_secs(2);

/// Exit statuses; 2 also covers every connection failure.
const PASSED: u8 = 0;
const FAILED: u8 = 1;
const USAGE: u8 = 2;

pub fn run(args: &RunArgs, token_url: Option<&str>, dialect: Dialect) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rtconsole run: cannot start the async runtime: {e}");
            return ExitCode::from(USAGE);
        }
    };
    match runtime.block_on(run_async(args, token_url, dialect)) {
        Ok(code) => ExitCode::from(code),
        Err(SetupError(message)) => {
            eprintln!("rtconsole run: {message}");
            ExitCode::from(USAGE)
        }
    }
}

enum Sink {
    Stdout(RecordingWriter<io::Stdout>),
    File(RecordingWriter<File>),
}

impl Sink {
    fn event(&mut self, t: u64, dir: Direction, text: &str) {
        let r = match self {
            Sink::Stdout(w) => w.write_event(t, dir, text),
            Sink::File(w) => w.write_event(t, dir, text),
        };
        if let Err(e) = r {
            tracing::error!("writing an event failed: {e}");
        }
    }

    fn note(&mut self, t: u64, note: serde_json::Value) {
        let r = match self {
            Sink::Stdout(w) => w.write_local(t, &note),
            Sink::File(w) => w.write_local(t, &note),
        };
        if let Err(e) = r {
            tracing::error!("writing a note failed: {e}");
        }
    }
}

async fn run_async(
    args: &RunArgs,
    token_url: Option<&str>,
    dialect: Dialect,
) -> Result<u8, SetupError> {
    let loaded = setup::load(&args.script, args.fast, dialect)?;
    let dialect = loaded.script.dialect;
    let session = setup::initial_session(&args.connect)?;
    let speaker =
        Speaker::new(args.output.as_deref()).map_err(|e| SetupError(format!("--output: {e}")))?;
    let input = match &args.input {
        Some(p) => Some(read_wav(p).map_err(|e| SetupError(format!("--input: {e}")))?),
        None => None,
    };
    let target = setup::target(&args.connect, token_url, dialect, Some(&loaded.script)).await?;
    let started_at = SystemTime::now();
    let clock = Instant::now();
    let conn = match setup::open(&target, token_url, &session, &args.connect).await {
        Ok(o) => o.conn,
        Err(e) => {
            if let Some(m) = target.mock {
                m.shutdown().await;
            }
            return Err(e);
        }
    };
    let endpoint = target.signaling.base_url().to_string();
    let mut header = Header::new(started_at, dialect).with_endpoint(endpoint);
    if let Some(m) = session.get("model").and_then(|m| m.as_str()) {
        header = header.with_model(m);
    }
    if let Some(id) = &conn.answer.call_id {
        header = header.with_call_id(id.clone());
    }
    let mut sink =
        match &args.record {
            Some(path) => Sink::File(RecordingWriter::create(path, &header).map_err(|e| {
                SetupError(format!("cannot write --record {}: {e}", path.display()))
            })?),
            None => Sink::Stdout(RecordingWriter::new(io::stdout(), &header)?),
        };
    let now = |c: &Instant| c.elapsed().as_millis() as u64;
    sink.note(
        now(&clock),
        json!({"type": "local.connected", "call_id": conn.answer.call_id,
               "answer_setup": conn.answer_setup,
               "offer_to_open_ms": conn.timings.offer_to_open_ms,
               "gather_ms": conn.timings.gather_ms, "signaling_ms": conn.timings.signaling_ms}),
    );
    if let Some(id) = &conn.answer.call_id {
        eprintln!(
            "connected: call {id}, data channel open after {:.0} ms",
            conn.timings.offer_to_open_ms
        );
    }

    let crate::transport::connect::Connection {
        pc,
        dc,
        audio,
        mut events,
        early_tracks,
        answer,
        ..
    } = conn;
    for t in early_tracks {
        speaker.listen(t);
    }
    let mut mic = Mic::start(audio);
    if let Some(samples) = input {
        let _ = mic.commands.send(MicCommand::Play {
            samples,
            report: false,
        });
    }
    let mut dc_rx = forward_messages(dc.clone());

    let mut run = ScriptRun::new(loaded.script, args.timeout.as_millis() as u64);
    for status in [TransportStatus::Connected, TransportStatus::ChannelOpen] {
        run.session_mut().handle(Input::Transport {
            at_ms: now(&clock),
            status,
        });
    }
    let mut stats_tick = tokio::time::interval(STATS_EVERY);
    stats_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut wake: Option<u64> = None;
    let mut actions = run.poll(now(&clock));
    let mut ended: Option<String> = None;
    let outcome: Option<Outcome> = loop {
        let mut done = None;
        for action in actions.drain(..) {
            match action {
                Action::Send(text) => {
                    sink.event(now(&clock), Direction::Client, &text);
                    if let Err(e) = dc.send_text(&text).await {
                        ended = Some(format!("sending on the data channel failed: {e}"));
                    }
                }
                Action::StreamAudio { path, line } => match read_wav(&path) {
                    Ok(samples) => {
                        let _ = mic.commands.send(MicCommand::Play {
                            samples,
                            report: true,
                        });
                    }
                    Err(e) => {
                        ended = Some(format!("script line {line}: {e}"));
                    }
                },
                Action::StreamSilence { ms } => {
                    let _ = mic.commands.send(MicCommand::Silence { ms, report: true });
                }
                Action::WakeAt(ms) => wake = Some(wake.map_or(ms, |w| w.min(ms))),
                Action::Done(o) => done = Some(o),
            }
        }
        if let Some(o) = done {
            break Some(o);
        }
        if ended.is_some() {
            break None;
        }
        let timer = async {
            match wake {
                Some(ms) => tokio::time::sleep_until(clock + Duration::from_millis(ms)).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            msg = dc_rx.recv() => match msg {
                Some(Some(text)) => {
                    let t = now(&clock);
                    sink.event(t, Direction::Server, &text);
                    run.on_server(t, &text);
                }
                _ => {
                    let why = run
                        .session()
                        .errors()
                        .last()
                        .filter(|e| e.code.as_deref() == Some("session_expired"))
                        .map(|e| format!("the session expired: {} Start a new session; sessions last at most 60 minutes.", e.message))
                        .unwrap_or_else(|| "the server closed the data channel (the call was ended or the server went away)".into());
                    ended = Some(why);
                }
            },
            _ = mic.finished.recv() => run.audio_finished(now(&clock)),
            _ = timer => wake = None,
            _ = stats_tick.tick() => {
                let stats = stats::sample(&pc).await;
                let t = now(&clock);
                sink.note(t, json!({"type": "local.stats", "rtt_ms": stats.rtt_ms,
                    "jitter_ms": stats.jitter_ms, "packets_lost": stats.packets_lost,
                    "bytes_sent": stats.bytes_sent, "bytes_received": stats.bytes_received}));
                run.session_mut().handle(Input::Transport { at_ms: t, status: TransportStatus::Stats(stats) });
            }
            ev = events.recv() => match ev {
                Some(PeerEvent::Track(t)) => speaker.listen(t),
                Some(PeerEvent::State(state)) => {
                    let t = now(&clock);
                    sink.note(t, json!({"type": "local.connection", "state": state.to_string()}));
                    if state == RTCPeerConnectionState::Failed {
                        let reason = "ICE/DTLS failed: the media path to the server broke".to_string();
                        run.session_mut().handle(Input::Transport { at_ms: t, status: TransportStatus::Failed { reason: reason.clone() } });
                        ended = Some(reason);
                    }
                }
                _ => {}
            },
            _ = tokio::signal::ctrl_c() => ended = Some("interrupted".into()),
        }
        if ended.is_some() {
            break None;
        }
        actions = run.poll(now(&clock));
    };

    // Hang up first so the server stops at once instead of noticing seconds later.
    if let (Some(key), Some(id)) = (&target.key, &answer.call_id) {
        if let Err(e) = target.signaling.hangup(key, id).await {
            tracing::debug!("hangup: {e}");
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), dc.close()).await;
    let _ = tokio::time::timeout(Duration::from_secs(2), pc.close()).await;
    let t = now(&clock);
    sink.note(t, json!({"type": "local.closed", "reason": ended.clone().unwrap_or_else(|| "script finished".into())}));
    if let Some(m) = target.mock {
        m.shutdown().await;
    }
    if let Err(e) = speaker.finish() {
        eprintln!("rtconsole run: --output: {e}");
    }
    let _ = io::stdout().flush();

    let mic_stats = *mic.stats.lock().expect("mic stats");
    let speaker_stats = *speaker.stats.lock().expect("speaker stats");
    eprint!(
        "{}",
        summary::render(run.session(), &mic_stats, &speaker_stats)
    );
    let Some(outcome) = outcome else {
        eprintln!(
            "rtconsole run: stopped at script line {}: {}",
            run.current_line().unwrap_or(0),
            ended.unwrap_or_default()
        );
        return Ok(USAGE);
    };
    eprintln!("{outcome}");
    let mut code = if outcome.passed { PASSED } else { FAILED };
    if let Some(plan) = &loaded.replay {
        let cmp = compare_server_events(&plan.expected, &run.server_events());
        if !cmp.differences.is_empty() {
            eprintln!(
                "replay: the server's events differ from the recording:\n{}",
                cmp.render()
            );
            code = FAILED;
        } else {
            eprintln!("replay: the server's events match the recording");
        }
    }
    Ok(code)
}

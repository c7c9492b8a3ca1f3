//! The headless run: a link, then one loop that feeds what it reports to the
//! script, carries out what the script asks (send, stream audio, wait) and writes
//! the recording from the core's log.

use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::SystemTime;

use super::audio_io::{read_wav, Mic, MicCommand, Speaker, Taps, Wavs};
use super::setup::{self, SetupError};
use super::summary;
use crate::audio::talk_metrics::TalkMetrics;
use crate::audio::wav::write_wav_48k_stereo;
use crate::cli::RunArgs;
use crate::protocol::Dialect;
use crate::recording::{Header, SessionRecorder};
use crate::script::{compare_server_events, Action, Outcome, ScriptRun};
use crate::session::{Input, NoticeLevel, Phase};
use crate::signals::{Stop, StopSignals};
use crate::transport::link::{
    drain_until_ended, setup as link_setup, AudioPort, Clock, Link, LinkEvent, LinkOptions,
    SharedMock, Transport,
};

/// Exit statuses; 2 also covers every connection failure and an unwritable
/// recording; a signal gives 128 + its number.
pub(super) const PASSED: u8 = 0;
pub(super) const FAILED: u8 = 1;
pub(super) const USAGE: u8 = 2;

pub fn run(args: &RunArgs, token_url: Option<&str>, dialect: Dialect) -> ExitCode {
    if let Err(e) = crate::logging::init_cli(args.log_file.as_deref()) {
        eprintln!("rtconsole run: {e}");
        return ExitCode::from(USAGE);
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rtconsole run: cannot start the async runtime: {e}");
            return ExitCode::from(USAGE);
        }
    };
    ExitCode::from(runtime.block_on(super::runs::run(args, token_url, dialect)))
}

/// One play of a script: which one, where its events go and what it calls.
pub(super) struct Play<'a> {
    pub script: &'a Path,
    pub record: RecordTo,
    pub shared_mock: Option<SharedMock>,
    /// One of several runs: the call id, the summary and the verdict are left to
    /// the caller's report instead of stderr.
    pub quiet: bool,
}

/// Where a play's recording goes.
pub(super) enum RecordTo {
    Stdout,
    File(PathBuf),
    /// One of several runs without `--record DIR`: the events are not kept.
    Nowhere,
}

/// How a play ended, for the caller to count and report.
pub(super) struct Played {
    /// The exit status a single run gives.
    pub code: u8,
    /// The script's verdict, when it got that far.
    pub outcome: Option<Outcome>,
    /// Why it stopped before a verdict (the connection, a signal, the recording),
    /// or why a replay failed although its steps passed.
    pub stopped: Option<String>,
    pub signal: Option<Stop>,
    /// The script line being played when it stopped.
    pub line: Option<usize>,
    /// Named millisecond figures (see [`crate::session::metrics`]).
    pub metrics: Vec<(String, f64)>,
}

/// Why the loop stopped before the script finished.
enum Stopped {
    /// The call ended or never came up; the session's phase says why.
    Link(String),
    Signal(Stop),
    /// The recording could not be written.
    Recording(String),
    Script(String),
}

pub(super) async fn play(
    args: &RunArgs,
    token_url: Option<&str>,
    dialect: Dialect,
    play: Play<'_>,
) -> Result<Played, SetupError> {
    let loaded = setup::load(play.script, args.fast, dialect)?;
    let dialect = loaded.script.dialect;
    if !args.connect.mock {
        if let Some(refusal) = loaded.script.real_server_refusal() {
            return Err(SetupError(refusal));
        }
    }
    // Read before the call: a missing file fails now, and an anchored barge-in
    // starts on time instead of after decoding and resampling its file.
    let mut wavs = Wavs::preload(&loaded.script).map_err(SetupError)?;
    let session = link_setup::initial_session(&args.connect)?;
    // The same config file as the TUI: `run` prices with its `[prices]` too.
    let prices = crate::tui::user_config::load(None, None)
        .map_err(SetupError)?
        .prices;
    let clock = Clock::start();
    let taps = Taps::new(args.output_stereo.is_some());
    let speaker = Arc::new(
        Speaker::new(args.output.as_deref(), clock, taps.received.clone())
            .map_err(|e| SetupError(format!("--output: {e}")))?,
    );
    let mut input_wav = match &args.input {
        Some(p) => Some(read_wav(p).map_err(|e| SetupError(format!("--input: {e}")))?),
        None => None,
    };
    let started_at = SystemTime::now();
    let endpoint = if args.connect.mock {
        "mock".to_string()
    } else {
        args.connect.base_url.clone()
    };
    let mut header = Header::new(started_at, dialect).with_endpoint(endpoint);
    if let Some(m) = session.get("model").and_then(|m| m.as_str()) {
        header = header.with_model(m);
    }
    let recorder = match &play.record {
        RecordTo::File(path) => SessionRecorder::create(path, header),
        RecordTo::Stdout => SessionRecorder::to_writer(Box::new(io::stdout()), header),
        RecordTo::Nowhere => SessionRecorder::to_writer(Box::new(io::sink()), header),
    };
    let mut recorder = recorder.map_err(|e| {
        let to = match &play.record {
            RecordTo::File(p) => p.display().to_string(),
            _ => "standard output".to_string(),
        };
        SetupError(format!(
            "writing the recording to {to} failed: {e}\nfix: free space or choose another --record path"
        ))
    })?;

    let mut signals = StopSignals::listen();
    let (mut mic, packets) = Mic::start(clock, taps.sent.clone());
    let options = LinkOptions {
        transport: Transport::from_args(&args.connect, args.attach.as_deref()),
        connect: args.connect.clone(),
        token_url: token_url.map(str::to_string),
        dialect,
        session,
        script_scenario: loaded.script.scenario.clone(),
        playout_speed: 1,
        shared_mock: play.shared_mock.clone(),
    };
    let port = AudioPort {
        packets,
        playback: speaker.clone(),
    };
    let (link, mut events) = Link::start(clock, options, Some(port));

    let mut run = ScriptRun::new(loaded.script, args.timeout.as_millis() as u64);
    run.session_mut()
        .set_stall_after(args.connect.stall_after_ms());
    run.session_mut().set_prices(prices);
    // The core watches for a stalled server on every input; ticks keep it looking
    // while nothing arrives.
    let mut watch_tick = tokio::time::interval(std::time::Duration::from_secs(1));
    let mut wake: Option<u64> = None;
    let mut started = false;
    let mut actions: Vec<Action> = Vec::new();
    let mut link_ended = false;
    let stopped: Result<Outcome, Stopped> = 'run: loop {
        let mut done = None;
        for action in actions.drain(..) {
            match action {
                Action::Send(text) => link.send(text).await,
                Action::StreamAudio { path, line } => match wavs.take(&path) {
                    Ok(samples) => {
                        let _ = mic.commands.send(MicCommand::Play {
                            samples,
                            report: true,
                        });
                    }
                    Err(e) => break 'run Err(Stopped::Script(format!("script line {line}: {e}"))),
                },
                Action::StreamSilence { ms } => {
                    let _ = mic.commands.send(MicCommand::Silence { ms, report: true });
                }
                Action::WakeAt(ms) => wake = Some(wake.map_or(ms, |w| w.min(ms))),
                Action::Done(o) => done = Some(o),
            }
        }
        if let Some(o) = done {
            break Ok(o);
        }
        if let Err(e) = recorder.sync(run.session()) {
            break Err(Stopped::Recording(e.to_string()));
        }
        let timer = async {
            match wake {
                Some(ms) => tokio::time::sleep_until(clock.at(ms)).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            ev = events.recv() => match ev {
                Some(LinkEvent::Input(input)) => {
                    for effect in feed(&mut run, input) {
                        // A warning the core raised on this input (audio that stopped
                        // on a statistics sample); a call that ended is said below.
                        if let crate::session::Effect::Notice { level: NoticeLevel::Warning, text } = &effect {
                            if ended(run.session().phase()).is_none() {
                                tracing::warn!("{text}");
                            }
                        }
                        link.execute(effect).await;
                    }
                    // The script starts once the data channel is open, after the
                    // notes that say so.
                    if !started && *run.session().phase() == Phase::Open {
                        started = true;
                        if let Some(samples) = input_wav.take() {
                            let _ = mic.commands.send(MicCommand::Play { samples, report: false });
                        }
                    }
                    if let Some(why) = ended(run.session().phase()) {
                        let _ = recorder.sync(run.session());
                        break Err(Stopped::Link(why));
                    }
                }
                // Only the proxy's relay link says this; `run` never holds one.
                Some(LinkEvent::Relayed { .. } | LinkEvent::Held { .. }) => {}
                Some(LinkEvent::Up(info)) => {
                    if let Some(id) = info.call_id.as_ref().filter(|_| !play.quiet) {
                        eprintln!("connected: call {id}");
                    }
                }
                Some(LinkEvent::Ended) | None => {
                    link_ended = true;
                    let why = ended(run.session().phase()).unwrap_or_else(|| "the connection ended".into());
                    break Err(Stopped::Link(why));
                }
            },
            _ = mic.finished.recv() => run.audio_finished(clock.now_ms()),
            _ = watch_tick.tick() => {
                let at_ms = clock.now_ms();
                for fx in run.session_mut().handle(Input::Tick { at_ms }) {
                    if let crate::session::Effect::Notice { text, .. } = fx {
                        tracing::warn!("{text}");
                    }
                }
            }
            _ = timer => wake = None,
            stop = signals.recv() => break Err(Stopped::Signal(stop)),
        }
        if started {
            actions = run.poll(clock.now_ms());
            for text in run.take_warnings() {
                tracing::warn!("{text}");
            }
        }
    };

    // Close the call and take in its last notes, so the recording ends with them.
    if !link_ended {
        let reason = match &stopped {
            Ok(_) => "script finished".to_string(),
            Err(Stopped::Signal(s)) => format!("stopped by {}", s.name()),
            Err(Stopped::Recording(_)) => "the recording could not be written".into(),
            Err(Stopped::Script(e)) | Err(Stopped::Link(e)) => e.clone(),
        };
        link.close(reason).await;
        drain_until_ended(&mut events, |input| {
            let _ = feed(&mut run, input);
        })
        .await;
    }
    let record_error = match recorder.sync(run.session()) {
        Ok(()) => None,
        Err(e) => Some(e.to_string()),
    };
    if let Err(e) = speaker.finish() {
        eprintln!("rtconsole run: --output: {e}");
    }

    let mic_stats = *mic.stats.lock().expect("mic stats");
    let speaker_stats = *speaker.stats.lock().expect("speaker stats");
    let talk = audio_timing(&taps, args.output_stereo.as_deref());
    // What stderr says of this run; a quiet run keeps it out of the caller's report.
    let say = |text: String| {
        if !play.quiet {
            eprintln!("{text}");
        }
    };
    if !play.quiet {
        eprint!(
            "{}",
            summary::render(run.session(), &mic_stats, &speaker_stats, talk.as_ref())
        );
    }
    let record_failed = |why: &str| {
        format!(
            "writing the recording to {} failed: {why}; the events after the failure are not in it (free space, or choose another --record path)",
            recorder.describe()
        )
    };
    let mut played = Played {
        code: PASSED,
        outcome: None,
        stopped: None,
        signal: None,
        line: run.current_line(),
        metrics: crate::session::metrics::wire_metrics(run.session()),
    };
    if let Some(t) = &talk {
        // Audio timing goes into the repeated runs' percentiles next to the wire's.
        played.metrics.extend(
            t.named_ms()
                .into_iter()
                .map(|(k, v)| (k.to_string(), v as f64)),
        );
    }
    let outcome = match stopped {
        Ok(mut o) => {
            if let Some(t) = &talk {
                o.metrics
                    .extend(t.named_ms().into_iter().map(|(k, v)| (k.to_string(), v)));
            }
            o
        }
        Err(stop) => {
            let line = played.line.unwrap_or(0);
            let (code, message) = match stop {
                Stopped::Signal(s) => {
                    played.signal = Some(s);
                    (s.exit_code(), format!("stopped by {} at script line {line}; the recording is complete up to here", s.name()))
                }
                Stopped::Recording(e) => (USAGE, record_failed(&e)),
                Stopped::Link(why) | Stopped::Script(why) => {
                    (USAGE, format!("stopped at script line {line}: {why}"))
                }
            };
            say(format!("rtconsole run: {message}"));
            played.code = code;
            played.stopped = Some(message);
            return Ok(played);
        }
    };
    say(outcome.to_string());
    played.code = if outcome.passed { PASSED } else { FAILED };
    if let Some(plan) = &loaded.replay {
        let cmp = compare_server_events(&plan.expected, &run.server_events());
        if !cmp.differences.is_empty() {
            let message = format!(
                "replay: the server's events differ from the recording:\n{}",
                cmp.render()
            );
            say(message.clone());
            played.stopped = Some(message);
            played.code = FAILED;
        } else {
            say("replay: the server's events match the recording".into());
        }
    }
    if let Some(e) = record_error {
        let message = record_failed(&e);
        say(format!("rtconsole run: {message}"));
        played.stopped = Some(message);
        played.code = USAGE;
    }
    played.outcome = Some(outcome);
    Ok(played)
}

/// Server messages go through the script (which hands them to its session);
/// everything else straight to the session. What the link itself asks to send (a
/// socket's initial `session.update`) comes back to be sent.
fn feed(run: &mut ScriptRun, input: Input) -> Vec<crate::session::Effect> {
    match input {
        Input::Server { at_ms, raw } => run.on_server(at_ms, &raw),
        other => run.session_mut().handle(other),
    }
}

/// Why the call is over, when it is.
fn ended(phase: &Phase) -> Option<String> {
    match phase {
        Phase::Closed(why) | Phase::Failed(why) => Some(why.clone()),
        _ => None,
    }
}

/// Measures the call's audio as sent and received, and writes `--output-stereo`.
fn audio_timing(taps: &Taps, stereo: Option<&std::path::Path>) -> Option<TalkMetrics> {
    let sent = taps.sent.lock().expect("sent track");
    let received = taps.received.lock().expect("received track");
    if let Some(path) = stereo {
        let left = sent.samples().unwrap_or_default();
        let right = received.samples().unwrap_or_default();
        if let Err(e) = write_wav_48k_stereo(path, left, right) {
            eprintln!("rtconsole run: --output-stereo: {e}");
        }
    }
    TalkMetrics::from_tracks(&sent, &received)
}

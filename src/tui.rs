//! The full-screen front-end: ratatui panes over the core `Session`, live over
//! WebRTC (`rtconsole`, `rtconsole --mock`) or read-only over a recording
//! (`rtconsole open`). Presentation only: every event goes through the core.

pub mod app;
pub mod clipboard;
pub mod help;
pub mod keymap;
pub mod layout;
pub mod live;
pub mod pane;
pub mod panes;
pub mod replay;
pub mod terminal;
pub mod text;
pub mod theme;
pub mod user_config;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crossterm::event::EventStream;

use crate::audio::engine::{AudioEngine, AudioOptions};
use crate::cli::{AttachArgs, Cli, ConnectArgs, TuiArgs};
use crate::protocol::Dialect;
use crate::recording::open_recording_spooled;
use crate::session::{NoticeLevel, PriceTable, Session, SessionOptions};
use crate::transport::link::setup;
use crate::transport::signaling::SignalingError;
use app::App;
use live::{run_ui, Ended, Hooks, LiveSetup};
use pane::ConnInfo;
use terminal::TerminalGuard;

/// The API ends sessions after 60 minutes.
pub const SESSION_LIMIT_MS: u64 = 60 * 60 * 1000;

/// Usage problems exit with 2, like `run`.
const USAGE: u8 = 2;

/// `rtconsole` and `rtconsole --mock`.
pub fn run_live(cli: &Cli) -> ExitCode {
    live(
        &cli.connect,
        &cli.tui,
        cli.token_url.clone(),
        cli.dialect,
        None,
    )
}

/// `rtconsole attach CALL_ID`: the TUI over a call's sideband.
pub fn run_attach(args: &AttachArgs, cli: &Cli) -> ExitCode {
    let token_url = cli.token_url.clone();
    live(
        &args.connect,
        &args.tui,
        token_url,
        cli.dialect,
        Some(args.call_id.clone()),
    )
}

fn live(
    connect: &ConnectArgs,
    tui: &TuiArgs,
    token_url: Option<String>,
    dialect: Dialect,
    attach: Option<String>,
) -> ExitCode {
    let ui = match user_config::load(tui.config.as_deref(), tui.theme.as_deref()) {
        Ok(u) => u,
        Err(e) => return usage(&e),
    };
    // Problems the user can fix before a screen goes up are printed plainly.
    let initial = match setup::initial_session(connect) {
        Ok(s) => s,
        Err(e) => return usage(&e.0),
    };
    if !connect.mock && token_url.is_none() {
        let key = std::env::var(&connect.api_key_env).unwrap_or_default();
        if key.trim().is_empty() {
            return usage(&format!(
                "{}\n(or run `rtconsole --mock` to try the TUI against the embedded mock server)",
                SignalingError::NoKey
            ));
        }
    }
    let mut endpoint = if connect.mock {
        "mock".to_string()
    } else {
        connect.base_url.clone()
    };
    if let Some(id) = &attach {
        endpoint = format!("sideband {id} @ {endpoint}");
    }
    // A sideband carries events only; a socket session carries its audio in events,
    // which the link converts to and from the same engine as a WebRTC call.
    let no_audio = attach.as_ref().map(|_| {
        "none: a sideband carries events only; the call's audio goes to the peer that made it"
    });
    let setup = LiveSetup {
        connect: connect.clone(),
        tui: tui.clone(),
        token_url,
        dialect,
        session: initial,
        attach,
    };
    let audio_options = AudioOptions {
        input_device: tui.input_device.clone(),
        output_device: tui.output_device.clone(),
        half_duplex: tui.half_duplex,
        input_wav: tui.input.clone(),
        output_wav: tui.output.clone(),
    };
    let session = Session::new(SessionOptions {
        dialect,
        prices: ui.prices,
        stall_after_ms: connect.stall_after_ms(),
    });
    let conn = ConnInfo {
        endpoint,
        session_limit_ms: SESSION_LIMIT_MS,
        ..ConnInfo::default()
    };
    let mut app = App::new(session, ui.keymap, ui.theme, conn, cwd());
    if let Some(why) = no_audio {
        app.audio.input = why.to_string();
        app.audio.output = why.to_string();
        return run_screen(app, Some(setup), None);
    }
    run_screen(app, Some(setup), Some(audio_options))
}

/// `rtconsole open RECORDING`: the same panes, read-only.
pub fn run_open(path: &Path, cli: &Cli) -> ExitCode {
    let ui = match user_config::load(cli.tui.config.as_deref(), cli.tui.theme.as_deref()) {
        Ok(u) => u,
        Err(e) => return usage(&e),
    };
    let app = match open_app(path, ui.keymap, ui.theme, ui.prices) {
        Ok(a) => a,
        Err(e) => return usage(&e),
    };
    run_screen(app, None, None)
}

/// The app over a recording, every event fed through the core as it was recorded.
pub fn open_app(
    path: &Path,
    keymap: keymap::Keymap,
    theme: theme::Theme,
    prices: PriceTable,
) -> Result<App, String> {
    let rec = open_recording_spooled(path).map_err(|e| e.to_string())?;
    let mut session = Session::new(SessionOptions {
        dialect: rec.header.dialect,
        prices,
        // A recording already holds the stall notes the live session wrote.
        stall_after_ms: None,
    });
    for input in rec.inputs() {
        // Read-only: nothing is sent, whatever the effects say.
        let _ = session.handle(input);
    }
    let conn = ConnInfo {
        endpoint: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string()),
        call_id: rec.header.call_id.clone(),
        session_limit_ms: SESSION_LIMIT_MS,
        read_only: true,
        ..ConnInfo::default()
    };
    let mut app = App::new(session, keymap, theme, conn, cwd());
    let notice = match rec.warnings.len() {
        0 => format!(
            "read-only: {} events from {}",
            rec.entries.len(),
            path.display()
        ),
        n => format!(
            "read-only: {} events; {n} line(s) skipped: {}",
            rec.entries.len(),
            rec.warnings[0]
        ),
    };
    let level = if rec.warnings.is_empty() {
        NoticeLevel::Info
    } else {
        NoticeLevel::Warning
    };
    app.set_notice(level, notice);
    Ok(app)
}

fn run_screen(mut app: App, setup: Option<LiveSetup>, audio: Option<AudioOptions>) -> ExitCode {
    // Raw mode on a pipe fails with an obscure OS error; say what to do instead.
    if let Some(message) = not_a_terminal(
        std::io::stdin().is_terminal(),
        std::io::stdout().is_terminal(),
    ) {
        return usage(&message);
    }
    let log = crate::logging::init_tui();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => return usage(&format!("cannot start the async runtime: {e}")),
    };
    let result = runtime.block_on(async {
        // Devices are probed before the screen goes up; the engine keeps alsa-lib's
        // chatter off the terminal.
        let engine = match audio.map(AudioEngine::start) {
            Some(Ok(e)) => Some(e),
            Some(Err(e)) => {
                return Err(std::io::Error::other(format!(
                    "audio: {e} (see `rtconsole devices`; without --input-device/--output-device rtconsole runs text-only when no device works)"
                )))
            }
            None => None,
        };
        let mut guard = TerminalGuard::enter()?;
        let r = run_ui(
            &mut guard.terminal,
            &mut app,
            EventStream::new(),
            setup,
            engine,
            Hooks::default(),
        )
        .await;
        drop(guard);
        r
    });
    // Background tasks (webrtc's) must not hold the exit.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(ended) => {
            if let Some(r) = &app.conn.recording {
                eprintln!("rtconsole: the session is recorded in {r}");
            }
            if app.conn.read_only {
                return ExitCode::SUCCESS;
            }
            eprint!("{}", crate::session::report::render(&app.session));
            match ended {
                Ended::Quit => ExitCode::SUCCESS,
                Ended::Signal(s) => {
                    eprintln!("rtconsole: stopped by {}", s.name());
                    ExitCode::from(s.exit_code())
                }
            }
        }
        Err(e) => {
            let hint = log
                .map(|p| format!(" (log: {})", p.display()))
                .unwrap_or_default();
            eprintln!("rtconsole: the terminal failed: {e}{hint}");
            ExitCode::from(1)
        }
    }
}

/// Why the full-screen TUI cannot start, when stdin or stdout is not a terminal.
pub fn not_a_terminal(stdin_tty: bool, stdout_tty: bool) -> Option<String> {
    let which = match (stdin_tty, stdout_tty) {
        (true, true) => return None,
        (false, true) => "standard input is",
        (true, false) => "standard output is",
        (false, false) => "standard input and output are",
    };
    Some(format!(
        "the TUI needs a terminal, and {which} not one (a pipe, a file or CI). \
         For scripts and CI use `rtconsole run SCRIPT` (add --mock for the embedded mock): \
         events as JSONL on stdout, exit status 1 when an expectation fails"
    ))
}

fn usage(message: &str) -> ExitCode {
    eprintln!("rtconsole: {message}");
    ExitCode::from(USAGE)
}

fn cwd() -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."))
}

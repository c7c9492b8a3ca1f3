//! The full-screen front-end: ratatui panes over the core `Session`, live over
//! WebRTC (`rtconsole`, `rtconsole --mock`) or read-only over a recording
//! (`rtconsole open`). Presentation only: every event goes through the core.

pub mod app;
pub mod clipboard;
pub mod help;
pub mod keymap;
pub mod layout;
pub mod live;
pub mod logging;
pub mod pane;
pub mod panes;
pub mod recorder;
pub mod replay;
pub mod session_link;
pub mod shortcuts;
pub mod terminal;
pub mod text;
pub mod theme;
pub mod user_config;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crossterm::event::EventStream;

use crate::audio::engine::{AudioEngine, AudioOptions};
use crate::cli::Cli;
use crate::headless::setup;
use crate::recording::open_recording;
use crate::session::{NoticeLevel, PriceTable, Session, SessionOptions};
use crate::transport::signaling::SignalingError;
use app::App;
use live::{run_ui, Hooks, LiveSetup};
use pane::ConnInfo;
use terminal::TerminalGuard;

/// The API ends sessions after 60 minutes.
pub const SESSION_LIMIT_MS: u64 = 60 * 60 * 1000;

/// Usage problems exit with 2, like `run`.
const USAGE: u8 = 2;

/// `rtconsole` and `rtconsole --mock`.
pub fn run_live(cli: &Cli) -> ExitCode {
    let ui = match user_config::load(cli.tui.config.as_deref(), cli.tui.theme.as_deref()) {
        Ok(u) => u,
        Err(e) => return usage(&e),
    };
    // Problems the user can fix before a screen goes up are printed plainly.
    if let Err(e) = setup::initial_session(&cli.connect) {
        return usage(&e.0);
    }
    if !cli.connect.mock && cli.token_url.is_none() {
        let key = std::env::var(&cli.connect.api_key_env).unwrap_or_default();
        if key.trim().is_empty() {
            return usage(&format!(
                "{}\n(or run `rtconsole --mock` to try the TUI against the embedded mock server)",
                SignalingError::NoKey
            ));
        }
    }
    let endpoint = if cli.connect.mock {
        "mock".to_string()
    } else {
        cli.connect.base_url.clone()
    };
    let setup = LiveSetup {
        connect: cli.connect.clone(),
        tui: cli.tui.clone(),
        token_url: cli.token_url.clone(),
        dialect: cli.dialect,
    };
    let audio_options = AudioOptions {
        input_device: cli.tui.input_device.clone(),
        output_device: cli.tui.output_device.clone(),
        half_duplex: cli.tui.half_duplex,
        input_wav: cli.tui.input.clone(),
        output_wav: cli.tui.output.clone(),
    };
    let session = Session::new(SessionOptions {
        dialect: cli.dialect,
        prices: ui.prices,
    });
    let conn = ConnInfo {
        endpoint,
        session_limit_ms: SESSION_LIMIT_MS,
        ..ConnInfo::default()
    };
    let app = App::new(session, ui.keymap, ui.theme, conn, cwd());
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
    let rec = open_recording(path).map_err(|e| e.to_string())?;
    let mut session = Session::new(SessionOptions {
        dialect: rec.header.dialect,
        prices,
    });
    for input in rec.inputs() {
        session.handle(input);
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
    let log = logging::init_file_logging();
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
        Ok(()) => {
            if let Some(r) = &app.conn.recording {
                eprintln!("rtconsole: the session is recorded in {r}");
            }
            ExitCode::SUCCESS
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

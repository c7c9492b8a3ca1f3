//! `rtconsole proxy` without `--headless`: the TUI over the relayed app's session.
//! The proxy's events reach the usual live loop through a relay link
//! ([`Link::relay`]); every pane works as for a session of our own, and what the
//! composer sends is injected on the app's connection.

use std::io::{self, IsTerminal};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use crossterm::event::EventStream;

use super::output::ProxyOutput;
use super::{create_record_dir, Relaying};
use crate::audio::meter::Meters;
use crate::cli::ProxyArgs;
use crate::protocol::redact::redact_text;
use crate::protocol::Dialect;
use crate::session::{Session, SessionOptions, DEFAULT_STALL_AFTER_MS};
use crate::transport::link::{Clock, Link, RelayOptions, RelayRecorder};
use crate::transport::proxy::Proxy;
use crate::tui::app::App;
use crate::tui::live::{run_ui_on, Edge, Ended, Hooks};
use crate::tui::pane::{ConnInfo, RelayInfo};
use crate::tui::terminal::TerminalGuard;
use crate::tui::user_config::{self, UiConfig};
use crate::tui::{not_a_terminal, SESSION_LIMIT_MS};

/// What the audio pane says: the proxy plays nothing itself; the meters show a
/// relayed call's levels (mic: the app's, speaker: the API's).
const RELAYED_AUDIO: &str = "the app's own (a relayed call's levels show here)";

pub fn run(args: &ProxyArgs, dialect: Dialect) -> ExitCode {
    if let Some(message) = not_a_terminal(io::stdin().is_terminal(), io::stdout().is_terminal()) {
        return usage(&format!(
            "{message}\nfix: `rtconsole proxy --headless` prints the relayed events as JSONL instead"
        ));
    }
    if args.upstream == "mock" && args.mock_key.is_none() {
        // The app needs the mock's key, and the TUI never shows a key.
        return usage(
            "with --upstream mock the TUI needs the key your app will use, and it never shows keys on screen\nfix: choose it with --mock-key KEY (or RTCONSOLE_MOCK_KEY) and give the same key to your app, or use --headless, which prints the mock's random key",
        );
    }
    let ui = match user_config::load(None, None) {
        Ok(u) => u,
        Err(e) => return usage(&e),
    };
    if let Err(code) = create_record_dir(args) {
        return code;
    }
    // A log on the terminal would tear the screen: the TUI's log file instead.
    let log = crate::logging::init_tui();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => return usage(&format!("cannot start the async runtime: {e}")),
    };
    let result = runtime.block_on(async {
        let mut relaying = Relaying::start(args, dialect)
            .await
            .map_err(Failed::Start)?;
        let breakpoints = relaying.proxy.breakpoints();
        for bp in &args.breakpoints {
            breakpoints.add(bp.clone());
        }
        let (mut app, edge) = relay_view(
            &mut relaying.proxy,
            &relaying.upstream,
            args.upstream == "mock",
            args.record.as_deref(),
            ui,
            dialect,
        );
        let ended = async {
            let mut guard = TerminalGuard::enter()?;
            let r = run_ui_on(
                &mut guard.terminal,
                &mut app,
                EventStream::new(),
                Some(edge),
                None,
                Hooks::default(),
            )
            .await;
            drop(guard);
            r
        }
        .await;
        relaying.stop().await;
        let ended = ended.map_err(Failed::Terminal)?;
        Ok((ended, app))
    });
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok((ended, app)) => {
            if let Some(dir) = &args.record {
                eprintln!(
                    "rtconsole proxy: one recording per connection in {}",
                    dir.display()
                );
            }
            eprint!("{}", crate::session::report::render(&app.session));
            match ended {
                Ended::Quit => ExitCode::SUCCESS,
                Ended::Signal(s) => {
                    eprintln!("rtconsole proxy: stopped by {}", s.name());
                    ExitCode::from(s.exit_code())
                }
            }
        }
        Err(Failed::Start(e)) => usage(&e),
        Err(Failed::Terminal(e)) => {
            let hint = log
                .map(|p| format!(" (log: {})", p.display()))
                .unwrap_or_default();
            eprintln!("rtconsole proxy: the terminal failed: {e}{hint}");
            ExitCode::from(1)
        }
    }
}

enum Failed {
    Start(String),
    Terminal(io::Error),
}

/// The app and the relay link for a running proxy: what `run` puts on the
/// terminal, and what tests drive with a test backend. `record` writes one
/// recording per connection, with the same code as `--headless --record`.
pub fn relay_view(
    proxy: &mut Proxy,
    upstream: &str,
    upstream_is_mock: bool,
    record: Option<&Path>,
    ui: UiConfig,
    dialect: Dialect,
) -> (App, Edge) {
    let events = proxy
        .take_events()
        .expect("the proxy's events are taken once");
    let base_url = proxy.base_url();
    let recorder = record.map(|dir| {
        let out = ProxyOutput::new(io::sink(), upstream, dialect, Some(dir.to_path_buf()));
        Box::new(out) as Box<dyn RelayRecorder>
    });
    let clock = Clock::start();
    let meters = Arc::new(Meters::default());
    let (link, events) = Link::relay(
        clock,
        RelayOptions {
            events,
            injector: proxy.injector(),
            base_url: base_url.clone(),
            recorder,
            breakpoints: proxy.breakpoints(),
            meters: meters.clone(),
        },
    );
    let mut session = Session::new(SessionOptions {
        dialect,
        prices: ui.prices,
        stall_after_ms: Some(DEFAULT_STALL_AFTER_MS),
    });
    session.set_relayed(true);
    let upstream_label = if upstream_is_mock {
        "mock".to_string()
    } else {
        redact_text(upstream).into_owned()
    };
    let conn = ConnInfo {
        endpoint: format!("relaying to {upstream_label}"),
        session_limit_ms: SESSION_LIMIT_MS,
        recording: record.map(|d| d.display().to_string()),
        relay: Some(RelayInfo {
            base_url,
            conn: None,
        }),
        ..ConnInfo::default()
    };
    let save_dir = std::env::current_dir().unwrap_or_else(|_| ".".into());
    let mut app = App::new(session, ui.keymap, ui.theme, conn, save_dir);
    app.audio.input = RELAYED_AUDIO.to_string();
    app.audio.output = RELAYED_AUDIO.to_string();
    app.meters = Some(meters);
    let edge = Edge::Started {
        clock,
        link,
        events,
        dialect,
    };
    (app, edge)
}

fn usage(message: &str) -> ExitCode {
    eprintln!("rtconsole proxy: {message}");
    ExitCode::from(2)
}

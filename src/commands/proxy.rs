//! `rtconsole proxy`: relay an app's sessions and show them: in the TUI (see
//! [`screen`]), or with `--headless` printed as JSONL, with the client events typed
//! on stdin injected.

use std::io::{self, BufRead};
use std::process::ExitCode;

use tokio::sync::mpsc;

use crate::cli::ProxyArgs;
use crate::mock::{MockConfig, MockServer};
use crate::protocol::redact::redact_text;
use crate::protocol::Dialect;
use crate::signals::StopSignals;
use crate::transport::proxy::{Proxy, ProxyConfig};

pub mod output;
pub mod screen;
pub mod typed;

use output::ProxyOutput;

pub fn run(args: &ProxyArgs, dialect: Dialect) -> ExitCode {
    if !args.headless {
        return screen::run(args, dialect);
    }
    if let Err(e) = crate::logging::init_cli(args.log_file.as_deref()) {
        eprintln!("rtconsole proxy: {e}");
        return ExitCode::from(2);
    }
    if let Err(code) = create_record_dir(args) {
        return code;
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rtconsole proxy: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let code = runtime.block_on(serve(args, dialect));
    // The stdin thread may be blocked in a read; it ends with the process.
    runtime.shutdown_background();
    code
}

/// `--record DIR` exists before anything is relayed, or the proxy does not start.
fn create_record_dir(args: &ProxyArgs) -> Result<(), ExitCode> {
    if let Some(dir) = &args.record {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!(
                "rtconsole proxy: cannot create the recording directory {}: {e}",
                dir.display()
            );
            return Err(ExitCode::from(2));
        }
    }
    Ok(())
}

/// A proxy listening, and the mock it relays to when `--upstream mock`.
struct Relaying {
    proxy: Proxy,
    mock: Option<MockServer>,
    /// The upstream's base URL (the mock's when it is the mock).
    upstream: String,
}

impl Relaying {
    async fn start(args: &ProxyArgs, dialect: Dialect) -> Result<Relaying, String> {
        let mock = if args.upstream == "mock" {
            let config = MockConfig {
                dialect,
                key: args.mock_key.clone(),
                ..MockConfig::default()
            };
            let m = MockServer::start(config)
                .await
                .map_err(|e| format!("cannot start the mock: {e}"))?;
            Some(m)
        } else {
            None
        };
        let upstream = match &mock {
            Some(m) => m.base_url(),
            None => args.upstream.clone(),
        };
        let config = ProxyConfig {
            listen: args.listen,
            upstream: upstream.clone(),
            open_timeout: args.open_timeout,
        };
        match Proxy::start(config).await {
            Ok(proxy) => Ok(Relaying {
                proxy,
                mock,
                upstream,
            }),
            Err(e) => {
                if let Some(m) = mock {
                    m.shutdown().await;
                }
                Err(e.0)
            }
        }
    }

    async fn stop(self) {
        self.proxy.shutdown().await;
        if let Some(m) = self.mock {
            m.shutdown().await;
        }
    }
}

async fn serve(args: &ProxyArgs, dialect: Dialect) -> ExitCode {
    let mut relaying = match Relaying::start(args, dialect).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rtconsole proxy: {e}");
            return ExitCode::from(2);
        }
    };
    let upstream = relaying.upstream.clone();
    // Listening before the URL is printed: whoever saw it may stop us.
    let mut signals = StopSignals::listen();
    let mut events = relaying.proxy.take_events().expect("events are taken once");
    eprintln!("proxy: relaying to {}", redact_text(&upstream));
    if let (Some(m), None) = (&relaying.mock, &args.mock_key) {
        // Printed on purpose, as `rtconsole mock` does: it opens only this local
        // mock, and the app needs it. A key given with --mock-key is never printed.
        eprintln!(
            "proxy: the mock's standard key (give it to your app): {}",
            m.key()
        );
    }
    eprintln!("proxy: point your app at {}", relaying.proxy.base_url());
    let breakpoints = relaying.proxy.breakpoints();
    for bp in &args.breakpoints {
        breakpoints.add(bp.clone());
        eprintln!("proxy: breakpoint set on {bp}");
    }
    eprintln!("proxy: {}", typed::COMMANDS_HELP);
    let mut typed = read_stdin_lines();
    let injector = relaying.proxy.injector();
    let mut out = ProxyOutput::new(io::stdout().lock(), &upstream, dialect, args.record.clone());
    let mut stdin_open = true;
    let code = loop {
        tokio::select! {
            event = events.recv() => {
                let Some(event) = event else { break ExitCode::SUCCESS };
                let written = out.handle(&event);
                for message in out.take_messages() {
                    eprintln!("{message}");
                }
                if let Err(e) = written {
                    if e.kind() != io::ErrorKind::BrokenPipe {
                        eprintln!("rtconsole proxy: cannot write to stdout: {e}");
                        break ExitCode::from(2);
                    }
                    break ExitCode::SUCCESS;
                }
            }
            line = typed.recv(), if stdin_open => match line {
                Some(line) => {
                    if let Some(said) = typed::handle_line(&line, dialect, &injector, &breakpoints) {
                        eprintln!("{said}");
                    }
                }
                None => stdin_open = false,
            },
            stop = signals.recv() => {
                tracing::debug!("proxy: stopping on {}", stop.name());
                break ExitCode::SUCCESS;
            }
        }
    };
    drop(out);
    relaying.stop().await;
    code
}

/// Lines typed on stdin, read on a thread of their own: a blocking read must not
/// hold up the runtime when the proxy stops.
fn read_stdin_lines() -> mpsc::UnboundedReceiver<String> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in io::stdin().lock().lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

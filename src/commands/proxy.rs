//! `rtconsole proxy --headless`: relay an app's sessions, print them as JSONL, and
//! inject the client events typed on stdin.

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
pub mod typed;

use output::ProxyOutput;

pub fn run(args: &ProxyArgs, dialect: Dialect) -> ExitCode {
    if !args.headless {
        eprintln!(
            "rtconsole proxy: the proxy's TUI view is not built yet\nfix: add --headless to print the relayed events as JSONL on stdout (and type events on stdin to inject them)"
        );
        return ExitCode::from(2);
    }
    if let Err(e) = crate::logging::init_cli(args.log_file.as_deref()) {
        eprintln!("rtconsole proxy: {e}");
        return ExitCode::from(2);
    }
    if let Some(dir) = &args.record {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!(
                "rtconsole proxy: cannot create the recording directory {}: {e}",
                dir.display()
            );
            return ExitCode::from(2);
        }
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

async fn serve(args: &ProxyArgs, dialect: Dialect) -> ExitCode {
    let mock = if args.upstream == "mock" {
        let config = MockConfig {
            dialect,
            key: args.mock_key.clone(),
            ..MockConfig::default()
        };
        match MockServer::start(config).await {
            Ok(m) => Some(m),
            Err(e) => {
                eprintln!("rtconsole proxy: cannot start the mock: {e}");
                return ExitCode::from(2);
            }
        }
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
    let mut proxy = match Proxy::start(config).await {
        Ok(p) => p,
        Err(e) => {
            eprintln!("rtconsole proxy: {}", e.0);
            if let Some(m) = mock {
                m.shutdown().await;
            }
            return ExitCode::from(2);
        }
    };
    // Listening before the URL is printed: whoever saw it may stop us.
    let mut signals = StopSignals::listen();
    let mut events = proxy.take_events().expect("events are taken once");
    eprintln!("proxy: relaying to {}", redact_text(&upstream));
    if let (Some(m), None) = (&mock, &args.mock_key) {
        // Printed on purpose, as `rtconsole mock` does: it opens only this local
        // mock, and the app needs it. A key given with --mock-key is never printed.
        eprintln!(
            "proxy: the mock's standard key (give it to your app): {}",
            m.key()
        );
    }
    eprintln!("proxy: point your app at {}", proxy.base_url());
    let breakpoints = proxy.breakpoints();
    for bp in &args.breakpoints {
        breakpoints.add(bp.clone());
        eprintln!("proxy: breakpoint set on {bp}");
    }
    eprintln!("proxy: {}", typed::COMMANDS_HELP);
    let mut typed = read_stdin_lines();
    let injector = proxy.injector();
    let mut out = ProxyOutput::new(io::stdout().lock(), &upstream, dialect, args.record.clone());
    let mut stdin_open = true;
    let code = loop {
        tokio::select! {
            event = events.recv() => {
                let Some(event) = event else { break ExitCode::SUCCESS };
                if let Err(e) = out.handle(&event) {
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
    proxy.shutdown().await;
    if let Some(m) = mock {
        m.shutdown().await;
    }
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

//! `rtconsole mock`: serve the mock on a port until interrupted.

use std::process::ExitCode;
use std::sync::Arc;

use crate::cli::MockArgs;
use crate::mock::scenario::Scenario;
use crate::mock::{MockConfig, MockServer};
use crate::protocol::Dialect;
use crate::signals::StopSignals;

pub fn run(args: &MockArgs, dialect: Dialect) -> ExitCode {
    if let Err(e) = crate::logging::init_cli(args.log_file.as_deref()) {
        eprintln!("rtconsole mock: {e}");
        return ExitCode::from(2);
    }
    let scenario = match &args.scenario {
        Some(path) => match Scenario::load(path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("rtconsole mock: {e}");
                return ExitCode::from(2);
            }
        },
        None => Scenario::default(),
    };
    if let Some(dir) = &args.record {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!(
                "rtconsole mock: cannot create the recording directory {}: {e}",
                dir.display()
            );
            return ExitCode::from(2);
        }
    }
    let config = MockConfig {
        listen: args.listen,
        dialect,
        seed: args.seed.or(scenario.seed).unwrap_or(0),
        scenario: Arc::new(scenario),
        record_dir: args.record.clone(),
        key: args.key.clone(),
        session_limit: args.session_limit,
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rtconsole mock: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(async move {
        let server = match MockServer::start(config).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("rtconsole mock: {e}");
                return ExitCode::from(2);
            }
        };
        // Listening before the URL is printed: a client that saw it may stop us.
        let mut signals = StopSignals::listen();
        // The key is printed on purpose: it only opens this local mock, and clients
        // need it. It is the one secret-shaped string rtconsole ever prints.
        println!("rtconsole mock serving {} ({dialect} dialect)", server.base_url());
        println!("standard key: {}", server.key());
        println!(
            "try: curl -s -X POST {}/realtime/client_secrets -H 'Authorization: Bearer {}' -H 'Content-Type: application/json' -d '{{}}'",
            server.base_url(),
            server.key()
        );
        if let Some(dir) = &args.record {
            println!("recording each call to {}/<call_id>.jsonl", dir.display());
        }
        println!("press Ctrl-C to stop");
        let stop = signals.recv().await;
        tracing::debug!("mock: stopping on {}", stop.name());
        let failures = server.recording_failures();
        server.shutdown().await;
        let failures = failures.load(std::sync::atomic::Ordering::Relaxed);
        if failures > 0 {
            eprintln!(
                "rtconsole mock: {failures} call recording(s) could not be written to {} (see the errors above); free space or choose another --record directory",
                args.record.as_deref().map(|p| p.display().to_string()).unwrap_or_default()
            );
            return ExitCode::from(2);
        }
        ExitCode::SUCCESS
    })
}

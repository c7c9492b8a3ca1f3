//! `rtconsole mock`: serve the mock on a port until interrupted.

use std::process::ExitCode;
use std::sync::Arc;

use crate::cli::MockArgs;
use crate::mock::scenario::Scenario;
use crate::mock::{MockConfig, MockServer};
use crate::protocol::Dialect;

pub fn run(args: &MockArgs, dialect: Dialect) -> ExitCode {
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
        wait_for_stop().await;
        server.shutdown().await;
        ExitCode::SUCCESS
    })
}

async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

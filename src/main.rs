use std::process::ExitCode;

use clap::Parser;
use rtconsole::cli::{not_built, Cli, Cmd};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let message = match &cli.command {
        None if cli.mock => not_built("the TUI against the embedded mock (`rtconsole --mock`)", 5),
        None => not_built("the TUI (`rtconsole`)", 5),
        Some(Cmd::Run(args)) => {
            return rtconsole::headless::run(args, cli.token_url.as_deref(), cli.dialect)
        }
        Some(Cmd::Mock(args)) => return rtconsole::commands::mock::run(args, cli.dialect),
        Some(Cmd::Open { .. }) => not_built("the recording browser (`rtconsole open`)", 5),
        Some(Cmd::Devices) => not_built("audio device listing (`rtconsole devices`)", 6),
    };
    eprintln!("{message}");
    // 2 = usage/unavailable, the same code `run` will use for usage errors.
    ExitCode::from(2)
}

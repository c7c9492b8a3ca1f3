use std::process::ExitCode;

use clap::Parser;
use rtconsole::cli::{Cli, Cmd};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        None => rtconsole::tui::run_live(&cli),
        Some(Cmd::Run(args)) => {
            rtconsole::headless::run(args, cli.token_url.as_deref(), cli.dialect)
        }
        Some(Cmd::Mock(args)) => rtconsole::commands::mock::run(args, cli.dialect),
        Some(Cmd::Open { recording }) => rtconsole::tui::run_open(recording, &cli),
        Some(Cmd::Devices) => rtconsole::commands::devices::run(),
        Some(Cmd::Attach(args)) => rtconsole::tui::run_attach(args, &cli),
    }
}

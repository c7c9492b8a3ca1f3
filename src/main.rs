use std::io;
use std::process::ExitCode;

use clap::Parser;
use rtconsole::cli::{Cli, Cmd};
use rtconsole::commands;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        None => rtconsole::tui::run_live(&cli),
        Some(Cmd::Run(args)) => {
            rtconsole::headless::run(args, cli.token_url.as_deref(), cli.dialect)
        }
        Some(Cmd::Mock(args)) => commands::mock::run(args, cli.dialect),
        Some(Cmd::Open { recording }) => rtconsole::tui::run_open(recording, &cli),
        Some(Cmd::Devices) => commands::devices::run(),
        Some(Cmd::Attach(args)) => rtconsole::tui::run_attach(args, &cli),
        Some(Cmd::Proxy(args)) => commands::proxy::run(args, cli.dialect),
        Some(Cmd::Completions { shell }) => report(commands::completions::write_completions(
            *shell,
            &mut io::stdout(),
        )),
        Some(Cmd::Man { subcommand }) => report(commands::completions::write_man(
            subcommand.as_deref(),
            &mut io::stdout(),
        )),
        Some(Cmd::Config) => report(commands::config::run(&cli, &mut io::stdout())),
    }
}

/// The end of a command that returns `anyhow` errors: the message with its causes
/// (`rtconsole: loading the configuration: config.toml: unknown field …`), exit 2.
/// A closed pipe (`rtconsole man | head`) is no error.
fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<io::Error>()
                    .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("rtconsole: {e:#}");
            ExitCode::from(2)
        }
    }
}

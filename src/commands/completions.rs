//! `rtconsole completions SHELL` and `rtconsole man`: generated from the clap
//! definition of the command line, so they never fall behind it.

use std::io::Write;

use anyhow::Context;
use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;

/// Writes the completion script for `shell`.
pub fn write_completions(shell: Shell, out: &mut impl Write) -> anyhow::Result<()> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "rtconsole", &mut buf);
    out.write_all(&buf)
        .and_then(|_| out.flush())
        .with_context(|| format!("writing the {shell} completions"))
}

/// The subcommands that have a page of their own, `rtconsole-NAME(1)`.
pub fn man_subcommands() -> Vec<String> {
    man_command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
}

/// The command line as the man pages show it: built (so subcommands are named
/// `rtconsole-run`), without clap's `help` subcommand, which has no page.
fn man_command() -> clap::Command {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// Writes rtconsole(1), or with `subcommand` rtconsole-SUBCOMMAND(1), in roff.
pub fn write_man(subcommand: Option<&str>, out: &mut impl Write) -> anyhow::Result<()> {
    let cmd = man_command();
    let page = match subcommand {
        None => cmd,
        Some(name) => cmd.find_subcommand(name).cloned().ok_or_else(|| {
            anyhow::anyhow!(
                "no subcommand {name:?}; the pages are rtconsole and rtconsole-NAME for NAME in {}",
                man_subcommands().join(", ")
            )
        })?,
    };
    let mut buf = Vec::new();
    clap_mangen::Man::new(page)
        .source(concat!("rtconsole ", env!("CARGO_PKG_VERSION")))
        .render(&mut buf)
        .context("rendering the man page")?;
    out.write_all(&buf)
        .and_then(|_| out.flush())
        .context("writing the man page")
}

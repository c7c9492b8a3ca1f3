//! `rtconsole config`: the configuration the TUI would use (theme, colours, keys,
//! prices), merged from the defaults, the config file, `--theme` and `NO_COLOR`,
//! printed as a valid config.toml with where each part came from.

use std::fmt::Write as _;
use std::io::Write;

use anyhow::Context;

use crate::cli::Cli;
use crate::session::usage::PRICE_FIELDS;
use crate::tui::theme::colour_name;
use crate::tui::user_config::{self, UiConfig};

/// Loads the config as the TUI does and prints it.
pub fn run(cli: &Cli, out: &mut impl Write) -> anyhow::Result<()> {
    let ui = user_config::load(cli.tui.config.as_deref(), cli.tui.theme.as_deref())
        .map_err(anyhow::Error::msg)
        .context("loading the configuration")?;
    let no_color = std::env::var_os("NO_COLOR").filter(|v| !v.is_empty());
    let text = render(&ui, no_color.is_some());
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .context("writing the configuration")
}

/// The configuration as TOML that the config loader reads back.
pub fn render(ui: &UiConfig, no_color: bool) -> String {
    let from_file = match &ui.source {
        Some(p) => format!("   # from {}", p.display()),
        None => String::new(),
    };
    let mark = |set: &[String], name: &str| {
        if set.iter().any(|n| n == name) {
            from_file.as_str()
        } else {
            ""
        }
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# rtconsole {}: the effective configuration of the TUI.",
        crate::cli::VERSION
    );
    let _ = writeln!(
        out,
        "# Defaults, then the config file, then --theme and NO_COLOR. This is a valid"
    );
    let _ = writeln!(out, "# config.toml: keep only what you want to change.");
    let file = match &ui.source {
        Some(p) => p.display().to_string(),
        None => match user_config::default_path() {
            Some(p) => format!("none ({} does not exist: defaults only)", p.display()),
            None => "none (no HOME or XDG_CONFIG_HOME: defaults only)".to_string(),
        },
    };
    let _ = writeln!(out, "#");
    let _ = writeln!(out, "# config file: {file}");
    let _ = writeln!(out, "# theme:       {}", ui.theme_source);
    let _ = writeln!(
        out,
        "# NO_COLOR:    {}",
        if no_color {
            "set (no colours unless a theme is named)"
        } else {
            "not set"
        }
    );
    let _ = writeln!(
        out,
        "# prices:      USD per 1M tokens; as_of says when and where each was taken"
    );
    let _ = writeln!(out);
    match &ui.theme_name {
        Some(name) => {
            let _ = writeln!(out, "theme = {}", quoted(name));
        }
        None => {
            let _ = writeln!(out, "# theme = \"dark\"   (NO_COLOR is set: no colours)");
        }
    }

    let _ = writeln!(out, "\n[colors]");
    for (name, colour) in ui.theme.colours() {
        let _ = writeln!(
            out,
            "{name} = {}{}",
            quoted(&colour_name(colour)),
            mark(&ui.overridden.colors, name)
        );
    }

    let _ = writeln!(
        out,
        "\n[keys]   # pane keys (scrolling, filters, editing) are fixed; `?` lists them"
    );
    for b in ui.keymap.bindings() {
        let keys: Vec<String> = b.keys.iter().map(|k| quoted(&k.config_name())).collect();
        let value = match keys.len() {
            1 => keys[0].clone(),
            _ => format!("[{}]", keys.join(", ")),
        };
        let name = b.action.name();
        let _ = writeln!(out, "{name} = {value}{}", mark(&ui.overridden.keys, name));
    }

    for (model, prices) in &ui.prices.models {
        let _ = writeln!(
            out,
            "\n[prices.models.{}]{}",
            quoted(model),
            mark(&ui.overridden.prices, model)
        );
        for (field, value) in PRICE_FIELDS.iter().zip(prices.fields()) {
            if let Some(v) = value {
                let _ = writeln!(out, "{field} = {v:?}");
            }
        }
        if let Some(as_of) = &prices.as_of {
            let _ = writeln!(out, "as_of = {}", quoted(as_of));
        }
    }
    out
}

/// A TOML basic string.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::user_config::from_text;

    #[test]
    fn the_printed_config_reads_back_as_the_same_config() {
        let text = "theme = \"light\"\n[colors]\nlog_error = \"#ff0000\"\n[keys]\ninterrupt = [\"ctrl-x\", \"f8\"]\ntool_9 = []\n[prices.models.\"gpt-realtime-2\"]\ntext_output = 30\n";
        let ui = from_text(text, "my.toml", None, false).unwrap();
        let printed = render(&ui, false);
        let again = from_text(&printed, "printed", None, false)
            .unwrap_or_else(|e| panic!("{e}\n{printed}"));
        assert_eq!(again.theme, ui.theme);
        assert_eq!(again.keymap, ui.keymap);
        assert_eq!(again.prices.models.len(), ui.prices.models.len());
        for (name, p) in &ui.prices.models {
            assert_eq!(again.prices.models[name].fields(), p.fields(), "{name}");
        }
        assert!(printed.contains("theme = \"light\""), "{printed}");
        assert!(
            printed.contains("interrupt = [\"ctrl-x\", \"f8\"]"),
            "{printed}"
        );
        assert!(printed.contains("tool_9 = []"), "{printed}");
        assert!(printed.contains("text_output = 30.0"), "{printed}");
        assert!(printed.contains("# theme:       light (embedded themes/light.toml)"));
    }

    #[test]
    fn no_color_prints_no_theme_line_to_copy() {
        let ui = from_text("", "x", None, true).unwrap();
        let printed = render(&ui, true);
        assert!(
            printed.contains("# theme = \"dark\"   (NO_COLOR is set"),
            "{printed}"
        );
        assert!(printed.contains("text = \"reset\""), "{printed}");
        assert!(printed.contains("# NO_COLOR:    set"), "{printed}");
    }
}

//! The user config, `~/.config/rtconsole/config.toml` (or `$XDG_CONFIG_HOME`, or
//! `--config FILE`), merged over the embedded defaults. Unknown keys are errors that
//! name the key, so a typo never silently does nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::keymap::Keymap;
use super::theme::{no_color_requested, Theme};
use crate::session::usage::price_error;
use crate::session::PriceTable;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    /// A shipped theme name or a theme file path.
    theme: Option<String>,
    /// Single colours over the chosen theme, by semantic name.
    #[serde(default)]
    colors: BTreeMap<String, String>,
    /// Keys by action name: `response_create = "ctrl-g"` or a list.
    #[serde(default)]
    keys: BTreeMap<String, toml::Value>,
    /// Prices over the shipped table: `[prices.models."name"] text_input = 4`.
    prices: Option<toml::Value>,
}

/// What the TUI uses after merging defaults, the config file and the command line.
#[derive(Debug, Clone)]
pub struct UiConfig {
    pub theme: Theme,
    pub keymap: Keymap,
    /// The shipped price table with the config's `[prices]` over it.
    pub prices: PriceTable,
    /// The file read, if any, for messages.
    pub source: Option<PathBuf>,
    /// The theme asked for (a shipped name or a file); `None` under `NO_COLOR`.
    pub theme_name: Option<String>,
    /// Where the theme came from: `dark (embedded themes/dark.toml)`, a file, or
    /// `none (NO_COLOR is set)`.
    pub theme_source: String,
    /// The names the config file set, for `rtconsole config`.
    pub overridden: Overridden,
}

/// What the config file changed: colour names, action names, model names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overridden {
    pub colors: Vec<String>,
    pub keys: Vec<String>,
    pub prices: Vec<String>,
}

/// The default location, when a home is known.
pub fn default_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("rtconsole/config.toml"));
    }
    std::env::var_os("HOME")
        .filter(|d| !d.is_empty())
        .map(|h| PathBuf::from(h).join(".config/rtconsole/config.toml"))
}

/// Loads the config. `explicit` (from `--config`) must exist; the default path may
/// be absent. `theme_flag` (`--theme`) wins over the file's `theme`; `NO_COLOR`
/// gives a colourless theme unless one of them names a theme.
pub fn load(explicit: Option<&Path>, theme_flag: Option<&str>) -> Result<UiConfig, String> {
    let (text, source) = match explicit {
        Some(p) => (
            Some(
                std::fs::read_to_string(p)
                    .map_err(|e| format!("cannot read --config {}: {e}", p.display()))?,
            ),
            Some(p.to_path_buf()),
        ),
        None => match default_path() {
            Some(p) if p.exists() => (
                Some(
                    std::fs::read_to_string(&p)
                        .map_err(|e| format!("cannot read the config {}: {e}", p.display()))?,
                ),
                Some(p),
            ),
            _ => (None, None),
        },
    };
    let name = source
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let no_color = no_color_requested(std::env::var_os("NO_COLOR").as_deref());
    from_text(text.as_deref().unwrap_or(""), &name, theme_flag, no_color).map(|mut c| {
        c.source = source;
        c
    })
}

/// The merge, on text, for tests and for `load`.
pub fn from_text(
    text: &str,
    name: &str,
    theme_flag: Option<&str>,
    no_color: bool,
) -> Result<UiConfig, String> {
    let file: ConfigFile = toml::from_str(text).map_err(|e| {
        format!(
            "{name}: {}; the config knows `theme`, [colors], [keys] and [prices] (see README \"Configuration\")",
            e.message().trim_end()
        )
    })?;
    // NO_COLOR asks for no colour unless the user names a theme here or on the
    // command line (no-color.org: configuration and flags override it).
    let asked = theme_flag.or(file.theme.as_deref());
    let (mut theme, theme_name, theme_source) = match asked {
        None if no_color => (
            Theme::no_color(),
            None,
            "none (NO_COLOR is set)".to_string(),
        ),
        _ => {
            let theme_name = asked.unwrap_or("dark");
            let theme = Theme::named_or_file(theme_name).map_err(|e| e.to_string())?;
            let from = if super::theme::SHIPPED.iter().any(|(n, _)| *n == theme_name) {
                format!("{theme_name} (embedded themes/{theme_name}.toml)")
            } else {
                format!("{theme_name} (over the embedded dark theme)")
            };
            (theme, Some(theme_name.to_string()), from)
        }
    };
    theme
        .apply_table(&file.colors, &format!("{name} [colors]"))
        .map_err(|e| e.to_string())?;
    let mut keymap = Keymap::default();
    keymap
        .apply_overrides(&file.keys)
        .map_err(|e| format!("{name}: {e}"))?;
    let mut prices = PriceTable::default();
    let mut priced = Vec::new();
    if let Some(value) = file.prices {
        let over: PriceTable = value
            .try_into()
            .map_err(|e: toml::de::Error| format!("{name}: {}", price_error(e.message())))?;
        priced = over.models.keys().cloned().collect();
        prices.merge(&over);
    }
    Ok(UiConfig {
        theme,
        keymap,
        prices,
        source: None,
        theme_name,
        theme_source,
        overridden: Overridden {
            colors: file.colors.keys().cloned().collect(),
            keys: file.keys.keys().cloned().collect(),
            prices: priced,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keymap::Action;

    #[test]
    fn an_empty_config_is_the_defaults() {
        let c = from_text("", "config.toml", None, false).unwrap();
        assert_eq!(c.theme, Theme::default());
        assert_eq!(c.keymap, Keymap::default());
    }

    #[test]
    fn theme_colours_and_keys_merge_and_the_flag_wins() {
        let text = "theme = \"light\"\n[colors]\nlog_error = \"#ff0000\"\n[keys]\nresponse_create = \"ctrl-g\"\n";
        let c = from_text(text, "config.toml", None, false).unwrap();
        assert_eq!(c.theme.log_error, ratatui::style::Color::Rgb(255, 0, 0));
        assert_eq!(c.theme.text, Theme::shipped("light").unwrap().text);
        assert_eq!(c.keymap.keys_of(Action::ResponseCreate), "Ctrl-G");
        let c = from_text(text, "config.toml", Some("high-contrast"), false).unwrap();
        assert_eq!(c.theme.text, Theme::shipped("high-contrast").unwrap().text);
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = from_text("colour = \"dark\"", "config.toml", None, false).unwrap_err();
        assert!(err.contains("unknown field `colour`"), "{err}");
        let err = from_text("[keys]\nrespond = \"f12\"", "config.toml", None, false).unwrap_err();
        assert!(err.contains("unknown action `respond`"), "{err}");
        let err = from_text("[colors]\nlog_err = \"red\"", "config.toml", None, false).unwrap_err();
        assert!(err.contains("unknown colour name `log_err`"), "{err}");
    }

    #[test]
    fn prices_override_the_shipped_table_and_refuse_typos() {
        let text = "[prices.models.\"gpt-realtime-2\"]\ntext_output = 30\n\
                    [prices.models.\"my-model\"]\ntext_input = 1\ntext_output = 2\n";
        let c = from_text(text, "config.toml", None, false).unwrap();
        let p = c.prices.lookup("gpt-realtime-2").unwrap();
        assert_eq!(p.text_output, Some(30.0));
        assert_eq!(p.audio_output, Some(64.0));
        assert_eq!(c.prices.lookup("my-model").unwrap().text_input, Some(1.0));
        assert_eq!(c.overridden.prices, ["gpt-realtime-2", "my-model"]);
        let err = from_text(
            "[prices.models.\"gpt-realtime\"]\ntext_ouptut = 1\n",
            "config.toml",
            None,
            false,
        )
        .unwrap_err();
        assert!(
            err.contains("config.toml")
                && err.contains("text_ouptut")
                && err.contains("text_output"),
            "{err}"
        );
        let err =
            from_text("[prices]\ngpt-realtime = 4\n", "config.toml", None, false).unwrap_err();
        assert!(
            err.contains("[prices]") && err.contains("gpt-realtime"),
            "{err}"
        );
    }

    #[test]
    fn no_color_empties_the_theme_unless_a_theme_is_named() {
        let c = from_text("", "config.toml", None, true).unwrap();
        assert_eq!(c.theme, Theme::no_color());
        assert_ne!(c.theme, Theme::default());
        assert!(c.theme_source.contains("NO_COLOR"), "{}", c.theme_source);
        // Config and flags override NO_COLOR (no-color.org).
        let c = from_text("theme = \"light\"", "config.toml", None, true).unwrap();
        assert_eq!(c.theme, Theme::shipped("light").unwrap());
        let c = from_text("", "config.toml", Some("dark"), true).unwrap();
        assert_eq!(c.theme, Theme::default());
        // Single colours from the config still apply over no colour.
        let c = from_text("[colors]\nlog_error = \"red\"", "config.toml", None, true).unwrap();
        assert_eq!(c.theme.log_error, ratatui::style::Color::Red);
        assert_eq!(c.theme.text, ratatui::style::Color::Reset);
    }
}

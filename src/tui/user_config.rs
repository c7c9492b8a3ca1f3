//! The user config, `~/.config/rtconsole/config.toml` (or `$XDG_CONFIG_HOME`, or
//! `--config FILE`), merged over the embedded defaults. Unknown keys are errors that
//! name the key, so a typo never silently does nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::keymap::Keymap;
use super::theme::Theme;

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
}

/// What the TUI uses after merging defaults, the config file and the command line.
#[derive(Debug, Clone)]
pub struct UiConfig {
    pub theme: Theme,
    pub keymap: Keymap,
    /// The file read, if any, for messages.
    pub source: Option<PathBuf>,
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
/// be absent. `theme_flag` (`--theme`) wins over the file's `theme`.
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
    from_text(text.as_deref().unwrap_or(""), &name, theme_flag).map(|mut c| {
        c.source = source;
        c
    })
}

/// The merge, on text, for tests and for `load`.
pub fn from_text(text: &str, name: &str, theme_flag: Option<&str>) -> Result<UiConfig, String> {
    let file: ConfigFile = toml::from_str(text).map_err(|e| {
        format!(
            "{name}: {}; the config knows `theme`, [colors] and [keys] (see README \"Configuration\")",
            e.message()
        )
    })?;
    let theme_name = theme_flag.or(file.theme.as_deref()).unwrap_or("dark");
    let mut theme = Theme::named_or_file(theme_name).map_err(|e| e.to_string())?;
    theme
        .apply_table(&file.colors, &format!("{name} [colors]"))
        .map_err(|e| e.to_string())?;
    let mut keymap = Keymap::default();
    keymap
        .apply_overrides(&file.keys)
        .map_err(|e| format!("{name}: {e}"))?;
    Ok(UiConfig {
        theme,
        keymap,
        source: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keymap::Action;

    #[test]
    fn an_empty_config_is_the_defaults() {
        let c = from_text("", "config.toml", None).unwrap();
        assert_eq!(c.theme, Theme::default());
        assert_eq!(c.keymap, Keymap::default());
    }

    #[test]
    fn theme_colours_and_keys_merge_and_the_flag_wins() {
        let text = "theme = \"light\"\n[colors]\nlog_error = \"#ff0000\"\n[keys]\nresponse_create = \"ctrl-g\"\n";
        let c = from_text(text, "config.toml", None).unwrap();
        assert_eq!(c.theme.log_error, ratatui::style::Color::Rgb(255, 0, 0));
        assert_eq!(c.theme.text, Theme::shipped("light").unwrap().text);
        assert_eq!(c.keymap.keys_of(Action::ResponseCreate), "Ctrl-G");
        let c = from_text(text, "config.toml", Some("high-contrast")).unwrap();
        assert_eq!(c.theme.text, Theme::shipped("high-contrast").unwrap().text);
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = from_text("colour = \"dark\"", "config.toml", None).unwrap_err();
        assert!(err.contains("unknown field `colour`"), "{err}");
        let err = from_text("[keys]\nrespond = \"f12\"", "config.toml", None).unwrap_err();
        assert!(err.contains("unknown action `respond`"), "{err}");
        let err = from_text("[colors]\nlog_err = \"red\"", "config.toml", None).unwrap_err();
        assert!(err.contains("unknown colour name `log_err`"), "{err}");
    }
}

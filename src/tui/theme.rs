//! Themes: semantic colour names read from `themes/*.toml`. Panes ask for
//! `theme.log_error`, never for a colour, so a theme file restyles everything.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};

/// The shipped themes, embedded so the binary works from any directory.
pub const SHIPPED: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

macro_rules! theme_fields {
    ($($name:ident),* $(,)?) => {
        /// Every semantic colour a pane may use.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Theme {
            $(pub $name: Color,)*
        }

        /// The names a theme file must (shipped) or may (overrides) define.
        pub const NAMES: &[&str] = &[$(stringify!($name)),*];

        impl Theme {
            /// Every name with its colour, in [`NAMES`] order.
            pub fn colours(&self) -> Vec<(&'static str, Color)> {
                vec![$((stringify!($name), self.$name)),*]
            }

            fn empty() -> Theme {
                Theme { $($name: Color::Reset,)* }
            }

            fn set(&mut self, name: &str, colour: Color) -> bool {
                match name {
                    $(stringify!($name) => self.$name = colour,)*
                    _ => return false,
                }
                true
            }
        }
    };
}

theme_fields!(
    border,
    border_focused,
    title,
    text,
    text_dim,
    status_bar,
    log_client,
    log_server,
    log_local,
    log_error,
    log_warning,
    log_beta,
    transcript_user,
    transcript_assistant,
    transcript_tool,
    diff_changed,
    diff_dropped,
    meter_low,
    meter_mid,
    meter_high,
    meter_clip,
    vad_mark,
    selection,
    json_key,
    json_string,
    json_number,
    json_literal,
);

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ThemeError {
    #[error(
        "unknown theme {0:?}: use dark, light, high-contrast or the path of a .toml theme file"
    )]
    Unknown(String),
    #[error("cannot read the theme file {path}: {message}")]
    Read { path: String, message: String },
    #[error("theme {source_name}: {message}")]
    Invalid {
        source_name: String,
        message: String,
    },
}

impl Default for Theme {
    fn default() -> Self {
        Theme::shipped("dark").expect("the shipped dark theme is complete")
    }
}

impl Theme {
    /// A shipped theme by name.
    pub fn shipped(name: &str) -> Result<Theme, ThemeError> {
        let text = SHIPPED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
            .ok_or_else(|| ThemeError::Unknown(name.to_string()))?;
        Theme::complete_from_toml(text, name)
    }

    /// `--theme`: a shipped name, or a path to a theme file.
    pub fn named_or_file(spec: &str) -> Result<Theme, ThemeError> {
        if SHIPPED.iter().any(|(n, _)| *n == spec) {
            return Theme::shipped(spec);
        }
        let path = Path::new(spec);
        if spec.ends_with(".toml") || path.exists() {
            let text = std::fs::read_to_string(path).map_err(|e| ThemeError::Read {
                path: spec.to_string(),
                message: e.to_string(),
            })?;
            // A file may define only some names; the rest come from dark.
            let mut theme = Theme::default();
            theme.apply_toml(&text, spec)?;
            return Ok(theme);
        }
        Err(ThemeError::Unknown(spec.to_string()))
    }

    /// A theme that must define every name (the shipped files).
    pub fn complete_from_toml(text: &str, source_name: &str) -> Result<Theme, ThemeError> {
        let table = parse_table(text, source_name)?;
        if let Some(missing) = NAMES.iter().find(|n| !table.contains_key(**n)) {
            return Err(ThemeError::Invalid {
                source_name: source_name.to_string(),
                message: format!(
                    "`{missing}` is not defined; a theme names every colour in {NAMES:?}"
                ),
            });
        }
        let mut theme = Theme::black();
        theme.apply_table(&table, source_name)?;
        Ok(theme)
    }

    /// Overrides: set the names `text` defines, keep the rest.
    pub fn apply_toml(&mut self, text: &str, source_name: &str) -> Result<(), ThemeError> {
        let table = parse_table(text, source_name)?;
        self.apply_table(&table, source_name)
    }

    pub fn apply_table(
        &mut self,
        table: &BTreeMap<String, String>,
        source_name: &str,
    ) -> Result<(), ThemeError> {
        for (name, value) in table {
            let colour = parse_colour(value).ok_or_else(|| ThemeError::Invalid {
                source_name: source_name.to_string(),
                message: format!(
                    "`{name} = {value:?}` is not a colour; use a name like \"light_blue\", \"#rrggbb\" or an index 0..255"
                ),
            })?;
            if !self.set(name, colour) {
                return Err(ThemeError::Invalid {
                    source_name: source_name.to_string(),
                    message: format!("unknown colour name `{name}`; the names are {NAMES:?}"),
                });
            }
        }
        Ok(())
    }

    fn black() -> Theme {
        Theme::empty()
    }

    /// For `NO_COLOR`: every colour is the terminal's own (`reset`), so the screen
    /// carries no colour at all; selections show in reverse video instead.
    pub fn no_color() -> Theme {
        Theme::empty()
    }

    /// The style of a selected row: the theme's selection background, or reverse
    /// video when the theme has no colours.
    pub fn selection_style(&self) -> Style {
        if self.selection == Color::Reset {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().bg(self.selection)
        }
    }
}

fn parse_table(text: &str, source_name: &str) -> Result<BTreeMap<String, String>, ThemeError> {
    toml::from_str(text).map_err(|e| ThemeError::Invalid {
        source_name: source_name.to_string(),
        message: format!("not a table of `name = \"colour\"` lines: {e}"),
    })
}

/// A colour as ratatui's `Color::from_str` reads it: a terminal name (`light_blue`,
/// `dark-gray`), `#rrggbb`, or an index `0`..`255`.
pub fn parse_colour(value: &str) -> Option<Color> {
    Color::from_str(value).ok()
}

/// A colour the way theme files and the config write it: `light_blue`, `#1f2a36`,
/// `42`. [`parse_colour`] reads it back.
pub fn colour_name(colour: Color) -> String {
    let shown = colour.to_string();
    if shown.starts_with('#') {
        return shown.to_ascii_lowercase();
    }
    let mut out = String::new();
    for (i, c) in shown.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// `NO_COLOR` (no-color.org): set and not empty means no colours.
pub fn no_color_requested(value: Option<&std::ffi::OsStr>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_theme_is_complete() {
        for (name, _) in SHIPPED {
            Theme::shipped(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn overrides_change_only_what_they_name_and_refuse_unknown_names() {
        let mut t = Theme::default();
        let before = t.clone();
        t.apply_toml("log_error = \"#ff0000\"", "config").unwrap();
        assert_eq!(t.log_error, Color::Rgb(255, 0, 0));
        assert_eq!(t.log_client, before.log_client);
        let err = t.apply_toml("log_eror = \"red\"", "config").unwrap_err();
        assert!(
            err.to_string().contains("unknown colour name `log_eror`"),
            "{err}"
        );
        let err = t.apply_toml("text = \"chartreuse\"", "config").unwrap_err();
        assert!(err.to_string().contains("is not a colour"), "{err}");
    }

    #[test]
    fn colours_parse_with_ratatui_and_print_back_the_same() {
        assert_eq!(parse_colour("light_blue"), Some(Color::LightBlue));
        assert_eq!(parse_colour("dark-gray"), Some(Color::DarkGray));
        assert_eq!(parse_colour("#1f2a36"), Some(Color::Rgb(0x1f, 0x2a, 0x36)));
        assert_eq!(parse_colour("42"), Some(Color::Indexed(42)));
        assert_eq!(parse_colour("chartreuse"), None);
        assert_eq!(parse_colour("#12345"), None);
        for (name, _) in SHIPPED {
            for (_, c) in Theme::shipped(name).unwrap().colours() {
                assert_eq!(parse_colour(&colour_name(c)), Some(c), "{c:?}");
            }
        }
        assert_eq!(colour_name(Color::LightMagenta), "light_magenta");
        assert_eq!(colour_name(Color::Rgb(0x1f, 0x2a, 0x36)), "#1f2a36");
    }

    #[test]
    fn no_color_has_no_colour_and_selects_in_reverse_video() {
        let t = Theme::no_color();
        assert!(t.colours().iter().all(|(_, c)| *c == Color::Reset));
        assert!(t
            .selection_style()
            .add_modifier
            .contains(Modifier::REVERSED));
        assert_eq!(t.selection_style().bg, None);
        let dark = Theme::default();
        assert_eq!(dark.selection_style().bg, Some(dark.selection));
        assert!(no_color_requested(Some(std::ffi::OsStr::new("1"))));
        assert!(!no_color_requested(Some(std::ffi::OsStr::new(""))));
        assert!(!no_color_requested(None));
    }

    #[test]
    fn an_unknown_theme_name_says_what_exists() {
        let err = Theme::named_or_file("solarized").unwrap_err();
        assert!(err.to_string().contains("dark, light, high-contrast"));
    }
}

//! Shipped theme files parse and define every semantic name panes use.

use std::collections::BTreeMap;
use std::str::FromStr;

/// Every semantic name a pane may use, from the library itself.
const REQUIRED: &[&str] = rtconsole::tui::theme::NAMES;

/// A value a theme may hold: what ratatui's `Color::from_str` reads.
fn is_colour(v: &str) -> bool {
    ratatui::style::Color::from_str(v).is_ok()
}

#[test]
fn every_shipped_theme_parses_and_names_every_semantic_colour() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/themes");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        seen += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        let theme: BTreeMap<String, String> =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for name in REQUIRED {
            let v = theme
                .get(*name)
                .unwrap_or_else(|| panic!("{} lacks {name}", path.display()));
            assert!(
                is_colour(v),
                "{}: {name} = {v:?} is not a colour",
                path.display()
            );
        }
        for key in theme.keys() {
            assert!(
                REQUIRED.contains(&key.as_str()),
                "{}: unknown key {key}",
                path.display()
            );
        }
    }
    assert!(seen >= 1, "no theme shipped");
}

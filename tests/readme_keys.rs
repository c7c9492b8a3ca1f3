//! The README lists every key binding exactly as the keymap (and so the `?` help)
//! defines it, so the two cannot drift apart.

use rtconsole::tui::keymap::{Keymap, PANE_KEYS};

fn expected_rows() -> Vec<String> {
    let km = Keymap::default();
    let mut rows = Vec::new();
    for b in km.bindings() {
        rows.push(format!(
            "| {} | `{}` | {} |",
            b.scope.title(),
            km.keys_of(b.action),
            b.description
        ));
    }
    for (scope, keys, description) in PANE_KEYS {
        rows.push(format!("| {} | `{keys}` | {description} |", scope.title()));
    }
    rows
}

#[test]
fn the_readme_lists_every_binding() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let rows = expected_rows();
    let missing: Vec<&String> = rows
        .iter()
        .filter(|r| !readme.contains(r.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "README.md lacks these key binding rows (the full table is below):\n{}\n\nfull table:\n| where | keys | what |\n|---|---|---|\n{}",
        missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n"),
        rows.join("\n")
    );
}

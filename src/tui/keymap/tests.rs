use super::*;
use crossterm::event::{KeyCode, KeyModifiers};

fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, mods)
}

#[test]
fn defaults_parse_and_do_not_conflict() {
    let km = Keymap::default();
    km.check_conflicts().unwrap();
    assert_eq!(
        km.lookup(&key(KeyCode::Char('c'), KeyModifiers::CONTROL), true),
        Some(Action::Quit)
    );
}

#[test]
fn plain_letters_are_text_while_typing() {
    let km = Keymap::default();
    let q = key(KeyCode::Char('q'), KeyModifiers::NONE);
    assert_eq!(km.lookup(&q, false), Some(Action::QuitPlain));
    assert_eq!(km.lookup(&q, true), None);
    let help = key(KeyCode::Char('?'), KeyModifiers::SHIFT);
    assert_eq!(km.lookup(&help, false), Some(Action::HelpPlain));
}

#[test]
fn overrides_rebind_by_name_and_report_mistakes() {
    let mut km = Keymap::default();
    let table: BTreeMap<String, toml::Value> =
        toml::from_str("response_create = [\"ctrl-g\", \"f12\"]").unwrap();
    km.apply_overrides(&table).unwrap();
    assert_eq!(km.keys_of(Action::ResponseCreate), "Ctrl-G / F12");
    let bad: BTreeMap<String, toml::Value> = toml::from_str("respond = \"f12\"").unwrap();
    assert!(km
        .apply_overrides(&bad)
        .unwrap_err()
        .contains("unknown action `respond`"));
    let clash: BTreeMap<String, toml::Value> = toml::from_str("interrupt = \"ctrl-c\"").unwrap();
    let err = km.apply_overrides(&clash).unwrap_err();
    assert!(err.contains("bound to both"), "{err}");
    let junk: BTreeMap<String, toml::Value> = toml::from_str("quit = \"hyper-q\"").unwrap();
    assert!(km
        .apply_overrides(&junk)
        .unwrap_err()
        .contains("is not a key"));
}

#[test]
fn shift_tab_and_function_keys_round_trip() {
    let s = KeySpec::parse("shift-tab").unwrap();
    assert!(s.matches(&key(KeyCode::BackTab, KeyModifiers::SHIFT)));
    assert_eq!(KeySpec::parse("f10").unwrap().to_string(), "F10");
    assert!(KeySpec::parse("f13").is_err());
}

#[test]
fn config_names_parse_back_to_the_same_key() {
    for text in [
        "ctrl-r",
        "alt-1",
        "f2",
        "shift-tab",
        "q",
        "?",
        "G",
        "space",
        "pageup",
        "pagedown",
        "ctrl-alt-x",
        "esc",
        "enter",
    ] {
        let spec = KeySpec::parse(text).unwrap();
        assert_eq!(KeySpec::parse(&spec.config_name()).unwrap(), spec, "{text}");
    }
    assert_eq!(KeySpec::parse("Ctrl-R").unwrap().config_name(), "ctrl-r");
    for b in Keymap::default().bindings() {
        for k in &b.keys {
            assert_eq!(KeySpec::parse(&k.config_name()).unwrap(), *k);
        }
    }
}

#[test]
fn action_names_are_snake_case_and_read_back() {
    use strum::IntoEnumIterator;
    let names: Vec<&str> = Action::iter().map(Action::name).collect();
    assert_eq!(names[0], "quit");
    assert!(names.contains(&"cycle_turn_detection"));
    assert!(names.contains(&"tool_1") && names.contains(&"tool_9"));
    for a in Action::iter() {
        assert_eq!(Action::from_name(a.name()), Some(a));
        assert!(
            Keymap::default().bindings().iter().any(|b| b.action == a),
            "{} has no default binding",
            a.name()
        );
    }
    assert_eq!(Action::from_name("Quit"), None);
    assert_eq!(Action::from_name("tool1"), None);
}

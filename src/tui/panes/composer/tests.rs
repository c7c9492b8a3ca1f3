use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::Value;

use super::templates::TEMPLATES;
use super::*;
use crate::protocol::validate::validate_client_text;
use crate::tui::panes::session_fixtures::{
    alt, app_chords, colour_of, ctrl, draw, key, no_control_characters, screen, type_text, Env,
};

fn sent(reply: PaneReply) -> Vec<String> {
    match reply {
        PaneReply::Send(texts) => texts,
        other => panic!("expected a send, got {other:?}"),
    }
}

fn notice(reply: PaneReply) -> String {
    match reply {
        PaneReply::Notice(text) => text,
        other => panic!("expected a notice, got {other:?}"),
    }
}

fn enter(pane: &mut ComposerPane, env: &Env) -> PaneReply {
    pane.on_key(key(KeyCode::Enter), &env.ctx())
}

/// Ctrl-T, then the template's key; the reply to the key.
fn template(pane: &mut ComposerPane, env: &Env, key_char: char) -> PaneReply {
    assert_eq!(pane.on_key(ctrl('t'), &env.ctx()), PaneReply::Handled);
    assert!(pane.menu_open());
    let reply = pane.on_key(key(KeyCode::Char(key_char)), &env.ctx());
    assert!(!pane.menu_open(), "picking closes the menu");
    reply
}

fn event(pane: &ComposerPane) -> Value {
    serde_json::from_str(&pane.text()).expect("templates are JSON")
}

/// A session with something for every template to refer to.
fn busy_env() -> Env {
    let mut env = Env::created("Be brief.");
    env.user_text("item_u1", None);
    env.assistant_audio("item_a1", Some("item_u1"));
    env.pending_call("resp_1", "item_f1", "call_first", "get_weather");
    env.pending_call("resp_2", "item_f2", "call_second", "get_time");
    env.active_response("resp_3");
    env
}

#[test]
fn plain_text_sends_a_user_message_then_response_create() {
    let env = Env::created("Be brief.");
    let mut pane = ComposerPane::new();
    type_text(&mut pane, &env, "What is the weather?");
    let texts = sent(enter(&mut pane, &env));
    assert_eq!(texts.len(), 2);
    let item = validate_client_text(&texts[0], Dialect::Ga).expect("valid item");
    assert_eq!(item["type"], "conversation.item.create");
    assert_eq!(item["item"]["role"], "user");
    assert_eq!(item["item"]["content"][0]["type"], "input_text");
    assert_eq!(item["item"]["content"][0]["text"], "What is the weather?");
    let create = validate_client_text(&texts[1], Dialect::Ga).expect("valid create");
    assert_eq!(create["type"], "response.create");
    assert_eq!(pane.text(), "", "sent text is cleared");
}

#[test]
fn empty_input_sends_nothing() {
    let env = Env::created("Be brief.");
    let mut pane = ComposerPane::new();
    assert_eq!(enter(&mut pane, &env), PaneReply::Handled);
    type_text(&mut pane, &env, "   ");
    assert_eq!(enter(&mut pane, &env), PaneReply::Handled);
}

#[test]
fn a_valid_event_is_sent_as_typed_and_cleared() {
    let env = Env::created("Be brief.");
    let mut pane = ComposerPane::new();
    let text = r#"{"type": "response.create", "response": {"output_modalities": ["text"]}}"#;
    type_text(&mut pane, &env, text);
    let t = draw(&mut pane, &env, 80, 24);
    assert!(
        screen(&t).contains("✓ valid response.create"),
        "{}",
        screen(&t)
    );
    assert_eq!(sent(enter(&mut pane, &env)), vec![text.to_string()]);
    assert_eq!(pane.text(), "");
}

#[test]
fn an_invalid_event_is_refused_kept_and_every_problem_is_shown_with_its_path() {
    let env = Env::created("Be brief.");
    let mut pane = ComposerPane::new();
    let text = r#"{"type":"conversation.item.create","item":{"type":"function_call_output","call_id":null},"bogus":1}"#;
    pane.set_text(text);
    let said = notice(enter(&mut pane, &env));
    assert!(said.starts_with("not sent (3 problem(s))"), "{said}");
    assert_eq!(pane.text(), text, "a refused event is not cleared");
    let t = draw(&mut pane, &env, 120, 40);
    let shown = screen(&t);
    for path in ["item.call_id: ", "item.output: ", "bogus: "] {
        assert!(shown.contains(path), "{path} missing from\n{shown}");
    }
    assert_eq!(colour_of(&t, "item.call_id"), Some(env.theme.log_error));
    insta::assert_snapshot!("composer_refused_120x40", t.backend());
    // The next edit goes back to the live check: the first problem and a count.
    type_text(&mut pane, &env, " ");
    let t = draw(&mut pane, &env, 80, 24);
    assert!(screen(&t).contains("(+2 more)"), "{}", screen(&t));
    insta::assert_snapshot!("composer_live_problem_80x24", t.backend());
}

#[test]
fn validates_as_you_type() {
    let env = Env::created("Be brief.");
    let mut pane = ComposerPane::new();
    type_text(&mut pane, &env, r#"{"type": "response.canc"#);
    let t = draw(&mut pane, &env, 80, 24);
    assert!(screen(&t).contains("✗ 1:"), "{}", screen(&t));
    type_text(&mut pane, &env, r#"el"}"#);
    let t = draw(&mut pane, &env, 80, 24);
    assert!(
        screen(&t).contains("✓ valid response.cancel"),
        "{}",
        screen(&t)
    );
    pane.set_text("hello");
    let t = draw(&mut pane, &env, 80, 24);
    assert!(screen(&t).contains("plain text: sends a user message"));
}

#[test]
fn every_template_inserts_valid_json_when_the_session_has_what_it_needs() {
    let env = busy_env();
    for t in TEMPLATES {
        let mut pane = ComposerPane::new();
        template(&mut pane, &env, t.key);
        let text = pane.text();
        assert!(
            text.contains('\n'),
            "{}: templates are pretty JSON",
            t.label
        );
        if let Err(e) = validate_client_text(&text, Dialect::Ga) {
            panic!("{} does not validate: {e}\n{text}", t.label);
        }
        let sent = sent(enter(&mut pane, &env));
        assert_eq!(sent, vec![text], "{} is sent as shown", t.label);
    }
}

#[test]
fn templates_are_prefilled_from_the_session() {
    let env = busy_env();
    let mut pane = ComposerPane::new();
    template(&mut pane, &env, '1');
    let ev = event(&pane);
    assert_eq!(ev["session"]["type"], "realtime");
    assert_eq!(ev["session"]["instructions"], "Be brief.");
    assert_eq!(ev["session"]["output_modalities"][0], "audio");
    template(&mut pane, &env, '2');
    let ev = event(&pane);
    for field in [
        "instructions",
        "output_modalities",
        "tools",
        "tool_choice",
        "metadata",
    ] {
        assert!(ev["response"].get(field).is_some(), "response.{field}");
    }
    assert_eq!(ev["response"]["conversation"], "auto");
    template(&mut pane, &env, '5');
    assert_eq!(event(&pane)["response_id"], "resp_3");
    template(&mut pane, &env, '9');
    assert_eq!(
        event(&pane)["item_id"],
        "item_f2",
        "the last item: the second call"
    );
    template(&mut pane, &env, '0');
    let ev = event(&pane);
    assert_eq!(ev["item_id"], "item_a1", "the last assistant audio item");
    assert_eq!(
        (ev["content_index"].as_u64(), ev["audio_end_ms"].as_u64()),
        (Some(0), Some(0))
    );
}

#[test]
fn function_call_output_answers_the_oldest_pending_call() {
    let env = busy_env();
    let mut pane = ComposerPane::new();
    let said = notice(template(&mut pane, &env, '4'));
    assert!(
        said.contains("get_weather") && said.contains("call_first"),
        "{said}"
    );
    let ev = event(&pane);
    assert_eq!(ev["item"]["type"], "function_call_output");
    assert_eq!(ev["item"]["call_id"], "call_first");
    // The cursor waits inside the output string.
    type_text(&mut pane, &env, "sunny");
    assert_eq!(event(&pane)["item"]["output"], "sunny");
    let t = draw(&mut pane, &env, 80, 24);
    insta::assert_snapshot!("composer_function_call_output_80x24", t.backend());
}

#[test]
fn templates_without_a_known_id_say_so_and_the_validator_points_at_the_gap() {
    let env = Env::created("Be brief.");
    for (k, path) in [('4', "item.call_id"), ('9', "item_id"), ('0', "item_id")] {
        let mut pane = ComposerPane::new();
        let said = notice(template(&mut pane, &env, k));
        assert!(said.starts_with("no "), "{said}");
        let err = validate_client_text(&pane.text(), Dialect::Ga).unwrap_err();
        assert_eq!(err.problems()[0].path, path, "{err}");
        // The cursor sits on the placeholder: typing replaces nothing, but lands there.
        assert!(matches!(enter(&mut pane, &env), PaneReply::Notice(_)));
    }
    let mut pane = ComposerPane::new();
    let said = notice(template(&mut pane, &env, '4'));
    assert_eq!(said, "no pending function call: fill in call_id");
    // Templates that need nothing from the session are valid even before it starts.
    for k in ['1', '2', '3', '6', '7', '8'] {
        let mut pane = ComposerPane::new();
        template(&mut pane, &Env::empty(), k);
        validate_client_text(&pane.text(), Dialect::Ga).unwrap();
    }
}

#[test]
fn the_menu_closes_with_esc_and_says_which_keys_exist() {
    let env = Env::created("Be brief.");
    let mut pane = ComposerPane::new();
    pane.set_text("draft");
    pane.on_key(ctrl('t'), &env.ctx());
    let t = draw(&mut pane, &env, 120, 40);
    insta::assert_snapshot!("composer_menu_120x40", t.backend());
    let t = draw(&mut pane, &env, 80, 24);
    insta::assert_snapshot!("composer_menu_80x24", t.backend());
    // In a composer a few rows high, as in the app's layout, the entries go in columns.
    let t = draw(&mut pane, &env, 120, 8);
    insta::assert_snapshot!("composer_menu_120x8", t.backend());
    for label in ["1 session.update", "0 conversation.item.truncate"] {
        assert!(screen(&t).contains(label), "{label}");
    }
    let said = notice(pane.on_key(key(KeyCode::Char('z')), &env.ctx()));
    assert!(said.contains("1–9 and 0"), "{said}");
    assert_eq!(
        pane.on_key(key(KeyCode::Esc), &env.ctx()),
        PaneReply::Handled
    );
    assert!(!pane.menu_open());
    assert_eq!(pane.text(), "draft", "closing the menu inserts nothing");
    // Global chords still reach the app while the menu is open.
    pane.on_key(ctrl('t'), &env.ctx());
    assert_eq!(pane.on_key(ctrl('c'), &env.ctx()), PaneReply::Ignored);
}

#[test]
fn up_and_down_walk_the_history_and_give_the_draft_back() {
    let env = Env::created("Be brief.");
    let mut pane = ComposerPane::new();
    for text in ["first", "second", "second"] {
        type_text(&mut pane, &env, text);
        sent(enter(&mut pane, &env));
    }
    type_text(&mut pane, &env, "my draft");
    let up = key(KeyCode::Up);
    let down = key(KeyCode::Down);
    pane.on_key(up, &env.ctx());
    assert_eq!(pane.text(), "second");
    pane.on_key(up, &env.ctx());
    assert_eq!(pane.text(), "first", "consecutive duplicates are kept once");
    pane.on_key(up, &env.ctx());
    assert_eq!(pane.text(), "first", "the oldest entry stays");
    pane.on_key(down, &env.ctx());
    assert_eq!(pane.text(), "second");
    pane.on_key(down, &env.ctx());
    assert_eq!(pane.text(), "my draft");
    pane.on_key(down, &env.ctx());
    assert_eq!(pane.text(), "my draft");
}

#[test]
fn up_and_down_move_within_a_multi_line_text_before_walking_history() {
    let env = Env::created("Be brief.");
    let mut pane = ComposerPane::new();
    type_text(&mut pane, &env, "old");
    sent(enter(&mut pane, &env));
    type_text(&mut pane, &env, "line one");
    pane.on_key(alt(KeyCode::Enter), &env.ctx());
    type_text(&mut pane, &env, "line two");
    pane.on_key(key(KeyCode::Up), &env.ctx());
    assert_eq!(pane.text(), "line one\nline two", "Up moved the cursor");
    pane.on_key(key(KeyCode::Up), &env.ctx());
    assert_eq!(pane.text(), "old");
    pane.on_key(key(KeyCode::Down), &env.ctx());
    assert_eq!(pane.text(), "line one\nline two");
}

#[test]
fn alt_enter_and_ctrl_j_insert_newlines_and_esc_clears() {
    let env = Env::created("Be brief.");
    let mut pane = ComposerPane::new();
    type_text(&mut pane, &env, "a");
    pane.on_key(alt(KeyCode::Enter), &env.ctx());
    type_text(&mut pane, &env, "b");
    pane.on_key(ctrl('j'), &env.ctx());
    type_text(&mut pane, &env, "c");
    assert_eq!(pane.text(), "a\nb\nc");
    assert_eq!(
        pane.on_key(key(KeyCode::Esc), &env.ctx()),
        PaneReply::Handled
    );
    assert_eq!(pane.text(), "");
    assert_eq!(
        pane.on_key(key(KeyCode::Esc), &env.ctx()),
        PaneReply::Ignored,
        "nothing left to clear: Esc is the app's"
    );
}

#[test]
fn read_only_sends_nothing() {
    let mut env = Env::created("Be brief.");
    env.conn.read_only = true;
    let mut pane = ComposerPane::new();
    type_text(&mut pane, &env, "hello");
    assert_eq!(
        notice(enter(&mut pane, &env)),
        "read-only: this is a recording"
    );
    pane.set_text(r#"{"type":"response.create"}"#);
    assert_eq!(
        notice(enter(&mut pane, &env)),
        "read-only: this is a recording"
    );
    assert_eq!(pane.text(), r#"{"type":"response.create"}"#);
    let t = draw(&mut pane, &env, 80, 24);
    assert!(screen(&t).contains("read-only"));
    insta::assert_snapshot!("composer_read_only_80x24", t.backend());
}

#[test]
fn app_chords_are_left_to_the_app_and_letters_are_text() {
    let env = Env::created("Be brief.");
    let mut pane = ComposerPane::new();
    for chord in app_chords() {
        assert_eq!(
            pane.on_key(chord, &env.ctx()),
            PaneReply::Ignored,
            "{chord:?}"
        );
    }
    assert!(pane.is_text_entry());
    for c in ['q', '?', 'Q'] {
        let k = KeyEvent::new(KeyCode::Char(c), KeyModifiers::SHIFT);
        assert_eq!(pane.on_key(k, &env.ctx()), PaneReply::Handled);
    }
    assert_eq!(pane.text(), "q?Q");
}

#[test]
fn hostile_text_never_reaches_the_terminal_raw() {
    let env = Env::created("evil\u{1b}[2J\u{7}");
    let mut pane = ComposerPane::new();
    pane.set_text("paste\u{1b}[31mred\u{7}\r\nsecond\tline");
    assert!(!pane.text().contains('\u{1b}'));
    let t = draw(&mut pane, &env, 80, 24);
    assert!(no_control_characters(&t));
    assert!(screen(&t).contains("paste␛[31mred␇"), "{}", screen(&t));
    // A control character typed as a key is not inserted.
    pane.on_key(key(KeyCode::Char('\u{1b}')), &env.ctx());
    assert!(!pane.text().contains('\u{1b}'));
    // The session's hostile instructions arrive JSON-escaped in the template.
    let mut pane = ComposerPane::new();
    template(&mut pane, &env, '1');
    let t = draw(&mut pane, &env, 80, 24);
    assert!(no_control_characters(&t));
    assert!(
        screen(&t).contains("evil\\u001b[2J\\u0007"),
        "{}",
        screen(&t)
    );
}

#[test]
fn an_empty_composer_shows_the_hint() {
    let env = Env::created("Be brief.");
    let mut pane = ComposerPane::new();
    let t = draw(&mut pane, &env, 80, 24);
    assert!(screen(&t).contains(HINT));
    insta::assert_snapshot!("composer_empty_80x24", t.backend());
    // A composer a few rows high, as in the app's layout, keeps the hint visible.
    let t = draw(&mut pane, &env, 80, 5);
    assert!(screen(&t).contains(HINT));
}

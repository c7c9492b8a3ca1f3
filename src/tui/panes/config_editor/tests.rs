use crossterm::event::KeyCode;
use serde_json::{json, Value};

use super::*;
use crate::protocol::validate::validate_client_text;
use crate::tui::panes::session_fixtures::{
    app_chords, colour_of, ctrl, draw, ga_session, key, no_control_characters, screen, type_text,
    Env,
};

/// A pane that has drawn once, as in the app: the session is loaded on that frame.
fn loaded(env: &Env) -> ConfigEditorPane {
    let mut pane = ConfigEditorPane::new();
    draw(&mut pane, env, 80, 24);
    pane
}

/// Opens a new line right after the opening `{` and types `text` there.
fn insert_first_field(pane: &mut ConfigEditorPane, env: &Env, text: &str) {
    pane.on_key(ctrl('a'), &env.ctx());
    pane.on_key(key(KeyCode::Home), &env.ctx());
    pane.on_key(key(KeyCode::End), &env.ctx());
    type_text(pane, env, &format!("\n  {text}"));
}

/// As if the user had typed this whole text.
fn replace_text(pane: &mut ConfigEditorPane, text: &str) {
    pane.editor.set_text(text);
    pane.dirty = true;
    pane.check = check_text(text);
}

fn edited(pane: &ConfigEditorPane) -> Value {
    serde_json::from_str(&pane.text()).expect("the editor holds JSON")
}

#[test]
fn loads_the_effective_session_without_server_only_fields_and_it_is_valid() {
    let env = Env::created("Be brief.");
    let mut pane = loaded(&env);
    let text = edited(&pane);
    assert_eq!(text["instructions"], "Be brief.");
    for server_only in ["id", "object", "expires_at"] {
        assert!(text.get(server_only).is_none(), "{server_only} in {text}");
    }
    assert!(matches!(pane.check, Check::Valid(_)), "{:?}", pane.check);
    assert!(!pane.is_dirty());
    assert!(pane.is_text_entry());
    let t = draw(&mut pane, &env, 80, 24);
    assert!(screen(&t).contains("✓ valid"));
    assert_eq!(colour_of(&t, "✓ valid"), Some(env.theme.text_dim));
    insta::assert_snapshot!("config_loaded_80x24", t.backend());
}

#[test]
fn waits_for_the_session_before_anything_is_loaded() {
    let env = Env::empty();
    let mut pane = ConfigEditorPane::new();
    let t = draw(&mut pane, &env, 80, 24);
    assert!(screen(&t).contains("waiting for session.created"));
    let reply = pane.on_key(ctrl('l'), &env.ctx());
    assert!(matches!(reply, PaneReply::Notice(n) if n.contains("no session yet")));
}

#[test]
fn a_beta_value_typed_in_shows_its_path_and_apply_refuses_it() {
    let env = Env::created("Be brief.");
    let mut pane = loaded(&env);
    insert_first_field(&mut pane, &env, "\"temperature\": \"hot\",");
    assert!(pane.is_dirty());
    let Check::Problems(problems) = &pane.check else {
        panic!("expected problems, got {:?}", pane.check);
    };
    assert_eq!(problems[0].path, "session.temperature");
    let t = draw(&mut pane, &env, 120, 40);
    let shown = screen(&t);
    assert!(shown.contains("session.temperature: "), "{shown}");
    assert_eq!(
        colour_of(&t, "session.temperature"),
        Some(env.theme.log_error)
    );
    insta::assert_snapshot!("config_problem_120x40", t.backend());
    let reply = pane.on_key(ctrl('s'), &env.ctx());
    let PaneReply::Notice(notice) = reply else {
        panic!("an invalid session must not be sent: {reply:?}");
    };
    assert!(notice.contains("session.temperature"), "{notice}");
}

#[test]
fn an_unknown_field_is_flagged_where_it_is() {
    let env = Env::created("Be brief.");
    let mut pane = loaded(&env);
    insert_first_field(&mut pane, &env, "\"bogus\": 1,");
    let Check::Problems(problems) = &pane.check else {
        panic!("expected problems, got {:?}", pane.check);
    };
    assert!(
        problems.iter().any(|p| p.path == "session.bogus"),
        "{problems:?}"
    );
}

#[test]
fn a_syntax_error_shows_line_and_column() {
    let env = Env::created("Be brief.");
    let mut pane = loaded(&env);
    // A key with no value: the JSON breaks on line 2.
    insert_first_field(&mut pane, &env, "\"oops\",");
    let Check::Syntax { line, .. } = &pane.check else {
        panic!("expected a syntax error, got {:?}", pane.check);
    };
    assert_eq!(*line, 2);
    let t = draw(&mut pane, &env, 80, 24);
    assert!(screen(&t).contains("✗ 2:"), "{}", screen(&t));
    let reply = pane.on_key(ctrl('s'), &env.ctx());
    assert!(matches!(reply, PaneReply::Notice(n) if n.contains("line 2")));
}

#[test]
fn apply_sends_one_valid_session_update_with_the_edited_session() {
    let env = Env::created("Be brief.");
    let mut pane = loaded(&env);
    insert_first_field(&mut pane, &env, "\"truncation\": \"disabled\",");
    let expected = edited(&pane);
    let PaneReply::Command(command) = pane.on_key(ctrl('s'), &env.ctx()) else {
        panic!("a valid session is sent");
    };
    let mut env = env;
    let text = env.command(command);
    let event = validate_client_text(&text, Dialect::Ga).expect("valid session.update");
    assert_eq!(event["type"], "session.update");
    assert_eq!(event["session"], expected);
    assert!(!pane.is_dirty(), "applied edits are no longer unapplied");
}

#[test]
fn after_session_updated_the_diff_shows_changed_and_dropped_fields() {
    let mut env = Env::created("Be brief.");
    let mut pane = loaded(&env);
    // Ask for a faster voice and a truncation mode this server does not know.
    let mut session = edited(&pane);
    session["audio"]["output"]["speed"] = json!(1.4);
    session["truncation"] = json!("disabled");
    replace_text(&mut pane, &serde_json::to_string_pretty(&session).unwrap());
    let PaneReply::Command(command) = pane.on_key(ctrl('s'), &env.ctx()) else {
        panic!("valid");
    };
    env.command(command);
    let t = draw(&mut pane, &env, 80, 24);
    assert!(screen(&t).contains("awaiting session.updated…"));
    // The server clamps the speed and drops the field it does not know.
    let mut answer = ga_session("Be brief.");
    answer["audio"]["output"]["speed"] = json!(1.2);
    env.updated(answer);
    let t = draw(&mut pane, &env, 80, 24);
    let shown = screen(&t);
    assert!(
        shown.contains("audio.output.speed: sent 1.4 → got 1.2"),
        "{shown}"
    );
    assert!(
        shown.contains("truncation: sent \"disabled\" → dropped"),
        "{shown}"
    );
    assert_eq!(
        colour_of(&t, "audio.output.speed"),
        Some(env.theme.diff_changed)
    );
    assert_eq!(
        colour_of(&t, "truncation: sent"),
        Some(env.theme.diff_dropped)
    );
    insta::assert_snapshot!("config_diff_80x24", t.backend());
    // Nothing was left unapplied, so the editor now shows what the server uses.
    assert_eq!(edited(&pane)["audio"]["output"]["speed"], json!(1.2));
    let t = draw(&mut pane, &env, 120, 40);
    insta::assert_snapshot!("config_diff_120x40", t.backend());
}

#[test]
fn a_session_applied_as_sent_says_so() {
    let mut env = Env::created("Be brief.");
    let mut pane = loaded(&env);
    type_text(&mut pane, &env, " ");
    let PaneReply::Command(command) = pane.on_key(ctrl('s'), &env.ctx()) else {
        panic!("valid");
    };
    env.command(command);
    env.updated(ga_session("Be brief."));
    let t = draw(&mut pane, &env, 80, 24);
    assert!(screen(&t).contains("server applied everything as sent"));
}

#[test]
fn edits_survive_a_new_server_session_until_ctrl_l() {
    let mut env = Env::created("Be brief.");
    let mut pane = loaded(&env);
    insert_first_field(&mut pane, &env, "\"bogus\": 1,");
    let mine = pane.text();
    env.updated(ga_session("Something else."));
    let t = draw(&mut pane, &env, 80, 24);
    assert_eq!(pane.text(), mine, "unapplied edits are kept");
    assert!(screen(&t).contains("Ctrl-L loads it"), "{}", screen(&t));
    let reply = pane.on_key(ctrl('l'), &env.ctx());
    assert!(matches!(reply, PaneReply::Notice(_)));
    assert_eq!(edited(&pane)["instructions"], "Something else.");
    assert!(!pane.is_dirty());
}

#[test]
fn a_clean_editor_follows_the_server() {
    let mut env = Env::created("Be brief.");
    let mut pane = loaded(&env);
    env.updated(ga_session("Now longer."));
    draw(&mut pane, &env, 80, 24);
    assert_eq!(edited(&pane)["instructions"], "Now longer.");
}

#[test]
fn read_only_shows_the_session_and_refuses_edits_and_apply() {
    let mut env = Env::created("Be brief.");
    env.conn.read_only = true;
    let mut pane = loaded(&env);
    let before = pane.text();
    let reply = pane.on_key(key(KeyCode::Char('x')), &env.ctx());
    assert!(matches!(reply, PaneReply::Notice(n) if n.contains("read-only")));
    assert_eq!(
        pane.on_key(key(KeyCode::Down), &env.ctx()),
        PaneReply::Handled
    );
    let reply = pane.on_key(ctrl('s'), &env.ctx());
    assert!(matches!(reply, PaneReply::Notice(n) if n.contains("read-only")));
    assert_eq!(pane.text(), before);
    assert!(
        !pane.is_text_entry(),
        "plain letters keep their global meaning"
    );
    let t = draw(&mut pane, &env, 80, 24);
    assert!(screen(&t).contains("read-only"));
    insta::assert_snapshot!("config_read_only_80x24", t.backend());
}

#[test]
fn app_chords_are_left_to_the_app() {
    let env = Env::created("Be brief.");
    let mut pane = loaded(&env);
    for chord in app_chords() {
        assert_eq!(
            pane.on_key(chord, &env.ctx()),
            PaneReply::Ignored,
            "{chord:?}"
        );
    }
    assert_eq!(
        pane.on_key(key(KeyCode::Esc), &env.ctx()),
        PaneReply::Ignored
    );
    assert!(!pane.is_dirty());
}

#[test]
fn control_characters_in_the_instructions_never_reach_the_screen() {
    let env = Env::created("evil\u{1b}[2J\u{1b}]0;pwned\u{7}done\r\nnext");
    let mut pane = loaded(&env);
    let t = draw(&mut pane, &env, 120, 40);
    assert!(no_control_characters(&t));
    assert!(screen(&t).contains("evil\\u001b[2J"), "{}", screen(&t));
    assert!(!pane.text().contains('\u{1b}'));
    assert!(matches!(pane.check, Check::Valid(_)));
}

#[test]
fn a_megabyte_of_instructions_loads_and_draws_only_what_fits() {
    let long = "word ".repeat(200_000);
    let env = Env::created(&long);
    let mut pane = loaded(&env);
    let t = draw(&mut pane, &env, 80, 24);
    assert!(screen(&t).contains("\"instructions\": \"word word"));
    assert!(matches!(pane.check, Check::Valid(_)));
}

#[test]
fn a_transcription_session_is_edited_and_applied_as_one() {
    let mut env = Env::empty();
    env.server(
        json!({"type": "session.created", "event_id": "event_1", "session": {
        "type": "transcription", "object": "realtime.transcription_session", "id": "sess_T",
        "expires_at": 1756324625, "include": null,
        "audio": {"input": {"format": {"type": "audio/pcm", "rate": 24000},
            "transcription": {"model": "gpt-4o-transcribe", "language": null, "prompt": ""},
            "noise_reduction": null, "turn_detection": {"type": "server_vad"}}}}}),
    );
    let mut pane = loaded(&env);
    let shown = edited(&pane);
    assert_eq!(shown["type"], "transcription");
    assert!(shown.get("id").is_none() && shown.get("object").is_none());
    let mut session = shown.clone();
    session["audio"]["input"]["transcription"] =
        json!({"model": "gpt-live-transcribe", "languages": ["en", "fr"]});
    replace_text(&mut pane, &serde_json::to_string_pretty(&session).unwrap());
    let PaneReply::Command(command) = pane.on_key(ctrl('s'), &env.ctx()) else {
        panic!("a valid transcription session is sent");
    };
    let text = env.command(command);
    let event = validate_client_text(&text, Dialect::Ga).expect("valid session.update");
    assert_eq!(event["session"]["type"], "transcription");
    assert_eq!(
        event["session"]["audio"]["input"]["transcription"]["model"],
        "gpt-live-transcribe"
    );
    // A parameter the model does not take is caught while typing, with its path.
    session["audio"]["input"]["transcription"] = json!({"model": "whisper-1", "languages": ["en"]});
    replace_text(&mut pane, &serde_json::to_string_pretty(&session).unwrap());
    assert!(!matches!(
        pane.on_key(ctrl('s'), &env.ctx()),
        PaneReply::Command(_)
    ));
    let screen = screen(&draw(&mut pane, &env, 120, 30));
    assert!(screen.contains("transcription.languages"), "{screen}");
}

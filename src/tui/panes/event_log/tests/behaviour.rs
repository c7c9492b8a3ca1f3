//! Selection, follow mode, keys left to the app, and saving.

use super::*;

#[test]
fn follow_keeps_the_newest_selected_until_the_user_moves() {
    let mut s = big(50);
    let mut p = pane();
    draw(&mut p, &s, 80, 12);
    assert_eq!(p.selected_seq(), Some(49));
    let _ = s.handle(Input::Server {
        at_ms: 9_999,
        raw: delta("item_x", 0, "new").to_string(),
    });
    draw(&mut p, &s, 80, 12);
    assert_eq!(p.selected_seq(), Some(50));
    assert!(p.follow());
    press(&mut p, &s, KeyCode::Up);
    assert!(!p.follow());
    server(&mut s, 10_000, delta("item_y", 0, "newer"));
    draw(&mut p, &s, 80, 12);
    assert_eq!(p.selected_seq(), Some(49));
    press(&mut p, &s, KeyCode::End);
    assert!(p.follow());
    server(&mut s, 10_001, delta("item_z", 0, "newest"));
    draw(&mut p, &s, 80, 12);
    assert_eq!(p.selected_seq(), Some(52));
    press(&mut p, &s, KeyCode::Char('g'));
    assert_eq!(p.selected_seq(), Some(0));
    press(&mut p, &s, KeyCode::PageDown);
    assert_eq!(p.selected_seq(), Some(10));
    press(&mut p, &s, KeyCode::Char('G'));
    assert_eq!(p.selected_seq(), Some(52));
}

#[test]
fn keys_the_pane_does_not_use_go_back_to_the_app() {
    let s = demo();
    let mut p = pane();
    for key in [
        KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE),
        KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT),
        KeyEvent::new(KeyCode::F(2), KeyModifiers::NONE),
        KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL),
        KeyEvent::new(KeyCode::Char('e'), KeyModifiers::ALT),
        KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE),
        KeyEvent::new(KeyCode::Char('?'), KeyModifiers::SHIFT),
    ] {
        assert_eq!(press_key(&mut p, &s, key), PaneReply::Ignored, "{key:?}");
    }
    // Chords stay global while the prompt has the keys.
    press(&mut p, &s, KeyCode::Char('/'));
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(press_key(&mut p, &s, ctrl_c), PaneReply::Ignored);
    assert_eq!(press(&mut p, &s, KeyCode::F(1)), PaneReply::Ignored);
}

#[test]
fn saving_writes_files_that_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let s = demo();
    let mut p = EventLogPane::new(dir.path().join("saves"));
    draw(&mut p, &s, 80, 24);
    let done = first_of(&s, |e| e.type_name == "response.done");
    select(&mut p, &s, done);
    let reply = press(&mut p, &s, KeyCode::Char('s'));
    let path = dir
        .path()
        .join(format!("saves/rtconsole-event-{done}.json"));
    assert_eq!(
        reply,
        PaneReply::Notice(format!("saved event #{done} to {}", path.display()))
    );
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(saved["type"], "response.done");
    assert_eq!(saved["response"]["usage"]["total_tokens"], 253);
    // Saving again never overwrites.
    press(&mut p, &s, KeyCode::Char('s'));
    assert!(dir
        .path()
        .join(format!("saves/rtconsole-event-{done}-2.json"))
        .exists());

    let PaneReply::Notice(n) = press(&mut p, &s, KeyCode::Char('S')) else {
        panic!("a notice");
    };
    let log_path = dir.path().join("saves/rtconsole-log-1.jsonl");
    assert!(n.contains(&log_path.display().to_string()), "{n}");
    let PaneReply::Notice(n2) = press(&mut p, &s, KeyCode::Char('S')) else {
        panic!("a notice");
    };
    assert!(n2.contains("rtconsole-log-2.jsonl"), "{n2}");

    let rec = open_recording(&log_path).unwrap();
    assert!(rec.warnings.is_empty(), "{:?}", rec.warnings);
    assert_eq!(rec.entries.len(), s.log().len());
    assert_eq!(rec.header.model.as_deref(), Some("gpt-realtime-2025-08-28"));
    // Replayed, the recording rebuilds the same log.
    let mut replayed = Session::new(SessionOptions::default());
    for input in rec.inputs() {
        let _ = replayed.handle(input);
    }
    let shape = |s: &Session| -> Vec<(Direction, EntryKind, String, u64)> {
        s.log()
            .iter()
            .map(|e| (e.dir, e.kind, e.type_name.to_string(), e.at_ms))
            .collect()
    };
    assert_eq!(shape(&replayed), shape(&s));

    // A directory that cannot be written says so.
    let blocked = dir.path().join("file");
    std::fs::write(&blocked, "x").unwrap();
    let mut q = EventLogPane::new(blocked.clone());
    draw(&mut q, &s, 80, 24);
    let PaneReply::Notice(err) = press(&mut q, &s, KeyCode::Char('S')) else {
        panic!("a notice");
    };
    assert!(err.starts_with("could not save the log"), "{err}");
    assert!(err.contains("writable directory"), "{err}");
}

#[test]
fn a_malformed_event_saves_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let s = demo();
    let mut p = EventLogPane::new(dir.path().to_path_buf());
    draw(&mut p, &s, 80, 24);
    let bad = first_of(&s, |e| e.kind == EntryKind::Malformed);
    select(&mut p, &s, bad);
    press(&mut p, &s, KeyCode::Char('s'));
    let text =
        std::fs::read_to_string(dir.path().join(format!("rtconsole-event-{bad}.txt"))).unwrap();
    assert_eq!(text.trim_end(), "<html>502 Bad Gateway</html>");
}

#[test]
fn y_copies_the_selected_event_as_pretty_json_from_the_list_and_the_detail() {
    let s = demo();
    let mut p = pane();
    draw(&mut p, &s, 80, 24);
    let seq = first_of(&s, |e| e.type_name == "session.created");
    select(&mut p, &s, seq);
    let reply = press(&mut p, &s, KeyCode::Char('y'));
    let PaneReply::Notice(note) = reply else {
        panic!("{reply:?}")
    };
    assert!(
        note.starts_with(&format!("copied event #{seq} (")),
        "{note}"
    );
    let copied = crate::tui::clipboard::take_last().expect("copied");
    let v: Value = serde_json::from_str(&copied).unwrap();
    assert_eq!(v["type"], "session.created");
    assert!(copied.contains("\n  \""), "pretty-printed: {copied}");
    // The detail view copies the event it shows.
    press(&mut p, &s, KeyCode::Enter);
    draw(&mut p, &s, 80, 24);
    assert!(matches!(
        press(&mut p, &s, KeyCode::Char('y')),
        PaneReply::Notice(_)
    ));
    assert_eq!(
        crate::tui::clipboard::take_last().as_deref(),
        Some(copied.as_str())
    );
}

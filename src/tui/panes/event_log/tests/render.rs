//! What the pane draws: the list, the footer, the detail view, hostile text, big logs.

use super::*;

#[test]
fn plain_log_follows_the_newest_event() {
    let s = demo();
    let mut p = pane();
    let t = draw(&mut p, &s, 80, 24);
    assert_snapshot!("plain_80x24", t.backend());
    assert!(p.follow());
    assert_eq!(p.selected_seq(), Some(s.log().len() - 1));
    let t = draw(&mut p, &s, 120, 40);
    assert_snapshot!("plain_120x40", t.backend());
}

#[test]
fn deltas_share_a_row_with_their_count() {
    let s = demo();
    assert_eq!(s.log().rows().iter().filter(|r| r.count == 12).count(), 1);
    let mut p = pane();
    let t = draw(&mut p, &s, 120, 40);
    let text = screen(&t);
    assert!(text.contains("×12"), "{text}");
    // Twelve deltas on one row; the beta-named one of another response is its own.
    assert_eq!(
        text.matches("response.output_text.delta").count(),
        2,
        "{text}"
    );
}

#[test]
fn a_selected_error_explains_itself_in_the_footer() {
    let s = demo();
    let seq = first_of(&s, |e| e.kind == EntryKind::Error);
    assert!(s.log().get(seq).unwrap().help.is_some());
    let mut p = pane();
    draw(&mut p, &s, 80, 24);
    select(&mut p, &s, seq);
    assert!(!p.follow());
    let t = draw(&mut p, &s, 80, 24);
    assert_snapshot!("error_help_80x24", t.backend());
    let text = screen(&t);
    assert!(text.contains("meaning:") && text.contains("fix:"), "{text}");
    let t = draw(&mut p, &s, 120, 40);
    assert_snapshot!("error_help_120x40", t.backend());
}

#[test]
fn a_rejected_event_says_it_was_not_sent() {
    let s = demo();
    let seq = first_of(&s, |e| e.kind == EntryKind::Rejected);
    let mut p = pane();
    draw(&mut p, &s, 120, 40);
    select(&mut p, &s, seq);
    let t = draw(&mut p, &s, 120, 40);
    assert_snapshot!("rejected_120x40", t.backend());
    let text = screen(&t);
    assert!(text.matches("not sent").count() >= 2, "{text}");
    press(&mut p, &s, KeyCode::Enter);
    let text = screen(&draw(&mut p, &s, 120, 40));
    assert!(text.contains("rejected: NOT SENT"), "{text}");
    assert!(text.contains("never went over the wire"), "{text}");
}

#[test]
fn error_rows_are_red_and_unknown_rows_warn() {
    let s = demo();
    let theme = Theme::default();
    let mut p = pane();
    press(&mut p, &s, KeyCode::Home);
    let t = draw(&mut p, &s, 120, 40);
    let buf = t.backend().buffer();
    let text = screen(&t);
    let row_of = |needle: &str| {
        text.lines()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle} not on screen")) as u16
    };
    // Column 20 is inside the type column.
    assert_eq!(buf[(20, row_of("invalid_value"))].fg, theme.log_error);
    assert_eq!(buf[(20, row_of("(not an event)"))].fg, theme.log_error);
    assert_eq!(
        buf[(20, row_of("response.future_feature"))].fg,
        theme.log_warning
    );
    assert_eq!(buf[(20, row_of("response.created"))].fg, theme.log_server);
    assert_eq!(buf[(20, row_of("response.create "))].fg, theme.log_client);
    assert_eq!(buf[(15, row_of("legacy"))].fg, theme.log_beta);
    // Home selected the first row.
    assert_eq!(buf[(40, 1)].bg, theme.selection);
}

#[test]
fn the_detail_view_pretty_prints_and_scrolls() {
    let s = demo();
    let mut p = pane();
    draw(&mut p, &s, 80, 24);
    let seq = first_of(&s, |e| e.type_name == "response.done");
    select(&mut p, &s, seq);
    press(&mut p, &s, KeyCode::Enter);
    let t = draw(&mut p, &s, 80, 24);
    assert_snapshot!("detail_top_80x24", t.backend());
    press(&mut p, &s, KeyCode::PageDown);
    press(&mut p, &s, KeyCode::Down);
    let t = draw(&mut p, &s, 80, 24);
    assert_snapshot!("detail_scrolled_80x24", t.backend());
    press(&mut p, &s, KeyCode::End);
    let t = draw(&mut p, &s, 120, 40);
    assert_snapshot!("detail_end_120x40", t.backend());
    assert_eq!(press(&mut p, &s, KeyCode::Esc), PaneReply::Handled);
    assert!(screen(&draw(&mut p, &s, 80, 24)).contains("Events — 26 "));
}

#[test]
fn the_detail_view_of_an_error_shows_its_help() {
    let s = demo();
    let mut p = pane();
    draw(&mut p, &s, 120, 40);
    select(&mut p, &s, first_of(&s, |e| e.type_name == "error"));
    press(&mut p, &s, KeyCode::Enter);
    let t = draw(&mut p, &s, 120, 40);
    assert_snapshot!("detail_error_120x40", t.backend());
    let text = screen(&t);
    assert!(text.contains("meaning:") && text.contains("fix:"), "{text}");
}

#[test]
fn the_detail_view_steps_through_coalesced_deltas() {
    let s = demo();
    let mut p = pane();
    draw(&mut p, &s, 80, 24);
    let seq = first_of(&s, |e| e.type_name == "response.output_text.delta");
    select(&mut p, &s, seq);
    press(&mut p, &s, KeyCode::Enter);
    press(&mut p, &s, KeyCode::Right);
    press(&mut p, &s, KeyCode::Right);
    assert_eq!(p.selected_seq(), Some(seq + 2));
    let t = draw(&mut p, &s, 80, 24);
    assert!(screen(&t).contains("delta 3 of 12"));
    assert!(screen(&t).contains("\" have\""), "{}", screen(&t));
    press(&mut p, &s, KeyCode::Left);
    assert_eq!(p.selected_seq(), Some(seq + 1));
    for _ in 0..5 {
        press(&mut p, &s, KeyCode::Left);
    }
    assert_eq!(p.selected_seq(), Some(seq));
}

fn hostile() -> Session {
    let mut s = Session::new(SessionOptions::default());
    server(
        &mut s,
        10,
        delta("item_evil", 0, "clear\u{1b}[2J\u{1b}]0;pwned\u{7}bell"),
    );
    server(
        &mut s,
        20,
        json!({"type":"evil.\u{1b}[31mred\u{7}","event_id":"e\u{1b}[H","note":"\u{1b}c"}),
    );
    server_raw(
        &mut s,
        30,
        "\u{1b}[2J\u{1b}[Hnot json\u{7}\r\nsecond line\u{9b}31m",
    );
    server(
        &mut s,
        40,
        json!({"type":"error","event_id":"event_bad","error":{"type":"invalid_request_error",
            "code":"invalid_value","message":"Invalid value: '\u{1b}[5mblink'.","param":"item.\u{1b}[0m"}}),
    );
    s
}

fn assert_no_controls(t: &Terminal<TestBackend>) {
    for cell in t.backend().buffer().content() {
        assert!(
            !cell.symbol().chars().any(char::is_control),
            "control character {:?} reached the screen",
            cell.symbol()
        );
    }
}

#[test]
fn control_characters_never_reach_the_terminal() {
    let s = hostile();
    let mut p = pane();
    let t = draw(&mut p, &s, 120, 40);
    assert_no_controls(&t);
    assert_snapshot!("hostile_list_120x40", t.backend());
    for seq in 0..s.log().len() {
        select(&mut p, &s, seq);
        press(&mut p, &s, KeyCode::Enter);
        let t = draw(&mut p, &s, 80, 24);
        assert_no_controls(&t);
        if seq == 2 {
            assert_snapshot!("hostile_malformed_detail_80x24", t.backend());
        }
        press(&mut p, &s, KeyCode::Esc);
    }
    // A pasted escape in the regex prompt is shown, not obeyed.
    press(&mut p, &s, KeyCode::Char('/'));
    type_text(&mut p, &s, "\u{1b}[2J");
    assert_no_controls(&draw(&mut p, &s, 80, 24));
    press(&mut p, &s, KeyCode::Enter);
    assert_no_controls(&draw(&mut p, &s, 80, 24));
}

#[test]
fn a_ten_thousand_character_delta_stays_one_row_and_wraps_in_detail() {
    let mut s = demo();
    let long: String = (0..10_000)
        .map(|i| (b'a' + (i % 26) as u8) as char)
        .collect();
    server(&mut s, 3_600_100, delta("item_long", 0, &long));
    let mut p = pane();
    let t = draw(&mut p, &s, 80, 24);
    assert_snapshot!("long_delta_list_80x24", t.backend());
    press(&mut p, &s, KeyCode::Enter);
    let t = draw(&mut p, &s, 80, 24);
    assert_snapshot!("long_delta_detail_80x24", t.backend());
    // 10,000 characters in 78-cell lines, plus the JSON around them.
    let text = screen(&t);
    assert!(text.contains("lines 1–22 of 140 "), "{text}");
    press(&mut p, &s, KeyCode::End);
    let t = draw(&mut p, &s, 80, 24);
    assert_snapshot!("long_delta_detail_end_80x24", t.backend());
}

#[test]
fn a_hundred_thousand_events_render_and_count() {
    let s = big(100_000);
    assert_eq!(s.log().rows().len(), 100_000);
    let mut p = pane();
    let t = draw(&mut p, &s, 120, 40);
    assert_snapshot!("hundred_thousand_120x40", t.backend());
    assert!(screen(&t).contains("Events — 100,000 "));
    press(&mut p, &s, KeyCode::Char('/'));
    type_text(&mut p, &s, "item_999\"");
    press(&mut p, &s, KeyCode::Enter);
    let t = draw(&mut p, &s, 120, 40);
    assert!(
        screen(&t).contains("100 of 100,000 shown"),
        "{}",
        screen(&t)
    );
}

/// (text of the cells with this foreground, in order) for the detail view of
/// `session.created` drawn with `theme`.
fn detail_cells(theme: &Theme) -> Vec<(String, ratatui::style::Color)> {
    let s = demo();
    let mut p = pane();
    draw(&mut p, &s, 120, 60);
    select(
        &mut p,
        &s,
        first_of(&s, |e| e.type_name == "session.created"),
    );
    press(&mut p, &s, KeyCode::Enter);
    let mut terminal = Terminal::new(TestBackend::new(120, 60)).unwrap();
    let (conn, audio) = (ConnInfo::default(), AudioStatus::default());
    let ctx = PaneCtx {
        session: &s,
        theme,
        focused: true,
        conn: &conn,
        audio: &audio,
        meters: None,
    };
    terminal.draw(|f| p.render(f, f.area(), &ctx)).unwrap();
    let buf = terminal.backend().buffer();
    let mut out = Vec::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let c = &buf[(x, y)];
            out.push((c.symbol().to_string(), c.fg));
        }
    }
    out
}

/// The runs of consecutive cells drawn in `colour`.
fn runs_in(
    cells: &[(String, ratatui::style::Color)],
    colour: ratatui::style::Color,
) -> Vec<String> {
    let mut runs = Vec::new();
    let mut cur = String::new();
    for (sym, fg) in cells {
        if *fg == colour {
            cur.push_str(sym);
        } else if !cur.is_empty() {
            runs.push(std::mem::take(&mut cur));
        }
    }
    runs
}

#[test]
fn the_detail_view_colours_json_keys_strings_numbers_and_literals() {
    let theme = Theme::default();
    let cells = detail_cells(&theme);
    let keys = runs_in(&cells, theme.json_key);
    let strings = runs_in(&cells, theme.json_string);
    let numbers = runs_in(&cells, theme.json_number);
    let literals = runs_in(&cells, theme.json_literal);
    assert!(keys.contains(&"\"model\"".to_string()), "{keys:?}");
    assert!(
        strings.contains(&"\"gpt-realtime-2025-08-28\"".to_string()),
        "{strings:?}"
    );
    assert!(
        numbers.contains(&"24000".to_string()) && numbers.contains(&"0.5".to_string()),
        "{numbers:?}"
    );
    assert!(
        literals.contains(&"null".to_string()) && literals.contains(&"true".to_string()),
        "{literals:?}"
    );
    assert!(
        !strings.iter().any(|s| s.contains("\"model\"")),
        "a key drawn as a string"
    );

    // Without colours (NO_COLOR) the same view has none.
    let plain = detail_cells(&Theme::no_color());
    assert!(plain
        .iter()
        .all(|(_, fg)| *fg == ratatui::style::Color::Reset));
}

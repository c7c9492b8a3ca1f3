//! Type, direction, regex and related filters, and their incremental upkeep.

use super::*;

#[test]
fn the_type_filter_shows_n_of_m_and_toggles() {
    let s = demo();
    let mut p = pane();
    draw(&mut p, &s, 80, 24);
    select(&mut p, &s, first_of(&s, |e| e.type_name == "error"));
    press(&mut p, &s, KeyCode::Char('t'));
    let t = draw(&mut p, &s, 80, 24);
    assert_snapshot!("filter_type_80x24", t.backend());
    assert!(screen(&t).contains("2 of 26 shown [type=error]"));
    press(&mut p, &s, KeyCode::Char('t'));
    let t = draw(&mut p, &s, 80, 24);
    assert!(screen(&t).contains("Events — 26 "));
}

#[test]
fn the_direction_filter_cycles() {
    let s = demo();
    let mut p = pane();
    let titles: Vec<String> = (0..4)
        .map(|_| {
            press(&mut p, &s, KeyCode::Char('d'));
            let t = draw(&mut p, &s, 80, 24);
            screen(&t).lines().next().unwrap().to_string()
        })
        .collect();
    assert!(
        titles[0].contains("2 of 26 shown [dir=client]"),
        "{titles:?}"
    );
    assert!(
        titles[1].contains("23 of 26 shown [dir=server]"),
        "{titles:?}"
    );
    assert!(
        titles[2].contains("1 of 26 shown [dir=local]"),
        "{titles:?}"
    );
    assert!(titles[3].contains("Events — 26 "), "{titles:?}");
    press(&mut p, &s, KeyCode::Char('d'));
    let t = draw(&mut p, &s, 120, 40);
    assert_snapshot!("filter_dir_client_120x40", t.backend());
}

#[test]
fn the_regex_filter_matches_type_summary_and_raw() {
    let s = demo();
    let mut p = pane();
    press(&mut p, &s, KeyCode::Char('/'));
    assert!(p.is_text_entry());
    // `q` is text while the prompt is open.
    type_text(&mut p, &s, "q");
    press(&mut p, &s, KeyCode::Backspace);
    // In raw only: the summary of response.created does not quote the conversation id.
    type_text(&mut p, &s, "conv_rQOs");
    let t = draw(&mut p, &s, 80, 24);
    assert_snapshot!("regex_prompt_80x24", t.backend());
    press(&mut p, &s, KeyCode::Enter);
    assert!(!p.is_text_entry());
    let t = draw(&mut p, &s, 80, 24);
    assert_snapshot!("filter_regex_80x24", t.backend());
    assert!(screen(&t).contains("2 of 26 shown [/conv_rQOs/]"));
    // With the direction filter too.
    press(&mut p, &s, KeyCode::Char('d'));
    press(&mut p, &s, KeyCode::Char('d'));
    let t = draw(&mut p, &s, 120, 40);
    assert!(screen(&t).contains("2 of 26 shown [dir=server /conv_rQOs/]"));
    press(&mut p, &s, KeyCode::Char('c'));
    let t = draw(&mut p, &s, 80, 24);
    assert!(screen(&t).contains("Events — 26 "));
}

#[test]
fn an_invalid_regex_keeps_the_prompt_open_with_the_error() {
    let s = demo();
    let mut p = pane();
    press(&mut p, &s, KeyCode::Char('/'));
    type_text(&mut p, &s, "(delta");
    assert_eq!(press(&mut p, &s, KeyCode::Enter), PaneReply::Handled);
    assert!(p.is_text_entry());
    let t = draw(&mut p, &s, 80, 24);
    assert_snapshot!("regex_error_80x24", t.backend());
    assert!(screen(&t).contains("unclosed group"));
    // Esc cancels and changes nothing.
    press(&mut p, &s, KeyCode::Esc);
    assert!(!p.is_text_entry());
    assert!(screen(&draw(&mut p, &s, 80, 24)).contains("Events — 26 "));
}

#[test]
fn related_events_are_one_key_away() {
    let s = demo();
    let mut p = pane();
    draw(&mut p, &s, 80, 24);
    let seq = first_of(&s, |e| e.type_name == "response.output_text.delta");
    select(&mut p, &s, seq);
    press(&mut p, &s, KeyCode::Char('r'));
    let t = draw(&mut p, &s, 80, 24);
    assert_snapshot!("related_80x24", t.backend());
    let text = screen(&t);
    // response.created, output_item.added, 12 deltas, output_text.done, response.done.
    assert!(
        text.contains(&format!("16 of 26 shown [related=#{seq}]")),
        "{text}"
    );
    // The selection stays on the anchor.
    assert_eq!(p.selected_seq(), Some(seq));
    press(&mut p, &s, KeyCode::Char('r'));
    assert!(screen(&draw(&mut p, &s, 80, 24)).contains("Events — 26 "));
    // An event with no ids has nothing related to it, and the pane says so.
    select(&mut p, &s, 0);
    let reply = press(&mut p, &s, KeyCode::Char('r'));
    assert!(matches!(reply, PaneReply::Notice(n) if n.contains("no response, item or call id")));
}

/// Feeds `events` in chunks, syncing between them, and checks the view against
/// a rebuild from scratch after every chunk.
fn check_incremental(filter: Filter, events: &[(u64, String)]) {
    let mut s = Session::new(SessionOptions::default());
    let mut live = View::default();
    live.rebuild(&filter, s.log());
    for chunk in events.chunks(3) {
        for (at_ms, raw) in chunk {
            server_raw(&mut s, *at_ms, raw);
        }
        live.sync(&filter, s.log());
        let mut scratch = View::default();
        scratch.rebuild(&filter, s.log());
        assert_eq!(live.rows_for_test(s.log()), scratch.rows_for_test(s.log()));
        assert_eq!(live.shown(s.log()), scratch.shown(s.log()));
    }
    assert!(live.shown_for_test() > 0 || filter.is_empty());
}

fn stream() -> Vec<(u64, String)> {
    let mut out = Vec::new();
    for turn in 0..4 {
        let resp = format!("resp_{turn}");
        let item = format!("item_{turn}");
        out.push((turn * 100, json!({"type":"response.created","event_id":"e","response":{"object":"realtime.response","id":resp,"status":"in_progress","output":[]}}).to_string()));
        for i in 0..7 {
            let mut d = delta(&item, 0, &format!("w{i}"));
            d["response_id"] = json!(resp);
            out.push((turn * 100 + i + 1, d.to_string()));
        }
        out.push((turn * 100 + 50, "garbage".to_string()));
        out.push((turn * 100 + 60, json!({"type":"response.done","event_id":"e","response":{"object":"realtime.response","id":resp,"status":"completed","output":[]}}).to_string()));
    }
    out
}

#[test]
fn incremental_filtering_equals_filtering_from_scratch() {
    let events = stream();
    check_incremental(Filter::default(), &events);
    check_incremental(
        Filter {
            dir: Some(Direction::Server),
            ..Filter::default()
        },
        &events,
    );
    check_incremental(
        Filter {
            ty: Some("response.output_text.delta".into()),
            ..Filter::default()
        },
        &events,
    );
    // Matches only some deltas of a coalesced row: the row shows once they arrive.
    check_incremental(
        Filter {
            regex: Some(regex::Regex::new("w[5-6]|garbage").unwrap()),
            ..Filter::default()
        },
        &events,
    );
    // Related: anchored on turn 1's first delta, before later turns exist.
    let mut s = Session::new(SessionOptions::default());
    for (at, raw) in &events[..12] {
        server_raw(&mut s, *at, raw);
    }
    let row = s.log().rows()[row_of(s.log().rows(), 11)];
    let anchor = Anchor::new(s.log(), row.first, row.last).expect("a delta has ids");
    let filter = Filter {
        related: Some(anchor),
        ..Filter::default()
    };
    let mut live = View::default();
    live.rebuild(&filter, s.log());
    for (at, raw) in &events[12..] {
        server_raw(&mut s, *at, raw);
        live.sync(&filter, s.log());
    }
    let mut scratch = View::default();
    scratch.rebuild(&filter, s.log());
    assert_eq!(live.rows_for_test(s.log()), scratch.rows_for_test(s.log()));
    assert_eq!(live.shown(s.log()), scratch.shown(s.log()));
    assert_eq!(
        live.shown(s.log()),
        9,
        "turn 1's created, 7 deltas and done"
    );
}

#[test]
fn the_pane_updates_its_filtered_view_as_events_arrive() {
    let mut s = Session::new(SessionOptions::default());
    let events = stream();
    let mut p = pane();
    press(&mut p, &s, KeyCode::Char('d'));
    press(&mut p, &s, KeyCode::Char('d'));
    for (at, raw) in &events {
        server_raw(&mut s, *at, raw);
        draw(&mut p, &s, 80, 24);
    }
    let t = draw(&mut p, &s, 80, 24);
    assert!(
        screen(&t).contains("40 of 40 shown [dir=server]"),
        "{}",
        screen(&t)
    );
}

#[test]
fn filters_and_the_detail_view_reach_events_whose_text_was_sealed() {
    // Enough events that the oldest ones' text has been deflated by the log.
    let mut s = demo();
    for i in 0..3_000 {
        let mut d = delta(ITEM, 1, &format!("w{i} "));
        d["event_id"] = json!(format!("event_soak{i}"));
        server(&mut s, 2_000 + i, d);
    }
    assert!(s.log().footprint().text_sealed > 0, "no text was sealed");
    let mut p = pane();
    press(&mut p, &s, KeyCode::Char('/'));
    // In raw only, and only in the demo's opening events.
    type_text(&mut p, &s, "conv_rQOs");
    press(&mut p, &s, KeyCode::Enter);
    let t = draw(&mut p, &s, 80, 24);
    assert!(
        screen(&t).contains("2 of 3,026 shown [/conv_rQOs/]"),
        "{}",
        screen(&t)
    );
    press(&mut p, &s, KeyCode::Char('c'));
    // The row's first delta (sealed) and, stepped to, its last (not yet sealed).
    press(&mut p, &s, KeyCode::End);
    press(&mut p, &s, KeyCode::Enter);
    let text = screen(&draw(&mut p, &s, 120, 40));
    assert!(text.contains("event_soak0\""), "{text}");
    assert!(text.contains("delta 1 of 3,000 in this row"), "{text}");
    for _ in 0..2_999 {
        press(&mut p, &s, KeyCode::Right);
    }
    let text = screen(&draw(&mut p, &s, 120, 40));
    assert!(text.contains("event_soak2999\""), "{text}");
    assert!(text.contains("delta 3,000 of 3,000 in this row"), "{text}");
}

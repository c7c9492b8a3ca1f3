use std::borrow::Cow;

use super::*;
use crate::protocol::error_help::ErrorHelp;

fn delta(i: usize, item: &str) -> LogEntry {
    LogEntry {
        seq: 0,
        at_ms: i as u64,
        dir: Direction::Server,
        kind: EntryKind::Event,
        type_name: Cow::Borrowed("response.output_text.delta"),
        beta: false,
        injected: false,
        summary: format!("{item} \"w{i}\""),
        raw: format!(
            r#"{{"type":"response.output_text.delta","event_id":"event_{i}","response_id":"resp_1","item_id":"{item}","output_index":0,"content_index":0,"delta":"w{i} ✓"}}"#
        ),
        response_id: Some("resp_1".into()),
        item_id: Some(item.into()),
        call_id: None,
        help: None,
        delta_of: Some((item.into(), 0)),
    }
}

fn other(i: usize, ty: &str) -> LogEntry {
    LogEntry {
        seq: 0,
        at_ms: i as u64,
        dir: Direction::Local,
        kind: EntryKind::Unknown,
        type_name: Cow::Owned(ty.to_string()),
        beta: true,
        injected: false,
        summary: String::new(),
        raw: "not json \u{1b}[31m".into(),
        response_id: None,
        item_id: None,
        call_id: Some(format!("call_{i}")),
        help: Some(ErrorHelp {
            explanation: "why".into(),
            fix: "do this".into(),
        }),
        delta_of: None,
    }
}

#[test]
fn every_entry_comes_back_as_pushed_after_its_text_is_sealed() {
    let mut log = EventLog::default();
    let mut pushed = Vec::new();
    for i in 0..20_000 {
        let mut e = if i % 97 == 0 {
            other(i, "vendor.thing")
        } else {
            delta(i, if i % 1000 < 500 { "item_a" } else { "item_b" })
        };
        e.seq = log.push(e.clone());
        assert_eq!(e.seq, i);
        pushed.push(e);
    }
    let held = log.footprint();
    assert!(held.text_sealed > 0, "the text must have been sealed");
    let raw: usize = pushed.iter().map(|e| e.raw.len() + e.summary.len()).sum();
    assert!(held.text_sealed + held.text_open < raw / 3);
    for i in (0..pushed.len()).rev().step_by(13).chain(0..50) {
        assert_eq!(log.get(i).as_ref(), Some(&pushed[i]), "entry {i}");
    }
    assert_eq!(log.iter().count(), pushed.len());
    assert_eq!(log.last().as_ref(), pushed.last());
    assert_eq!(log.get(pushed.len()), None);
    let m = log.meta(97).unwrap();
    assert_eq!(
        (m.type_name, m.dir, m.kind),
        ("vendor.thing", Direction::Local, EntryKind::Unknown)
    );
    assert_eq!(log.help_of(97).map(|h| h.fix.as_str()), Some("do this"));
    assert_eq!(log.help_of(98), None);
}

#[test]
fn deltas_of_one_part_fold_into_a_row_and_relate_by_their_ids() {
    let mut log = EventLog::default();
    for i in 0..3 {
        log.push(delta(i, "item_a"));
    }
    log.push(other(3, "x"));
    log.push(delta(4, "item_a"));
    log.push(delta(5, "item_b"));
    let counts: Vec<usize> = log.rows().iter().map(|r| r.count).collect();
    assert_eq!(counts, [3, 1, 1, 1]);
    // Same response id: all deltas; the note shares nothing.
    assert_eq!(log.related(0), [0, 1, 2, 4, 5]);
    assert_eq!(log.related(3), [3]);
    assert!(log.relation(3).is_some_and(|r| !r.is_empty()));
    let rel = log.relation(5).unwrap();
    assert!(log.relates_to(0, &rel) && !log.relates_to(3, &rel));
}

//! An app's session relayed by `rtconsole proxy`, as the core sees it: the app's
//! events are logged as the app's, what the proxy's user sends is logged as
//! injected (live, and when a recording of the relay is replayed), and neither
//! shows a credential.

mod common;

use common::{EK, SK_PROJ};
use rtconsole::protocol::Direction;
use rtconsole::session::{
    Effect, EntryKind, Input, Session, SessionOptions, TransportStatus, INJECTED_NOTE,
};
use serde_json::json;

fn relayed() -> Session {
    let mut s = Session::new(SessionOptions::default());
    s.set_relayed(true);
    s.handle(Input::Transport {
        at_ms: 0,
        status: TransportStatus::ChannelOpen,
    })
    .clear();
    s
}

/// (type, injected) of every client entry.
fn client_entries(s: &Session) -> Vec<(String, bool)> {
    s.log()
        .iter()
        .filter(|e| e.dir == Direction::Client)
        .map(|e| (e.type_name.to_string(), e.injected))
        .collect()
}

#[test]
fn the_apps_events_are_its_own_and_typed_ones_are_injected() {
    let mut s = relayed();
    let fx = s.handle(Input::Sent {
        at_ms: 1,
        raw: json!({"type": "session.update", "session": {"type": "realtime"}}).to_string(),
    });
    assert!(fx.is_empty(), "the app's event is not sent again: {fx:?}");
    let fx = s.handle(Input::SendText {
        at_ms: 2,
        text: r#"{"type":"response.create"}"#.into(),
    });
    assert!(
        matches!(&fx[..], [Effect::Send { text }] if text == r#"{"type":"response.create"}"#),
        "{fx:?}"
    );
    assert_eq!(
        client_entries(&s),
        vec![
            ("session.update".to_string(), false),
            ("response.create".to_string(), true)
        ]
    );
    // The mark precedes the injected event, as in the proxy's recordings.
    let types: Vec<String> = s.log().iter().map(|e| e.type_name.to_string()).collect();
    let at = types
        .iter()
        .position(|t| t == INJECTED_NOTE)
        .expect("a mark");
    assert_eq!(types[at + 1], "response.create", "{types:?}");
    // The app's next event is its own again.
    s.handle(Input::Sent {
        at_ms: 3,
        raw: r#"{"type":"input_audio_buffer.clear"}"#.into(),
    })
    .clear();
    assert_eq!(
        client_entries(&s).last(),
        Some(&("input_audio_buffer.clear".to_string(), false))
    );
}

#[test]
fn an_invalid_typed_event_is_rejected_without_an_injected_mark() {
    let mut s = relayed();
    let fx = s.handle(Input::SendText {
        at_ms: 1,
        text: r#"{"type":"response.create""#.into(),
    });
    assert!(matches!(&fx[..], [Effect::Rejected { .. }]), "{fx:?}");
    assert!(s.log().iter().all(|e| e.type_name != INJECTED_NOTE));
    assert_eq!(s.log().last().unwrap().kind, EntryKind::Rejected);
    // The next event the app sends is not taken for an injected one.
    s.handle(Input::Sent {
        at_ms: 2,
        raw: r#"{"type":"response.create"}"#.into(),
    })
    .clear();
    assert_eq!(
        client_entries(&s),
        vec![("response.create".to_string(), false)]
    );
}

#[test]
fn a_replayed_recording_of_the_relay_shows_the_injected_event_as_injected() {
    // What `rtconsole open` feeds from `proxy --record`: a note, then the event.
    let mut s = Session::new(SessionOptions::default());
    let inputs = [
        Input::Sent {
            at_ms: 1,
            raw: r#"{"type":"response.create"}"#.into(),
        },
        Input::Note {
            at_ms: 2,
            note: json!({"type": INJECTED_NOTE}),
        },
        Input::Sent {
            at_ms: 2,
            raw: r#"{"type":"response.cancel"}"#.into(),
        },
    ];
    for input in inputs {
        s.handle(input).clear();
    }
    assert_eq!(
        client_entries(&s),
        vec![
            ("response.create".to_string(), false),
            ("response.cancel".to_string(), true)
        ]
    );
}

#[test]
fn credentials_in_relayed_and_injected_events_are_not_logged() {
    let mut s = relayed();
    s.handle(Input::Sent {
        at_ms: 1,
        raw: json!({"type": "session.update", "session": {"type": "realtime",
            "instructions": format!("my key is {SK_PROJ}")}})
        .to_string(),
    })
    .clear();
    let fx = s.handle(Input::SendText {
        at_ms: 2,
        text: json!({"type": "session.update", "session": {"type": "realtime",
            "instructions": format!("secret {EK}")}})
        .to_string(),
    });
    // The wire gets what was typed; the log gets it redacted.
    assert!(
        matches!(&fx[..], [Effect::Send { text }] if text.contains(EK)),
        "{fx:?}"
    );
    s.handle(Input::Note {
        at_ms: 3,
        note: json!({"type": "local.proxy.http", "path": "/v1/realtime/client_secrets",
            "response": {"value": EK}}),
    })
    .clear();
    for e in s.log().iter() {
        for text in [&e.raw, &e.summary] {
            assert!(!text.contains(SK_PROJ) && !text.contains(EK), "{text}");
        }
    }
}

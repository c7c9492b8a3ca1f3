//! The core's side of the fault table: audio that stops while the server says it
//! is speaking, and a call that ends in the middle of a response.

use rtconsole::session::{
    Effect, Input, NoticeLevel, Phase, Session, SessionOptions, TransportStats, TransportStatus,
};
use serde_json::json;

fn session() -> Session {
    let mut s = Session::new(SessionOptions::default());
    s.set_stall_after(Some(3_000));
    s
}

fn server(s: &mut Session, at: u64, v: serde_json::Value) -> Vec<Effect> {
    s.handle(Input::Server {
        at_ms: at,
        raw: v.to_string(),
    })
}

/// A statistics sample at `at` whose last RTP packet came at `last_audio`.
fn sample(s: &mut Session, at: u64, last_audio: Option<u64>) -> Vec<Effect> {
    s.handle(Input::Transport {
        at_ms: at,
        status: TransportStatus::Stats(TransportStats {
            last_audio_ms: last_audio,
            ..TransportStats::default()
        }),
    })
}

fn created(s: &mut Session, at: u64) {
    server(
        s,
        at,
        json!({"type": "response.created", "event_id": "e1",
            "response": {"id": "resp_1", "object": "realtime.response", "status": "in_progress", "output": []}}),
    );
}

fn audio(s: &mut Session, at: u64, what: &str) {
    server(
        s,
        at,
        json!({"type": format!("output_audio_buffer.{what}"), "event_id": format!("a{at}"), "response_id": "resp_1"}),
    );
}

fn warned(fx: &[Effect]) -> bool {
    fx.iter().any(|f| {
        matches!(f, Effect::Notice { level: NoticeLevel::Warning, text } if text.contains("no audio from the server") && text.contains("resp_1"))
    })
}

#[test]
fn audio_that_stops_while_the_server_speaks_is_warned_once() {
    let mut s = session();
    created(&mut s, 0);
    audio(&mut s, 100, "started");
    // Packets keep coming: at each sample the last one is recent.
    for at in [2_000, 4_000, 6_000] {
        assert!(!warned(&sample(&mut s, at, Some(at - 20))), "at {at}");
    }
    // They stop at 6 s: quiet, but not yet for 3 s…
    assert!(!warned(&sample(&mut s, 8_000, Some(5_980))));
    // …then it is.
    assert!(warned(&sample(&mut s, 10_000, Some(5_980))));
    assert!(!warned(&sample(&mut s, 12_000, Some(5_980))), "once");
    let note = s.log().iter().find(|e| e.type_name == "local.audio_stall");
    assert!(note.is_some(), "a local.audio_stall note is logged");
}

#[test]
fn audio_that_never_comes_counts_from_started_and_old_packets_do_not_count() {
    let mut s = session();
    created(&mut s, 0);
    // A packet of an earlier response, long before this one started.
    audio(&mut s, 10_000, "started");
    assert!(!warned(&sample(&mut s, 12_000, Some(500))));
    assert!(warned(&sample(&mut s, 14_000, Some(500))));
}

#[test]
fn no_audio_warning_when_the_server_is_not_speaking_or_the_watch_is_off() {
    let mut s = session();
    created(&mut s, 0);
    audio(&mut s, 100, "started");
    audio(&mut s, 1_000, "stopped");
    assert!(!warned(&sample(&mut s, 20_000, Some(900))), "stopped");
    audio(&mut s, 21_000, "started");
    audio(&mut s, 21_500, "cleared");
    assert!(!warned(&sample(&mut s, 40_000, Some(21_400))), "cleared");
    let mut off = session();
    off.set_stall_after(None);
    audio(&mut off, 0, "started");
    assert!(!warned(&sample(&mut off, 60_000, None)), "turned off");
}

#[test]
fn a_close_during_a_response_says_it_was_cut_short() {
    let mut s = session();
    created(&mut s, 0);
    let _ = s.handle(Input::Transport {
        at_ms: 500,
        status: TransportStatus::Closed {
            reason: "the server closed the data channel".into(),
        },
    });
    match s.phase() {
        Phase::Closed(why) => {
            assert!(
                why.starts_with("the server closed the data channel"),
                "{why}"
            );
            assert!(
                why.contains("response resp_1 was in progress and is cut short"),
                "{why}"
            );
        }
        other => panic!("{other:?}"),
    }
    // Between responses the reason stands alone.
    let mut idle = session();
    let _ = idle.handle(Input::Transport {
        at_ms: 1,
        status: TransportStatus::Closed {
            reason: "script finished".into(),
        },
    });
    assert_eq!(idle.phase(), &Phase::Closed("script finished".into()));
}

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use serde_json::json;

use super::*;
use crate::session::Session;
use crate::tui::pane::{AudioStatus, ConnInfo};
use crate::tui::panes::test_support::*;

struct Env {
    theme: Theme,
    conn: ConnInfo,
    audio: AudioStatus,
}

impl Env {
    fn new() -> Self {
        Env {
            theme: Theme::default(),
            conn: conn(),
            audio: audio(),
        }
    }

    fn ctx<'a>(&'a self, session: &'a Session) -> PaneCtx<'a> {
        PaneCtx {
            session,
            theme: &self.theme,
            focused: true,
            conn: &self.conn,
            audio: &self.audio,
            meters: None,
        }
    }

    fn draw(
        &self,
        pane: &mut TranscriptPane,
        s: &Session,
        w: u16,
        h: u16,
    ) -> Terminal<TestBackend> {
        let mut term = terminal(w, h);
        term.draw(|f| pane.render(f, f.area(), &self.ctx(s)))
            .unwrap();
        term
    }

    fn key(&self, pane: &mut TranscriptPane, s: &Session, code: KeyCode) -> PaneReply {
        pane.on_key(KeyEvent::new(code, KeyModifiers::NONE), &self.ctx(s))
    }
}

/// Both standard sizes, each with a fresh pane (following the bottom).
fn snap_both(name: &str, s: &Session) {
    let env = Env::new();
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let term = env.draw(&mut TranscriptPane::new(), s, w, h);
        assert!(!screen_text(&term).contains('\u{1b}'), "raw ESC on screen");
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), term.backend());
    }
}

/// `n` typed turns, each answered, so the conversation is taller than any pane.
fn long_session(n: usize) -> Session {
    let mut s = open_session();
    let mut prev = json!(null);
    for i in 0..n {
        let at = 1_000 + i as u64 * 1_000;
        let (u, a, r) = (
            format!("item_u{i}"),
            format!("item_a{i}"),
            format!("resp_{i}"),
        );
        user_text(
            &mut s,
            at,
            &u,
            prev,
            &format!("question {i}: how far is the moon?"),
        );
        response_created(&mut s, at + 50, &r);
        let answer = format!("answer {i}: about 384,400 km on average.");
        assistant_stream(&mut s, at + 100, &r, &a, json!(u), false, &[&answer]);
        assistant_done(&mut s, at + 400, &r, &a, json!(u), &answer);
        prev = json!(a);
    }
    s
}

#[test]
fn conversation_in_order_with_late_transcript_call_and_streaming() {
    let s = conversation_session();
    snap_both("transcript_conversation", &s);
    let env = Env::new();
    let term = env.draw(&mut TranscriptPane::new(), &s, 120, 40);
    let text = screen_text(&term);
    // The late transcript sits on its own turn, before the reply to it.
    let asked = text
        .find("And what about tomorrow?")
        .expect("late transcript shown");
    let reply = text.find("Tomorrow looks rainy").expect("reply shown");
    assert!(asked < reply);
    assert!(text.contains("generate_horoscope({\"sign\":\"Aquarius\"})"));
    assert!(text.contains("call_sHlR7iaFwQ2YQOqm"));
    assert!(text.contains(layout::CURSOR), "streaming item has a cursor");
}

#[test]
fn pending_and_failed_transcriptions_are_said_so() {
    let mut s = open_session();
    user_audio(&mut s, 1_000, "item_u1", json!(null));
    user_audio(&mut s, 5_000, "item_u2", json!("item_u1"));
    server(
        &mut s,
        8_000,
        json!({"type":"conversation.item.input_audio_transcription.failed","event_id":"event_f",
            "item_id":"item_u2","content_index":0,"error":{"type":"transcription_error",
            "code":"audio_unintelligible","message":"The audio could not be transcribed.","param":null}}),
    );
    snap_both("transcript_pending_failed", &s);
    let text = screen_text(&Env::new().draw(&mut TranscriptPane::new(), &s, 120, 40));
    assert!(text.contains("(transcribing…)"));
    assert!(text.contains("audio_unintelligible: The audio could not be transcribed."));
}

#[test]
fn hostile_control_characters_are_shown_not_obeyed() {
    let mut s = open_session();
    user_text(
        &mut s,
        1_000,
        "item_u1",
        json!(null),
        "clear\u{1b}[2J title\u{1b}]0;pwned\u{7} bell\u{7} tab\there",
    );
    response_created(&mut s, 1_050, "resp_1");
    assistant_stream(
        &mut s,
        1_100,
        "resp_1",
        "item_a1",
        json!("item_u1"),
        false,
        &["red\u{1b}[31m", "\r\nline two\u{9b}31m c1"],
    );
    snap_both("transcript_hostile", &s);
    let text = screen_text(&Env::new().draw(&mut TranscriptPane::new(), &s, 80, 24));
    assert!(text.contains("␛[2J"), "{text}");
    assert!(!text.chars().any(|c| c.is_control()), "{text:?}");
}

#[test]
fn a_ten_thousand_char_delta_lays_out_once_and_shows_its_end() {
    let mut s = open_session();
    user_text(
        &mut s,
        1_000,
        "item_u1",
        json!(null),
        "Tell me a long story.",
    );
    response_created(&mut s, 1_050, "resp_1");
    let words = [
        "once ", "upon ", "a ", "time ", "there ", "was ", "a ", "delta ",
    ];
    let mut big: String = words.iter().cycle().take(3_000).copied().collect();
    big.truncate(9_990);
    big.push_str(" THE END.");
    assert!(big.chars().count() >= 9_999);
    assistant_stream(
        &mut s,
        1_100,
        "resp_1",
        "item_a1",
        json!("item_u1"),
        false,
        &[&big],
    );
    snap_both("transcript_10k_delta", &s);

    let env = Env::new();
    let mut pane = TranscriptPane::new();
    let term = env.draw(&mut pane, &s, 80, 24);
    assert!(screen_text(&term).contains("THE END."));
    let after_first = pane.layouts();
    assert!(after_first <= 2, "laid out {after_first} items");
    // Nothing changed: the next frame is served from the cache.
    env.draw(&mut pane, &s, 80, 24);
    assert_eq!(pane.layouts(), after_first);
    // One more delta: only the streaming item is laid out again.
    server(
        &mut s,
        5_000,
        json!({"type":"response.output_text.delta","event_id":"e","response_id":"resp_1",
            "item_id":"item_a1","output_index":0,"content_index":0,"delta":" Really."}),
    );
    env.draw(&mut pane, &s, 80, 24);
    assert_eq!(pane.layouts(), after_first + 1);
}

#[test]
fn hundreds_of_items_lay_out_only_what_is_visible() {
    let s = long_session(300);
    let env = Env::new();
    let mut pane = TranscriptPane::new();
    let term = env.draw(&mut pane, &s, 80, 24);
    assert!(screen_text(&term).contains("answer 299"));
    // 22 rows hold a handful of three-row items, not 600 of them.
    assert!(pane.layouts() <= 10, "laid out {}", pane.layouts());
}

#[test]
fn following_stops_on_scroll_up_holds_still_and_resumes_on_end() {
    let mut s = long_session(12);
    let env = Env::new();
    let mut pane = TranscriptPane::new();
    let following = env.draw(&mut pane, &s, 80, 24);
    assert!(pane.following());
    insta::assert_snapshot!("transcript_following_80x24", following.backend());

    assert_eq!(env.key(&mut pane, &s, KeyCode::PageUp), PaneReply::Handled);
    assert!(!pane.following());
    let scrolled = env.draw(&mut pane, &s, 80, 24);
    insta::assert_snapshot!("transcript_scrolled_80x24", scrolled.backend());

    // A new turn arrives while scrolled: the view does not move.
    user_text(
        &mut s,
        60_000,
        "item_new",
        json!("item_a11"),
        "one more thing",
    );
    let still = env.draw(&mut pane, &s, 80, 24);
    assert_eq!(screen_text(&still), screen_text(&scrolled));

    assert_eq!(env.key(&mut pane, &s, KeyCode::End), PaneReply::Handled);
    assert!(pane.following());
    let back = env.draw(&mut pane, &s, 80, 24);
    assert!(screen_text(&back).contains("one more thing"));

    // The larger size, scrolled to the top.
    let mut big = TranscriptPane::new();
    env.draw(&mut big, &s, 120, 40);
    env.key(&mut big, &s, KeyCode::Home);
    let top = env.draw(&mut big, &s, 120, 40);
    insta::assert_snapshot!("transcript_home_120x40", top.backend());
    assert!(screen_text(&top).contains("question 0:"));
}

#[test]
fn scrolling_down_to_the_bottom_resumes_following() {
    let s = long_session(12);
    let env = Env::new();
    let mut pane = TranscriptPane::new();
    env.draw(&mut pane, &s, 80, 24);
    for _ in 0..3 {
        env.key(&mut pane, &s, KeyCode::Up);
    }
    assert!(!pane.following());
    let up3 = screen_text(&env.draw(&mut pane, &s, 80, 24));
    env.key(&mut pane, &s, KeyCode::Down);
    env.key(&mut pane, &s, KeyCode::Up);
    assert_eq!(screen_text(&env.draw(&mut pane, &s, 80, 24)), up3);
    for _ in 0..3 {
        env.key(&mut pane, &s, KeyCode::Down);
    }
    assert!(pane.following());
    // PgDn while following, and keys that are not the transcript's.
    assert_eq!(
        env.key(&mut pane, &s, KeyCode::PageDown),
        PaneReply::Handled
    );
    assert_eq!(
        env.key(&mut pane, &s, KeyCode::Char('x')),
        PaneReply::Ignored
    );
}

#[test]
fn a_short_conversation_cannot_scroll_away_from_the_end() {
    let s = conversation_session();
    let env = Env::new();
    let mut pane = TranscriptPane::new();
    env.draw(&mut pane, &s, 120, 40);
    env.key(&mut pane, &s, KeyCode::PageUp);
    env.draw(&mut pane, &s, 120, 40);
    assert!(pane.following());
}

#[test]
fn truncated_items_are_marked() {
    let mut s = conversation_session();
    server(
        &mut s,
        12_000,
        json!({"type":"conversation.item.truncated","event_id":"event_t","item_id":"item_a2",
            "content_index":0,"audio_end_ms":1500}),
    );
    let text = screen_text(&Env::new().draw(&mut TranscriptPane::new(), &s, 120, 40));
    assert!(text.contains("✂ truncated at 1.50s of audio"), "{text}");
}

#[test]
fn roles_are_drawn_in_their_theme_colours() {
    let s = conversation_session();
    let env = Env::new();
    let term = env.draw(&mut TranscriptPane::new(), &s, 120, 40);
    let buf = term.backend().buffer();
    let colour_of = |label: &str| {
        let area = buf.area;
        for y in 0..area.height {
            let row: String = (0..area.width).map(|x| buf[(x, y)].symbol()).collect();
            if row.starts_with(&format!("│ {label} ·")) {
                return buf[(2, y)].fg;
            }
        }
        panic!("no {label} header");
    };
    assert_eq!(colour_of("you"), env.theme.transcript_user);
    assert_eq!(colour_of("assistant"), env.theme.transcript_assistant);
    assert_eq!(colour_of("call"), env.theme.transcript_tool);
    assert_eq!(colour_of("output"), env.theme.transcript_tool);
}

#[test]
fn an_empty_conversation_says_so() {
    let s = open_session();
    let term = Env::new().draw(&mut TranscriptPane::new(), &s, 80, 24);
    assert!(screen_text(&term).contains("no conversation yet"));
}

#[test]
fn y_copies_the_newest_item_or_the_top_one_when_scrolled() {
    use crate::tui::clipboard::take_last;
    let s = long_session(12);
    let env = Env::new();
    let mut pane = TranscriptPane::new();
    env.draw(&mut pane, &s, 80, 24);
    let PaneReply::Notice(note) = env.key(&mut pane, &s, KeyCode::Char('y')) else {
        panic!("no notice")
    };
    assert!(note.starts_with("copied the assistant item"), "{note}");
    assert_eq!(
        take_last().as_deref(),
        Some("answer 11: about 384,400 km on average.")
    );
    env.key(&mut pane, &s, KeyCode::Home);
    env.draw(&mut pane, &s, 80, 24);
    env.key(&mut pane, &s, KeyCode::Char('y'));
    assert_eq!(
        take_last().as_deref(),
        Some("question 0: how far is the moon?")
    );
    let empty = TranscriptPane::new().on_key(
        KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE),
        &env.ctx(&open_session()),
    );
    assert_eq!(
        empty,
        PaneReply::Notice("no conversation item to copy yet".into())
    );
}

#[test]
fn diarized_segments_and_logprobs_are_shown_under_the_transcript() {
    let mut s = open_session();
    user_audio(&mut s, 1_000, "item_u1", json!(null));
    for (i, (who, text, start, end)) in
        [("A", "Hi there.", 0.0, 0.8), ("B", "Hello back!", 0.8, 2.0)]
            .into_iter()
            .enumerate()
    {
        server(
            &mut s,
            2_000 + i as u64,
            json!({"type":"conversation.item.input_audio_transcription.segment","event_id":format!("event_s{i}"),
                "item_id":"item_u1","content_index":0,"id":format!("seg_{i}"),"speaker":who,"text":text,
                "start":start,"end":end}),
        );
    }
    server(
        &mut s,
        3_000,
        json!({"type":"conversation.item.input_audio_transcription.completed","event_id":"event_c",
            "item_id":"item_u1","content_index":0,"transcript":"Hi there. Hello back!",
            "logprobs":[{"token":"Hi","logprob":-0.01,"bytes":[72,105]},{"token":" back","logprob":-0.9,"bytes":[]}],
            "usage":{"type":"duration","seconds":2.0}}),
    );
    let text = screen_text(&Env::new().draw(&mut TranscriptPane::new(), &s, 120, 40));
    assert!(text.contains("A 0.0–0.8s  Hi there."), "{text}");
    assert!(text.contains("B 0.8–2.0s  Hello back!"), "{text}");
    // exp(mean(-0.01, -0.9)) = 63%; the least sure token is " back" at exp(-0.9) = 41%.
    assert!(
        text.contains("confidence 63% · least sure: \"back\" 41%"),
        "{text}"
    );
}

#[test]
fn with_transcription_off_a_spoken_turn_is_not_said_to_be_transcribing() {
    let mut s = open_session();
    server(
        &mut s,
        500,
        json!({"type":"session.updated","event_id":"event_u","session":{"type":"realtime",
            "audio":{"input":{"transcription":null}}}}),
    );
    user_audio(&mut s, 1_000, "item_u1", json!(null));
    let text = screen_text(&Env::new().draw(&mut TranscriptPane::new(), &s, 120, 40));
    assert!(text.contains("(audio, no transcript)"), "{text}");
    assert!(!text.contains("(transcribing…)"), "{text}");
}

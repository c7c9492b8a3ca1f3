use ratatui::backend::TestBackend;
use ratatui::Terminal;
use serde_json::json;

use super::*;
use crate::session::Session;
use crate::tui::pane::{AudioStatus, ConnInfo};
use crate::tui::panes::test_support::*;

fn level(rms: f32, peak: f32) -> Level {
    Level {
        rms_dbfs: rms,
        peak_dbfs: peak,
    }
}

struct Env {
    theme: Theme,
    conn: ConnInfo,
    audio: AudioStatus,
    meters: Meters,
    no_meters: bool,
}

impl Env {
    fn new() -> Self {
        Env {
            theme: Theme::default(),
            conn: conn(),
            audio: audio(),
            meters: Meters::default(),
            no_meters: false,
        }
    }

    fn ctx<'a>(&'a self, session: &'a Session) -> PaneCtx<'a> {
        PaneCtx {
            session,
            theme: &self.theme,
            focused: false,
            conn: &self.conn,
            audio: &self.audio,
            meters: (!self.no_meters).then_some(&self.meters),
        }
    }

    fn draw(&self, pane: &mut MetersPane, s: &Session, w: u16, h: u16) -> Terminal<TestBackend> {
        let mut term = terminal(w, h);
        term.draw(|f| pane.render(f, f.area(), &self.ctx(s)))
            .unwrap();
        term
    }

    fn wants(&self, pane: &MetersPane) -> bool {
        pane.wants_frame((!self.no_meters).then_some(&self.meters))
    }
}

fn snap_both(name: &str, env: &Env, s: &Session) {
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let term = env.draw(&mut MetersPane::new(), s, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), term.backend());
    }
}

/// A session in which the user started speaking at 4 s.
fn speaking_session(now: u64) -> Session {
    let mut s = open_session();
    server(
        &mut s,
        4_000,
        json!({"type":"input_audio_buffer.speech_started","event_id":"event_UPCTfxzQZS2h64V9vScGd",
            "audio_start_ms":3_700,"item_id":"item_FypGxvsYTH60MUH16FeXW"}),
    );
    tick(&mut s, now);
    s
}

#[test]
fn silence() {
    let env = Env::new();
    env.meters.mic.store(Level::SILENCE);
    env.meters.speaker.store(level(-78.0, -71.0));
    let s = open_session();
    snap_both("meters_silence", &env, &s);
    let text = screen_text(&env.draw(&mut MetersPane::new(), &s, 80, 24));
    assert!(text.contains("<-60 pk  <-60"), "{text}");
    assert!(text.contains("no speech yet"));
}

#[test]
fn speech() {
    let env = Env::new();
    env.meters.mic.store(level(-22.4, -9.6));
    env.meters.speaker.store(level(-31.0, -17.5));
    let s = speaking_session(7_200);
    snap_both("meters_speech", &env, &s);
    let text = screen_text(&env.draw(&mut MetersPane::new(), &s, 80, 24));
    assert!(text.contains("speech ▶ 3.2s"), "{text}");
    assert!(text.contains("-22.4 pk  -9.6"), "{text}");
}

#[test]
fn clipping_and_vad_stopped() {
    let env = Env::new();
    env.meters.mic.store(level(-2.8, 0.0));
    env.meters.speaker.store(level(-12.0, -3.0));
    let mut s = speaking_session(5_000);
    server(
        &mut s,
        6_300,
        json!({"type":"input_audio_buffer.speech_stopped","event_id":"event_sp",
            "audio_end_ms":6_000,"item_id":"item_FypGxvsYTH60MUH16FeXW"}),
    );
    snap_both("meters_clipping", &env, &s);
    let term = env.draw(&mut MetersPane::new(), &s, 80, 24);
    let text = screen_text(&term);
    assert!(text.contains("CLIP"), "{text}");
    assert!(text.contains("■ stopped after 2.3s of speech"), "{text}");
    // The clip mark is drawn in the clip colour.
    let buf = term.backend().buffer();
    let (x, y) = find_cell(buf, "CLIP").expect("CLIP on screen");
    assert_eq!(buf[(x, y)].fg, env.theme.meter_clip);
}

/// The cell where `text` starts (cells of width 1 only).
fn find_cell(buf: &ratatui::buffer::Buffer, text: &str) -> Option<(u16, u16)> {
    let want: Vec<char> = text.chars().collect();
    for y in 0..buf.area.height {
        let row: Vec<char> = (0..buf.area.width)
            .map(|x| buf[(x, y)].symbol().chars().next().unwrap_or(' '))
            .collect();
        if let Some(x) = row.windows(want.len()).position(|w| w == want.as_slice()) {
            return Some((x as u16, y));
        }
    }
    None
}

#[test]
fn muted_and_talking() {
    let mut env = Env::new();
    env.audio.mic_muted = true;
    env.audio.speaker_muted = true;
    env.audio.talking = true;
    env.meters.mic.store(level(-40.0, -30.0));
    env.meters.speaker.store(level(-25.0, -14.0));
    let s = open_session();
    snap_both("meters_muted", &env, &s);
    let text = screen_text(&env.draw(&mut MetersPane::new(), &s, 80, 24));
    assert!(text.contains("MIC MUTED") && text.contains("SPEAKER MUTED"));
    assert!(text.contains("TALKING (push-to-talk)"));
}

#[test]
fn no_input_device_and_no_audio_at_all() {
    let mut env = Env::new();
    env.audio.input = "no input device — text only".into();
    env.meters.speaker.store(level(-35.0, -20.0));
    let s = open_session();
    snap_both("meters_no_device", &env, &s);
    let text = screen_text(&env.draw(&mut MetersPane::new(), &s, 80, 24));
    assert!(text.contains("no input device — text only"));
    assert!(text.contains("— no audio yet"));

    env.no_meters = true;
    env.audio.output = "no output device".into();
    let text = screen_text(&env.draw(&mut MetersPane::new(), &s, 80, 24));
    assert!(text.contains("no audio"), "{text}");
    assert!(!env.wants(&MetersPane::new()));
}

#[test]
fn echo_warning_half_duplex_and_underruns() {
    let mut env = Env::new();
    env.audio.echo_suspected = true;
    env.audio.half_duplex = true;
    env.audio.underruns = 3;
    env.meters.mic.store(level(-24.0, -12.0));
    env.meters.speaker.store(level(-23.0, -11.0));
    let s = open_session();
    snap_both("meters_echo", &env, &s);
    let text = screen_text(&env.draw(&mut MetersPane::new(), &s, 80, 24));
    assert!(text.contains("mic follows speaker: use headphones or half-duplex (--half-duplex)"));
    assert!(text.contains("playback underruns: 3"));
}

#[test]
fn wants_frame_is_false_while_blocks_do_not_change() {
    let env = Env::new();
    let mut s = open_session();
    let mut pane = MetersPane::new();
    // No audio yet at all.
    env.draw(&mut pane, &s, 80, 24);
    assert!(!env.wants(&pane));
    // Silence flowing: blocks move but nothing drawn would change.
    env.meters.mic.store(Level::SILENCE);
    assert!(env.wants(&pane), "first block replaces the placeholder");
    env.draw(&mut pane, &s, 80, 24);
    assert!(!env.wants(&pane));
    for _ in 0..50 {
        env.meters.mic.store(level(-75.0, -68.0));
        assert!(!env.wants(&pane));
    }
    // Idle: no blocks, no time passing, many polls.
    for _ in 0..100 {
        assert!(!env.wants(&pane));
    }
    // Speech: a block that reads differently wants a frame.
    env.meters.mic.store(level(-20.0, -8.0));
    assert!(env.wants(&pane));
    tick(&mut s, 1_000);
    env.draw(&mut pane, &s, 80, 24);
    // The level will fall to silence if no block follows: still animating …
    assert!(env.wants(&pane));
    tick(&mut s, 1_600);
    env.draw(&mut pane, &s, 80, 24);
    // … and the hold is above the (now silent) peak: it must fall.
    assert!(env.wants(&pane));
    tick(&mut s, 1_000 + HOLD_MS + 4_000);
    env.draw(&mut pane, &s, 80, 24);
    assert!(!env.wants(&pane), "decayed: quiet again");
}

#[test]
fn peak_hold_holds_then_falls_and_clip_unlatches() {
    let env = Env::new();
    let mut s = open_session();
    let mut pane = MetersPane::new();
    env.meters.mic.store(level(-3.0, 0.0));
    tick(&mut s, 1_000);
    env.draw(&mut pane, &s, 80, 24);
    assert!(env.wants(&pane), "clip latched");
    // Quieter blocks keep coming: the hold stays at the top for HOLD_MS.
    env.meters.mic.store(level(-30.0, -20.0));
    tick(&mut s, 2_000);
    let held = screen_text(&env.draw(&mut pane, &s, 80, 24));
    assert!(held.contains("CLIP"));
    env.meters.mic.store(level(-30.0, -20.0));
    tick(&mut s, 3_100);
    let later = screen_text(&env.draw(&mut pane, &s, 80, 24));
    assert!(
        !later.contains("CLIP"),
        "clip mark unlatched after {CLIP_LATCH_MS} ms"
    );
    assert_ne!(held, later, "the hold mark fell");
    // A stale clipping block does not latch again.
    tick(&mut s, 9_000);
    env.draw(&mut pane, &s, 80, 24);
    assert!(!env.wants(&pane));
}

#[test]
fn vad_marks_are_found_without_rescanning_the_log() {
    let env = Env::new();
    let mut s = speaking_session(4_500);
    let mut pane = MetersPane::new();
    env.draw(&mut pane, &s, 80, 24);
    let scanned = pane.vad.scanned;
    assert_eq!(scanned, s.log().len());
    assert!(pane.vad.speaking);
    server(
        &mut s,
        5_000,
        json!({"type":"input_audio_buffer.speech_stopped","event_id":"e","audio_end_ms":4_800,"item_id":"item_FypGxvsYTH60MUH16FeXW"}),
    );
    env.draw(&mut pane, &s, 80, 24);
    assert_eq!(pane.vad.scanned, scanned + 1);
    assert!(!pane.vad.speaking);
    assert_eq!(pane.vad.stopped_ms, Some(5_000));
}

use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

use super::*;
use crate::session::{Session, SessionOptions, TransportStatus};
use crate::tui::pane::{AudioStatus, ConnInfo};
use crate::tui::panes::test_support::*;
use crate::tui::theme::Theme;

fn ctx<'a>(
    session: &'a Session,
    theme: &'a Theme,
    conn: &'a ConnInfo,
    audio: &'a AudioStatus,
) -> PaneCtx<'a> {
    PaneCtx {
        session,
        theme,
        focused: false,
        conn,
        audio,
        meters: None,
    }
}

/// A session 12 minutes in with two finished turns, usage and transport stats.
fn busy_session() -> Session {
    let mut s = conversation_session();
    stats(&mut s, 12 * 60_000 + 500, 83.4, 0);
    tick(&mut s, 12 * 60_000 + 900);
    s
}

fn draw_rows(width: u16, rows: &[(&Session, &ConnInfo)]) -> ratatui::Terminal<TestBackend> {
    let theme = Theme::default();
    let audio = audio();
    let mut term = terminal(width, rows.len() as u16);
    term.draw(|f| {
        for (i, (s, conn)) in rows.iter().enumerate() {
            let area = Rect::new(0, i as u16, width, 1);
            render_status_bar(f, area, &ctx(s, &theme, conn, &audio));
        }
    })
    .unwrap();
    term
}

fn phase_sessions() -> Vec<Session> {
    let mut out = Vec::new();
    let idle = Session::new(SessionOptions::default());
    out.push(idle);
    let mut connecting = Session::new(SessionOptions::default());
    transport(
        &mut connecting,
        0,
        TransportStatus::Connecting {
            endpoint: "api.openai.com".into(),
        },
    );
    out.push(connecting);
    let mut connected = Session::new(SessionOptions::default());
    transport(&mut connected, 300, TransportStatus::Connected);
    out.push(connected);
    out.push(open_session());
    let mut closed = open_session();
    transport(
        &mut closed,
        61 * 60_000,
        TransportStatus::Closed {
            reason: "session reached its 60 minute limit".into(),
        },
    );
    out.push(closed);
    let mut failed = Session::new(SessionOptions::default());
    transport(
        &mut failed,
        2_000,
        TransportStatus::Failed {
            reason: "ICE failed: no candidate pair succeeded\u{1b}[31m".into(),
        },
    );
    out.push(failed);
    out
}

#[test]
fn status_bar_in_each_phase_at_80_and_120() {
    let sessions = phase_sessions();
    let c = conn();
    let rows: Vec<_> = sessions.iter().map(|s| (s, &c)).collect();
    for width in [80u16, 120] {
        let term = draw_rows(width, &rows);
        insta::assert_snapshot!(format!("status_phases_{width}"), term.backend());
        assert!(!screen_text(&term).contains('\u{1b}'), "raw ESC on screen");
    }
}

#[test]
fn status_bar_drops_least_important_fields_as_width_shrinks() {
    let s = busy_session();
    let mut c = conn();
    c.recording = Some("/tmp/session-2025-08-27.jsonl".into());
    for width in [200u16, 120, 80, 60, 40, 16] {
        let term = draw_rows(width, &[(&s, &c)]);
        insta::assert_snapshot!(format!("status_full_{width}"), term.backend());
    }
    // Whatever the width, the phase and REC stay; the endpoint goes first.
    let narrow = status_text(&ctx(&s, &Theme::default(), &c, &audio()), 40);
    assert!(
        narrow.contains("● Open") && narrow.contains("REC"),
        "{narrow}"
    );
    assert!(!narrow.contains("api.openai.com"), "{narrow}");
}

#[test]
fn read_only_browsing_shows_the_mark() {
    let s = busy_session();
    let c = ConnInfo {
        endpoint: "session-2025-08-27.jsonl".into(),
        read_only: true,
        secret_expires_at_ms: None,
        call_id: None,
        ..conn()
    };
    let term = draw_rows(80, &[(&s, &c)]);
    insta::assert_snapshot!("status_read_only_80", term.backend());
    assert!(status_text(&ctx(&s, &Theme::default(), &c, &audio()), 80).contains("READ-ONLY"));
}

#[test]
fn status_text_is_exactly_what_is_drawn() {
    let s = busy_session();
    let c = conn();
    let theme = Theme::default();
    let audio = audio();
    for width in [200u16, 80, 33] {
        let term = draw_rows(width, &[(&s, &c)]);
        let drawn = screen_text(&term);
        let text = status_text(&ctx(&s, &theme, &c, &audio), width);
        assert_eq!(drawn.trim_end(), text.trim_end(), "width {width}");
    }
}

#[test]
fn idle_text_changes_only_at_minute_boundaries() {
    let mut s = busy_session();
    let c = conn();
    let theme = Theme::default();
    let audio = audio();
    let start = 13 * 60_000;
    tick(&mut s, start);
    let first = status_text(&ctx(&s, &theme, &c, &audio), 200);
    // A second-by-second tick with RTT jittering by a few ms: same text all minute.
    for sec in 1..60u64 {
        stats(&mut s, start + sec * 1000, 81.0 + (sec % 3) as f64, 0);
        tick(&mut s, start + sec * 1000 + 1);
        let text = status_text(&ctx(&s, &theme, &c, &audio), 200);
        assert_eq!(text, first, "changed at second {sec}");
    }
    tick(&mut s, start + 60_000);
    let next = status_text(&ctx(&s, &theme, &c, &audio), 200);
    assert_ne!(next, first);
    assert!(next.contains("14m/60m"), "{next}");
}

#[test]
fn secret_counts_down_in_minutes_then_says_expired() {
    let mut s = open_session();
    let theme = Theme::default();
    let audio = audio();
    let c = ConnInfo {
        secret_expires_at_ms: Some(10 * 60_000),
        ..conn()
    };
    let text = |s: &Session| status_text(&ctx(s, &theme, &c, &audio), 200);
    tick(&mut s, 60_000 + 30_000);
    assert!(text(&s).contains("secret 8m"), "{}", text(&s));
    tick(&mut s, 10 * 60_000 - 10_000);
    assert!(text(&s).contains("secret <1m"), "{}", text(&s));
    tick(&mut s, 10 * 60_000);
    assert!(text(&s).contains("secret expired"), "{}", text(&s));
}

#[test]
fn fields_show_latency_tokens_cost_and_loss() {
    let mut s = busy_session();
    stats(&mut s, 12 * 60_000 + 950, 4.2, 7);
    let text = status_text(&ctx(&s, &Theme::default(), &conn(), &audio()), 250);
    // Three responses with usage at 289 tokens each.
    assert!(text.contains("867 tok $0."), "{text}");
    assert!(text.contains("rtt <10ms loss 7"), "{text}");
    assert!(text.contains("turn 20ms"), "{text}");
    assert!(text.contains("secret expired"), "{text}");
    assert!(text.contains(MODEL), "{text}");
    assert!(text.contains("call rtc_u1_9c2f…"), "{text}");
}

#[test]
fn a_failed_phase_is_drawn_in_the_error_colour() {
    let sessions = phase_sessions();
    let failed = sessions.last().unwrap();
    let c = conn();
    let term = draw_rows(80, &[(failed, &c)]);
    let theme = Theme::default();
    let cell = &term.backend().buffer()[(3, 0)];
    assert_eq!(cell.symbol(), "F");
    assert_eq!(cell.fg, theme.log_error);
    assert_eq!(cell.bg, theme.status_bar);
}

#[test]
fn the_connect_breakdown_shows_its_total_and_on_wide_bars_its_steps() {
    let mut s = busy_session();
    transport(
        &mut s,
        12 * 60_000 + 950,
        TransportStatus::Breakdown(crate::session::ConnectBreakdown {
            secret_ms: Some(12.0),
            sdp_post_ms: Some(30.4),
            ice_connected_ms: Some(51.0),
            dtls_connected_ms: Some(60.0),
            channel_open_ms: Some(64.2),
            session_created_ms: Some(70.0),
            first_rtp_ms: Some(88.0),
            ..Default::default()
        }),
    );
    let theme = Theme::default();
    let (conn, audio) = (ConnInfo::default(), audio());
    let wide = status_text(&ctx(&s, &theme, &conn, &audio), 240);
    assert!(wide.contains("conn 64ms"), "{wide}");
    assert!(
        wide.contains("secret 12·sdp 30·ice 51·dtls 60·created 70·rtp 88"),
        "{wide}"
    );
    let narrow = status_text(&ctx(&s, &theme, &conn, &audio), 100);
    assert!(!narrow.contains("secret"), "{narrow}");
}

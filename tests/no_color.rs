//! NO_COLOR (no-color.org): with it set, the whole screen is drawn without a single
//! colour, and what colour used to tell (the selected event) is still visible.

use std::process::Command;

use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};
use ratatui::Terminal;
use rtconsole::session::{Input, Session, SessionOptions};
use rtconsole::tui::app::App;
use rtconsole::tui::pane::ConnInfo;
use rtconsole::tui::user_config::from_text;

/// The whole app, a few events in, drawn at 120×40: (fg, bg, modifiers) per cell.
fn screen(no_color: bool) -> Vec<(Color, Color, Modifier)> {
    let ui = from_text("", "config.toml", None, no_color).unwrap();
    let mut session = Session::new(SessionOptions::default());
    for (at_ms, raw) in [
        (
            10,
            r#"{"type":"session.created","event_id":"e1","session":{"type":"realtime","model":"gpt-realtime"}}"#,
        ),
        (
            20,
            r#"{"type":"error","event_id":"e2","error":{"type":"invalid_request_error","code":"x","message":"bad"}}"#,
        ),
    ] {
        let _ = session.handle(Input::Server {
            at_ms,
            raw: raw.into(),
        });
    }
    let mut app = App::new(
        session,
        ui.keymap,
        ui.theme,
        ConnInfo::default(),
        std::env::temp_dir(),
    );
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal.draw(|f| app.draw(f)).unwrap();
    let buf = terminal.backend().buffer();
    buf.content()
        .iter()
        .map(|c| (c.fg, c.bg, c.modifier))
        .collect()
}

#[test]
fn no_color_draws_the_whole_screen_without_colour() {
    let coloured = screen(false);
    assert!(
        coloured
            .iter()
            .any(|(fg, bg, _)| *fg != Color::Reset || *bg != Color::Reset),
        "the default theme has colours"
    );
    let plain = screen(true);
    assert!(
        plain
            .iter()
            .all(|(fg, bg, _)| *fg == Color::Reset && *bg == Color::Reset),
        "a colour was drawn under NO_COLOR"
    );
    // The selected event is shown by reverse video instead of a background.
    assert!(plain.iter().any(|(_, _, m)| m.contains(Modifier::REVERSED)));
}

#[test]
fn the_binary_reads_no_color_from_the_environment() {
    let config = |no_color: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rtconsole"));
        cmd.args(["--config", "/dev/null", "config"]);
        match no_color {
            Some(v) => cmd.env("NO_COLOR", v),
            None => cmd.env_remove("NO_COLOR"),
        };
        String::from_utf8(cmd.output().unwrap().stdout).unwrap()
    };
    assert!(config(Some("1")).contains("\ntext = \"reset\"\n"));
    assert!(config(None).contains("\ntext = \"white\"\n"));
    // Set but empty means not set.
    assert!(config(Some("")).contains("\ntext = \"white\"\n"));
}

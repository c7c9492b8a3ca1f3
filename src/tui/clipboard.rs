//! Copying to the system clipboard with OSC 52: the terminal (xterm, kitty,
//! WezTerm, iTerm2, Windows Terminal, tmux with `set-clipboard on`, and over SSH)
//! puts the text on the clipboard of the machine the user sits at, so nothing
//! here needs a display server.
//!
//! The sequence goes straight to the terminal only while the TUI owns it
//! ([`super::terminal::TerminalGuard`]); elsewhere (tests over a `TestBackend`)
//! the text is kept per thread for [`take_last`], so a test never writes escape
//! sequences into the terminal running it.

use std::cell::RefCell;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// The most text one copy sends. Terminals cap OSC 52 payloads (some near 100 kB
/// of base64); a bigger copy is refused with a hint rather than cut silently.
pub const MAX_BYTES: usize = 74_000;

static LIVE: AtomicBool = AtomicBool::new(false);

thread_local! {
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Marks whether the real terminal is ours (set by the terminal guard).
pub fn set_live(live: bool) {
    LIVE.store(live, Ordering::SeqCst);
}

/// `ESC ] 52 ; c ; <base64> BEL`: set the clipboard to `text`.
pub fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", STANDARD.encode(text))
}

/// Copies `text`; `what` names it in the message ("event #12"). Returns the line
/// for the status area.
pub fn copy(text: &str, what: &str) -> String {
    if text.len() > MAX_BYTES {
        return format!(
            "{what} is too long for the clipboard ({} bytes; terminals take about {} kB over OSC 52): save it with s instead",
            text.len(),
            MAX_BYTES / 1000
        );
    }
    if LIVE.load(Ordering::SeqCst) {
        let mut out = std::io::stdout();
        if let Err(e) = out
            .write_all(osc52(text).as_bytes())
            .and_then(|_| out.flush())
        {
            return format!("could not copy {what}: {e}");
        }
    } else {
        LAST.with(|l| *l.borrow_mut() = Some(text.to_string()));
    }
    format!(
        "copied {what} ({} bytes) to the clipboard (OSC 52; in tmux: set -g set-clipboard on)",
        text.len()
    )
}

/// The last text copied on this thread while no terminal was live (for tests).
pub fn take_last() -> Option<String> {
    LAST.with(|l| l.borrow_mut().take())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sequence_is_osc_52_with_base64() {
        assert_eq!(osc52("hi ✓"), "\x1b]52;c;aGkg4pyT\x07");
    }

    #[test]
    fn a_copy_off_the_terminal_is_kept_for_the_test_and_too_long_is_refused() {
        let note = copy("{\"type\":\"x\"}", "event #3");
        assert!(note.starts_with("copied event #3 (12 bytes)"), "{note}");
        assert_eq!(take_last().as_deref(), Some("{\"type\":\"x\"}"));
        let note = copy(&"x".repeat(MAX_BYTES + 1), "event #4");
        assert!(note.contains("too long"), "{note}");
        assert_eq!(take_last(), None);
    }
}

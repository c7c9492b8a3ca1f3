//! Keeping alsa-lib off stderr. alsa-lib prints its complaints (about eight lines per
//! probe on a machine without a sound card) straight to file descriptor 2, which
//! would tear through the TUI; its local error handler catches them instead, but only
//! on the thread that installs it.

use std::cell::RefCell;
use std::rc::Rc;

/// Catches what alsa-lib would print to stderr, for as long as it is held, on the
/// thread that installed it (alsa-lib's local error handler is per thread).
pub struct QuietAlsa {
    buffer: Option<Rc<RefCell<alsa::Output>>>,
}

impl QuietAlsa {
    /// Installs the handler on the current thread. If alsa-lib cannot make its buffer
    /// the messages go to stderr as before; nothing else depends on it.
    pub fn install() -> QuietAlsa {
        QuietAlsa {
            buffer: alsa::Output::local_error_handler().ok(),
        }
    }

    /// Everything alsa-lib said since the handler was installed.
    pub fn messages(&self) -> String {
        let Some(buffer) = &self.buffer else {
            return String::new();
        };
        let mut text = String::new();
        buffer
            .borrow_mut()
            .buffer_string(|b| text = String::from_utf8_lossy(b).into_owned());
        text
    }
}

//! One file per pane; each implements [`super::pane::Pane`].

//! One file per pane; each implements [`super::pane::Pane`].

pub mod composer;
pub mod config_editor;
mod editor;
pub mod event_log;
pub mod meters;
pub mod status_bar;
pub mod transcript;
mod wrap;

#[cfg(test)]
mod session_fixtures;
#[cfg(test)]
mod test_support;

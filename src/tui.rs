//! The full-screen front-end: ratatui panes over the core `Session`, live over
//! WebRTC (`rtconsole`, `rtconsole --mock`) or read-only over a recording
//! (`rtconsole open`). Presentation only: every event goes through the core.

pub mod keymap;
pub mod pane;
pub mod panes;
pub mod recorder;
pub mod shortcuts;
pub mod terminal;
pub mod text;
pub mod theme;
pub mod user_config;

//! rtconsole: a terminal inspector and console for realtime voice-AI sessions.
//!
//! The sans-IO core lives in [`protocol`] (wire types, validation, redaction) and
//! [`session`] (the state machine). [`recording`] reads and writes JSONL session
//! recordings. Front-ends and edges (TUI, headless runner, transport, audio, mock)
//! build on these and never bypass them.

pub mod audio;
pub mod cli;
pub mod commands;
pub mod headless;
pub mod logging;
pub mod mock;
pub mod protocol;
pub mod recording;
pub mod script;
pub mod session;
pub mod signals;
pub mod transport;
pub mod tui;

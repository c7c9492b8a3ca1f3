//! `rtconsole run`: the core and the edges without a screen. Events go out as JSONL
//! (a recording), a summary and the verdict go to stderr, and the exit status says
//! how it went: 0 every expectation held, 1 one failed, 2 usage or connection error.
//! With several scripts or `--runs N`, `runs` plays them and the gates decide.

mod audio_io;
mod runner;
mod runs;
pub mod setup;
mod summary;

pub use runner::run;

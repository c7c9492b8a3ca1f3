//! What each subcommand does, on top of the library's modules.

pub mod completions;
pub mod config;
pub mod devices;
pub mod mock;
pub mod proxy;

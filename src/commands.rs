//! What each subcommand does, on top of the library's modules.

pub mod devices;
pub mod mock;

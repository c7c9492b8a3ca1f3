use std::io;
use std::path::PathBuf;

use super::format::HEADER_EXAMPLE;

/// Why a recording could not be read at all. Problems with single event lines are
/// not errors: they become [`super::Recording::warnings`].
///
/// `path` is `<input>` when reading from a stream rather than a file.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    // The cause is part of the message rather than `source()`, so a plain
    // `{}` already says what went wrong.
    #[error("cannot read recording {}: {cause}", .path.display())]
    Io { path: PathBuf, cause: io::Error },

    #[error(
        "{}:{line}: not a rtconsole recording: {problem}\n  \
         a recording starts with a header line such as:\n  {example}",
        .path.display(),
        example = HEADER_EXAMPLE
    )]
    BadHeader {
        path: PathBuf,
        line: usize,
        problem: String,
    },
}

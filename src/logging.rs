//! Diagnostics with `tracing`, level from `RTCONSOLE_LOG` (default `warn`). The
//! TUI owns the terminal, so it logs to a daily-rolled file only; `run` and `mock`
//! log to stderr, and to a file too with `--log-file`.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

/// webrtc 0.21 logs a few benign warnings per session (see shared/webrtc-notes.md
/// §5.9); they are quieted unless asked for by name in `RTCONSOLE_LOG`. A target
/// matches by string prefix, so `rtc` also caught `rtconsole` and hid our own
/// warnings (a stalled server); the longer `rtconsole` directive wins over it.
const DEFAULT_FILTER: &str =
    "warn,rtc=error,rtc_ice=error,rtc_dtls=error,rtc_sctp=error,rtconsole=warn";

/// How many days of TUI logs are kept.
const KEEP_DAYS: usize = 7;

fn filter() -> EnvFilter {
    EnvFilter::try_from_env("RTCONSOLE_LOG").unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER))
}

/// `$XDG_STATE_HOME/rtconsole` (or `~/.local/state/rtconsole`).
pub fn log_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|d| !d.is_empty())
                .map(|h| PathBuf::from(h).join(".local/state"))
        })?;
    Some(base.join("rtconsole"))
}

/// The TUI's logger: a file per day in [`log_dir`], the last week kept. Without a
/// writable place there is no log, which is better than a corrupted screen.
pub fn init_tui() -> Option<PathBuf> {
    let dir = log_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("rtconsole")
        .filename_suffix("log")
        .max_log_files(KEEP_DAYS)
        .build(&dir)
        .ok()?;
    tracing_subscriber::registry()
        .with(
            fmt::layer()
                .with_writer(Mutex::new(appender))
                .with_ansi(false)
                .with_filter(filter()),
        )
        .try_init()
        .ok()?;
    Some(dir)
}

/// The logger of `run` and `mock`: stderr, and `file` (appended) when given.
pub fn init_cli(file: Option<&Path>) -> Result<(), String> {
    let file_layer = match file {
        Some(path) => {
            let f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("cannot open --log-file {}: {e}", path.display()))?;
            Some(
                fmt::layer()
                    .with_writer(Mutex::new(f))
                    .with_ansi(false)
                    .with_filter(filter()),
            )
        }
        None => None,
    };
    let stderr_layer = fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .with_filter(filter());
    // A second init (tests call commands in one process) keeps the first logger.
    let _ = tracing_subscriber::registry()
        .with(stderr_layer)
        .with(file_layer)
        .try_init();
    Ok(())
}

//! A watchdog on a device's clock. A device that runs far faster than real time
//! (ALSA's `null` device delivers hundreds of millions of samples a second) is no
//! clock at all, and one that stops (unplugged, suspended) would starve the track; in
//! both cases the engine drops it and falls back to its own 20 ms clock.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::streams::DeviceCounters;

const WINDOW: Duration = Duration::from_secs(2);
/// Real devices drift by parts per thousand; 4× is no device clock.
const TOO_FAST: f64 = 4.0;
/// Windows in a row without a single sample before the device counts as stopped
/// (Bluetooth headsets can take a second or two to start).
const IDLE_WINDOWS: u32 = 2;

#[derive(Debug)]
pub(super) struct Pace {
    window_start: Instant,
    count_at_start: u64,
    idle_windows: u32,
}

impl Pace {
    pub fn new() -> Pace {
        Pace {
            window_start: Instant::now(),
            count_at_start: 0,
            idle_windows: 0,
        }
    }

    /// Takes the device's running sample count; returns what is wrong, if anything,
    /// once per window.
    pub fn check(
        &mut self,
        count: u64,
        per_second: u64,
        counters: &DeviceCounters,
    ) -> Option<String> {
        let elapsed = self.window_start.elapsed();
        if elapsed < WINDOW {
            return None;
        }
        let got = count.saturating_sub(self.count_at_start);
        self.window_start = Instant::now();
        self.count_at_start = count;
        let expected = per_second as f64 * elapsed.as_secs_f64();
        let ratio = got as f64 / expected.max(1.0);
        if ratio > TOO_FAST {
            return Some(format!(
                "is not paced: it ran at {ratio:.0}× real time, as ALSA's null device does"
            ));
        }
        if got > 0 {
            self.idle_windows = 0;
            return None;
        }
        self.idle_windows += 1;
        if self.idle_windows < IDLE_WINDOWS {
            return None;
        }
        let errors = counters.stream_errors.load(Ordering::Relaxed);
        let last = counters
            .last_error
            .lock()
            .ok()
            .and_then(|e| e.clone())
            .map(|e| format!(": {e}"))
            .unwrap_or_default();
        Some(format!(
            "stopped delivering audio ({errors} stream errors{last})"
        ))
    }
}

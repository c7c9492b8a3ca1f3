//! One side of a call's audio laid out on the run's clock: blocks of samples
//! stamped with when they were sent or arrived become a track with silence where
//! nothing was, so what was sent and what was received can be compared sample by
//! sample. Pure: the caller stamps the blocks.

use super::RATE;

/// Samples per millisecond at [`RATE`].
pub const PER_MS: u64 = RATE as u64 / 1000;
/// Activity is judged per window of this many samples (10 ms).
pub const WINDOW: usize = 480;
/// A window is speech when its RMS is above this. Decoded Opus silence and a quiet
/// room sit far below; speech, even soft consonants, above.
pub const SPEECH_DBFS: f64 = -45.0;
/// A block that comes less than this after the previous one ended follows it
/// directly: network and timer jitter, not a pause. A frame is 20 ms.
const SNAP_SAMPLES: u64 = 20 * PER_MS;

/// One window's loudness and where its loud samples start and end.
#[derive(Debug, Clone, Copy, Default)]
struct Window {
    sum_squares: f64,
    /// Offsets in the window of the first and last sample above the speech level.
    first_loud: Option<u16>,
    last_loud: u16,
}

/// A stretch of one side's audio, in samples from the clock's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: u64,
    /// One past the last sample.
    pub end: u64,
}

impl Span {
    pub fn start_ms(&self) -> u64 {
        self.start / PER_MS
    }
    pub fn end_ms(&self) -> u64 {
        self.end / PER_MS
    }
    pub fn len(&self) -> u64 {
        self.end - self.start
    }
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }
}

/// Whose clock a track's stamps are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pacing {
    /// The blocks were made in real time (a microphone's frames): each belongs at
    /// its stamp, following on from the previous block only to smooth timer jitter.
    Stamped,
    /// The blocks arrived from elsewhere (a network): one that comes while the
    /// previous is still playing waits its turn, as a player would play a burst.
    Arrival,
}

#[derive(Debug, Clone)]
pub struct Track {
    pacing: Pacing,
    /// Where the next block goes when it follows on; `None` before the first.
    next_free: Option<u64>,
    windows: Vec<Window>,
    /// The laid-out samples, kept only when asked for (a stereo file).
    samples: Option<Vec<i16>>,
}

impl Track {
    /// `keep_samples`: hold the samples themselves (about 100 kB a second), not
    /// only their loudness.
    pub fn new(pacing: Pacing, keep_samples: bool) -> Self {
        Track {
            pacing,
            next_free: None,
            windows: Vec::new(),
            samples: keep_samples.then(Vec::new),
        }
    }

    /// Places a block sent or received at `at_ms` on the run's clock and returns
    /// the sample where it starts: at its time, or right after the previous block
    /// when within a frame of its end (jitter) or, for arrivals, before it (a burst).
    pub fn push(&mut self, at_ms: u64, block: &[i16]) -> u64 {
        let at = at_ms * PER_MS;
        let start = match (self.next_free, self.pacing) {
            (Some(free), Pacing::Arrival) if at < free + SNAP_SAMPLES => free,
            (Some(free), Pacing::Stamped) if at.abs_diff(free) < SNAP_SAMPLES => free,
            _ => at,
        };
        self.next_free = Some(start + block.len() as u64);
        let amp = speech_amplitude();
        for (i, &s) in block.iter().enumerate() {
            let pos = start + i as u64;
            let w = (pos / WINDOW as u64) as usize;
            if w >= self.windows.len() {
                self.windows.resize(w + 1, Window::default());
            }
            let win = &mut self.windows[w];
            let x = f64::from(s) / 32768.0;
            win.sum_squares += x * x;
            if f64::from(s).abs() >= amp {
                let off = (pos % WINDOW as u64) as u16;
                win.first_loud.get_or_insert(off);
                win.last_loud = off;
            }
        }
        if let Some(samples) = &mut self.samples {
            let end = (start as usize) + block.len();
            if samples.len() < end {
                samples.resize(end, 0);
            }
            samples[start as usize..end].copy_from_slice(block);
        }
        start
    }

    /// The laid-out samples (silence where nothing was), when kept.
    pub fn samples(&self) -> Option<&[i16]> {
        self.samples.as_deref()
    }

    /// Stretches of speech: loud windows joined across pauses shorter than
    /// `bridge_ms` (between words, not between turns), each from its first loud
    /// sample to its last, dropping blips shorter than `min_ms`.
    pub fn speech(&self, bridge_ms: u64, min_ms: u64) -> Vec<Span> {
        let threshold = WINDOW as f64 * 10f64.powf(SPEECH_DBFS / 10.0);
        let mut spans: Vec<Span> = Vec::new();
        for (i, w) in self.windows.iter().enumerate() {
            let Some(first) = w.first_loud.filter(|_| w.sum_squares > threshold) else {
                continue;
            };
            let base = (i * WINDOW) as u64;
            let span = Span {
                start: base + u64::from(first),
                end: base + u64::from(w.last_loud) + 1,
            };
            match spans.last_mut() {
                Some(last) if span.start <= last.end + bridge_ms * PER_MS => last.end = span.end,
                _ => spans.push(span),
            }
        }
        spans.retain(|s| s.len() >= min_ms * PER_MS);
        spans
    }
}

/// The sample amplitude of a full-scale sine at [`SPEECH_DBFS`] RMS: where a
/// speech stretch starts and ends inside its first and last window.
fn speech_amplitude() -> f64 {
    32768.0 * 10f64.powf(SPEECH_DBFS / 20.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(ms: u64) -> Vec<i16> {
        (0..ms * PER_MS)
            .map(|i| ((i as f64 * 0.06).sin() * 8000.0) as i16)
            .collect()
    }

    #[test]
    fn arrivals_land_at_their_time_or_right_after_the_previous_one() {
        let mut t = Track::new(Pacing::Arrival, true);
        assert_eq!(t.push(100, &[0; 960]), 100 * PER_MS);
        // 5 ms late: jitter, so it follows on.
        assert_eq!(t.push(125, &[0; 960]), 120 * PER_MS);
        // A burst: early blocks queue up behind.
        assert_eq!(t.push(130, &[0; 960]), 140 * PER_MS);
        // After a real pause, at its own time.
        assert_eq!(t.push(500, &[1; 960]), 500 * PER_MS);
        let s = t.samples().unwrap();
        assert_eq!(s.len() as u64, 520 * PER_MS);
        assert_eq!(s[(500 * PER_MS - 1) as usize], 0);
        assert_eq!(s[(500 * PER_MS) as usize], 1);
    }

    #[test]
    fn stamped_blocks_stay_at_their_time_after_a_backlog() {
        let mut t = Track::new(Pacing::Stamped, false);
        // Frames queued before anyone took them, stamped ahead of when they went.
        for i in 0..8 {
            t.push(i * 20, &[0; 960]);
        }
        assert_eq!(t.push(100, &[0; 960]), 100 * PER_MS, "back on its stamp");
        assert_eq!(t.push(121, &[0; 960]), 120 * PER_MS, "jitter follows on");
    }

    #[test]
    fn speech_spans_start_at_the_first_loud_sample_and_bridge_short_pauses() {
        let mut t = Track::new(Pacing::Arrival, false);
        let mut audio = vec![0i16; 5 * PER_MS as usize];
        audio.extend(tone(300));
        audio.extend(vec![0; 100 * PER_MS as usize]);
        audio.extend(tone(200));
        audio.extend(vec![0; 600 * PER_MS as usize]);
        audio.extend(tone(100));
        for (i, frame) in audio.chunks(960).enumerate() {
            t.push(1000 + i as u64 * 20, frame);
        }
        let spans = t.speech(250, 30);
        assert_eq!(spans.len(), 2, "{spans:?}");
        // The tone's first sample is 0, so the first loud one comes a few samples in.
        assert!((1005..1006).contains(&spans[0].start_ms()), "{spans:?}");
        assert!((1604..=1605).contains(&spans[0].end_ms()), "{spans:?}");
        assert!((2205..2206).contains(&spans[1].start_ms()), "{spans:?}");
    }

    #[test]
    fn quiet_noise_and_short_blips_are_not_speech() {
        let mut t = Track::new(Pacing::Arrival, false);
        let hiss: Vec<i16> = (0..48_000)
            .map(|i| if i % 2 == 0 { 30 } else { -30 })
            .collect();
        t.push(0, &hiss);
        let mut blip = vec![0i16; 960];
        blip[100] = 20_000;
        t.push(2000, &blip);
        assert!(t.speech(250, 30).is_empty());
    }
}

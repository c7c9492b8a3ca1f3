//! Level meters: RMS and peak in dBFS for one block of samples.
//!
//! Meters run on the audio thread for every frame, so these functions never allocate;
//! the UI reads the latest [`Level`] from a cell rather than through the event queue.

/// What silence reads as. A finite floor keeps `-inf`/NaN out of meters, averages and
/// JSON; −120 dBFS is below anything a 16- or 24-bit source can produce.
pub const FLOOR_DBFS: f32 = -120.0;

/// RMS below this counts as silence: quiet room noise through a laptop mic sits around
/// −60 dBFS, speech around −20 dBFS.
const SILENCE_DBFS: f32 = -60.0;

/// The loudness of one block, in dB relative to full scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    /// Root mean square: what a listener hears as loudness. A full-scale sine is −3.01.
    pub rms_dbfs: f32,
    /// Largest absolute sample: how close the block came to clipping.
    pub peak_dbfs: f32,
}

impl Level {
    /// The level of an empty or all-zero block.
    pub const SILENCE: Level = Level {
        rms_dbfs: FLOOR_DBFS,
        peak_dbfs: FLOOR_DBFS,
    };
}

/// Level of 16-bit samples, full scale = 32768 (so −32768 reads exactly 0 dBFS peak).
pub fn level_i16(samples: &[i16]) -> Level {
    let mut sum_sq = 0.0f64;
    let mut peak = 0u32;
    for &s in samples {
        let v = f64::from(s);
        sum_sq += v * v;
        peak = peak.max(u32::from(s.unsigned_abs()));
    }
    from_sums(sum_sq, f64::from(peak), samples.len(), 32768.0)
}

/// Level of float samples in −1..1 (full scale = 1.0). Values beyond ±1 read above 0 dBFS.
pub fn level_f32(samples: &[f32]) -> Level {
    let mut sum_sq = 0.0f64;
    let mut peak = 0.0f64;
    for &s in samples {
        let v = f64::from(s);
        // A NaN sample would poison the whole block; treat it as silence instead.
        if v.is_finite() {
            sum_sq += v * v;
            peak = peak.max(v.abs());
        }
    }
    from_sums(sum_sq, peak, samples.len(), 1.0)
}

/// True when the block's RMS is below −60 dBFS.
pub fn is_silent(level: &Level) -> bool {
    level.rms_dbfs < SILENCE_DBFS
}

fn from_sums(sum_sq: f64, peak: f64, n: usize, full_scale: f64) -> Level {
    if n == 0 {
        return Level::SILENCE;
    }
    let rms = (sum_sq / n as f64).sqrt();
    Level {
        rms_dbfs: to_dbfs(rms / full_scale),
        peak_dbfs: to_dbfs(peak / full_scale),
    }
}

fn to_dbfs(ratio: f64) -> f32 {
    if ratio <= 0.0 {
        return FLOOR_DBFS;
    }
    ((20.0 * ratio.log10()) as f32).max(FLOOR_DBFS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(amplitude: f64, n: usize) -> Vec<f64> {
        // 1 kHz at 48 kHz: exactly 48 samples per period, so whole periods fit.
        (0..n)
            .map(|i| amplitude * (2.0 * std::f64::consts::PI * 1000.0 * i as f64 / 48_000.0).sin())
            .collect()
    }

    #[test]
    fn full_scale_sine_reads_minus_3_rms_and_0_peak() {
        let f: Vec<f32> = sine(1.0, 4800).iter().map(|&v| v as f32).collect();
        let l = level_f32(&f);
        assert!((l.rms_dbfs + 3.01).abs() < 0.02, "{l:?}");
        assert!(l.peak_dbfs.abs() < 0.01, "{l:?}");

        let i: Vec<i16> = sine(32767.0, 4800)
            .iter()
            .map(|&v| v.round() as i16)
            .collect();
        let l = level_i16(&i);
        assert!((l.rms_dbfs + 3.01).abs() < 0.02, "{l:?}");
        assert!(l.peak_dbfs.abs() < 0.01, "{l:?}");
    }

    #[test]
    fn half_scale_is_six_db_down() {
        let i: Vec<i16> = sine(16384.0, 4800)
            .iter()
            .map(|&v| v.round() as i16)
            .collect();
        let l = level_i16(&i);
        assert!((l.rms_dbfs + 9.03).abs() < 0.05, "{l:?}");
        assert!((l.peak_dbfs + 6.02).abs() < 0.05, "{l:?}");
    }

    #[test]
    fn silence_reads_the_floor_never_inf_or_nan() {
        for l in [
            level_i16(&[]),
            level_i16(&[0; 960]),
            level_f32(&[]),
            level_f32(&[0.0; 960]),
            level_f32(&[f32::NAN; 4]),
        ] {
            assert_eq!(l, Level::SILENCE);
            assert!(is_silent(&l));
        }
    }

    #[test]
    fn most_negative_i16_is_exactly_full_scale() {
        let l = level_i16(&[i16::MIN]);
        assert_eq!(l.peak_dbfs, 0.0);
        assert_eq!(l.rms_dbfs, 0.0);
    }

    #[test]
    fn silence_threshold_is_minus_60() {
        let quiet: Vec<i16> = sine(20.0, 960).iter().map(|&v| v as i16).collect(); // ≈ −67 dBFS
        let speech: Vec<i16> = sine(3000.0, 960).iter().map(|&v| v as i16).collect(); // ≈ −24 dBFS
        assert!(is_silent(&level_i16(&quiet)));
        assert!(!is_silent(&level_i16(&speech)));
    }
}

//! Latest-value level cells: the audio thread stores, the UI loads. Lock-free and
//! allocation-free on both sides, so a meter never slows the audio callback and never
//! goes through the event queue.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use super::levels::{Level, FLOOR_DBFS};

/// One meter: the last block's RMS and peak, and a count of blocks stored, so a
/// reader can tell "audio is flowing" from "the last value is stale".
#[derive(Debug)]
pub struct LevelCell {
    rms_bits: AtomicU32,
    peak_bits: AtomicU32,
    blocks: AtomicU64,
}

impl Default for LevelCell {
    fn default() -> Self {
        LevelCell {
            rms_bits: AtomicU32::new(FLOOR_DBFS.to_bits()),
            peak_bits: AtomicU32::new(FLOOR_DBFS.to_bits()),
            blocks: AtomicU64::new(0),
        }
    }
}

impl LevelCell {
    pub fn store(&self, level: Level) {
        self.rms_bits
            .store(level.rms_dbfs.to_bits(), Ordering::Relaxed);
        self.peak_bits
            .store(level.peak_dbfs.to_bits(), Ordering::Relaxed);
        // Release pairs with the Acquire in `blocks()`: a reader that sees the new
        // count also sees the level stored before it.
        self.blocks.fetch_add(1, Ordering::Release);
    }

    pub fn load(&self) -> Level {
        Level {
            rms_dbfs: f32::from_bits(self.rms_bits.load(Ordering::Relaxed)),
            peak_dbfs: f32::from_bits(self.peak_bits.load(Ordering::Relaxed)),
        }
    }

    /// How many blocks have been stored: unchanged between two reads means no audio moved.
    pub fn blocks(&self) -> u64 {
        self.blocks.load(Ordering::Acquire)
    }
}

/// The two meters the UI shows. Shared as `Arc<Meters>` between the audio edge and the UI.
#[derive(Debug, Default)]
pub struct Meters {
    pub mic: LevelCell,
    pub speaker: LevelCell,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_level_reads_back_and_counts_a_block() {
        let cell = LevelCell::default();
        assert_eq!(cell.load(), Level::SILENCE);
        assert_eq!(cell.blocks(), 0);
        cell.store(Level {
            rms_dbfs: -3.0,
            peak_dbfs: -0.5,
        });
        assert_eq!(cell.load().rms_dbfs, -3.0);
        assert_eq!(cell.load().peak_dbfs, -0.5);
        assert_eq!(cell.blocks(), 1);
    }
}

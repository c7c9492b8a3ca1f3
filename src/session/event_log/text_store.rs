//! Where the log keeps the text of its entries (the raw event and its summary):
//! appended to one buffer, which is deflated into a sealed chunk once it holds
//! [`CHUNK_BYTES`]. Event JSON repeats its keys and ids, so a chunk shrinks to a
//! fifth or so; an hour at 100 events a second then fits in tens of megabytes
//! instead of hundreds, and every byte is still there for the detail view, the
//! regex filter and the recording.
//!
//! Reading an entry in a sealed chunk inflates the whole chunk; the last few are
//! kept, because reads come in runs (the rows on screen, a filter scan, the
//! recorder catching up).

use std::sync::{Arc, Mutex};

use miniz_oxide::deflate::compress_to_vec;
use miniz_oxide::inflate::decompress_to_vec_with_limit;

/// Text gathered before it is sealed. Big enough for deflate to find the
/// repeats, small enough that inflating one chunk for a screenful is cheap.
pub(super) const CHUNK_BYTES: usize = 128 * 1024;

/// Deflate level: 1 is the fastest and already finds the repeated keys and ids;
/// higher levels gained little on event JSON for much more time.
const LEVEL: u8 = 1;

/// Inflated chunks kept for reading.
const CACHED: usize = 4;

/// Where one entry's text is: `raw` then `summary`, back to back in a chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TextRef {
    chunk: u32,
    start: u32,
    raw_len: u32,
    summary_len: u32,
}

#[derive(Debug)]
struct Sealed {
    deflated: Box<[u8]>,
    len: usize,
}

#[derive(Debug, Default)]
pub(super) struct TextStore {
    sealed: Vec<Sealed>,
    open: String,
    cache: Mutex<Vec<(u32, Arc<str>)>>,
}

impl TextStore {
    pub fn push(&mut self, raw: &str, summary: &str) -> TextRef {
        let r = TextRef {
            chunk: u32::try_from(self.sealed.len()).unwrap_or(u32::MAX),
            start: len32(self.open.len()),
            raw_len: len32(raw.len()),
            summary_len: len32(summary.len()),
        };
        self.open.push_str(raw);
        self.open.push_str(summary);
        if self.open.len() >= CHUNK_BYTES {
            self.seal();
        }
        r
    }

    fn seal(&mut self) {
        let deflated = compress_to_vec(self.open.as_bytes(), LEVEL).into_boxed_slice();
        self.sealed.push(Sealed {
            deflated,
            len: self.open.len(),
        });
        self.open.clear();
    }

    /// Calls `f` with the entry's raw text and summary.
    pub fn with<T>(&self, r: TextRef, f: impl FnOnce(&str, &str) -> T) -> T {
        let sealed;
        let text: &str = if r.chunk as usize == self.sealed.len() {
            &self.open
        } else {
            sealed = self.inflated(r.chunk);
            sealed.as_deref().unwrap_or("")
        };
        let start = r.start as usize;
        let mid = start + r.raw_len as usize;
        let end = mid + r.summary_len as usize;
        match (text.get(start..mid), text.get(mid..end)) {
            (Some(raw), Some(summary)) => f(raw, summary),
            _ => f(LOST, ""),
        }
    }

    fn inflated(&self, chunk: u32) -> Option<Arc<str>> {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(pos) = cache.iter().position(|(c, _)| *c == chunk) {
            let hit = cache.remove(pos);
            let text = hit.1.clone();
            cache.push(hit);
            return Some(text);
        }
        let sealed = self.sealed.get(chunk as usize)?;
        let bytes = decompress_to_vec_with_limit(&sealed.deflated, sealed.len).ok()?;
        let text: Arc<str> = String::from_utf8(bytes).ok()?.into();
        if cache.len() >= CACHED {
            cache.remove(0);
        }
        cache.push((chunk, text.clone()));
        Some(text)
    }

    /// Bytes held: deflated chunks plus the open buffer (for the memory bench).
    pub fn held_bytes(&self) -> (usize, usize) {
        let sealed = self.sealed.iter().map(|s| s.deflated.len()).sum();
        (sealed, self.open.capacity())
    }
}

/// Shown in place of text that could not be restored. Only a bug gets here: the
/// chunks are written and read by this file alone.
const LOST: &str = "(this entry's text could not be restored from the log's store)";

/// Sizes are kept in 32 bits: one event over 4 GB cannot arrive (the transports
/// cap messages far below), and saturating keeps a bogus size from wrapping.
fn len32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_reads_back_across_sealed_chunks() {
        let mut s = TextStore::default();
        let mut refs = Vec::new();
        for i in 0..5_000 {
            let raw = format!(
                r#"{{"type":"response.output_text.delta","event_id":"event_{i}","delta":"wörd {i} ✓"}}"#
            );
            let summary = format!("item_{} \"wörd\"", i % 7);
            refs.push((s.push(&raw, &summary), raw, summary));
        }
        let (sealed, _) = s.held_bytes();
        assert!(s.sealed.len() >= 2, "the test must cross chunk boundaries");
        assert!(sealed < refs.iter().map(|r| r.1.len() + r.2.len()).sum::<usize>() / 3);
        // Out of order, so chunks leave and re-enter the cache.
        for k in (0..refs.len())
            .rev()
            .step_by(7)
            .chain((0..refs.len()).step_by(3))
        {
            let (r, raw, summary) = &refs[k];
            s.with(*r, |a, b| {
                assert_eq!((a, b), (raw.as_str(), summary.as_str()))
            });
        }
    }

    #[test]
    fn an_entry_larger_than_a_chunk_is_kept_whole() {
        let mut s = TextStore::default();
        let big = "x".repeat(CHUNK_BYTES * 3 + 5);
        let a = s.push(&big, "big");
        let b = s.push("{}", "");
        s.with(a, |raw, sum| {
            assert_eq!((raw.len(), sum), (big.len(), "big"))
        });
        s.with(b, |raw, sum| assert_eq!((raw, sum), ("{}", "")));
    }
}

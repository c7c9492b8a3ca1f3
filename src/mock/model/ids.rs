//! Ids shaped like the real ones (protocol.md §7): `event_` + 21 base62 characters,
//! the same for `sess_`, `resp_`, `item_`, `conv_`, and `call_` + 16. Drawn from a
//! ChaCha stream seeded by the model's seed, so a run is reproducible byte for byte.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

pub struct Ids {
    rng: ChaCha8Rng,
}

impl Ids {
    pub fn new(seed: u64) -> Self {
        Ids {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    fn make(&mut self, prefix: &str, len: usize) -> String {
        let mut out = String::with_capacity(prefix.len() + len);
        out.push_str(prefix);
        for _ in 0..len {
            out.push(BASE62[self.rng.random_range(0..BASE62.len())] as char);
        }
        out
    }

    pub fn event(&mut self) -> String {
        self.make("event_", 21)
    }

    pub fn session(&mut self) -> String {
        self.make("sess_", 21)
    }

    pub fn conversation(&mut self) -> String {
        self.make("conv_", 21)
    }

    pub fn response(&mut self) -> String {
        self.make("resp_", 21)
    }

    pub fn item(&mut self) -> String {
        self.make("item_", 21)
    }

    pub fn call(&mut self) -> String {
        self.make("call_", 16)
    }
}

/// A second, independent stream for choices that are not ids (reply wording,
/// generated tool arguments), so they never shift the ids.
pub fn text_rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed ^ 0x5EED_7E47_0000_0001)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_real_shapes_and_repeat_per_seed() {
        let mut a = Ids::new(7);
        let e = a.event();
        assert_eq!(e.len(), "event_".len() + 21);
        assert!(e["event_".len()..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(a.call().len(), "call_".len() + 16);
        assert!(a.item().starts_with("item_"));
        let mut b = Ids::new(7);
        assert_eq!(b.event(), e);
        assert_ne!(Ids::new(8).event(), e);
    }
}

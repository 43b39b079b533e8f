//! Seeded randomness and simulated time. Nothing here reads the wall clock or
//! the OS entropy source, so a seed fully determines the output.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The PRNG used by every generator (ChaCha8: value-stable across platforms).
pub type SimRng = ChaCha8Rng;

/// A PRNG for one purpose (`label`) derived from the user's seed, so that
/// independent parts (regular objects, bad-data objects, ...) do not shift
/// each other's streams.
pub fn derive(seed: u64, label: &str) -> SimRng {
    // FNV-1a over the label, mixed into the seed.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in label.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&h.to_le_bytes());
    ChaCha8Rng::from_seed(key)
}

/// A random (version 4 layout) UUID built from PRNG bytes.
pub fn uuid(rng: &mut SimRng) -> String {
    let bytes: [u8; 16] = rng.random();
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// `n` lower-case hex characters.
pub fn hex(rng: &mut SimRng, n: usize) -> String {
    const DIGITS: &[u8] = b"0123456789abcdef";
    (0..n)
        .map(|_| char::from(DIGITS[rng.random_range(0..16)]))
        .collect()
}

/// `n` characters from `[A-Za-z0-9]`.
pub fn alnum(rng: &mut SimRng, n: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..n)
        .map(|_| char::from(CHARS[rng.random_range(0..CHARS.len())]))
        .collect()
}

/// `n` characters from `[A-Z0-9]` (AWS access key / principal id style).
pub fn upper_alnum(rng: &mut SimRng, n: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    (0..n)
        .map(|_| char::from(CHARS[rng.random_range(0..CHARS.len())]))
        .collect()
}

/// Picks one element uniformly.
pub fn pick<'a, T>(rng: &mut SimRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// Picks one element with the given integer weights.
pub fn weighted<'a, T>(rng: &mut SimRng, items: &'a [(u32, T)]) -> &'a T {
    let total: u32 = items.iter().map(|(w, _)| *w).sum();
    let mut x = rng.random_range(0..total);
    for (w, item) in items {
        if x < *w {
            return item;
        }
        x -= *w;
    }
    &items[items.len() - 1].1
}

/// `true` with probability `percent`/100.
pub fn chance(rng: &mut SimRng, percent: u32) -> bool {
    rng.random_range(0..100) < percent
}

/// Simulated time: strictly increasing epoch milliseconds with random gaps
/// averaging `1000 / rate` ms.
#[derive(Debug, Clone)]
pub struct Clock {
    now_ms: i64,
    mean_gap_ms: f64,
}

impl Clock {
    pub fn new(start_ms: i64, rate_per_s: f64) -> Self {
        Clock {
            now_ms: start_ms,
            mean_gap_ms: 1000.0 / rate_per_s,
        }
    }

    pub fn now_ms(&self) -> i64 {
        self.now_ms
    }

    /// Advances by a uniform gap in `[1, 2 * mean]` ms and returns the new time.
    pub fn tick(&mut self, rng: &mut SimRng) -> i64 {
        let max = (2.0 * self.mean_gap_ms).max(1.0);
        let gap = (rng.random::<f64>() * max).round().max(1.0);
        self.now_ms += gap as i64;
        self.now_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derive_is_deterministic_and_label_specific() {
        let a: u64 = derive(7, "vpc").random();
        let b: u64 = derive(7, "vpc").random();
        let c: u64 = derive(7, "guardduty").random();
        let d: u64 = derive(8, "vpc").random();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }

    #[test]
    fn uuid_and_strings_have_expected_shape() {
        let mut rng = derive(1, "t");
        let u = uuid(&mut rng);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert_eq!(hex(&mut rng, 8).len(), 8);
        assert!(alnum(&mut rng, 16)
            .chars()
            .all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn clock_strictly_increases() {
        let mut rng = derive(1, "clock");
        let mut c = Clock::new(0, 5000.0);
        let mut last = c.now_ms();
        for _ in 0..1000 {
            let t = c.tick(&mut rng);
            assert!(t > last);
            last = t;
        }
    }
}

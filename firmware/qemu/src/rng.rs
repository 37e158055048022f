//! A tiny deterministic PRNG (xorshift32) for on-target randomized tests.

/// xorshift32: deterministic, seedable, no dependencies.
#[derive(Debug, Clone)]
pub struct Rng(u32);

impl Rng {
    /// A generator from a non-zero seed (0 is replaced by 1).
    pub const fn new(seed: u32) -> Self {
        Self(if seed == 0 { 1 } else { seed })
    }

    /// Next 32 random bits.
    pub fn next_u32(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }

    /// Uniform in `lo..=hi` (slightly biased for huge ranges; fine for tests).
    pub fn range(&mut self, lo: i32, hi: i32) -> i32 {
        let span = (hi as i64 - lo as i64 + 1) as u64;
        (lo as i64 + (u64::from(self.next_u32()) % span) as i64) as i32
    }

    /// Fills `out` with int8 values in `lo..=hi`.
    pub fn fill_i8(&mut self, out: &mut [i8], lo: i8, hi: i8) {
        for v in out {
            *v = self.range(i32::from(lo), i32::from(hi)) as i8;
        }
    }
}

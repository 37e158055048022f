//! Seeded sampler for stochastic frame averaging (one random frame per call, as in training).

use super::set::FrameSet;
use super::transform::Frame;

/// PCG32 (XSH-RR, O'Neill 2014): 64-bit state, 32-bit output; small, fast, reproducible on
/// every target. It only ever returns members of the set it is given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameSampler {
    state: u64,
}

const MUL: u64 = 6_364_136_223_846_793_005;
const INC: u64 = 1_442_695_040_888_963_407;

impl FrameSampler {
    /// A sampler whose sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        let mut s = Self { state: 0 };
        s.next_u32();
        s.state = s.state.wrapping_add(seed);
        s.next_u32();
        s
    }

    /// Next 32 random bits.
    pub fn next_u32(&mut self) -> u32 {
        let old = self.state;
        self.state = old.wrapping_mul(MUL).wrapping_add(INC);
        let xorshifted = (((old >> 18) ^ old) >> 27) as u32;
        let rot = (old >> 59) as u32;
        xorshifted.rotate_right(rot)
    }

    /// Uniform index in `0..n` (`n > 0`; 0 when `n == 0`), by multiply-shift.
    pub fn index(&mut self, n: usize) -> usize {
        ((self.next_u32() as u64 * n as u64) >> 32) as usize
    }

    /// One frame of `set`, uniformly (all weights of a set are equal); `None` only for an
    /// empty set.
    pub fn sample<'a>(&mut self, set: &'a FrameSet) -> Option<&'a Frame> {
        let frames = set.frames();
        frames.get(self.index(frames.len()))
    }
}

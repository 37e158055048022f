//! Sliding window over a stream of samples (IMU): push a row, the oldest drops out, the
//! window's frame set is available at any time.
//!
//! Each row is stored twice (at `i` and `i + W` of a `2W`-row buffer), so the window is always
//! one contiguous slice, oldest row first, and its frames are computed by exactly the same
//! code -- and summation order -- as a batch sample: no drift from incremental updates. A
//! frame costs one pass over the `W` rows.

use super::error::FrameError;
use super::schema::InputSchema;
use super::set::{FrameOptions, FrameSet};

/// A window of the last `W` rows of `C` channels.
#[derive(Clone, Debug)]
pub struct SlidingWindow<const W: usize, const C: usize> {
    buf: [[[f32; C]; W]; 2],
    head: usize,
    len: usize,
}

impl<const W: usize, const C: usize> Default for SlidingWindow<W, C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const W: usize, const C: usize> SlidingWindow<W, C> {
    /// An empty window (`W` and `C` must be positive: checked at compile time).
    pub const fn new() -> Self {
        const { assert!(W > 0 && C > 0, "window and row sizes must be positive") };
        Self {
            buf: [[[0.0; C]; W]; 2],
            head: 0,
            len: 0,
        }
    }

    /// Appends a row, dropping the oldest when full. A row with a NaN/Inf value is rejected
    /// (the window is unchanged; `point` in the error is 0).
    pub fn push(&mut self, row: &[f32; C]) -> Result<(), FrameError> {
        if let Some(channel) = row.iter().position(|v| !v.is_finite()) {
            return Err(FrameError::NonFinite { point: 0, channel });
        }
        for copy in self.buf.iter_mut() {
            if let Some(slot) = copy.get_mut(self.head) {
                *slot = *row;
            }
        }
        self.head = (self.head + 1) % W;
        self.len = (self.len + 1).min(W);
        Ok(())
    }

    /// Rows in the window.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True before the first push.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// True once `W` rows have been pushed.
    pub fn is_full(&self) -> bool {
        self.len == W
    }

    /// Empties the window.
    pub fn clear(&mut self) {
        self.head = 0;
        self.len = 0;
    }

    /// The window as a row-major `(len, C)` slice, oldest row first.
    pub fn samples(&self) -> &[f32] {
        let start = if self.len < W { 0 } else { self.head };
        self.buf
            .as_flattened()
            .get(start..start + self.len)
            .unwrap_or(&[])
            .as_flattened()
    }

    /// Frame set of the current window (`schema.channels()` must be `C`).
    pub fn frame_set(
        &self,
        schema: &InputSchema,
        opts: &FrameOptions,
    ) -> Result<FrameSet, FrameError> {
        schema.frame_set(self.samples(), opts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_is_contiguous_and_oldest_first() {
        let mut w = SlidingWindow::<4, 2>::new();
        assert!(w.is_empty() && w.samples().is_empty());
        for i in 0..10 {
            w.push(&[i as f32, -(i as f32)]).unwrap();
            let n = (i + 1).min(4);
            assert_eq!(w.len(), n);
            let s = w.samples();
            assert_eq!(s.len(), 2 * n);
            for (k, row) in s.chunks_exact(2).enumerate() {
                assert_eq!(row[0], (i + 1 - n + k) as f32);
            }
        }
        assert!(w.is_full());
        assert_eq!(
            w.push(&[f32::NAN, 0.0]),
            Err(FrameError::NonFinite {
                point: 0,
                channel: 0
            })
        );
        assert_eq!(w.samples()[6], 9.0);
        w.clear();
        assert!(w.is_empty());
    }
}

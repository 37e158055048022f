//! `chunks_exact` without its zero-size assertion: a chunk size of 0 yields no chunk instead
//! of panicking, and for any other size the chunks are exactly those of `chunks_exact`. The
//! kernels take their row widths from validated blobs, so 0 never reaches them; this keeps
//! the assertion's panic path out of the firmware (`firmware/nopanic`).

use core::slice::{ChunksExact, ChunksExactMut};

/// [`chunks_exact`](slice::chunks_exact) and its mutable twin, empty for a size of 0.
pub(crate) trait ChunksNz<T> {
    /// Chunks of `n` elements (none when `n == 0`).
    fn chunks_nz(&self, n: usize) -> ChunksExact<'_, T>;
    /// Mutable chunks of `n` elements (none when `n == 0`).
    fn chunks_nz_mut(&mut self, n: usize) -> ChunksExactMut<'_, T>;
}

impl<T> ChunksNz<T> for [T] {
    #[inline(always)]
    fn chunks_nz(&self, n: usize) -> ChunksExact<'_, T> {
        let len = if n == 0 { 0 } else { self.len() };
        self.get(..len).unwrap_or_default().chunks_exact(n.max(1))
    }

    #[inline(always)]
    fn chunks_nz_mut(&mut self, n: usize) -> ChunksExactMut<'_, T> {
        let len = if n == 0 { 0 } else { self.len() };
        self.get_mut(..len)
            .unwrap_or_default()
            .chunks_exact_mut(n.max(1))
    }
}

/// Four consecutive rows of one slice.
pub(crate) type Rows4<'a, T> = (&'a [T], &'a [T], &'a [T], &'a [T]);

/// The four consecutive rows of `n` elements at the start of `w` (`None` when `w` is shorter
/// than `3 * n` plus the last row's start): `split_at` three times without its assertion.
#[inline(always)]
pub(crate) fn split4<T>(w: &[T], n: usize) -> Option<Rows4<'_, T>> {
    let (w0, r) = w.split_at_checked(n)?;
    let (w1, r) = r.split_at_checked(n)?;
    let (w2, w3) = r.split_at_checked(n)?;
    Some((w0, w1, w2, w3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_chunks_as_chunks_exact_and_none_for_zero() {
        let mut x = [1u8, 2, 3, 4, 5, 6, 7];
        for n in 1..9 {
            assert!(x.chunks_nz(n).eq(x.chunks_exact(n)));
            assert_eq!(x.chunks_nz(n).remainder(), x.chunks_exact(n).remainder());
            let a: usize = x.chunks_nz_mut(n).count();
            assert_eq!(a, x.len() / n);
        }
        assert_eq!(x.chunks_nz(0).count(), 0);
        assert_eq!(x.chunks_nz_mut(0).count(), 0);
        assert_eq!(split4(&x, 2), Some((&x[0..2], &x[2..4], &x[4..6], &x[6..])));
        assert_eq!(split4(&x, 3), None);
    }
}

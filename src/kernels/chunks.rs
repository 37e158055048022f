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

/// Consecutive tiles of `x` (`xn` elements each) paired with tiles of `o` (`on` elements
/// each), the last ones shorter: `x.chunks(xn).zip(o.chunks_mut(on))` without the zero-size
/// assertion (no tile when a size is 0). Used by the DSP kernels.
#[cfg_attr(not(all(feature = "dsp", target_arch = "arm")), allow(dead_code))]
pub(crate) fn tiles_zip<'a, T, U>(
    mut x: &'a [T],
    xn: usize,
    mut o: &'a mut [U],
    on: usize,
) -> impl Iterator<Item = (&'a [T], &'a mut [U])> {
    core::iter::from_fn(move || {
        if xn == 0 || on == 0 || x.is_empty() || o.is_empty() {
            return None;
        }
        let (a, rest_x) = x.split_at_checked(xn.min(x.len()))?;
        let rest = core::mem::take(&mut o);
        let k = on.min(rest.len());
        let (b, rest_o) = rest.split_at_mut_checked(k)?;
        x = rest_x;
        o = rest_o;
        Some((a, b))
    })
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

    #[test]
    fn tiles_zip_pairs_the_chunks_of_both_slices() {
        let x = [1u8, 2, 3, 4, 5, 6, 7];
        for (xn, on) in [(1, 1), (2, 3), (3, 2), (7, 1), (8, 8)] {
            let mut o = [0u16; 9];
            let mut o2 = o;
            let got: Vec<(Vec<u8>, usize)> = tiles_zip(&x, xn, &mut o, on)
                .map(|(a, b)| (a.to_vec(), b.len()))
                .collect();
            let want: Vec<(Vec<u8>, usize)> = x
                .chunks(xn)
                .zip(o2.chunks_mut(on))
                .map(|(a, b)| (a.to_vec(), b.len()))
                .collect();
            assert_eq!(got, want, "xn {xn} on {on}");
        }
        let mut o = [0u16; 4];
        assert_eq!(tiles_zip(&x, 0, &mut o, 2).count(), 0);
        assert_eq!(tiles_zip(&x, 2, &mut o, 0).count(), 0);
    }
}

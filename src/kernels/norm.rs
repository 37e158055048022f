//! Per-row squared norm and Euclidean norm over a channel range (`(n, c) -> (n, 1)`), the
//! invariant features of vector fields; int8 and f32.
//!
//! int8: the sum of squares `S = sum (x - zp_in)^2` is exact in `i32` (at most
//! `255 * 256^2 < 2^24`). The squared norm is `MBQM(S, m, s) + zp_out` with `m, s` of
//! `s_in^2 / s_out`; the norm is `MBQM(isqrt(S << 14), m, s) + zp_out` with `m, s` of
//! `s_in / (2^7 s_out)`: the integer square root carries 7 fractional bits, so it is within
//! `2^-7` input steps of the real root before the output rounding.

use super::chunks::ChunksNz;

use super::Requant;

/// Fractional bits of the integer square root of the int8 norm (the sum is shifted by twice
/// this).
pub const NORM_FRACTION_BITS: u32 = 7;

/// Channel range of a norm: channels `first..first + count` of each row of `c`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct NormDims {
    /// Rows.
    pub n: usize,
    /// Channels per row.
    pub c: usize,
    /// First channel summed.
    pub first: usize,
    /// Channels summed.
    pub count: usize,
}

impl NormDims {
    fn rows<'a, T>(&self, input: &'a [T]) -> Option<impl Iterator<Item = &'a [T]>> {
        let end = self.first.checked_add(self.count)?;
        let len = self.n.checked_mul(self.c)?;
        if end > self.c || self.c == 0 {
            return None;
        }
        let (first, count) = (self.first, self.count);
        Some(
            input
                .get(..len)?
                .chunks_nz(self.c)
                .map(move |r| r.get(first..first + count).unwrap_or_default()),
        )
    }
}

/// Floor of the square root of `v` (exact, integer only).
pub fn isqrt_u64(v: u64) -> u64 {
    if v < 2 {
        return v;
    }
    // Newton's iteration from above; converges to floor(sqrt(v)).
    let mut x = 1u64 << (64 - v.leading_zeros()).div_ceil(2);
    loop {
        // x stays >= floor(sqrt(v)) >= 1; `max(1)` only tells the optimiser.
        let y = (x + v / x.max(1)) / 2;
        if y >= x {
            return x;
        }
        x = y;
    }
}

fn sum_sq_i8(row: &[i8], zp: i32) -> i32 {
    row.iter().fold(0i32, |a, &v| {
        let d = i32::from(v) - zp;
        a.wrapping_add(d * d)
    })
}

/// int8 per-row squared norm; `r.multiplier` / `r.shift` of `s_in^2 / s_out`,
/// `r.in_zero_point` the input zero point. Writes nothing when the range or a slice is too
/// short.
pub fn row_squared_norm_i8(input: &[i8], d: &NormDims, r: &Requant, out: &mut [i8]) {
    let Some(rows) = d.rows(input) else { return };
    let Some(out) = out.get_mut(..d.n) else {
        return;
    };
    for (o, row) in out.iter_mut().zip(rows) {
        *o = r
            .scale_acc(sum_sq_i8(row, r.in_zero_point))
            .clamp(-128, 127) as i8;
    }
}

/// int8 per-row norm; `r.multiplier` / `r.shift` of `s_in / (2^7 s_out)` (see the module
/// documentation).
pub fn row_norm_i8(input: &[i8], d: &NormDims, r: &Requant, out: &mut [i8]) {
    let Some(rows) = d.rows(input) else { return };
    let Some(out) = out.get_mut(..d.n) else {
        return;
    };
    for (o, row) in out.iter_mut().zip(rows) {
        let s = sum_sq_i8(row, r.in_zero_point).max(0) as u64;
        let root = isqrt_u64(s << (2 * NORM_FRACTION_BITS)) as i32;
        *o = r.scale_acc(root).clamp(-128, 127) as i8;
    }
}

/// f32 per-row squared norm (summed in channel order).
pub fn row_squared_norm_f32(input: &[f32], d: &NormDims, out: &mut [f32]) {
    let Some(rows) = d.rows(input) else { return };
    let Some(out) = out.get_mut(..d.n) else {
        return;
    };
    for (o, row) in out.iter_mut().zip(rows) {
        *o = row.iter().fold(0.0f32, |a, &v| a + v * v);
    }
}

/// f32 per-row norm: the square root of [`row_squared_norm_f32`]'s sum.
pub fn row_norm_f32(input: &[f32], d: &NormDims, out: &mut [f32]) {
    row_squared_norm_f32(input, d, out);
    if let Some(out) = out.get_mut(..d.n) {
        for o in out.iter_mut() {
            *o = libm::sqrtf(*o);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isqrt_is_the_floor() {
        for v in (0u64..5000).chain([u64::from(u32::MAX), (1 << 40) + 12345, u64::MAX]) {
            let r = isqrt_u64(v);
            assert!(r * r <= v, "{v}");
            assert!((r + 1).checked_mul(r + 1).is_none_or(|s| s > v), "{v}");
        }
    }

    #[test]
    fn norms_by_hand() {
        let d = NormDims {
            n: 2,
            c: 4,
            first: 1,
            count: 2,
        };
        let x = [9.0f32, 3.0, 4.0, 7.0, 0.0, -6.0, 8.0, 1.0];
        let mut y = [0.0f32; 2];
        row_norm_f32(&x, &d, &mut y);
        assert_eq!(y, [5.0, 10.0]);
        row_squared_norm_f32(&x, &d, &mut y);
        assert_eq!(y, [25.0, 100.0]);
        // int8 with s_in = 0.5, zp_in = 2: the same rows are x/0.5 + 2; norm output s = 0.25, zp -100.
        let xq: [i8; 8] = [20, 8, 10, 16, 2, -10, 18, 4];
        let r = Requant::from_scales(0.5 / 128.0, 2, 0.25, -100).unwrap();
        let mut yq = [0i8; 2];
        row_norm_i8(&xq, &d, &r, &mut yq);
        assert_eq!(yq, [-100 + 20, -100 + 40]);
        let r2 = Requant::from_scales(0.25, 2, 1.0, -128).unwrap();
        row_squared_norm_i8(&xq, &d, &r2, &mut yq);
        assert_eq!(yq, [-128 + 25, -128 + 100]);
        // A range past the row: nothing written.
        let bad = NormDims { first: 3, ..d };
        let mut z = [7i8; 2];
        row_norm_i8(&xq, &bad, &r, &mut z);
        assert_eq!(z, [7, 7]);
    }
}

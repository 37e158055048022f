//! Pointwise shared MLP layer over `n` points (Conv1d with kernel 1), and its fusion with max
//! pooling over the points, which needs O(cout) memory instead of O(n * cout).

use super::chunks::{split4, ChunksNz};

use super::dense::{dense_row, dense_row_f32};
use super::dot::{dot, dot4, dot_f32};
use super::qparams::requant;
use super::{FParams, QParams};

/// Validated `(input, weights)` views for `n x cin` inputs and `cout x cin` weights.
fn views<'i, 'w, T>(
    input: &'i [T],
    n: usize,
    weights: &'w [T],
    cin: usize,
    cout: usize,
) -> Option<(&'i [T], &'w [T])> {
    let x = input.get(..n.checked_mul(cin)?)?;
    let w = weights.get(..cout.checked_mul(cin)?)?;
    Some((x, w))
}

/// int8 pointwise layer: the dense layer applied to each of the `n` points (`input` is
/// `n x cin`, `out` is `n x cout`, `weights` is `cout x cin`). Bit-exact with TFLite Micro's
/// CONV_2D (1x1, per channel). Writes nothing when a slice is too short.
///
/// With the `dsp` feature on Arm this is `kernels::dsp::pointwise_i8`
/// (SMLAD, bit-identical); otherwise [`pointwise_i8_portable`].
#[inline]
pub fn pointwise_i8(
    input: &[i8],
    n: usize,
    weights: &[i8],
    cin: usize,
    cout: usize,
    q: &QParams,
    out: &mut [i8],
) {
    #[cfg(all(feature = "dsp", target_arch = "arm"))]
    super::dsp::pointwise_i8(input, n, weights, cin, cout, q, out);
    #[cfg(not(all(feature = "dsp", target_arch = "arm")))]
    pointwise_i8_portable(input, n, weights, cin, cout, q, out);
}

/// The portable [`pointwise_i8`] (plain Rust, every target); always compiled, so the DSP
/// kernels can be compared with it.
pub fn pointwise_i8_portable(
    input: &[i8],
    n: usize,
    weights: &[i8],
    cin: usize,
    cout: usize,
    q: &QParams,
    out: &mut [i8],
) {
    let Some((x, w)) = views(input, n, weights, cin, cout) else {
        return;
    };
    let Some(o) = n.checked_mul(cout).and_then(|len| out.get_mut(..len)) else {
        return;
    };
    if !q.covers(cout) || cout == 0 {
        return;
    }
    if cin == 0 {
        for row in o.chunks_nz_mut(cout) {
            dense_row(&[], &[], q, row);
        }
        return;
    }
    for (xr, orow) in x.chunks_nz(cin).zip(o.chunks_nz_mut(cout)) {
        dense_row(xr, w, q, orow);
    }
}

/// int8 pointwise layer fused with max pooling over the points:
/// `out[c] = max_p pointwise(input)[p][c]`, bit-identical to [`pointwise_i8`] followed by
/// [`max_pool_i8`](super::max_pool_i8) but without the `n x cout` intermediate.
///
/// Requantization is monotone in the accumulator when the shift is not positive (non-decreasing
/// for a non-negative multiplier, non-increasing for a negative one), so such channels track the
/// extreme accumulator and requantize once; channels with a left shift (where the 32-bit
/// wrap-around makes it non-monotone) requantize every point. The result is independent of the
/// order of the points. Writes nothing when `n == 0` or a slice is too short.
///
/// With the `dsp` feature on Arm this is `kernels::dsp::pointwise_max_i8`
/// (SMLAD, bit-identical); otherwise [`pointwise_max_i8_portable`].
#[inline]
pub fn pointwise_max_i8(
    input: &[i8],
    n: usize,
    weights: &[i8],
    cin: usize,
    cout: usize,
    q: &QParams,
    out: &mut [i8],
) {
    #[cfg(all(feature = "dsp", target_arch = "arm"))]
    super::dsp::pointwise_max_i8(input, n, weights, cin, cout, q, out);
    #[cfg(not(all(feature = "dsp", target_arch = "arm")))]
    pointwise_max_i8_portable(input, n, weights, cin, cout, q, out);
}

/// The portable [`pointwise_max_i8`] (plain Rust, every target); always compiled, so the DSP
/// kernel can be compared with it.
pub fn pointwise_max_i8_portable(
    input: &[i8],
    n: usize,
    weights: &[i8],
    cin: usize,
    cout: usize,
    q: &QParams,
    out: &mut [i8],
) {
    let Some((x, w)) = views(input, n, weights, cin, cout) else {
        return;
    };
    let (Some(o), Some(bias), Some(mult), Some(shift)) = (
        out.get_mut(..cout),
        q.bias.get(..cout),
        q.multiplier.get(..cout),
        q.shift.get(..cout),
    ) else {
        return;
    };
    if n == 0 || cin == 0 {
        if n > 0 {
            dense_row(&[], &[], q, o);
        }
        return;
    }
    let (lo, hi) = q.clamp_bounds();
    let zp = q.out_zero_point;
    let finish = |mx: i32, mn: i32, b: i32, m: i32, s: i32| -> i8 {
        let acc = if m >= 0 { mx } else { mn };
        requant(acc.wrapping_add(b), m, s, zp, lo, hi)
    };
    let mut o4 = o.chunks_exact_mut(4);
    let mut w4 = w.chunks_nz(cin.saturating_mul(4));
    let mut c = 0usize;
    for (og, wg) in (&mut o4).zip(&mut w4) {
        let Some((w0, w1, w2, w3)) = split4(wg, cin) else {
            continue;
        };
        let (Some(b), Some(m), Some(s)) =
            (bias.get(c..c + 4), mult.get(c..c + 4), shift.get(c..c + 4))
        else {
            return;
        };
        c += 4;
        if s.iter().all(|&s| s <= 0) {
            let mut mx = [i32::MIN; 4];
            let mut mn = [i32::MAX; 4];
            for xr in x.chunks_nz(cin) {
                let a = dot4(xr, w0, w1, w2, w3);
                for ((mx, mn), a) in mx.iter_mut().zip(mn.iter_mut()).zip(a) {
                    *mx = (*mx).max(a);
                    *mn = (*mn).min(a);
                }
            }
            for (j, o) in og.iter_mut().enumerate() {
                let (Some(&mxj), Some(&mnj), Some(&bj), Some(&mj), Some(&sj)) =
                    (mx.get(j), mn.get(j), b.get(j), m.get(j), s.get(j))
                else {
                    return;
                };
                *o = finish(mxj, mnj, bj, mj, sj);
            }
        } else {
            let mut best = [i8::MIN; 4];
            for xr in x.chunks_nz(cin) {
                let a = dot4(xr, w0, w1, w2, w3);
                for ((((best, a), &b), &m), &s) in best.iter_mut().zip(a).zip(b).zip(m).zip(s) {
                    *best = (*best).max(requant(a.wrapping_add(b), m, s, zp, lo, hi));
                }
            }
            og.copy_from_slice(&best);
        }
    }
    let rows = w4.remainder().chunks_nz(cin);
    for ((o, wr), ((&b, &m), &s)) in o4
        .into_remainder()
        .iter_mut()
        .zip(rows)
        .zip(bias.iter().zip(mult).zip(shift).skip(c))
    {
        let mut best = i8::MIN;
        let (mut mx, mut mn) = (i32::MIN, i32::MAX);
        for xr in x.chunks_nz(cin) {
            let a = dot(xr, wr);
            if s <= 0 {
                mx = mx.max(a);
                mn = mn.min(a);
            } else {
                best = best.max(requant(a.wrapping_add(b), m, s, zp, lo, hi));
            }
        }
        *o = if s <= 0 {
            finish(mx, mn, b, m, s)
        } else {
            best
        };
    }
}

/// f32 pointwise layer: [`dense_f32`](super::dense_f32) on each of the `n` points.
pub fn pointwise_f32(
    input: &[f32],
    n: usize,
    weights: &[f32],
    cin: usize,
    cout: usize,
    p: &FParams,
    out: &mut [f32],
) {
    let Some((x, w)) = views(input, n, weights, cin, cout) else {
        return;
    };
    let (Some(o), Some(bias)) = (
        n.checked_mul(cout).and_then(|len| out.get_mut(..len)),
        p.bias.get(..cout),
    ) else {
        return;
    };
    if cout == 0 {
        return;
    }
    if cin == 0 {
        for row in o.chunks_nz_mut(cout) {
            dense_row_f32(&[], &[], bias, p, row);
        }
        return;
    }
    for (xr, orow) in x.chunks_nz(cin).zip(o.chunks_nz_mut(cout)) {
        dense_row_f32(xr, w, bias, p, orow);
    }
}

/// f32 pointwise layer fused with max pooling over the points (`out` has `cout` entries).
/// Writes nothing when `n == 0` or a slice is too short.
pub fn pointwise_max_f32(
    input: &[f32],
    n: usize,
    weights: &[f32],
    cin: usize,
    cout: usize,
    p: &FParams,
    out: &mut [f32],
) {
    let Some((x, w)) = views(input, n, weights, cin, cout) else {
        return;
    };
    let (Some(o), Some(bias)) = (out.get_mut(..cout), p.bias.get(..cout)) else {
        return;
    };
    if n == 0 {
        return;
    }
    if cin == 0 {
        for (o, &b) in o.iter_mut().zip(bias) {
            *o = p.clamp(b);
        }
        return;
    }
    o.fill(f32::NEG_INFINITY);
    for xr in x.chunks_nz(cin) {
        for ((o, &b), wr) in o.iter_mut().zip(bias).zip(w.chunks_nz(cin)) {
            *o = o.max(p.clamp(b + dot_f32(xr, wr)));
        }
    }
}

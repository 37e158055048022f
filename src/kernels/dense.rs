//! Fully connected layer (dense), int8 and f32.

use super::chunks::{split4, ChunksNz};

use super::dot::{dot, dot4, dot_f32};
use super::qparams::requant;
use super::{FParams, QParams};

/// int8 fully connected layer: `out[c] = requant(bias[c] + sum_i input[i] * w[c][i])`.
///
/// `weights` is `cout x cin` row-major (one row per output channel). Bit-exact with TFLite
/// Micro's per-channel FULLY_CONNECTED given the folded bias (see [`QParams`]). Writes nothing
/// when `input`, `weights`, `out` or `q` are shorter than the dimensions say.
///
/// With the `dsp` feature on Arm this is `kernels::dsp::dense_i8` (SMLAD,
/// bit-identical); otherwise [`dense_i8_portable`].
#[inline]
pub fn dense_i8(
    input: &[i8],
    weights: &[i8],
    cin: usize,
    cout: usize,
    q: &QParams,
    out: &mut [i8],
) {
    #[cfg(all(feature = "dsp", target_arch = "arm"))]
    super::dsp::dense_i8(input, weights, cin, cout, q, out);
    #[cfg(not(all(feature = "dsp", target_arch = "arm")))]
    dense_i8_portable(input, weights, cin, cout, q, out);
}

/// The portable [`dense_i8`] (plain Rust, every target); always compiled, so the DSP kernels
/// can be compared with it.
pub fn dense_i8_portable(
    input: &[i8],
    weights: &[i8],
    cin: usize,
    cout: usize,
    q: &QParams,
    out: &mut [i8],
) {
    let Some(wlen) = cin.checked_mul(cout) else {
        return;
    };
    let (Some(x), Some(w), Some(o)) = (input.get(..cin), weights.get(..wlen), out.get_mut(..cout))
    else {
        return;
    };
    if !q.covers(cout) {
        return;
    }
    dense_row(x, w, q, o);
}

/// One dense evaluation with validated lengths: `x.len() = cin`, `w.len() = cin * out.len()`,
/// `q` covering `out.len()` channels. Four output channels at a time.
#[inline]
pub(crate) fn dense_row(x: &[i8], w: &[i8], q: &QParams, out: &mut [i8]) {
    let cin = x.len();
    let (lo, hi) = q.clamp_bounds();
    let zp = q.out_zero_point;
    let cout = out.len();
    let (Some(bias), Some(mult), Some(shift)) = (
        q.bias.get(..cout),
        q.multiplier.get(..cout),
        q.shift.get(..cout),
    ) else {
        return;
    };
    if cin == 0 {
        for (((o, &b), &m), &s) in out.iter_mut().zip(bias).zip(mult).zip(shift) {
            *o = requant(b, m, s, zp, lo, hi);
        }
        return;
    }
    let mut o4 = out.chunks_exact_mut(4);
    let mut w4 = w.chunks_nz(cin.saturating_mul(4));
    let mut b4 = bias.chunks_exact(4);
    let mut m4 = mult.chunks_exact(4);
    let mut s4 = shift.chunks_exact(4);
    for ((((o, w), b), m), s) in (&mut o4)
        .zip(&mut w4)
        .zip(&mut b4)
        .zip(&mut m4)
        .zip(&mut s4)
    {
        let Some((w0, w1, w2, w3)) = split4(w, cin) else {
            continue;
        };
        let acc = dot4(x, w0, w1, w2, w3);
        for ((((o, a), &b), &m), &s) in o.iter_mut().zip(acc).zip(b).zip(m).zip(s) {
            *o = requant(a.wrapping_add(b), m, s, zp, lo, hi);
        }
    }
    let rows = w4.remainder().chunks_nz(cin);
    let tail = o4.into_remainder().iter_mut().zip(rows);
    for (((o, w), &b), (&m, &s)) in tail
        .zip(b4.remainder())
        .zip(m4.remainder().iter().zip(s4.remainder()))
    {
        *o = requant(dot(x, w).wrapping_add(b), m, s, zp, lo, hi);
    }
}

/// f32 fully connected layer: `out[c] = clamp(bias[c] + sum_i input[i] * w[c][i])`, summed in
/// index order. Writes nothing when a slice is shorter than the dimensions say.
pub fn dense_f32(
    input: &[f32],
    weights: &[f32],
    cin: usize,
    cout: usize,
    p: &FParams,
    out: &mut [f32],
) {
    let Some(wlen) = cin.checked_mul(cout) else {
        return;
    };
    let (Some(x), Some(w), Some(o), Some(bias)) = (
        input.get(..cin),
        weights.get(..wlen),
        out.get_mut(..cout),
        p.bias.get(..cout),
    ) else {
        return;
    };
    dense_row_f32(x, w, bias, p, o);
}

/// f32 dense evaluation with validated lengths.
#[inline]
pub(crate) fn dense_row_f32(x: &[f32], w: &[f32], bias: &[f32], p: &FParams, out: &mut [f32]) {
    let cin = x.len();
    if cin == 0 {
        for (o, &b) in out.iter_mut().zip(bias) {
            *o = p.clamp(b);
        }
        return;
    }
    for ((o, w), &b) in out.iter_mut().zip(w.chunks_nz(cin)).zip(bias) {
        *o = p.clamp(b + dot_f32(x, w));
    }
}

//! f32 pointwise layers over transposed weights: the output channels of one point are
//! computed side by side (so the compiler vectorises them) while every output keeps the
//! scalar kernels' summation order (`0 + x0 w0 + x1 w1 + ...`, then `+ bias`, then the clamp),
//! so results equal [`crate::kernels::pointwise_f32`] value for value.

use crate::kernels::FParams;

/// `out[p][c] = clamp(bias[c] + sum_i x[p][i] wt[i][c])` for `n` rows.
#[inline(always)]
fn rows_body(x: &[f32], n: usize, wt: &[f32], cin: usize, p: &FParams, out: &mut [f32]) {
    let cout = p.bias.len();
    if cout == 0 || cin == 0 {
        return;
    }
    for (xr, or) in x.chunks_exact(cin).zip(out.chunks_exact_mut(cout)).take(n) {
        or.fill(0.0);
        for (&xv, wr) in xr.iter().zip(wt.chunks_exact(cout)) {
            for (o, &w) in or.iter_mut().zip(wr) {
                *o += xv * w;
            }
        }
        for (o, &b) in or.iter_mut().zip(p.bias) {
            *o = p.clamp(b + *o);
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn rows_avx2(x: &[f32], n: usize, wt: &[f32], cin: usize, p: &FParams, out: &mut [f32]) {
    rows_body(x, n, wt, cin, p, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn rows_avx512(x: &[f32], n: usize, wt: &[f32], cin: usize, p: &FParams, out: &mut [f32]) {
    rows_body(x, n, wt, cin, p, out);
}

/// The widest vector unit of this CPU for the body above (no FMA: contraction would change
/// the rounding).
fn rows(x: &[f32], n: usize, wt: &[f32], cin: usize, p: &FParams, out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx512f") {
            // SAFETY: AVX-512 F support was detected just above; the body is safe code.
            return unsafe { rows_avx512(x, n, wt, cin, p, out) };
        }
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 support was detected just above; the body is safe code.
            return unsafe { rows_avx2(x, n, wt, cin, p, out) };
        }
    }
    rows_body(x, n, wt, cin, p, out);
}

/// f32 pointwise layer of `n` rows over transposed weights `wt` (`cin x cout`,
/// `cout = p.bias.len()`).
pub(crate) fn pointwise(x: &[f32], n: usize, wt: &[f32], cin: usize, p: &FParams, out: &mut [f32]) {
    rows(x, n, wt, cin, p, out);
}

/// f32 pointwise layer fused with max pooling over the `n` rows, in tiles of `scratch.len() /
/// cout` rows.
pub(crate) fn pointwise_max(
    x: &[f32],
    n: usize,
    wt: &[f32],
    cin: usize,
    p: &FParams,
    scratch: &mut [f32],
    out: &mut [f32],
) {
    let cout = p.bias.len();
    let tile = scratch.len() / cout.max(1);
    if cout == 0 || cin == 0 || tile == 0 || n == 0 {
        return;
    }
    let Some(o) = out.get_mut(..cout) else {
        return;
    };
    o.fill(f32::NEG_INFINITY);
    for xt in x.get(..n * cin).unwrap_or(&[]).chunks(tile * cin) {
        let t = xt.len() / cin;
        let r = &mut scratch[..t * cout];
        rows(xt, t, wt, cin, p, r);
        for row in r.chunks_exact(cout) {
            for (o, &v) in o.iter_mut().zip(row) {
                *o = o.max(v);
            }
        }
    }
}

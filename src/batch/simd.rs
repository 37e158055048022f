//! Batch int8 kernels with x86-64 SIMD (AVX2, AVX-512 VNNI), selected at run time, plus the
//! portable scalar fallback. Integer results are bit-identical to the scalar kernels of
//! [`crate::kernels`] (tested in `tests/batch_simd.rs`).
//!
//! Layout: weights are repacked once per call so that one broadcast input value feeds 8 (AVX2)
//! or 16 (AVX-512) output channels; accumulators are int32 (wrapping, exactly as the scalar
//! kernels); requantization is vectorised with the same gemmlowp arithmetic
//! ([`requantize_rows`]).

use crate::kernels::{self, QParams};

#[cfg(target_arch = "x86_64")]
use super::simd_avx2 as avx2;
#[cfg(target_arch = "x86_64")]
use super::simd_vnni as vnni;

/// A SIMD implementation of the batch kernels.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The scalar kernels of [`crate::kernels`] (every target).
    Scalar,
    /// x86-64 AVX2 (`vpmaddwd` on sign-extended int16 pairs).
    Avx2,
    /// x86-64 AVX-512 F/BW + VNNI (`vpdpbusd` on biased unsigned inputs), AVX2 requantization.
    Avx512Vnni,
}

impl Backend {
    /// Whether this CPU can run the backend.
    pub fn is_available(self) -> bool {
        match self {
            Backend::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2 => std::is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx512Vnni => {
                std::is_x86_feature_detected!("avx2")
                    && std::is_x86_feature_detected!("avx512f")
                    && std::is_x86_feature_detected!("avx512bw")
                    && std::is_x86_feature_detected!("avx512vnni")
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The fastest available backend.
    pub fn detect() -> Self {
        [Backend::Avx512Vnni, Backend::Avx2]
            .into_iter()
            .find(|b| b.is_available())
            .unwrap_or(Backend::Scalar)
    }

    /// Every backend this CPU can run, scalar first.
    pub fn available() -> Vec<Self> {
        [Backend::Scalar, Backend::Avx2, Backend::Avx512Vnni]
            .into_iter()
            .filter(|b| b.is_available())
            .collect()
    }
}

/// Shapes of a pointwise batch; `None` when a slice is shorter than they say.
fn checked<'a>(
    input: &'a [i8],
    n: usize,
    weights: &'a [i8],
    cin: usize,
    cout: usize,
    q: &QParams,
) -> Option<(&'a [i8], &'a [i8])> {
    let x = input.get(..n.checked_mul(cin)?)?;
    let w = weights.get(..cout.checked_mul(cin)?)?;
    (q.covers(cout) && cin > 0 && cout > 0).then_some((x, w))
}

/// int8 pointwise layer over `n` points (or a batch of `n` dense evaluations), bit-identical to
/// [`kernels::pointwise_i8`], on `backend` (falls back to scalar when it is unavailable).
/// Writes nothing when a slice is shorter than the dimensions say.
#[allow(clippy::too_many_arguments)]
pub fn pointwise_i8(
    backend: Backend,
    input: &[i8],
    n: usize,
    weights: &[i8],
    cin: usize,
    cout: usize,
    q: &QParams,
    out: &mut [i8],
) {
    let (Some((x, w)), Some(o)) = (
        checked(input, n, weights, cin, cout, q),
        n.checked_mul(cout).and_then(|l| out.get_mut(..l)),
    ) else {
        return kernels::pointwise_i8(input, n, weights, cin, cout, q, out);
    };
    let mut acc = vec![0i32; o.len()];
    if !accumulate(backend, x, n, w, cin, cout, &mut acc) {
        return kernels::pointwise_i8(input, n, weights, cin, cout, q, out);
    }
    requantize_rows(backend, &acc, cout, q, o);
}

/// int8 pointwise layer fused with max pooling over the `n` points, bit-identical to
/// [`kernels::pointwise_max_i8`]. Points are processed in tiles so the int32 scratch stays
/// small. Writes nothing when `n == 0` or a slice is too short.
#[allow(clippy::too_many_arguments)]
pub fn pointwise_max_i8(
    backend: Backend,
    input: &[i8],
    n: usize,
    weights: &[i8],
    cin: usize,
    cout: usize,
    q: &QParams,
    out: &mut [i8],
) {
    let (Some((x, w)), Some(o)) = (
        checked(input, n, weights, cin, cout, q),
        out.get_mut(..cout),
    ) else {
        return kernels::pointwise_max_i8(input, n, weights, cin, cout, q, out);
    };
    if n == 0 || backend == Backend::Scalar || !backend.is_available() {
        return kernels::pointwise_max_i8(input, n, weights, cin, cout, q, out);
    }
    const TILE: usize = 64;
    let mut acc = vec![0i32; TILE * cout];
    let mut rows = vec![0i8; TILE * cout];
    o.fill(i8::MIN);
    for xt in x.chunks(TILE * cin) {
        let t = xt.len() / cin;
        let (a, r) = (&mut acc[..t * cout], &mut rows[..t * cout]);
        if !accumulate(backend, xt, t, w, cin, cout, a) {
            return kernels::pointwise_max_i8(input, n, weights, cin, cout, q, out);
        }
        requantize_rows(backend, a, cout, q, r);
        for row in r.chunks_exact(cout) {
            for (o, &v) in o.iter_mut().zip(row) {
                *o = (*o).max(v);
            }
        }
    }
}

/// int32 accumulators `acc[p][c] = sum_i x[p][i] * w[c][i]` (wrapping) on `backend`;
/// `false` when the backend cannot run here (nothing written).
fn accumulate(
    backend: Backend,
    x: &[i8],
    n: usize,
    w: &[i8],
    cin: usize,
    cout: usize,
    acc: &mut [i32],
) -> bool {
    if !backend.is_available() {
        return false;
    }
    match backend {
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2 => avx2::accumulate(x, n, w, cin, cout, acc),
        #[cfg(target_arch = "x86_64")]
        Backend::Avx512Vnni => vnni::accumulate(x, n, w, cin, cout, acc),
        _ => {
            scalar_accumulate(x, w, cin, cout, acc);
            true
        }
    }
}

/// Portable accumulation (the scalar reference of the SIMD paths).
fn scalar_accumulate(x: &[i8], w: &[i8], cin: usize, cout: usize, acc: &mut [i32]) {
    for (xr, ar) in x.chunks_exact(cin).zip(acc.chunks_exact_mut(cout)) {
        for (a, wr) in ar.iter_mut().zip(w.chunks_exact(cin)) {
            *a = xr.iter().zip(wr).fold(0i32, |s, (&p, &q)| {
                s.wrapping_add(i32::from(p) * i32::from(q))
            });
        }
    }
}

/// Requantizes an `n x cout` matrix of bias-free int32 accumulators to int8 with the
/// per-channel parameters of `q` (the same arithmetic as every scalar kernel), vectorised on
/// AVX2-capable backends. Writes nothing when `q` does not cover `cout` channels.
pub fn requantize_rows(backend: Backend, acc: &[i32], cout: usize, q: &QParams, out: &mut [i8]) {
    if cout == 0 || !q.covers(cout) {
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if matches!(backend, Backend::Avx2 | Backend::Avx512Vnni) && backend.is_available() {
        avx2::requantize_rows(acc, cout, q, out);
        return;
    }
    let _ = backend;
    for (ar, or) in acc.chunks_exact(cout).zip(out.chunks_exact_mut(cout)) {
        for (c, (o, &a)) in or.iter_mut().zip(ar).enumerate() {
            *o = q.requantize(a, c);
        }
    }
}

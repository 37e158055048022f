//! Layer weights repacked once per model for the chosen kernels, reused by every sample and
//! frame: int8 pointwise weights in the SIMD layouts, f32 pointwise weights transposed so the
//! output channels vectorise while each output keeps the scalar kernel's summation order.

use super::simd::Backend as Kernels;
use crate::kernels::QParams;

#[cfg(target_arch = "x86_64")]
use super::requant_avx2::Requant;
#[cfg(target_arch = "x86_64")]
use super::{simd_avx2 as avx2, simd_vnni as vnni};

/// An int8 pointwise layer prepared for one SIMD backend: packed weights and (x86-64) the
/// requantization constants.
pub(crate) struct PackedI8 {
    weights: Weights,
    /// Per channel: the fused max pooling tracks the extreme accumulator and requantizes
    /// once (the scalar kernel's rule: every channel of a group of four has a shift <= 0, or,
    /// past the last whole group, the channel itself has).
    pub(crate) trick: Vec<bool>,
    #[cfg(target_arch = "x86_64")]
    rq: Option<Requant>,
}

/// int8 pointwise weights in the layout of one SIMD backend.
enum Weights {
    /// AVX2: `(cin/2) x coutp x 2` int16.
    #[cfg(target_arch = "x86_64")]
    Avx2 { w: Vec<i16>, coutp: usize },
    /// AVX-512 VNNI: `(cin/4) x coutp x 4` int8 plus the `-128 * sum(w)` correction.
    #[cfg(target_arch = "x86_64")]
    Vnni {
        w: Vec<i8>,
        corr: Vec<i32>,
        coutp: usize,
    },
}

impl PackedI8 {
    /// Packs `cout x cin` weights for `kernels`; `None` for the scalar kernels or a backend
    /// this CPU lacks (the caller then uses the scalar kernels).
    pub(crate) fn new(
        kernels: Kernels,
        w: &[i8],
        cin: usize,
        cout: usize,
        q: &QParams,
    ) -> Option<Self> {
        let weights = Weights::new(kernels, w, cin, cout)?;
        #[cfg(not(target_arch = "x86_64"))]
        let _ = q;
        let s = q.shift.get(..cout)?;
        let groups = cout / 4 * 4;
        let trick = (0..cout)
            .map(|c| {
                if c < groups {
                    s[c / 4 * 4..c / 4 * 4 + 4].iter().all(|&v| v <= 0)
                } else {
                    s[c] <= 0
                }
            })
            .collect();
        Some(Self {
            weights,
            trick,
            #[cfg(target_arch = "x86_64")]
            rq: Requant::new(q, cout),
        })
    }

    /// `acc[p][c] = sum_i x[p][i] * w[c][i]` (wrapping) for `n` rows; `false` when nothing
    /// was written (a slice shorter than the shapes say).
    pub(crate) fn accumulate(
        &self,
        x: &[i8],
        n: usize,
        cin: usize,
        cout: usize,
        acc: &mut [i32],
    ) -> bool {
        self.weights.accumulate(x, n, cin, cout, acc)
    }

    /// The whole int8 pointwise layer (`n x cin` to `n x cout`) with the requantization fused
    /// into the accumulation where the backend has it (AVX-512 VNNI, `cout` a multiple of
    /// 64); `false` when nothing was written (the caller then accumulates and requantizes).
    pub(crate) fn pointwise(
        &self,
        q: &QParams,
        x: &[i8],
        n: usize,
        cin: usize,
        cout: usize,
        out: &mut [i8],
    ) -> bool {
        #[cfg(target_arch = "x86_64")]
        if let (Weights::Vnni { w, corr, .. }, Some(rq)) = (&self.weights, &self.rq) {
            return vnni::pointwise_prepacked(x, n, w, corr, cin, cout, rq, q, out);
        }
        let _ = (q, x, n, cin, cout, out);
        false
    }

    /// Requantizes rows of accumulators into `out` with the prepared constants; `false` when
    /// nothing was written (the caller then uses [`super::simd::requantize_rows`]).
    pub(crate) fn requantize(&self, q: &QParams, acc: &[i32], out: &mut [i8]) -> bool {
        #[cfg(target_arch = "x86_64")]
        if let Some(rq) = &self.rq {
            return rq.rows(q, acc, out);
        }
        let _ = (q, acc, out);
        false
    }

    /// Folds requantized rows into the running per-channel maximum `best`; `false` when
    /// nothing was written.
    pub(crate) fn requantize_max(&self, q: &QParams, acc: &[i32], best: &mut [i32]) -> bool {
        #[cfg(target_arch = "x86_64")]
        if let Some(rq) = &self.rq {
            return rq.max_rows(q, acc, best);
        }
        let _ = (q, acc, best);
        false
    }
}

impl Weights {
    fn new(kernels: Kernels, w: &[i8], cin: usize, cout: usize) -> Option<Self> {
        if !kernels.is_available() || cin == 0 || cout == 0 || w.len() < cin * cout {
            return None;
        }
        match kernels {
            #[cfg(target_arch = "x86_64")]
            Kernels::Avx2 => {
                let (w, coutp) = avx2::pack(w, cin, cout);
                Some(Self::Avx2 { w, coutp })
            }
            #[cfg(target_arch = "x86_64")]
            Kernels::Avx512Vnni => {
                let (w, corr, coutp) = vnni::pack(w, cin, cout);
                Some(Self::Vnni { w, corr, coutp })
            }
            _ => None,
        }
    }

    fn accumulate(&self, x: &[i8], n: usize, cin: usize, cout: usize, acc: &mut [i32]) -> bool {
        match self {
            #[cfg(target_arch = "x86_64")]
            Self::Avx2 { w, coutp } => avx2::accumulate_prepacked(x, n, w, cin, cout, *coutp, acc),
            #[cfg(target_arch = "x86_64")]
            Self::Vnni { w, corr, coutp } => {
                vnni::accumulate_prepacked(x, n, w, corr, cin, cout, *coutp, acc)
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => {
                let _ = (x, n, cin, cout, acc);
                false
            }
        }
    }
}

/// Transposes `cout x cin` f32 weights to `cin x cout`.
pub(crate) fn transpose_f32(w: &[f32], cin: usize, cout: usize) -> Option<Vec<f32>> {
    let w = w.get(..cin.checked_mul(cout)?)?;
    let mut t = vec![0.0f32; w.len()];
    for (c, row) in w.chunks_exact(cin.max(1)).enumerate() {
        for (i, &v) in row.iter().enumerate() {
            t[i * cout + c] = v;
        }
    }
    Some(t)
}

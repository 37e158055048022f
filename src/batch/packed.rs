//! Layer weights repacked once per model for the chosen kernels, reused by every sample and
//! frame: int8 pointwise weights in the SIMD layouts, f32 pointwise weights transposed so the
//! output channels vectorise while each output keeps the scalar kernel's summation order.

use super::simd::Backend as Kernels;

#[cfg(target_arch = "x86_64")]
use super::{simd_avx2 as avx2, simd_vnni as vnni};

/// int8 pointwise weights in the layout of one SIMD backend.
pub(crate) enum PackedI8 {
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
    pub(crate) fn new(kernels: Kernels, w: &[i8], cin: usize, cout: usize) -> Option<Self> {
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

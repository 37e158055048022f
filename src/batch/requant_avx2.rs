//! AVX2 requantization with the per-channel constants prepared once per layer: rows of int32
//! accumulators to int8 (packed eight at a time), or straight into a running per-channel
//! maximum (the fused pointwise + max pooling layer, no int8 rows written). Same arithmetic as
//! [`QParams::requantize`] lane by lane (see `simd_avx2.rs` for the exactness argument);
//! channels past the last full block of eight use the scalar function.

use core::arch::x86_64::*;

use super::simd_avx2::{rdbpot, srdhm};
use crate::kernels::QParams;

/// Per-channel constants (bias, multiplier, left shift, right shift) of every full block of
/// eight channels, and the layer's output zero point and clamp.
pub(crate) struct Requant {
    blocks: Vec<[[i32; 8]; 4]>,
    cout: usize,
    zp: i32,
    lo: i32,
    hi: i32,
}

impl Requant {
    /// Prepares `q` for `cout` channels; `None` when `q` does not cover them.
    pub(crate) fn new(q: &QParams, cout: usize) -> Option<Self> {
        if !q.covers(cout) || cout == 0 {
            return None;
        }
        let lo = q.act_min.clamp(-128, 127);
        let hi = q.act_max.clamp(-128, 127).max(lo);
        let blocks = (0..cout / 8)
            .map(|b| {
                let f = |v: &[i32], g: fn(i32) -> i32| -> [i32; 8] {
                    core::array::from_fn(|j| v.get(b * 8 + j).map_or(0, |&s| g(s)))
                };
                [
                    f(q.bias, |v| v),
                    f(q.multiplier, |v| v),
                    f(q.shift, |s| s.clamp(0, 31)),
                    f(
                        q.shift,
                        |s| if s > 0 { 0 } else { s.saturating_neg().min(31) },
                    ),
                ]
            })
            .collect();
        Some(Self {
            blocks,
            cout,
            zp: q.out_zero_point,
            lo,
            hi,
        })
    }

    /// Rows of `acc` (`cout` each) to int8 in `out`; `false` (nothing written) without AVX2.
    pub(crate) fn rows(&self, q: &QParams, acc: &[i32], out: &mut [i8]) -> bool {
        if !std::is_x86_feature_detected!("avx2") || !q.covers(self.cout) {
            return false;
        }
        // SAFETY: AVX2 support was detected just above; the callee bounds-checks its slices.
        unsafe { self.rows_avx2(q, acc, out) };
        true
    }

    /// `best[c] = max(best[c], requantized acc[r][c])` over the rows of `acc` (as int32);
    /// `false` (nothing written) without AVX2.
    pub(crate) fn max_rows(&self, q: &QParams, acc: &[i32], best: &mut [i32]) -> bool {
        if !std::is_x86_feature_detected!("avx2") || !q.covers(self.cout) || best.len() < self.cout
        {
            return false;
        }
        // SAFETY: AVX2 support was detected just above; the callee bounds-checks its slices.
        unsafe { self.max_rows_avx2(q, acc, best) };
        true
    }

    /// One block of eight requantized lanes, clamped (so each lane fits int8).
    #[target_feature(enable = "avx2")]
    fn block(&self, k: &[[i32; 8]; 4], a: &[i32]) -> __m256i {
        let ld = |s: &[i32]| {
            let mut buf = [0i32; 8];
            if let Some(src) = s.get(..8) {
                buf.copy_from_slice(src);
            }
            // SAFETY: `buf` is 8 int32 (32 bytes); `loadu` has no alignment requirement.
            unsafe { _mm256_loadu_si256(buf.as_ptr().cast()) }
        };
        let v = _mm256_add_epi32(ld(a), ld(&k[0]));
        let v = _mm256_sllv_epi32(v, ld(&k[2]));
        let v = rdbpot(srdhm(v, ld(&k[1])), ld(&k[3]));
        let v = _mm256_add_epi32(v, _mm256_set1_epi32(self.zp));
        _mm256_min_epi32(
            _mm256_max_epi32(v, _mm256_set1_epi32(self.lo)),
            _mm256_set1_epi32(self.hi),
        )
    }

    #[target_feature(enable = "avx2")]
    fn rows_avx2(&self, q: &QParams, acc: &[i32], out: &mut [i8]) {
        let full = self.blocks.len() * 8;
        for (ar, or) in acc
            .chunks_exact(self.cout)
            .zip(out.chunks_exact_mut(self.cout))
        {
            for ((k, a8), o8) in self
                .blocks
                .iter()
                .zip(ar.chunks_exact(8))
                .zip(or.chunks_exact_mut(8))
            {
                let v = self.block(k, a8);
                // int32 -> int16 -> int8 (saturating packs are exact: lanes are in lo..=hi)
                let p = _mm256_packs_epi16(_mm256_packs_epi32(v, v), _mm256_setzero_si256());
                let lo = _mm256_cvtsi256_si32(p) as u32;
                let hi = _mm256_extract_epi32::<4>(p) as u32;
                let bytes = (u64::from(lo) | (u64::from(hi) << 32)).to_le_bytes();
                for (o, b) in o8.iter_mut().zip(bytes) {
                    *o = b as i8;
                }
            }
            for (c, (o, &a)) in or.iter_mut().zip(ar).enumerate().skip(full) {
                *o = q.requantize(a, c);
            }
        }
    }

    #[target_feature(enable = "avx2")]
    fn max_rows_avx2(&self, q: &QParams, acc: &[i32], best: &mut [i32]) {
        let full = self.blocks.len() * 8;
        for ar in acc.chunks_exact(self.cout) {
            for ((k, a8), b8) in self
                .blocks
                .iter()
                .zip(ar.chunks_exact(8))
                .zip(best.chunks_exact_mut(8))
            {
                let v = self.block(k, a8);
                // SAFETY: `b8` is exactly 8 int32 (32 bytes); unaligned load and store.
                unsafe {
                    let m = _mm256_max_epi32(v, _mm256_loadu_si256(b8.as_ptr().cast()));
                    _mm256_storeu_si256(b8.as_mut_ptr().cast(), m);
                }
            }
            for (c, (b, &a)) in best.iter_mut().zip(ar).enumerate().skip(full) {
                *b = (*b).max(i32::from(q.requantize(a, c)));
            }
        }
    }
}

/// Running per-channel extremes of rows of accumulators: `amax[c] = max(amax[c], acc[r][c])`,
/// `amin[c] = min(...)`, vectorised with AVX2 when present.
pub(crate) fn extremes(acc: &[i32], cout: usize, amax: &mut [i32], amin: &mut [i32]) {
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 support was detected just above; the body is safe code.
        unsafe { extremes_avx2(acc, cout, amax, amin) }
    } else {
        super::sample::extremes_body(acc, cout, amax, amin);
    }
}

#[target_feature(enable = "avx2")]
fn extremes_avx2(acc: &[i32], cout: usize, amax: &mut [i32], amin: &mut [i32]) {
    super::sample::extremes_body(acc, cout, amax, amin);
}

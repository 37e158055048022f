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
    /// The same constants in blocks of sixteen channels (AVX-512).
    blocks16: Vec<[[i32; 16]; 4]>,
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
            .collect::<Vec<_>>();
        let blocks16 = blocks
            .chunks_exact(2)
            .map(|p| core::array::from_fn(|k| core::array::from_fn(|j| p[j / 8][k][j % 8])))
            .collect();
        Some(Self {
            blocks,
            blocks16,
            cout,
            zp: q.out_zero_point,
            lo,
            hi,
        })
    }

    /// The 16-channel blocks (bias, multiplier, left shift, right shift).
    pub(crate) fn blocks16(&self) -> &[[[i32; 16]; 4]] {
        &self.blocks16
    }

    /// Rows of `acc` (`cout` each) to int8 in `out`; `false` (nothing written) without AVX2.
    pub(crate) fn rows(&self, q: &QParams, acc: &[i32], out: &mut [i8]) -> bool {
        if !std::is_x86_feature_detected!("avx2") || !q.covers(self.cout) {
            return false;
        }
        if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512bw") {
            // SAFETY: AVX-512 F and BW were detected just above; the callee bounds-checks.
            unsafe { self.rows_avx512(q, acc, out) };
            return true;
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

    /// One block of sixteen requantized lanes (AVX-512), clamped to the output range.
    #[target_feature(enable = "avx512f,avx512bw")]
    pub(crate) fn block16(&self, k: &[[i32; 16]; 4], acc: __m512i) -> __m512i {
        // SAFETY: each array is exactly 16 int32 (64 bytes); unaligned loads.
        let ld = |v: &[i32; 16]| unsafe { _mm512_loadu_si512(v.as_ptr().cast()) };
        let v = _mm512_add_epi32(acc, ld(&k[0]));
        let v = _mm512_sllv_epi32(v, ld(&k[2]));
        let v = rdbpot16(srdhm16(v, ld(&k[1])), ld(&k[3]));
        let v = _mm512_add_epi32(v, _mm512_set1_epi32(self.zp));
        _mm512_min_epi32(
            _mm512_max_epi32(v, _mm512_set1_epi32(self.lo)),
            _mm512_set1_epi32(self.hi),
        )
    }

    #[target_feature(enable = "avx512f,avx512bw")]
    fn rows_avx512(&self, q: &QParams, acc: &[i32], out: &mut [i8]) {
        let full = self.blocks16.len() * 16;
        let (zp, lo, hi) = (
            _mm512_set1_epi32(self.zp),
            _mm512_set1_epi32(self.lo),
            _mm512_set1_epi32(self.hi),
        );
        for (ar, or) in acc
            .chunks_exact(self.cout)
            .zip(out.chunks_exact_mut(self.cout))
        {
            for ((k, a16), o16) in self
                .blocks16
                .iter()
                .zip(ar.chunks_exact(16))
                .zip(or.chunks_exact_mut(16))
            {
                // SAFETY: every slice / array loaded or stored here is exactly 16 int32 (64
                // bytes) or 16 int8 (16 bytes); unaligned loads and stores.
                unsafe {
                    let ld = |v: &[i32; 16]| _mm512_loadu_si512(v.as_ptr().cast());
                    let v = _mm512_add_epi32(_mm512_loadu_si512(a16.as_ptr().cast()), ld(&k[0]));
                    let v = _mm512_sllv_epi32(v, ld(&k[2]));
                    let v = rdbpot16(srdhm16(v, ld(&k[1])), ld(&k[3]));
                    let v = _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(v, zp), lo), hi);
                    _mm_storeu_si128(o16.as_mut_ptr().cast(), _mm512_cvtepi32_epi8(v));
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

/// gemmlowp `SaturatingRoundingDoublingHighMul` on 16 lanes (as `simd_avx2::srdhm`).
#[target_feature(enable = "avx512f")]
pub(crate) fn srdhm16(a: __m512i, b: __m512i) -> __m512i {
    let nudge = _mm512_set1_epi64(1 << 30);
    let even = _mm512_add_epi64(_mm512_mul_epi32(a, b), nudge);
    let odd = _mm512_add_epi64(
        _mm512_mul_epi32(_mm512_srli_epi64::<32>(a), _mm512_srli_epi64::<32>(b)),
        nudge,
    );
    // bits 31..62 of each 64-bit sum: low half of `even >> 31`, high half of `odd << 1`
    let r = _mm512_mask_blend_epi32(
        0xAAAA,
        _mm512_srli_epi64::<31>(even),
        _mm512_slli_epi64::<1>(odd),
    );
    // only MIN * MIN yields i32::MIN here; it saturates to i32::MAX
    let min = _mm512_cmpeq_epi32_mask(r, _mm512_set1_epi32(i32::MIN));
    _mm512_mask_sub_epi32(r, min, r, _mm512_set1_epi32(1))
}

/// gemmlowp `RoundingDivideByPOT` on 16 lanes, exponents in `0..=31`.
#[target_feature(enable = "avx512f")]
pub(crate) fn rdbpot16(x: __m512i, e: __m512i) -> __m512i {
    let one = _mm512_set1_epi32(1);
    let mask = _mm512_sub_epi32(_mm512_sllv_epi32(one, e), one);
    let rem = _mm512_and_si512(x, mask);
    let neg = _mm512_cmplt_epi32_mask(x, _mm512_setzero_si512());
    let half = _mm512_srli_epi32::<1>(mask);
    let thr = _mm512_mask_add_epi32(half, neg, half, one);
    let r = _mm512_srav_epi32(x, e);
    _mm512_mask_add_epi32(r, _mm512_cmpgt_epi32_mask(rem, thr), r, one)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every path (AVX-512 rows, AVX2 rows, running maximum) against `QParams::requantize`
    /// on random parameters (negative multipliers, left and right shifts, all clamps) and
    /// accumulators including the int32 extremes, for widths with and without a tail.
    #[test]
    fn prepared_requantization_equals_the_scalar_one() {
        let mut s = 0x1234_5678_9abc_def0u64;
        let mut next = move || {
            s ^= s >> 12;
            s ^= s << 25;
            s ^= s >> 27;
            s.wrapping_mul(0x2545_F491_4F6C_DD1D)
        };
        for round in 0..400 {
            let cout = [8, 16, 24, 32, 64, 5, 19, 47][round % 8];
            let rows = 1 + (next() % 5) as usize;
            let bias: Vec<i32> = (0..cout).map(|_| next() as i32 >> (next() % 32)).collect();
            let mult: Vec<i32> = (0..cout)
                .map(|_| {
                    let m = ((1u32 << 30) + (next() as u32 >> 3)) as i32;
                    if next() % 4 == 0 {
                        -m
                    } else {
                        m
                    }
                })
                .collect();
            let shift: Vec<i32> = (0..cout).map(|_| (next() % 40) as i32 - 32).collect();
            let zp = (next() % 256) as i32 - 128;
            let q = QParams {
                bias: &bias,
                multiplier: &mult,
                shift: &shift,
                out_zero_point: zp,
                act_min: if round % 3 == 0 { zp } else { -128 },
                act_max: 127,
            };
            let acc: Vec<i32> = (0..rows * cout)
                .map(|i| match i % 7 {
                    0 => i32::MIN,
                    1 => i32::MAX,
                    _ => next() as i32 >> (next() % 32),
                })
                .collect();
            let want: Vec<i8> = acc
                .chunks_exact(cout)
                .flat_map(|r| r.iter().enumerate().map(|(c, &a)| q.requantize(a, c)))
                .collect();
            let rq = Requant::new(&q, cout).unwrap();
            let mut got = vec![0i8; rows * cout];
            if rq.rows(&q, &acc, &mut got) {
                assert_eq!(got, want, "rows, cout {cout}");
            }
            if std::is_x86_feature_detected!("avx2") {
                got.fill(0);
                // SAFETY: AVX2 support was detected just above.
                unsafe { rq.rows_avx2(&q, &acc, &mut got) };
                assert_eq!(got, want, "AVX2 rows, cout {cout}");
            }
            let mut best = vec![i32::from(i8::MIN); cout];
            if rq.max_rows(&q, &acc, &mut best) {
                for (c, b) in best.iter().enumerate() {
                    let m = want.iter().skip(c).step_by(cout).max().unwrap();
                    assert_eq!(*b, i32::from(*m), "max, channel {c}");
                }
            }
        }
    }
}

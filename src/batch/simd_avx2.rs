//! AVX2 paths: int8 accumulation with `vpmaddwd` on int16 pairs, and the vectorised
//! gemmlowp requantization shared by the AVX2 and AVX-512 backends.
//!
//! Bit-exactness: `vpmaddwd` of sign-extended int8 values is exact (|sum| <= 2 * 127 * 128),
//! and int32 lane additions wrap exactly like the scalar accumulator. The requantization uses
//! `SRDHM(a, b) = (a * b + 2^30) >> 31` (arithmetic, on the exact 64-bit product), which equals
//! gemmlowp's nudge-then-truncate form for both signs, plus the `i32::MIN * i32::MIN`
//! saturation; `RoundingDivideByPOT` is transcribed lane-wise.

use core::arch::x86_64::*;

use crate::kernels::QParams;

/// Weights repacked for AVX2: `(cin/2) x coutp x 2` int16, zero-padded (`coutp` = `cout`
/// rounded up to 8), so one broadcast input pair meets 8 output channels per register.
pub(crate) fn pack(w: &[i8], cin: usize, cout: usize) -> (Vec<i16>, usize) {
    let coutp = cout.div_ceil(8) * 8;
    let mut p = vec![0i16; cin.div_ceil(2) * coutp * 2];
    for (c, row) in w.chunks_exact(cin).take(cout).enumerate() {
        for (i, &v) in row.iter().enumerate() {
            if let Some(d) = p.get_mut(((i / 2) * coutp + c) * 2 + i % 2) {
                *d = i16::from(v);
            }
        }
    }
    (p, coutp)
}

/// Safe entry: `acc[p][c] = sum_i x[p][i] * w[c][i]` (wrapping) with AVX2. Returns `false`
/// (nothing written) when AVX2 is absent or a slice is shorter than the shapes say.
pub(crate) fn accumulate(
    x: &[i8],
    n: usize,
    w: &[i8],
    cin: usize,
    cout: usize,
    acc: &mut [i32],
) -> bool {
    let ok = std::is_x86_feature_detected!("avx2")
        && cin > 0
        && n.checked_mul(cin).is_some_and(|l| x.len() >= l)
        && cout.checked_mul(cin).is_some_and(|l| w.len() >= l)
        && n.checked_mul(cout).is_some_and(|l| acc.len() >= l);
    if !ok {
        return false;
    }
    let (wp, coutp) = pack(w, cin, cout);
    // SAFETY: AVX2 support was detected just above; `accumulate_packed` only needs AVX2 and
    // checks every slice access itself.
    unsafe { accumulate_packed(x, n, &wp, cin, cout, coutp, acc) };
    true
}

/// Safe entry over weights packed once by [`pack`]: `false` (nothing written) when AVX2 is
/// absent or a slice is shorter than the shapes say.
pub(crate) fn accumulate_prepacked(
    x: &[i8],
    n: usize,
    wp: &[i16],
    cin: usize,
    cout: usize,
    coutp: usize,
    acc: &mut [i32],
) -> bool {
    let ok = std::is_x86_feature_detected!("avx2")
        && cin > 0
        && coutp >= cout
        && n.checked_mul(cin).is_some_and(|l| x.len() >= l)
        && n.checked_mul(cout).is_some_and(|l| acc.len() >= l);
    if ok {
        // SAFETY: AVX2 support was detected just above; the callee bounds-checks its slices.
        unsafe { accumulate_packed(x, n, wp, cin, cout, coutp, acc) };
    }
    ok
}

/// AVX2 accumulation over packed weights (see [`pack`]).
///
/// # Safety
/// The CPU must support AVX2. All memory accesses are bounds-checked.
#[target_feature(enable = "avx2")]
fn accumulate_packed(
    x: &[i8],
    n: usize,
    wp: &[i16],
    cin: usize,
    cout: usize,
    coutp: usize,
    acc: &mut [i32],
) {
    let cin2 = cin.div_ceil(2);
    let mut xp = vec![0i32; cin2];
    let mut row = vec![0i32; coutp];
    for (xr, ar) in x.chunks_exact(cin).zip(acc.chunks_exact_mut(cout)).take(n) {
        let mut pairs = xr.chunks_exact(2);
        for (v, p) in xp.iter_mut().zip(&mut pairs) {
            let lo = p.first().map_or(0, |&b| i32::from(b) as u16 as u32);
            let hi = p.get(1).map_or(0, |&b| i32::from(b) as u16 as u32);
            *v = (lo | (hi << 16)) as i32;
        }
        if let (Some(v), Some(&b)) = (xp.get_mut(cin / 2), pairs.remainder().first()) {
            *v = i32::from(b) as u16 as i32;
        }
        let mut g = 0;
        while g < coutp {
            let nb = ((coutp - g) / 8).min(4);
            match nb {
                4 => block::<4>(&xp, wp, coutp, g, &mut row),
                3 => block::<3>(&xp, wp, coutp, g, &mut row),
                2 => block::<2>(&xp, wp, coutp, g, &mut row),
                _ => block::<1>(&xp, wp, coutp, g, &mut row),
            }
            g += nb.max(1) * 8;
        }
        if let Some(r) = row.get(..cout) {
            ar.copy_from_slice(r);
        }
    }
}

/// `NB` registers of 8 output channels starting at channel `g`, over all input pairs.
#[target_feature(enable = "avx2")]
fn block<const NB: usize>(xp: &[i32], wp: &[i16], coutp: usize, g: usize, row: &mut [i32]) {
    let mut a = [_mm256_setzero_si256(); NB];
    for (i, &xv) in xp.iter().enumerate() {
        let xb = _mm256_set1_epi32(xv);
        let base = (i * coutp + g) * 2;
        let Some(ws) = wp.get(base..base + NB * 16) else {
            return;
        };
        for (k, ak) in a.iter_mut().enumerate() {
            // SAFETY: `ws` holds NB * 16 int16 (NB * 32 bytes), so the 32 bytes at k * 16 are
            // in bounds; `loadu` has no alignment requirement.
            let wv = unsafe { _mm256_loadu_si256(ws.as_ptr().add(k * 16).cast()) };
            *ak = _mm256_add_epi32(*ak, _mm256_madd_epi16(xb, wv));
        }
    }
    for (k, ak) in a.iter().enumerate() {
        if let Some(dst) = row.get_mut(g + 8 * k..g + 8 * k + 8) {
            // SAFETY: `dst` is exactly 8 int32 (32 bytes); `storeu` has no alignment
            // requirement.
            unsafe { _mm256_storeu_si256(dst.as_mut_ptr().cast(), *ak) };
        }
    }
}

/// gemmlowp `SaturatingRoundingDoublingHighMul` on 8 lanes.
#[target_feature(enable = "avx2")]
pub(crate) fn srdhm(a: __m256i, b: __m256i) -> __m256i {
    let nudge = _mm256_set1_epi64x(1 << 30);
    let even = _mm256_add_epi64(_mm256_mul_epi32(a, b), nudge);
    let odd = _mm256_add_epi64(
        _mm256_mul_epi32(_mm256_srli_epi64::<32>(a), _mm256_srli_epi64::<32>(b)),
        nudge,
    );
    // bits 31..62 of each 64-bit sum: low half of `even >> 31`, high half of `odd << 1`
    let r = _mm256_blend_epi32::<0b1010_1010>(
        _mm256_srli_epi64::<31>(even),
        _mm256_slli_epi64::<1>(odd),
    );
    // only MIN * MIN yields i32::MIN here; it saturates to i32::MAX (MIN + (-1) wraps)
    _mm256_add_epi32(r, _mm256_cmpeq_epi32(r, _mm256_set1_epi32(i32::MIN)))
}

/// gemmlowp `RoundingDivideByPOT` on 8 lanes, exponents in `0..=31`.
#[target_feature(enable = "avx2")]
pub(crate) fn rdbpot(x: __m256i, e: __m256i) -> __m256i {
    let one = _mm256_set1_epi32(1);
    let mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, e), one);
    let rem = _mm256_and_si256(x, mask);
    let neg = _mm256_cmpgt_epi32(_mm256_setzero_si256(), x);
    let thr = _mm256_sub_epi32(_mm256_srli_epi32::<1>(mask), neg);
    _mm256_sub_epi32(_mm256_srav_epi32(x, e), _mm256_cmpgt_epi32(rem, thr))
}

/// Per-channel requantization constants for one block of 8 channels.
struct Lanes {
    bias: __m256i,
    mult: __m256i,
    left: __m256i,
    right: __m256i,
}

/// Safe entry of the vectorised requantization of an `n x cout` accumulator matrix; scalar
/// when AVX2 is absent.
pub(crate) fn requantize_rows(acc: &[i32], cout: usize, q: &QParams, out: &mut [i8]) {
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 support was detected just above; the callee bounds-checks its slices.
        unsafe { requantize_rows_avx2(acc, cout, q, out) }
    } else {
        for (ar, or) in acc.chunks_exact(cout).zip(out.chunks_exact_mut(cout)) {
            for (c, (o, &a)) in or.iter_mut().zip(ar).enumerate() {
                *o = q.requantize(a, c);
            }
        }
    }
}

/// AVX2 requantization: `clamp(MBQM(acc + bias, m, s) + zp, lo, hi)` per channel.
///
/// # Safety
/// The CPU must support AVX2. All memory accesses are bounds-checked.
#[target_feature(enable = "avx2")]
fn requantize_rows_avx2(acc: &[i32], cout: usize, q: &QParams, out: &mut [i8]) {
    let (lo, hi) = q.clamp_bounds();
    let coutp = cout.div_ceil(8) * 8;
    let lanes: Vec<Lanes> = (0..coutp / 8)
        .map(|b| {
            let fill = |v: &[i32], f: fn(i32) -> i32| -> [i32; 8] {
                core::array::from_fn(|j| v.get(b * 8 + j).map_or(0, |&s| f(s)))
            };
            let arr = [
                fill(q.bias, |v| v),
                fill(q.multiplier, |v| v),
                fill(q.shift, |s| s.clamp(0, 31)),
                fill(
                    q.shift,
                    |s| if s > 0 { 0 } else { s.saturating_neg().min(31) },
                ),
            ];
            let ld =
                |a: &[i32; 8]| _mm256_setr_epi32(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
            Lanes {
                bias: ld(&arr[0]),
                mult: ld(&arr[1]),
                left: ld(&arr[2]),
                right: ld(&arr[3]),
            }
        })
        .collect();
    let (zp, vlo, vhi) = (
        _mm256_set1_epi32(q.out_zero_point),
        _mm256_set1_epi32(lo),
        _mm256_set1_epi32(hi),
    );
    for (ar, or) in acc.chunks_exact(cout).zip(out.chunks_exact_mut(cout)) {
        for ((l, a8), o8) in lanes.iter().zip(ar.chunks(8)).zip(or.chunks_mut(8)) {
            let mut buf = [0i32; 8];
            if let Some(b) = buf.get_mut(..a8.len()) {
                b.copy_from_slice(a8);
            }
            // SAFETY: `buf` is 8 int32 (32 bytes); `loadu` has no alignment requirement.
            let v = unsafe { _mm256_loadu_si256(buf.as_ptr().cast()) };
            let v = _mm256_add_epi32(v, l.bias);
            let v = _mm256_sllv_epi32(v, l.left);
            let v = rdbpot(srdhm(v, l.mult), l.right);
            let v = _mm256_add_epi32(v, zp);
            let v = _mm256_min_epi32(_mm256_max_epi32(v, vlo), vhi);
            // SAFETY: as above, `buf` is 32 writable bytes.
            unsafe { _mm256_storeu_si256(buf.as_mut_ptr().cast(), v) };
            for (o, &r) in o8.iter_mut().zip(&buf) {
                *o = r as i8;
            }
        }
    }
}

//! AVX-512 VNNI accumulation: `vpdpbusd` multiplies unsigned by signed bytes, so inputs are
//! biased to `x + 128` (`x ^ 0x80`) and the exact correction `-128 * sum(w[c])` starts each
//! accumulator. All sums are exact or wrap mod 2^32 exactly like the scalar int32 accumulator,
//! so results are bit-identical.

use core::arch::x86_64::*;

use super::requant_avx2::Requant;
use crate::kernels::QParams;

/// Weights repacked for VNNI: `(cin/4) x coutp x 4` int8, zero-padded (`coutp` = `cout`
/// rounded up to 16), plus the per-channel correction `-128 * sum(w[c])`.
pub(crate) fn pack(w: &[i8], cin: usize, cout: usize) -> (Vec<i8>, Vec<i32>, usize) {
    let coutp = cout.div_ceil(16) * 16;
    let mut p = vec![0i8; cin.div_ceil(4) * coutp * 4];
    let mut corr = vec![0i32; coutp];
    for (c, row) in w.chunks_exact(cin).take(cout).enumerate() {
        let mut s = 0i32;
        for (i, &v) in row.iter().enumerate() {
            if let Some(d) = p.get_mut(((i / 4) * coutp + c) * 4 + i % 4) {
                *d = v;
            }
            s = s.wrapping_add(i32::from(v));
        }
        if let Some(k) = corr.get_mut(c) {
            *k = s.wrapping_mul(-128);
        }
    }
    (p, corr, coutp)
}

/// Whether this CPU runs the VNNI path.
fn supported() -> bool {
    std::is_x86_feature_detected!("avx512f")
        && std::is_x86_feature_detected!("avx512bw")
        && std::is_x86_feature_detected!("avx512vnni")
}

/// Safe entry: `acc[p][c] = sum_i x[p][i] * w[c][i]` (wrapping) with AVX-512 VNNI. Returns
/// `false` (nothing written) when the CPU lacks it or a slice is too short.
pub(crate) fn accumulate(
    x: &[i8],
    n: usize,
    w: &[i8],
    cin: usize,
    cout: usize,
    acc: &mut [i32],
) -> bool {
    let ok = supported()
        && cin > 0
        && n.checked_mul(cin).is_some_and(|l| x.len() >= l)
        && cout.checked_mul(cin).is_some_and(|l| w.len() >= l)
        && n.checked_mul(cout).is_some_and(|l| acc.len() >= l);
    if !ok {
        return false;
    }
    let (wp, corr, coutp) = pack(w, cin, cout);
    // SAFETY: AVX-512 F/BW/VNNI support was detected just above; the callee bounds-checks
    // every slice access.
    unsafe { accumulate_packed(x, n, &wp, &corr, cin, cout, coutp, acc) };
    true
}

/// Safe entry over weights packed once by [`pack`]: `false` (nothing written) when the CPU
/// lacks VNNI or a slice is shorter than the shapes say.
#[allow(clippy::too_many_arguments)]
pub(crate) fn accumulate_prepacked(
    x: &[i8],
    n: usize,
    wp: &[i8],
    corr: &[i32],
    cin: usize,
    cout: usize,
    coutp: usize,
    acc: &mut [i32],
) -> bool {
    let ok = supported()
        && cin > 0
        && coutp >= cout
        && n.checked_mul(cin).is_some_and(|l| x.len() >= l)
        && n.checked_mul(cout).is_some_and(|l| acc.len() >= l);
    if ok {
        // SAFETY: AVX-512 F/BW/VNNI support was detected just above; the callee bounds-checks
        // every slice access.
        unsafe { accumulate_packed(x, n, wp, corr, cin, cout, coutp, acc) };
    }
    ok
}

/// VNNI accumulation over packed weights (see [`pack`]).
///
/// # Safety
/// The CPU must support AVX-512 F, BW and VNNI. All memory accesses are bounds-checked.
#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
fn accumulate_packed(
    x: &[i8],
    n: usize,
    wp: &[i8],
    corr: &[i32],
    cin: usize,
    cout: usize,
    coutp: usize,
    acc: &mut [i32],
) {
    let cin4 = cin.div_ceil(4);
    let mut xq = vec![0i32; cin4];
    let mut row = vec![0i32; coutp];
    let mut done = 0;
    if cout == coutp && coutp.is_multiple_of(64) {
        // Four points at a time: each weight load feeds four points.
        let mut x4 = vec![0i32; 4 * cin4];
        for (xs, a4) in x
            .chunks_exact(4 * cin)
            .zip(acc.chunks_exact_mut(4 * cout))
            .take(n / 4)
        {
            for (xr, q) in xs.chunks_exact(cin).zip(x4.chunks_exact_mut(cin4)) {
                biased_quads(xr, q);
            }
            for g in (0..coutp).step_by(64) {
                block4x4(&x4, cin4, wp, corr, coutp, g, a4);
            }
            done += 4;
        }
    }
    let rest = x
        .chunks_exact(cin)
        .zip(acc.chunks_exact_mut(cout))
        .take(n)
        .skip(done);
    for (xr, ar) in rest {
        biased_quads(xr, &mut xq);
        // Whole blocks of 16 channels go straight to the accumulator row.
        let direct = cout == coutp;
        let dst: &mut [i32] = if direct { ar } else { &mut row };
        let mut g = 0;
        while g < coutp {
            let nb = ((coutp - g) / 16).min(4);
            match nb {
                4 => block::<4>(&xq, wp, corr, coutp, g, dst),
                3 => block::<3>(&xq, wp, corr, coutp, g, dst),
                2 => block::<2>(&xq, wp, corr, coutp, g, dst),
                _ => block::<1>(&xq, wp, corr, coutp, g, dst),
            }
            g += nb.max(1) * 16;
        }
        if !direct {
            if let Some(r) = row.get(..cout) {
                ar.copy_from_slice(r);
            }
        }
    }
}

/// Safe entry of the fused layer: accumulation and requantization of four points at a time
/// straight from the registers into int8 `out` (`n x cout`), for `cout` a multiple of 64; the
/// last `n % 4` points go through [`accumulate_prepacked`] and `rq.rows`. `false` (nothing
/// written) when the CPU lacks VNNI or a shape does not fit.
#[allow(clippy::too_many_arguments)]
pub(crate) fn pointwise_prepacked(
    x: &[i8],
    n: usize,
    wp: &[i8],
    corr: &[i32],
    cin: usize,
    cout: usize,
    rq: &Requant,
    q: &QParams,
    out: &mut [i8],
) -> bool {
    let ok = supported()
        && cin > 0
        && cout.is_multiple_of(64)
        && rq.blocks16().len() * 16 == cout
        && n.checked_mul(cin).is_some_and(|l| x.len() >= l)
        && n.checked_mul(cout).is_some_and(|l| out.len() >= l);
    if !ok {
        return false;
    }
    let cin4 = cin.div_ceil(4);
    let mut x4 = vec![0i32; 4 * cin4];
    let whole = n / 4;
    for (xs, o4) in x
        .chunks_exact(4 * cin)
        .zip(out.chunks_exact_mut(4 * cout))
        .take(whole)
    {
        for (xr, qd) in xs.chunks_exact(cin).zip(x4.chunks_exact_mut(cin4)) {
            biased_quads(xr, qd);
        }
        for g in (0..cout).step_by(64) {
            // SAFETY: AVX-512 F/BW/VNNI support was checked above; the callee bounds-checks
            // every slice access.
            unsafe { block4x4_requant(&x4, cin4, wp, corr, cout, g, rq, o4) };
        }
    }
    let tail = n - 4 * whole;
    if tail > 0 {
        let mut acc = vec![0i32; tail * cout];
        let (xt, ot) = (
            &x[4 * whole * cin..n * cin],
            &mut out[4 * whole * cout..n * cout],
        );
        return accumulate_prepacked(xt, tail, wp, corr, cin, cout, cout, &mut acc)
            && rq.rows(q, &acc, ot);
    }
    true
}

/// [`block4x4`] with the requantization fused: 64 channels of four points written as int8.
#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
fn block4x4_requant(
    x4: &[i32],
    cin4: usize,
    wp: &[i8],
    corr: &[i32],
    cout: usize,
    g: usize,
    rq: &Requant,
    out: &mut [i8],
) {
    let a = block4x4_regs(x4, cin4, wp, corr, cout, g);
    for (p, ap) in a.iter().enumerate() {
        for (k, ak) in ap.iter().enumerate() {
            let (Some(blk), o) = (rq.blocks16().get(g / 16 + k), p * cout + g + 16 * k) else {
                return;
            };
            let v = _mm512_cvtepi32_epi8(rq.block16(blk, *ak));
            if let Some(dst) = out.get_mut(o..o + 16) {
                // SAFETY: `dst` is exactly 16 bytes; `storeu` has no alignment requirement.
                unsafe { _mm_storeu_si128(dst.as_mut_ptr().cast(), v) };
            }
        }
    }
}

/// The int8 row `xr` as little-endian quads biased to unsigned (`x ^ 0x80`); a partial tail
/// quad is padded (padded inputs meet zero weights, so any value works).
fn biased_quads(xr: &[i8], xq: &mut [i32]) {
    let mut quads = xr.chunks_exact(4);
    for (v, q) in xq.iter_mut().zip(&mut quads) {
        let b: [u8; 4] = core::array::from_fn(|j| q.get(j).map_or(0, |&s| s as u8));
        *v = (u32::from_le_bytes(b) ^ 0x8080_8080) as i32;
    }
    let rem = quads.remainder();
    if let (Some(v), false) = (xq.get_mut(xr.len() / 4), rem.is_empty()) {
        let b: [u8; 4] = core::array::from_fn(|j| rem.get(j).map_or(0x80, |&s| (s as u8) ^ 0x80));
        *v = u32::from_le_bytes(b) as i32;
    }
}

/// Four points (`x4`: their quads, point after point) times 64 output channels from `g`:
/// 16 accumulators, each 64-byte weight load used four times.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
fn block4x4_regs(
    x4: &[i32],
    cin4: usize,
    wp: &[i8],
    corr: &[i32],
    coutp: usize,
    g: usize,
) -> [[__m512i; 4]; 4] {
    let mut a = [[_mm512_setzero_si512(); 4]; 4];
    for k in 0..4 {
        if let Some(c) = corr.get(g + 16 * k..g + 16 * k + 16) {
            // SAFETY: `c` is exactly 16 int32 (64 bytes); `loadu` has no alignment requirement.
            let v = unsafe { _mm512_loadu_si512(c.as_ptr().cast()) };
            for ap in a.iter_mut() {
                ap[k] = v;
            }
        }
    }
    for i in 0..cin4 {
        let base = (i * coutp + g) * 4;
        let Some(ws) = wp.get(base..base + 256) else {
            return a;
        };
        // SAFETY: `ws` holds 256 bytes, so the four 64-byte loads are in bounds; `loadu` has
        // no alignment requirement.
        let w = unsafe {
            [
                _mm512_loadu_si512(ws.as_ptr().cast()),
                _mm512_loadu_si512(ws.as_ptr().add(64).cast()),
                _mm512_loadu_si512(ws.as_ptr().add(128).cast()),
                _mm512_loadu_si512(ws.as_ptr().add(192).cast()),
            ]
        };
        for (p, ap) in a.iter_mut().enumerate() {
            let Some(&xv) = x4.get(p * cin4 + i) else {
                return a;
            };
            let xb = _mm512_set1_epi32(xv);
            for (ak, &wk) in ap.iter_mut().zip(&w) {
                *ak = _mm512_dpbusd_epi32(*ak, xb, wk);
            }
        }
    }
    a
}

/// Four points times 64 channels from `g`, stored as int32 rows (`coutp` each).
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
fn block4x4(
    x4: &[i32],
    cin4: usize,
    wp: &[i8],
    corr: &[i32],
    coutp: usize,
    g: usize,
    rows: &mut [i32],
) {
    let a = block4x4_regs(x4, cin4, wp, corr, coutp, g);
    for (p, ap) in a.iter().enumerate() {
        for (k, ak) in ap.iter().enumerate() {
            let o = p * coutp + g + 16 * k;
            if let Some(dst) = rows.get_mut(o..o + 16) {
                // SAFETY: `dst` is exactly 16 int32 (64 bytes); `storeu` has no alignment
                // requirement.
                unsafe { _mm512_storeu_si512(dst.as_mut_ptr().cast(), *ak) };
            }
        }
    }
}

/// `NB` registers of 16 output channels starting at channel `g`, over all input quads.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
fn block<const NB: usize>(
    xq: &[i32],
    wp: &[i8],
    corr: &[i32],
    coutp: usize,
    g: usize,
    row: &mut [i32],
) {
    let mut a = [_mm512_setzero_si512(); NB];
    for (k, ak) in a.iter_mut().enumerate() {
        if let Some(c) = corr.get(g + 16 * k..g + 16 * k + 16) {
            // SAFETY: `c` is exactly 16 int32 (64 bytes); `loadu` has no alignment requirement.
            *ak = unsafe { _mm512_loadu_si512(c.as_ptr().cast()) };
        }
    }
    for (i, &xv) in xq.iter().enumerate() {
        let xb = _mm512_set1_epi32(xv);
        let base = (i * coutp + g) * 4;
        let Some(ws) = wp.get(base..base + NB * 64) else {
            return;
        };
        for (k, ak) in a.iter_mut().enumerate() {
            // SAFETY: `ws` holds NB * 64 bytes, so the 64 bytes at k * 64 are in bounds;
            // `loadu` has no alignment requirement.
            let wv = unsafe { _mm512_loadu_si512(ws.as_ptr().add(k * 64).cast()) };
            *ak = _mm512_dpbusd_epi32(*ak, xb, wv);
        }
    }
    for (k, ak) in a.iter().enumerate() {
        if let Some(dst) = row.get_mut(g + 16 * k..g + 16 * k + 16) {
            // SAFETY: `dst` is exactly 16 int32 (64 bytes); `storeu` has no alignment
            // requirement.
            unsafe { _mm512_storeu_si512(dst.as_mut_ptr().cast(), *ak) };
        }
    }
}

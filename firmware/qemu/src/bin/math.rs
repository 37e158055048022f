//! `libm` against `micromath` (and the FPU's `VSQRT` for the square root) for the f32 functions
//! of frames and Lie groups: instructions per call, largest error against the f64 reference on
//! the input ranges the frame and orientation code feeds them, and a bit-for-bit check that the
//! core's `equiframe::math` equals `libm` wherever it uses something else. Flash per candidate:
//! the sizes of the `cand_*` functions (`llvm-nm --print-size -C` on this ELF; each wraps one
//! call, so its size is the candidate's code as linked).
#![no_std]
#![no_main]

use core::hint::black_box;
use cortex_m_rt::entry;
use equiframe_qemu::{meter, println, Checks};
use micromath::F32;

const N: usize = 2000;

#[inline(never)]
fn cand_sqrt_libm(x: f32) -> f32 {
    libm::sqrtf(x)
}
#[inline(never)]
fn cand_sqrt_core(x: f32) -> f32 {
    equiframe::math::sqrt(x)
}
#[inline(never)]
fn cand_sqrt_micromath(x: f32) -> f32 {
    F32(x).sqrt().0
}
#[inline(never)]
fn cand_sin_libm(x: f32) -> f32 {
    libm::sinf(x)
}
#[inline(never)]
fn cand_sin_micromath(x: f32) -> f32 {
    F32(x).sin().0
}
#[inline(never)]
fn cand_cos_libm(x: f32) -> f32 {
    libm::cosf(x)
}
#[inline(never)]
fn cand_cos_micromath(x: f32) -> f32 {
    F32(x).cos().0
}
#[inline(never)]
fn cand_atan2_libm(y: f32, x: f32) -> f32 {
    libm::atan2f(y, x)
}
#[inline(never)]
fn cand_atan2_micromath(y: f32, x: f32) -> f32 {
    F32(y).atan2(F32(x)).0
}
#[inline(never)]
fn cand_none(x: f32) -> f32 {
    x
}

/// Inputs of one sweep: `(a, b)` pairs (b unused by the one-argument functions).
fn inputs(kind: usize, i: usize) -> (f32, f32) {
    let u = (i as f64 + 0.5) / N as f64;
    match kind {
        // sqrt: squared norms from 1e-6 to 1e6 (log-uniform), as vectors and quaternions give.
        0 => (libm::pow(10.0, 12.0 * u - 6.0) as f32, 0.0),
        // sin / cos: angles in [-4 pi, 4 pi] (rotation angles, unwrapped headings).
        1 => (((u * 2.0 - 1.0) * 4.0 * core::f64::consts::PI) as f32, 0.0),
        // atan2: points on circles of radius 0.01, 1 and 100 around the origin.
        _ => {
            let t = (u * 2.0 - 1.0) * core::f64::consts::PI;
            let r = [0.01, 1.0, 100.0][i % 3];
            ((r * libm::sin(t)) as f32, (r * libm::cos(t)) as f32)
        }
    }
}

/// The f64 reference of sweep `kind`'s function at `(a, b)`.
fn reference(kind: usize, which: usize, a: f32, b: f32) -> f64 {
    let (a, b) = (f64::from(a), f64::from(b));
    match (kind, which) {
        (0, _) => libm::sqrt(a),
        (1, 0) => libm::sin(a),
        (1, _) => libm::cos(a),
        _ => libm::atan2(a, b),
    }
}

/// Largest absolute error and largest error in units of the f32 spacing at the reference.
fn errors(kind: usize, which: usize, f: fn(f32, f32) -> f32) -> (f64, f64) {
    let (mut abs, mut ulps) = (0.0f64, 0.0f64);
    for i in 0..N {
        let (a, b) = inputs(kind, i);
        let r = reference(kind, which, a, b);
        let got = f64::from(f(a, b));
        let e = libm::fabs(got - r);
        let r32 = (r as f32).abs().max(f32::MIN_POSITIVE);
        let ulp = f64::from(f32::from_bits(r32.to_bits() + 1) - r32);
        abs = abs.max(e);
        ulps = ulps.max(e / ulp);
    }
    (abs, ulps)
}

/// Instructions per call over the sweep, less the loop's own cost (`base`).
fn cost(kind: usize, f: fn(f32, f32) -> f32, base: u64) -> u64 {
    let mut xs = [(0.0f32, 0.0f32); N];
    for (i, x) in xs.iter_mut().enumerate() {
        *x = inputs(kind, i);
    }
    let (_, ins) = meter::measure(|| {
        let mut acc = 0.0f32;
        for &(a, b) in black_box(&xs[..]) {
            acc += black_box(f)(a, b);
        }
        black_box(acc)
    });
    (ins / N as u64).saturating_sub(base)
}

#[entry]
fn main() -> ! {
    let mut c = Checks::new();
    meter::boot();
    let one = |g: fn(f32) -> f32| move |a: f32, _b: f32| g(a);
    let base = cost(0, |a, _| cand_none(a), 0);
    type Cand = (&'static str, usize, usize, fn(f32, f32) -> f32);
    let cands: [Cand; 9] = [
        ("sqrt libm", 0, 0, |a, _| cand_sqrt_libm(a)),
        ("sqrt core (VSQRT)", 0, 0, |a, _| cand_sqrt_core(a)),
        ("sqrt micromath", 0, 0, |a, _| cand_sqrt_micromath(a)),
        ("sin libm", 1, 0, |a, _| cand_sin_libm(a)),
        ("sin micromath", 1, 0, |a, _| cand_sin_micromath(a)),
        ("cos libm", 1, 1, |a, _| cand_cos_libm(a)),
        ("cos micromath", 1, 1, |a, _| cand_cos_micromath(a)),
        ("atan2 libm", 2, 0, cand_atan2_libm),
        ("atan2 micromath", 2, 0, cand_atan2_micromath),
    ];
    let _ = one;
    println!(
        "{:<20} {:>12} {:>12} {:>12}",
        "function", "instr/call", "max abs err", "max ulp err"
    );
    let mut ulp = [0.0f64; 9];
    for (k, &(name, kind, which, f)) in cands.iter().enumerate() {
        let (abs, u) = errors(kind, which, f);
        ulp[k] = u;
        println!(
            "{:<20} {:>12} {:>12.3e} {:>12.1}",
            name,
            cost(kind, f, base),
            abs,
            u
        );
    }
    // The core's square root is libm's, bit for bit, over every 4099th positive f32.
    let mut bits = 1u32;
    let mut differ = 0u32;
    while bits < 0x7f80_0000 {
        let x = f32::from_bits(bits);
        if cand_sqrt_core(x).to_bits() != cand_sqrt_libm(x).to_bits() {
            differ += 1;
        }
        bits += 4099;
    }
    c.check(
        "math/sqrt-vsqrt-is-libm",
        differ == 0,
        format_args!("{} of the sampled inputs differ", differ),
    );
    // libm within the errors its documentation promises (sqrt exact to half an ulp, sin/cos
    // below 1 ulp, atan2 below 2 ulp); micromath's errors are only reported.
    let bound = [
        0.5,
        0.5,
        f64::MAX,
        1.0,
        f64::MAX,
        1.0,
        f64::MAX,
        2.0,
        f64::MAX,
    ];
    let within = ulp.iter().zip(bound).all(|(&u, b)| u <= b);
    c.check(
        "math/libm-error-bounds",
        within,
        format_args!("ulp errors {:?}", ulp),
    );
    c.finish()
}

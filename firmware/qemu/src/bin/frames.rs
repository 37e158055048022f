//! The frame stages on embedded recordings (BasicMotions IMU windows, CGAL point sets): every
//! result bit-for-bit equal to the desktop's golden outputs (`data/golden_frames.bin`, written
//! by `firmware/host-gen`), with instructions per stage; the exact integer moments the engine
//! uses (`InputSchema::exact_moments`) bit-identical to their f64 reference form, with
//! instructions per row of both.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use equiframe_qemu::cases::{cases, golden_record};
use equiframe_qemu::golden::Compare;
use equiframe_qemu::{meter, println, stages, Checks};

#[repr(C, align(4))]
struct Aligned<T: ?Sized>(T);

static INPUTS: &Aligned<[u8]> = &Aligned(*include_bytes!("../../data/inputs.bin"));
static GOLDEN: &Aligned<[u8]> = &Aligned(*include_bytes!("../../data/golden_frames.bin"));

const MAX_VALUES: usize = 4096;
static mut SAMPLE: [f32; MAX_VALUES] = [0.0; MAX_VALUES];
static mut CANON: [f32; MAX_VALUES] = [0.0; MAX_VALUES];

/// Exact moments against their reference form on random 3D sets built to hit rounding ties,
/// subnormals, signed zeros, huge and far-away values (strides 3 and 4): (mismatches, sets).
fn random_exact_sets() -> (u32, u32) {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let mut x = [0.0f32; 4 * 64];
    let (mut bad, mut sets) = (0, 0);
    for c in [3usize, 4] {
        let Ok(schema) = equiframe::frame::InputSchema::points(3, c) else {
            return (1, 0);
        };
        for n in [1usize, 2, 7, 8, 15, 64] {
            for _ in 0..40 {
                for v in x[..n * c].iter_mut() {
                    let r = next();
                    let e = (r % 60) as i32 - 30;
                    let mant = ((r >> 8) & 0xff_ffff) as f32 / (1u64 << 24) as f32;
                    let sign = if r >> 63 == 0 { 1.0 } else { -1.0 };
                    *v = match (r >> 32) % 7 {
                        0 => sign * libm::ldexpf(1.5, e),
                        1 => sign * libm::ldexpf(mant, e),
                        2 => sign * libm::ldexpf(3.0, -(r as i32 & 15) - 20),
                        3 => -0.0,
                        4 => sign * f32::from_bits((r >> 40) as u32 & 0x7f_ffff),
                        5 => 1e4 + mant,
                        _ => mant * 4.0 - 2.0,
                    };
                }
                let s = &x[..n * c];
                let bits = |m: Option<equiframe::frame::Moments>| {
                    m.map(|m| {
                        let mut w = [m.weight.to_bits(); 13];
                        let all = m.origin.iter().chain(m.scatter.iter().flatten());
                        for (d, v) in w[1..].iter_mut().zip(all) {
                            *d = v.to_bits();
                        }
                        w
                    })
                };
                if bits(schema.exact_moments(s)) != bits(schema.exact_moments_reference(s)) {
                    bad += 1;
                }
                sets += 1;
            }
        }
    }
    (bad, sets)
}

#[entry]
fn main() -> ! {
    let mut c = Checks::new();
    meter::boot();
    // SAFETY: single-threaded firmware; each static is borrowed once, here.
    let (sample, canon) = unsafe {
        (
            &mut *core::ptr::addr_of_mut!(SAMPLE),
            &mut *core::ptr::addr_of_mut!(CANON),
        )
    };
    println!(
        "{:<14} {:>5} {:>9} {:>9} {:>7} {:>8} {:>9} {:>9} {:>9} {:>9}",
        "case",
        "rows",
        "moments",
        "per row",
        "eigen",
        "frames",
        "canonic.",
        "per row",
        "exact/row",
        "ref/row"
    );
    let mut n = 0;
    for (i, case) in cases(&INPUTS.0).enumerate() {
        n += 1;
        let len = case.values(sample);
        let x = &sample[..len];
        let Ok(schema) = stages::schema(case.kind, case.channels) else {
            c.check(case.name, false, "schema");
            continue;
        };
        let (m, im) = meter::measure(|| stages::moments(&schema, x));
        let Ok(m) = m else {
            c.check(case.name, false, "moments failed");
            continue;
        };
        let (e, ie) = meter::measure(|| stages::eigen(&m));
        let (set, is) = meter::measure(|| stages::frame_set(&m));
        let Ok(set) = set else {
            c.check(case.name, false, "frame set failed");
            continue;
        };
        let Some(f0) = set.frames().first() else {
            c.check(case.name, false, "empty frame set");
            continue;
        };
        let out = &mut canon[..len];
        let (r, ic) = meter::measure(|| schema.canonicalize(f0, x, out));
        let rows = case.rows.max(1) as u64;
        let (fast, ix) = meter::measure(|| schema.exact_moments(x));
        let (slow, ir) = meter::measure(|| schema.exact_moments_reference(x));
        let word = |m: &Option<equiframe::frame::Moments>| {
            m.map(|m| {
                let mut w = [m.weight.to_bits(); 13];
                let all = m.origin.iter().chain(m.scatter.iter().flatten());
                for (d, v) in w[1..].iter_mut().zip(all) {
                    *d = v.to_bits();
                }
                stages::fnv1a(&w.map(f32::from_bits))
            })
        };
        c.check(
            "exact moments",
            fast.is_some() && word(&fast) == word(&slow),
            format_args!(
                "{}: fast {:?} reference {:?}",
                case.name,
                word(&fast),
                word(&slow)
            ),
        );
        println!(
            "{:<14} {:>5} {:>9} {:>9} {:>7} {:>8} {:>9} {:>9} {:>9} {:>9}",
            case.name,
            case.rows,
            im,
            im / rows,
            ie,
            is,
            ic,
            ic / rows,
            ix / rows,
            ir / rows
        );
        let mut cmp = Compare::new(golden_record(&GOLDEN.0, i).unwrap_or(&[]));
        stages::put_moments(&m, &mut cmp);
        stages::put_eigen(&e, &mut cmp);
        stages::put_set(&set, &mut cmp);
        stages::Sink::word(&mut cmp, stages::fnv1a(out));
        let detail = match cmp.first() {
            Some((w, got, want)) => (w, got, want),
            None => (cmp.words(), 0, 0),
        };
        c.check(
            case.name,
            cmp.ok() && r.is_ok(),
            format_args!(
                "{} of {} words differ (first: word {} = {:#010x}, golden {:#010x})",
                cmp.mismatches(),
                cmp.words(),
                detail.0,
                detail.1,
                detail.2
            ),
        );
    }
    let (mismatch, sets) = random_exact_sets();
    c.check(
        "frames/exact-moments-random",
        mismatch == 0,
        format_args!(
            "{} of {} random sets differ from the reference form",
            mismatch, sets
        ),
    );
    c.check(
        "frames/all-cases",
        n == 8,
        format_args!("{} cases embedded, expected 8", n),
    );
    c.finish()
}

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
    c.check(
        "frames/all-cases",
        n == 8,
        format_args!("{} cases embedded, expected 8", n),
    );
    c.finish()
}

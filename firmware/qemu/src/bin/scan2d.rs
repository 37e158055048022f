//! 2D lidar odometry on the shipped excerpt (`data/scan2d_excerpt.bin`: 32 full-circle scans of
//! 360 beams of the simulated lidar in the synthetic room, written by `tests/scan2d_firmware.rs`
//! in the core crate): every pose and match figure bit for bit equal to the desktop's
//! (`data/golden_scan2d.bin`), with instructions per scan (`Odometry::step`: points and normals,
//! canonical frame, registration against the keyframe from every start, filter) and the RAM the
//! odometry uses (its static state plus the measured stack high-water mark of the steps).
#![no_std]
#![no_main]

use cortex_m::register::msp;
use cortex_m_rt::entry;
use equiframe::estimate::scan2d::icp::score;
use equiframe::estimate::scan2d::{
    CanonicalFrame, MatchOptions, Odometry, OdometryOptions, RangeScan, Scan, MAX_BEAMS,
};
use equiframe_qemu::{meter, println, Checks};

#[repr(C, align(16))]
struct Aligned<T: ?Sized>(T);

static EXCERPT: &Aligned<[u8]> = &Aligned(*include_bytes!("../../data/scan2d_excerpt.bin"));
static GOLDEN: &Aligned<[u8]> = &Aligned(*include_bytes!("../../data/golden_scan2d.bin"));

/// The odometry state (two scans and a few poses) and the beam buffer of the current scan.
static mut ODO: Odometry = Odometry::new(OdometryOptions::DEFAULT);
static mut RANGES: [f32; MAX_BEAMS] = [0.0; MAX_BEAMS];
/// Only for the cost breakdown (points + normals alone); not part of the odometry's RAM.
static mut SCRATCH: Scan = Scan::new();

/// Bytes painted below the stack pointer before the steps run.
const PAINT_DEPTH: usize = 64 * 1024;
/// Bytes left unpainted just below the stack pointer (the painting call's own frame).
const PAINT_GAP: usize = 64;
const PAINT: u32 = 0xA5A5_5A5A;

fn word(b: &[u8], i: usize) -> Option<u32> {
    let w = b.get(4 * i..4 * i + 4)?;
    Some(u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
}

/// Paints the stack below the caller; returns the painting point.
#[inline(never)]
fn paint() -> usize {
    let top = (msp::read() as usize - PAINT_GAP) & !3;
    let mut p = top - PAINT_DEPTH;
    while p < top {
        // SAFETY: the words lie between `top - PAINT_DEPTH` and the stack pointer: unused stack
        // memory inside the 4 MiB RAM of mps2-an386 (statics sit at its bottom), not referenced
        // by anything live.
        unsafe { core::ptr::write_volatile(p as *mut u32, PAINT) };
        p += 4;
    }
    top
}

/// Bytes of stack used below `top` (what [`paint`] returned) since it was painted.
#[inline(never)]
fn stack_used(top: usize) -> usize {
    let mut p = top - PAINT_DEPTH;
    // SAFETY: reads the painted words back (same range as `paint`).
    while p < top && unsafe { core::ptr::read_volatile(p as *const u32) } == PAINT {
        p += 4;
    }
    top - p
}

#[derive(Default)]
struct Tally {
    scans: usize,
    mismatches: usize,
    first_bad: Option<usize>,
    errors: usize,
    step_total: u64,
    step_max: u64,
    fill_total: u64,
    frame_total: u64,
    fused: usize,
}

/// Runs every scan of the excerpt through the odometry (a call of its own, so its frames lie
/// below the painting point).
#[inline(never)]
fn run(odo: &mut Odometry, ranges: &mut [f32; MAX_BEAMS], scratch: &mut Scan) -> Tally {
    let mut t = Tally::default();
    let ex = &EXCERPT.0;
    let hdr = |i| word(ex, i).unwrap_or(0);
    let (scans, beams) = (hdr(1) as usize, hdr(2) as usize);
    let f = |i| f32::from_bits(hdr(i));
    let (angle_min, inc, rmin, rmax) = (f(3), f(4), f(5), f(6));
    if word(ex, 0) != Some(u32::from_le_bytes(*b"EQS2")) || beams > MAX_BEAMS {
        t.errors += 1;
        return t;
    }
    let mut g = 0usize;
    let mut cmp = |v: u32, t: &mut Tally| {
        if word(&GOLDEN.0, g) != Some(v) {
            t.mismatches += 1;
            t.first_bad.get_or_insert(g);
        }
        g += 1;
    };
    for s in 0..scans {
        for (b, r) in ranges.iter_mut().take(beams).enumerate() {
            *r = f32::from_bits(word(ex, 7 + s * beams + b).unwrap_or(0));
        }
        let rs = RangeScan {
            ranges: ranges.get(..beams).unwrap_or(&[]),
            angle_min,
            angle_increment: inc,
            range_min: rmin,
            range_max: rmax,
        };
        let (_, i) = meter::measure(|| scratch.fill(&rs));
        t.fill_total += i;
        let (_, i) = meter::measure(|| CanonicalFrame::of(scratch.points()));
        t.frame_total += i;
        let (r, i) = meter::measure(|| odo.step(&rs, None));
        let Ok(rep) = r else {
            t.errors += 1;
            continue;
        };
        t.scans += 1;
        if s > 0 {
            t.step_total += i;
            t.step_max = t.step_max.max(i);
        }
        t.fused += rep.fused as usize;
        let p = rep.pose;
        for v in [p.rot.c, p.rot.s, p.t[0], p.t[1]] {
            cmp(v.to_bits(), &mut t);
        }
        let m = rep.matched.map_or([0; 4], |m| {
            [
                m.score.to_bits(),
                m.matched as u32,
                m.start as u32,
                rep.fused as u32,
            ]
        });
        for v in m {
            cmp(v, &mut t);
        }
    }
    if g != GOLDEN.0.len() / 4 {
        t.mismatches += 1;
    }
    t
}

#[entry]
fn main() -> ! {
    let mut c = Checks::new();
    meter::boot();
    // SAFETY: single-threaded firmware; each static is borrowed once, here.
    let (odo, ranges, scratch) = unsafe {
        (
            &mut *core::ptr::addr_of_mut!(ODO),
            &mut *core::ptr::addr_of_mut!(RANGES),
            &mut *core::ptr::addr_of_mut!(SCRATCH),
        )
    };
    let top = paint();
    let t = run(odo, ranges, scratch);
    let stack = stack_used(top);
    let golden_scans = GOLDEN.0.len() / 32;
    c.check(
        "scan2d/steps",
        t.errors == 0 && t.scans == golden_scans,
        format_args!("{} errors, {} of {} scans", t.errors, t.scans, golden_scans),
    );
    c.check(
        "scan2d/bit-exact",
        t.mismatches == 0,
        format_args!(
            "{} words differ from the host (first: word {:?})",
            t.mismatches, t.first_bad
        ),
    );
    c.check(
        "scan2d/fused",
        t.fused + 1 >= t.scans,
        format_args!("{} of {} matches fused", t.fused, t.scans),
    );
    // One association pass (every point of the last scan against the last keyframe, at the
    // identity): the unit the registration repeats.
    let (kf, _) = odo.keyframe();
    let ((_, _, pts), pass) =
        meter::measure(|| score(kf, scratch, &Default::default(), 1, &MatchOptions::DEFAULT));
    let n = t.scans.max(2) as u64;
    println!(
        "Odometry::step: {} instructions mean over {} scans of 360 beams, {} max",
        t.step_total / (n - 1),
        n - 1,
        t.step_max
    );
    println!(
        "of which points + normals (Scan::fill) {} and canonical frame {} mean",
        t.fill_total / n,
        t.frame_total / n
    );
    println!(
        "one association pass over {} points: {} instructions ({} per point)",
        pts,
        pass,
        pass / (pts.max(1) as u64)
    );
    println!(
        "RAM: static {} bytes (Odometry {} + beam buffer {}), stack {} bytes",
        core::mem::size_of::<Odometry>() + core::mem::size_of::<[f32; MAX_BEAMS]>(),
        core::mem::size_of::<Odometry>(),
        core::mem::size_of::<[f32; MAX_BEAMS]>(),
        stack
    );
    c.finish()
}

//! The host side of the QEMU scan-matching check (`firmware/qemu/src/bin/scan2d.rs`).
//!
//! Generates the shipped excerpt -- 32 full-circle scans of 360 beams (1 degree) of the
//! simulated lidar (`scan2d::sim`, 1 cm uniform range noise) along an ellipse in the synthetic
//! room, 0.36 m and 11.25 degrees apart -- and runs [`Odometry`] on it. The excerpt
//! (`firmware/qemu/data/scan2d_excerpt.bin`) and the poses and match figures the host computes
//! (`firmware/qemu/data/golden_scan2d.bin`) must be the committed files byte for byte; the
//! firmware recomputes the golden from the excerpt and compares every bit.
//! `EQUIFRAME_WRITE_GOLDEN=1` rewrites both.
//!
//! Excerpt layout (little endian): `b"EQS2"`, `u32` scans, `u32` beams, `f32` angle_min,
//! angle_increment, range_min, range_max, then `scans * beams` `f32` ranges. Golden: per scan
//! eight `u32` words: pose `cos`, `sin`, `x`, `y` (f32 bits), match score (f32 bits), matched
//! points, start index, fused (0 / 1) -- zeros for the first scan's match fields.

use core::f32::consts::{PI, TAU};
use equiframe::estimate::scan2d::sim::{cast, Lcg, ROOM};
use equiframe::estimate::scan2d::{Odometry, OdometryOptions, RangeScan};
use equiframe::lie::{LieGroup, Se2, So2};

const SCANS: usize = 32;
const BEAMS: usize = 360;
const RANGE_MIN: f32 = 0.05;
const RANGE_MAX: f32 = 50.0;

/// Poses along the ellipse centred at (7.5, 3.0) with radii 2.5 and 1.2 m, heading along it.
fn truth() -> Vec<Se2> {
    (0..SCANS)
        .map(|i| {
            let a = TAU * i as f32 / SCANS as f32;
            // libm, not the platform's maths library: the same excerpt on every host.
            let (c, s) = (libm::cosf(a), libm::sinf(a));
            let (x, y) = (7.5 + 2.5 * c, 3.0 + 1.2 * s);
            let heading = libm::atan2f(1.2 * c, -2.5 * s);
            Se2 {
                rot: So2::exp(heading),
                t: [x, y],
            }
        })
        .collect()
}

fn excerpt(truth: &[Se2]) -> Vec<u8> {
    let inc = TAU / BEAMS as f32;
    let mut out = b"EQS2".to_vec();
    out.extend((SCANS as u32).to_le_bytes());
    out.extend((BEAMS as u32).to_le_bytes());
    for v in [-PI, inc, RANGE_MIN, RANGE_MAX] {
        out.extend(v.to_le_bytes());
    }
    let mut rng = Lcg(2026);
    for p in truth {
        let mut r = [0.0f32; BEAMS];
        cast(&ROOM, p, -PI, inc, 80.0, &mut r, Some((&mut rng, 0.01)));
        out.extend(r.iter().flat_map(|v| v.to_le_bytes()));
    }
    out
}

/// Runs the odometry on the excerpt bytes: (golden words, estimated poses).
fn run(excerpt: &[u8]) -> (Vec<u32>, Vec<Se2>) {
    let f = |i: usize| f32::from_le_bytes(excerpt[i..i + 4].try_into().unwrap());
    let (angle_min, inc, rmin, rmax) = (f(12), f(16), f(20), f(24));
    let mut odo = Odometry::new(OdometryOptions::default());
    let (mut words, mut poses) = (Vec::new(), Vec::new());
    for s in 0..SCANS {
        let base = 28 + 4 * BEAMS * s;
        let ranges: Vec<f32> = (0..BEAMS).map(|b| f(base + 4 * b)).collect();
        let rs = RangeScan {
            ranges: &ranges,
            angle_min,
            angle_increment: inc,
            range_min: rmin,
            range_max: rmax,
        };
        let rep = odo.step(&rs, None).unwrap();
        let p = rep.pose;
        words.extend([p.rot.c, p.rot.s, p.t[0], p.t[1]].map(f32::to_bits));
        match rep.matched {
            Some(m) => words.extend([
                m.score.to_bits(),
                m.matched as u32,
                m.start as u32,
                rep.fused as u32,
            ]),
            None => words.extend([0, 0, 0, 0]),
        }
        poses.push(p);
    }
    (words, poses)
}

fn check_file(name: &str, bytes: &[u8]) {
    let path = format!("{}/firmware/qemu/data/{name}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("EQUIFRAME_WRITE_GOLDEN").is_some() {
        std::fs::write(&path, bytes).unwrap();
    }
    let golden = std::fs::read(&path).expect("committed file (EQUIFRAME_WRITE_GOLDEN=1 writes it)");
    assert_eq!(golden.len(), bytes.len(), "{name}");
    let first = golden.iter().zip(bytes).position(|(a, b)| a != b);
    assert_eq!(first, None, "{name}: first differing byte");
}

#[test]
fn excerpt_and_golden_are_what_the_host_computes() {
    let truth = truth();
    let ex = excerpt(&truth);
    check_file("scan2d_excerpt.bin", &ex);
    let (words, poses) = run(&ex);
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    check_file("golden_scan2d.bin", &bytes);
    // The excerpt is a fair test: every consecutive relation within 3 cm and 0.5 degrees.
    for i in 1..SCANS {
        let e = truth[i - 1].between(&truth[i]);
        let m = poses[i - 1].between(&poses[i]);
        let d = e.between(&m);
        let (dt, dr) = (d.t[0].hypot(d.t[1]), d.rot.log().abs());
        assert!(
            dt < 0.03 && dr < 0.5f32.to_radians(),
            "scan {i}: {dt} m, {dr} rad"
        );
    }
}

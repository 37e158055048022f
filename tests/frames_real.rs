//! Real clouds from ../shared/data (Ouster lidar frames, Stanford bunny, CGAL lidar/kitten):
//! the same properties as the synthetic ones. Skipped by name when the data are absent.
//!
//! Axis tolerance scales with the measured gap: `2e-6 / rel_gap + 1e-5` (f32 input rounding
//! after a rotation moves the scatter by ~1e-7 relative).
#![allow(clippy::needless_range_loop)]

#[path = "common/frames_util.rs"]
mod util;

use equiframe::frame::{FrameOptions, Group, InputSchema};
use util::*;

fn clouds() -> Vec<(String, Vec<f32>)> {
    let mut out = Vec::new();
    for name in [
        "lidar3d/ouster/OS-0-128-U1_v2.3.0_1024x10_frame0_xyz.npy",
        "lidar3d/ouster/OS-1-32-G_v2.1.1_1024x10_frame0_xyz.npy",
        "lidar3d/ouster/OS-1-128_v2.3.0_1024x10_lb_n3_frame0_xyz.npy",
        "lidar3d/ouster/OS-1-128_767798045_1024x10_20230712_120049_frame0_xyz.npy",
    ] {
        if let Some(p) = data_file(name) {
            let (shape, v) = read_npy(&std::fs::read(p).unwrap()).unwrap();
            assert_eq!(shape.len(), 2);
            assert_eq!(shape[1], 3);
            out.push((name.to_string(), v));
        }
    }
    if let Some(p) = data_file("pointcloud/cgal/bunny00.off") {
        let v = read_off(&std::fs::read_to_string(p).unwrap());
        assert_eq!(v.len(), 3 * 37_706);
        out.push(("bunny00.off".into(), v));
    }
    if let Some(p) = data_file("pointcloud/cgal/kitten.xyz") {
        out.push((
            "kitten.xyz".into(),
            read_xyz(&std::fs::read_to_string(p).unwrap()),
        ));
    }
    out
}

#[test]
fn real_clouds_are_equivariant_and_invariant() {
    let schema = InputSchema::points(3, 3).unwrap();
    for (name, full) in clouds() {
        let n = full.len() / 3;
        // The full cloud for the set; a subsample for the (slow, debug-mode) output checks.
        let probe_rows = subsample(&full, 3, (n / 2000).max(1));
        for group in [Group::O3, Group::SO3] {
            let opts = FrameOptions::with_group(group);
            let a = schema.frame_set(&full, &opts).unwrap();
            let gap = a.rel_gap();
            println!(
                "{name} ({n} pts) {group:?}: eigenvalues/N {:?} rel_gap {gap:.3e} degenerate {}",
                a.eigenvalues().map(|v| v / n as f32),
                a.is_degenerate()
            );
            let tol = 2e-6 / gap + 1e-5;
            for k in 0..3u64 {
                let u: [f64; 8] = std::array::from_fn(|j| {
                    ((k * 8 + j as u64) as f64 * 0.754_877_666 + 0.2).fract()
                });
                let r = maybe_reflect(haar(u), group == Group::O3 && k == 1);
                let t = [12.0 * k as f64, -7.0, 3.5];
                let y = permute(&transform(&full, 3, 3, &r, t), 3, k + 1);
                let b = schema.frame_set(&y, &opts).unwrap();
                let moved: Vec<_> = a.frames().iter().map(|f| moved(f, &r, t)).collect();
                let worst = match_sets(&moved, b.frames(), 3, tol);
                assert!(
                    worst.is_some(),
                    "{name} {group:?}: sets differ beyond {tol}"
                );
                for f in b.frames() {
                    let m = f.axes;
                    for p in 0..3 {
                        for q in 0..3 {
                            let d: f32 = (0..3).map(|i| m[p][i] * m[q][i]).sum();
                            assert!((d - if p == q { 1.0 } else { 0.0 }).abs() < 1e-5);
                        }
                    }
                    if group == Group::SO3 {
                        assert_eq!(f.det, 1.0);
                    }
                }
                // Canonical coordinates of the probe rows agree under matched frames.
                let yr = transform(&probe_rows, 3, 3, &r, t);
                let mut ca = vec![0.0f32; probe_rows.len()];
                let mut cb = vec![0.0f32; probe_rows.len()];
                let scale = a.eigenvalues()[0].max(0.0).sqrt() / (n as f32).sqrt();
                for (fa, fm) in a.frames().iter().zip(&moved) {
                    let fb = b
                        .frames()
                        .iter()
                        .min_by(|p, q| axes_diff(fm, p, 3).total_cmp(&axes_diff(fm, q, 3)))
                        .unwrap();
                    let mut fa2 = *fa;
                    fa2.origin = a.origin();
                    schema.canonicalize(&fa2, &probe_rows, &mut ca).unwrap();
                    schema.canonicalize(fb, &yr, &mut cb).unwrap();
                    for (p, q) in ca.iter().zip(&cb) {
                        let lim = 1e-4 * (1.0 + p.abs()) + 10.0 * tol * scale;
                        assert!((p - q).abs() < lim, "{name}: canonical {p} vs {q}");
                    }
                }
            }
        }
    }
}

#[test]
fn real_clouds_far_from_the_origin() {
    // Lidar at 1e4 m: the f32 input itself is quantised to 1e-3 m there, so frames can only
    // agree to ~1e-3 m / spread / rel_gap; moments must add nothing on top of that.
    let schema = InputSchema::points(3, 3).unwrap();
    for (name, full) in clouds() {
        let opts = FrameOptions::default();
        let a = schema.frame_set(&full, &opts).unwrap();
        let far: Vec<f32> = full.iter().map(|v| v + 1.0e4).collect();
        // What the far cloud really holds, relative to the shift.
        let back: Vec<f32> = far.iter().map(|v| ((*v as f64) - 1.0e4) as f32).collect();
        let exact = schema.frame_set(&back, &opts).unwrap();
        let b = schema.frame_set(&far, &opts).unwrap();
        let tol = 2e-6 / a.rel_gap() + 1e-5;
        assert!(
            match_sets(exact.frames(), b.frames(), 3, tol).is_some(),
            "{name}: far frames moved"
        );
        for k in 0..3 {
            let rel = (exact.eigenvalues()[k] - b.eigenvalues()[k]).abs() / exact.eigenvalues()[0];
            assert!(rel < 1e-5, "{name}: eigenvalue {k} off by {rel}");
        }
    }
}

//! Repeated eigenvalues: cube, regular tetrahedron, square and the near-isotropic
//! `sphere_20k.xyz` are flagged degenerate, plain PCA frames lose invariance there and robust
//! mode bounds the loss; the plain error falls as the eigengap grows.
//!
//! Error = max over random rotations (and reflections for O groups) R and over the first 32
//! points x_i of `|avg_F probe(F^T (x_i - c)) - avg_F probe(F'^T (R x_i + t - c'))|`: an
//! invariant per-point feature computed by frame averaging; probe values are O(0.5).
//! Figures are printed (`cargo test --test frames_robust -- --nocapture`).
#![allow(clippy::needless_range_loop)]

#[path = "common/frames_util.rs"]
mod util;

use equiframe::frame::{FrameOptions, Group, InputSchema, Robust};
use util::*;

fn rotations(k: usize, reflect: bool) -> Vec<M3> {
    (0..k)
        .map(|i| {
            let u: [f64; 8] =
                std::array::from_fn(|j| ((i * 8 + j) as f64 * 0.618_033_988_7 + 0.1).fract());
            maybe_reflect(haar(u), reflect && i % 2 == 1)
        })
        .collect()
}

/// (max invariance error, degenerate flag, frames used).
fn error(
    x: &[f32],
    channels: usize,
    dim: usize,
    group: Group,
    robust: Robust,
    k: usize,
) -> (f64, bool, usize) {
    let schema = InputSchema::points(dim, channels).unwrap();
    let opts = FrameOptions {
        robust,
        ..FrameOptions::with_group(group)
    };
    let a = schema.frame_set(x, &opts).unwrap();
    let rows = (x.len() / channels).min(32);
    let pa = averaged_point_probe(&a, &schema, x, rows);
    let mut worst = 0.0f64;
    let reflect = !group.is_special();
    for (i, r) in rotations(k, reflect).iter().enumerate() {
        let r = if dim == 2 {
            maybe_reflect(rot2(1.234 * i as f64 + 0.3), reflect && i % 2 == 1)
        } else {
            *r
        };
        let y = transform(x, channels, dim, &r, [0.5, -1.0, 2.0]);
        let b = schema.frame_set(&y, &opts).unwrap();
        assert_eq!(a.is_degenerate(), b.is_degenerate());
        let pb = averaged_point_probe(&b, &schema, &y, rows);
        for (p, q) in pa.iter().zip(&pb) {
            worst = worst.max((p - q).abs());
        }
    }
    (worst, a.is_degenerate(), a.frames().len())
}

fn cube() -> Vec<f32> {
    let mut v = Vec::new();
    for m in 0..8 {
        v.extend([m & 1, m >> 1 & 1, m >> 2 & 1].map(|b| if b == 1 { 0.7f32 } else { -0.7 }));
    }
    v
}

fn tetrahedron() -> Vec<f32> {
    vec![
        1.0, 1.0, 1.0, 1.0, -1.0, -1.0, -1.0, 1.0, -1.0, -1.0, -1.0, 1.0,
    ]
}

fn check_shape(name: &str, x: &[f32], channels: usize, dim: usize, groups: &[Group], k: usize) {
    for &g in groups {
        let (plain, flagged, n0) = error(x, channels, dim, g, Robust::Off, k);
        let (robust, flagged_r, n1) = error(x, channels, dim, g, Robust::Average, k);
        println!(
            "{name:<12} {g:?}: plain {plain:.2e} ({n0} frames)  robust {robust:.2e} ({n1} frames)"
        );
        assert!(flagged && flagged_r, "{name} must be flagged degenerate");
        assert!(n1 > n0);
        assert!(
            robust < plain,
            "{name} {g:?}: robust {robust} not better than plain {plain}"
        );
        assert!(
            robust < 0.5 * plain || robust < 1e-4,
            "{name} {g:?}: robust {robust} vs plain {plain}"
        );
    }
}

#[test]
fn cube_and_tetrahedron_are_flagged_and_robust_helps() {
    check_shape("cube", &cube(), 3, 3, &[Group::O3, Group::SO3], 12);
    check_shape(
        "tetrahedron",
        &tetrahedron(),
        3,
        3,
        &[Group::O3, Group::SO3],
        12,
    );
}

#[test]
fn squares_are_flagged_and_robust_helps() {
    let sq2 = [1.0f32, 1.0, -1.0, 1.0, -1.0, -1.0, 1.0, -1.0];
    check_shape("square 2D", &sq2, 2, 2, &[Group::O2, Group::SO2], 12);
    // A square in a 3D plane: one degenerate pair plus a zero eigenvalue.
    let sq3: Vec<f32> = sq2
        .chunks_exact(2)
        .flat_map(|p| [p[0], p[1], 0.0])
        .collect();
    check_shape("square 3D", &sq3, 3, 3, &[Group::O3, Group::SO3], 12);
}

#[test]
fn sphere_20k_is_flagged_and_robust_helps() {
    let Some(path) = data_file("pointcloud/cgal/sphere_20k.xyz") else {
        return;
    };
    let x = read_xyz(&std::fs::read_to_string(path).unwrap());
    assert_eq!(x.len(), 3 * 21_000);
    let set = InputSchema::points(3, 3)
        .unwrap()
        .frame_set(&x, &FrameOptions::default())
        .unwrap();
    let ev = set.eigenvalues().map(|v| v / 21_000.0);
    println!(
        "sphere_20k covariance eigenvalues {ev:?}, rel_gap {:.2e}",
        set.rel_gap()
    );
    assert!((ev[0] - 0.3371).abs() < 2e-4 && (ev[2] - 0.3329).abs() < 2e-4);
    check_shape("sphere_20k", &x, 3, 3, &[Group::O3], 4);
}

/// Centred cloud with scatter exactly `diag(l)` (f64 Gram-Schmidt of random rows).
fn cloud_with_spectrum(n: usize, l: [f64; 3], seed: u64) -> Vec<f32> {
    let raw = gaussian_cloud(n, [1.0; 3], seed);
    let mut rows: Vec<Vec<f64>> = (0..3)
        .map(|k| raw.iter().skip(k).step_by(3).map(|&v| v as f64).collect())
        .collect();
    for k in 0..3 {
        let mean = rows[k].iter().sum::<f64>() / n as f64;
        rows[k].iter_mut().for_each(|v| *v -= mean);
        for j in 0..k {
            let d: f64 = rows[k].iter().zip(&rows[j]).map(|(a, b)| a * b).sum();
            let rj = rows[j].clone();
            rows[k].iter_mut().zip(&rj).for_each(|(a, b)| *a -= d * b);
        }
        let nrm = rows[k].iter().map(|v| v * v).sum::<f64>().sqrt();
        rows[k].iter_mut().for_each(|v| *v /= nrm);
    }
    (0..n)
        .flat_map(|i| [0, 1, 2].map(|k| (rows[k][i] * l[k].sqrt()) as f32))
        .collect()
}

#[test]
fn invariance_error_falls_as_the_gap_grows() {
    let mut errs = Vec::new();
    for g in [2e-4, 2e-3, 2e-2, 2e-1] {
        let mut e = 0.0f64;
        for seed in 0..4 {
            let x = cloud_with_spectrum(64, [1.0 + 2.0 * g, 1.0 + g, 1.0], seed);
            e = e.max(error(&x, 3, 3, Group::O3, Robust::Off, 6).0);
        }
        println!(
            "plain O(3), rel gap {:.1e}: invariance error {e:.2e}",
            g / (1.0 + 2.0 * g)
        );
        errs.push(e);
    }
    assert!(
        errs[3] < 1e-4,
        "well-separated spectrum must be invariant: {}",
        errs[3]
    );
    assert!(
        errs[3] * 10.0 < errs[0],
        "error must fall with the gap: {errs:?}"
    );
    assert!(
        errs[2] < errs[0] && errs[3] < errs[1],
        "error must fall with the gap: {errs:?}"
    );
}

//! Demo section 1: frames of a generated lidar-like cloud, and how the invariance of plain
//! PCA frames depends on the eigengap.

use std::time::Instant;

use anyhow::anyhow;
use equiframe::frame::{FrameOptions, FrameSet, Group, InputSchema};

use super::motion::Motion;
use crate::blob::synth::SynthRng;

/// What section 1 measured, for printing and plotting.
#[derive(Clone, Debug)]
pub struct FramesResult {
    /// The printed text.
    pub text: String,
    /// The cloud (N x 3).
    pub cloud: Vec<f32>,
    /// Its O(3) frame set.
    pub set: FrameSet,
    /// `(relative eigengap, invariance error)` pairs for clouds of growing anisotropy.
    pub gap_curve: Vec<(f32, f32)>,
}

/// A lidar-like return of a car-sized box seen from one side: points on the two visible
/// faces and the roof, range noise of 2 cm, 10% dropouts, far from the origin.
pub fn lidar_box(rng: &mut SynthRng, n: usize, far: [f32; 3]) -> Vec<f32> {
    let (l, w, h) = (4.2f32, 1.8f32, 1.5f32);
    let mut out = Vec::with_capacity(n * 3);
    while out.len() < n * 3 {
        let (u, v) = (rng.uniform() * 0.5 + 0.5, rng.uniform() * 0.5 + 0.5);
        if rng.uniform() < -0.8 {
            continue; // dropout
        }
        let face = rng.next_u64() % 3;
        let p = match face {
            0 => [u * l, 0.0, v * h],
            1 => [l, v * w, u * h],
            _ => [u * l, v * w, h],
        };
        let noise = 0.02 * super::motion::normal(rng);
        out.extend_from_slice(&[p[0] + far[0] + noise, p[1] + far[1], p[2] + far[2]]);
    }
    out
}

/// Worst distance between matched canonical coordinates of `x` and of its motion: every frame
/// of the moved cloud is matched with the closest frame of the original set (sets, not sums).
pub fn canonical_error(schema: &InputSchema, opts: &FrameOptions, x: &[f32], y: &[f32]) -> f32 {
    let canon = |s: &[f32]| -> Vec<Vec<f32>> {
        let Ok(set) = schema.frame_set(s, opts) else {
            return vec![];
        };
        set.frames()
            .iter()
            .map(|f| {
                let mut c = vec![0.0; s.len()];
                let _ = schema.canonicalize(f, s, &mut c);
                c
            })
            .collect()
    };
    let (a, b) = (canon(x), canon(y));
    let mut worst = 0.0f32;
    for cb in &b {
        let best = a
            .iter()
            .map(|ca| {
                ca.iter()
                    .zip(cb)
                    .fold(0.0f32, |m, (p, q)| m.max((p - q).abs()))
            })
            .fold(f32::INFINITY, f32::min);
        worst = worst.max(best);
    }
    worst
}

/// Runs section 1.
pub fn run(quick: bool) -> anyhow::Result<FramesResult> {
    let mut rng = SynthRng(2024);
    let n = 2048;
    let cloud = lidar_box(&mut rng, n, [1.0e4, 3.0e3, 2.0]);
    let schema = InputSchema::points(3, 3).map_err(|e| anyhow!("{e}"))?;
    let opts = FrameOptions::with_group(Group::O3);
    let set = schema
        .frame_set(&cloud, &opts)
        .map_err(|e| anyhow!("frames of the demo cloud: {e}"))?;
    let reps = if quick { 20 } else { 500 };
    let t = Instant::now();
    for _ in 0..reps {
        std::hint::black_box(schema.frame_set(std::hint::black_box(&cloud), &opts).ok());
    }
    let per_set = t.elapsed().as_secs_f64() / f64::from(reps);
    let draws = if quick { 5 } else { 50 };
    let mut worst = 0.0f32;
    for _ in 0..draws {
        let m = Motion::random(&mut rng, true, 100.0);
        let y = m.apply(&schema, &cloud);
        worst = worst.max(canonical_error(&schema, &opts, &cloud, &y));
    }
    let ev = set.eigenvalues();
    let origin = set.origin();
    let mut text = format!(
        "Frames: a car-sized box seen by a lidar at ({:.0}, {:.0}, {:.0}) m, {n} points, O(3)\n",
        origin[0], origin[1], origin[2]
    );
    text += &format!(
        "  covariance eigenvalues {:.4} {:.4} {:.4} m^2, relative eigengap {:.3}, degenerate: {}\n",
        ev[0] / n as f32,
        ev[1] / n as f32,
        ev[2] / n as f32,
        set.rel_gap(),
        if set.is_degenerate() { "yes" } else { "no" }
    );
    text += &format!(
        "  {} frames; moments + eigen + frame set: {:.1} us per cloud ({:.0} M points/s)\n",
        set.frames().len(),
        per_set * 1e6,
        n as f64 / per_set / 1e6
    );
    text += &format!(
        "  canonical coordinates under {draws} random rotations, reflections and translations \
         (100 m): worst change {worst:.2e} m (f32 spacing at 10 km: 1e-3 m)\n"
    );
    let gap_curve = gap_curve(&mut rng, &schema, &opts, if quick { 3 } else { 20 });
    text += "  plain PCA frames on unit Gaussian clouds, worst change of canonical coordinates:";
    for (g, e) in gap_curve.iter().step_by(3) {
        text += &format!(" gap {g:.0e}: {e:.0e};");
    }
    text.pop();
    text += "\n";
    Ok(FramesResult {
        text,
        cloud,
        set,
        gap_curve,
    })
}

/// Invariance error of canonical coordinates on unit-scale Gaussian clouds whose two largest
/// axes differ by a growing relative gap.
fn gap_curve(
    rng: &mut SynthRng,
    schema: &InputSchema,
    opts: &FrameOptions,
    draws: usize,
) -> Vec<(f32, f32)> {
    let mut out = vec![];
    for k in 0..12 {
        let g = 10f32.powf(-4.0 + 0.33 * k as f32);
        let x = with_spectrum(rng, 256, [1.0 + g, 1.0, 0.5]);
        let Ok(set) = schema.frame_set(&x, opts) else {
            continue;
        };
        let mut worst = 0.0f32;
        for _ in 0..draws {
            let m = Motion::random(rng, true, 1.0);
            worst = worst.max(canonical_error(schema, opts, &x, &m.apply(schema, &x)));
        }
        out.push((set.rel_gap(), worst));
    }
    out
}

/// `n` random points whose covariance is exactly `diag(var)` up to f32 rounding (Gaussian
/// points whitened with the Cholesky factor of their sample covariance, in f64), so the
/// relative eigengap is the one asked for and not the sampling noise's.
pub fn with_spectrum(rng: &mut SynthRng, n: usize, var: [f32; 3]) -> Vec<f32> {
    let p: Vec<[f64; 3]> = (0..n)
        .map(|_| [0; 3].map(|_| f64::from(super::motion::normal(rng))))
        .collect();
    let mean = [0, 1, 2].map(|j| p.iter().map(|q| q[j]).sum::<f64>() / n as f64);
    let mut c = [[0.0f64; 3]; 3];
    for q in &p {
        for i in 0..3 {
            for j in 0..3 {
                c[i][j] += (q[i] - mean[i]) * (q[j] - mean[j]) / n as f64;
            }
        }
    }
    let mut l = [[0.0f64; 3]; 3];
    for i in 0..3 {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            l[i][j] = if i == j {
                (c[i][i] - s).max(1e-300).sqrt()
            } else {
                (c[i][j] - s) / l[j][j]
            };
        }
    }
    let mut out = Vec::with_capacity(n * 3);
    for q in &p {
        let d = [q[0] - mean[0], q[1] - mean[1], q[2] - mean[2]];
        let mut y = [0.0f64; 3];
        for i in 0..3 {
            let s: f64 = (0..i).map(|k| l[i][k] * y[k]).sum();
            y[i] = (d[i] - s) / l[i][i];
        }
        for i in 0..3 {
            out.push((y[i] * f64::from(var[i]).sqrt()) as f32);
        }
    }
    out
}

//! Demo section 2: the frame-averaged PointNet of the engine benchmarks (N = 256, shared MLP
//! 3-64-64-128 fused with the max pool, head 128-64-8, O(3), 8 frames) with seeded synthetic
//! weights, quantized to int8 on generated calibration clouds.

use std::time::Instant;

use anyhow::anyhow;
use equiframe::model::Model;

use super::motion::{normal, permute_rows, Motion};
use super::ModelRow;
use crate::blob::synth::{quantize, random_pointnet, SynthRng};
use crate::blob::{write, AlignedBuf, OutputKind, OutputSpec};

/// Points per cloud.
pub const POINTS: usize = 256;

/// What section 2 measured.
#[derive(Clone, Debug)]
pub struct PointnetResult {
    /// Table rows (int8 and f32).
    pub rows: Vec<ModelRow>,
    /// Sentences printed under the table.
    pub notes: Vec<String>,
    /// Mean |int8 - f32| per output channel over the test clouds.
    pub channel_error: Vec<f32>,
}

/// An anisotropic Gaussian cloud (axis scales 3, 1.7, 0.6: relative eigengap well above 1e-2).
pub fn cloud(rng: &mut SynthRng) -> Vec<f32> {
    let s = [3.0f32, 1.7, 0.6];
    (0..POINTS * 3).map(|i| s[i % 3] * normal(rng)).collect()
}

/// Runs a loaded model on one sample with a fresh arena.
pub fn eval(model: &Model<'_>, x: &[f32]) -> anyhow::Result<Vec<f32>> {
    let mut arena = AlignedBuf::from_slice(&vec![0u8; model.arena_bytes()]);
    let mut out = vec![0.0f32; model.output_len()];
    model
        .run(x, arena.as_bytes_mut(), &mut out)
        .map_err(|e| anyhow!("{e}"))?;
    Ok(out)
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).fold(0.0, |m, (p, q)| m.max((p - q).abs()))
}

/// Inferences per second of `model` on `x`, timed over at least `reps` runs.
pub fn speed(model: &Model<'_>, x: &[f32], reps: usize) -> anyhow::Result<f64> {
    let mut arena = AlignedBuf::from_slice(&vec![0u8; model.arena_bytes()]);
    let mut out = vec![0.0f32; model.output_len()];
    let t = Instant::now();
    for _ in 0..reps {
        model
            .run(std::hint::black_box(x), arena.as_bytes_mut(), &mut out)
            .map_err(|e| anyhow!("{e}"))?;
    }
    Ok(reps as f64 / t.elapsed().as_secs_f64())
}

/// Runs section 2.
pub fn run(quick: bool) -> anyhow::Result<PointnetResult> {
    let spec = vec![OutputSpec::new(OutputKind::Invariant, 8)];
    let f32_model = random_pointnet(&[3, 64, 64, 128], &[64, 8], POINTS as u32, spec, 7);
    let mut rng = SynthRng(77);
    let cal: Vec<Vec<f32>> = (0..if quick { 3 } else { 16 })
        .map(|_| cloud(&mut rng))
        .collect();
    let int8_model = quantize(&f32_model, &cal);
    let blobs = [
        ("int8", AlignedBuf::from_slice(&write(&int8_model)?)),
        ("f32", AlignedBuf::from_slice(&write(&f32_model)?)),
    ];
    let models: Vec<Model<'_>> = blobs
        .iter()
        .map(|(_, b)| Model::from_bytes(b.as_bytes()).map_err(|e| anyhow!("{e}")))
        .collect::<anyhow::Result<_>>()?;
    let (oscale, _) = models[0].output_quant();
    let draws = if quick { 4 } else { 40 };
    let tests: Vec<Vec<f32>> = (0..draws).map(|_| cloud(&mut rng)).collect();
    let mut inv = [0.0f32; 2];
    let mut q_err = 0.0f32;
    let mut out_range = 0.0f32;
    let mut perm_identical = true;
    let mut channel_error = vec![0.0f32; models[0].output_len()];
    for x in &tests {
        let base: Vec<Vec<f32>> = models
            .iter()
            .map(|m| eval(m, x))
            .collect::<anyhow::Result<_>>()?;
        q_err = q_err.max(max_diff(&base[0], &base[1]));
        for (e, (a, b)) in channel_error.iter_mut().zip(base[0].iter().zip(&base[1])) {
            *e += (a - b).abs() / draws as f32;
        }
        out_range = out_range.max(base[1].iter().fold(0.0f32, |m, v| m.max(v.abs())));
        let schema = models[0].schema();
        let moved = Motion::random(&mut rng, true, 50.0).apply(&schema, x);
        let shuffled = permute_rows(&mut rng, x, 3);
        for (i, m) in models.iter().enumerate() {
            inv[i] = inv[i].max(max_diff(&base[i], &eval(m, &moved)?));
            let p = eval(m, &shuffled)?;
            perm_identical &= p
                .iter()
                .zip(&base[i])
                .all(|(a, b)| a.to_bits() == b.to_bits());
        }
    }
    let reps = if quick { 5 } else { 60 };
    let mut rows = vec![];
    for (i, (name, blob)) in blobs.iter().enumerate() {
        let m = &models[i];
        let frames = 8u64;
        rows.push(ModelRow {
            name: "FA-PointNet (synthetic weights)".into(),
            kind: format!("{name} O(3) x8"),
            metric_name: "max |int8 - f32|".into(),
            metric: format!(
                "{q_err:.3} ({:.1}% of |y|max)",
                100.0 * q_err / out_range.max(1e-9)
            ),
            invariance: if i == 0 {
                format!("{:.2} LSB", inv[0] / oscale)
            } else {
                format!("{:.1e}", inv[1])
            },
            flash: blob.as_bytes().len(),
            arena: m.arena_bytes(),
            macs: m.macs_per_frame() * frames,
            per_second: speed(m, &tests[0], reps)?,
        });
    }
    let notes = vec![format!(
        "FA-PointNet: outputs under point permutation are bit-identical (int8 and f32): {}; \
         {draws} clouds of {POINTS} points, each under a random rotation, reflection and \
         translation (50 m).",
        if perm_identical { "yes" } else { "NO" }
    )];
    Ok(PointnetResult {
        rows,
        notes,
        channel_error,
    })
}

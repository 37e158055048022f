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
use crate::quantize::frames::canonical_inputs;
use crate::quantize::trace::{trace_f32, trace_i8};
use equiframe::quant::{dequantize, quantize_f32};

/// Points per cloud.
pub const POINTS: usize = 256;

/// What section 2 measured.
#[derive(Clone, Debug)]
pub struct PointnetResult {
    /// Table rows (int8 and f32).
    pub rows: Vec<ModelRow>,
    /// Sentences printed under the table.
    pub notes: Vec<String>,
    /// Per backbone layer: `(label, mean |f32 - dequantized int8| / max |f32|)` over the
    /// canonical inputs of a few test clouds in every frame.
    pub layer_error: Vec<(String, f32)>,
}

/// Per-layer quantization error of `int8` against `f32` (the same backbone) on `clouds`.
pub fn layer_errors(
    f32m: &Model<'_>,
    int8: &Model<'_>,
    clouds: &[Vec<f32>],
) -> anyhow::Result<Vec<(String, f32)>> {
    let schema = f32m.schema();
    let (iscale, izp) = int8.input_quant();
    let nt = f32m.tensor_count();
    let (mut sum, mut count, mut top) = (vec![0.0f64; nt], vec![0usize; nt], vec![0.0f32; nt]);
    for x in clouds {
        let n = x.len() / schema.channels();
        let canon = canonical_inputs(&schema, f32m.frame_mode(), &f32m.frame_options(), x)
            .map_err(|e| anyhow!("{e}"))?;
        for (_, c) in canon {
            let xq: Vec<i8> = c
                .iter()
                .map(|&v| quantize_f32(v, 1.0 / iscale, izp))
                .collect();
            let tf = trace_f32(f32m, &c, n).map_err(|e| anyhow!("{e}"))?;
            let tq = trace_i8(int8, &xq, n).map_err(|e| anyhow!("{e}"))?;
            for t in 1..nt {
                let info = int8.tensor(t as u16).unwrap_or_default();
                for (a, &q) in tf[t].iter().zip(&tq[t]) {
                    let d = (a - dequantize(q, info.scale, info.zero_point)).abs();
                    sum[t] += f64::from(d);
                    count[t] += 1;
                    top[t] = top[t].max(a.abs());
                }
            }
        }
    }
    Ok(int8
        .layers()
        .enumerate()
        .map(|(i, l)| {
            let t = usize::from(l.output);
            let mean = (sum[t] / count[t].max(1) as f64) as f32;
            (format!("{i} {:?}", l.op), mean / top[t].max(1e-12))
        })
        .collect())
}

/// An anisotropic Gaussian cloud (axis scales 3, 1.7, 0.6: relative eigengap well above 1e-2).
pub fn cloud(rng: &mut SynthRng) -> Vec<f32> {
    let s = [3.0f32, 1.7, 0.6];
    (0..POINTS * 3).map(|i| s[i % 3] * normal(rng)).collect()
}

/// A loaded model with its arena, allocated once and reused for every sample.
pub struct Runner<'m> {
    model: Model<'m>,
    arena: AlignedBuf,
}

impl<'m> Runner<'m> {
    /// `model` with an arena of `model.arena_bytes()` bytes.
    pub fn new(model: Model<'m>) -> Self {
        let arena = AlignedBuf::from_slice(&vec![0u8; model.arena_bytes()]);
        Self { model, arena }
    }

    /// The outputs of one sample.
    pub fn eval(&mut self, x: &[f32]) -> anyhow::Result<Vec<f32>> {
        let mut out = vec![0.0f32; self.model.output_len()];
        self.model
            .run(x, self.arena.as_bytes_mut(), &mut out)
            .map_err(|e| anyhow!("{e}"))?;
        Ok(out)
    }

    /// Inferences per second on `x`, timed over `reps` runs.
    pub fn speed(&mut self, x: &[f32], reps: usize) -> anyhow::Result<f64> {
        let mut out = vec![0.0f32; self.model.output_len()];
        let t = Instant::now();
        for _ in 0..reps {
            self.model
                .run(std::hint::black_box(x), self.arena.as_bytes_mut(), &mut out)
                .map_err(|e| anyhow!("{e}"))?;
        }
        Ok(reps as f64 / t.elapsed().as_secs_f64())
    }
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).fold(0.0, |m, (p, q)| m.max((p - q).abs()))
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
    let mut runners: Vec<Runner<'_>> = models.iter().map(|&m| Runner::new(m)).collect();
    for x in &tests {
        let base: Vec<Vec<f32>> = runners
            .iter_mut()
            .map(|r| r.eval(x))
            .collect::<anyhow::Result<_>>()?;
        q_err = q_err.max(max_diff(&base[0], &base[1]));
        out_range = out_range.max(base[1].iter().fold(0.0f32, |m, v| m.max(v.abs())));
        let schema = models[0].schema();
        let moved = Motion::random(&mut rng, true, 50.0).apply(&schema, x);
        let shuffled = permute_rows(&mut rng, x, 3);
        for (i, r) in runners.iter_mut().enumerate() {
            inv[i] = inv[i].max(max_diff(&base[i], &r.eval(&moved)?));
            let p = r.eval(&shuffled)?;
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
            per_second: runners[i].speed(&tests[0], reps)?,
        });
    }
    let mut notes = vec![format!(
        "FA-PointNet: outputs under point permutation are bit-identical (int8 and f32): {}; \
         {draws} clouds of {POINTS} points, each under a random rotation, reflection and \
         translation (50 m).",
        if perm_identical { "yes" } else { "NO" }
    )];
    let layer_error = layer_errors(&models[1], &models[0], &tests[..tests.len().min(4)])?;
    let mut per_layer = String::from("FA-PointNet int8 error per layer (mean / max |f32|):");
    for (name, e) in &layer_error {
        per_layer += &format!(" {name} {:.2}%;", 100.0 * e);
    }
    per_layer.pop();
    notes.push(per_layer);
    Ok(PointnetResult {
        rows,
        notes,
        layer_error,
    })
}

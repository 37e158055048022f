//! Post-training int8 quantization of an f32 blob model with a calibration set.
//!
//! 1. Every calibration sample (raw, sensor coordinates) is expressed in each of its frames,
//!    exactly as the engine will feed the backbone ([`frames`]).
//! 2. The f32 blob runs on each canonical input with every tensor kept ([`trace`]); per tensor
//!    the range, per-channel means and a sample of magnitudes are collected.
//! 3. Activations get asymmetric per-tensor scales from their ranges (pools, windowed max and
//!    clamps keep their input's); weights are symmetric per output channel; biases are
//!    corrected for the mean shift the weight rounding causes and stored as int32 with the
//!    input zero point folded in ([`params`]).
//! 4. The int8 blob runs on the same canonical inputs (bit-identical to the engine); the
//!    dequantized tensors are compared with the f32 ones layer by layer. The predicted error
//!    bound of the averaged outputs is empirical: [`PREDICTION_FACTOR`] times the worst
//!    per-frame output error on the calibration set (times `sqrt(dim)` for geometric outputs,
//!    whose components mix under the frame rotation), plus two output steps.

pub mod act;
pub mod frames;
pub mod params;
/// Every tensor of one backbone pass, bit-identical to the engine (the core's `engine::trace`).
pub use equiframe::engine::trace;

use std::fmt::Write as _;

use anyhow::anyhow;
use equiframe::frame::{FrameOptions, InputSchema};
use equiframe::model::Model;
use rayon::prelude::*;

use crate::blob::{self, AlignedBuf, BlobModel, Op, Precision, Quant};
use crate::commands::samples::Samples;

/// Canonical inputs (samples x frames) whose errors are measured after quantization.
const ERROR_INPUTS: usize = 256;
/// Magnitudes kept per tensor to find its 99.9th percentile.
const MAGNITUDES: usize = 100_000;
/// Safety factor of the predicted error bound over the worst per-frame output error measured
/// on the calibration set (held-out inputs reach activations the calibration set did not).
pub const PREDICTION_FACTOR: f32 = 3.0;
/// A range is flagged when its largest magnitude exceeds the 99.9th percentile this often.
const OUTLIER_RATIO: f32 = 8.0;

/// Float-vs-int8 error of one tensor (the input or a layer's output).
#[derive(Debug, Clone, PartialEq)]
pub struct LayerError {
    /// Layer index (`None`: the backbone input).
    pub layer: Option<usize>,
    /// ONNX layer it comes from.
    pub name: String,
    /// Operator.
    pub op: Option<Op>,
    /// Output quantization.
    pub quant: Quant,
    /// Calibrated range.
    pub range: (f32, f32),
    /// Largest |float - dequantized int8| over the measured inputs.
    pub max_abs: f32,
    /// Mean |float - dequantized int8|.
    pub mean_abs: f32,
    /// Largest |float| (to read the error relative to).
    pub max_ref: f32,
    /// Why the range is suspicious, if it is.
    pub outlier: Option<String>,
}

/// The quantized model and what quantization cost.
#[derive(Debug, Clone)]
pub struct Quantized {
    /// The int8 model.
    pub model: BlobModel,
    /// Per tensor errors, input first.
    pub layers: Vec<LayerError>,
    /// Largest per-frame output error measured on the calibration inputs.
    pub output_error: f32,
    /// Predicted bound on the error of the frame-averaged outputs.
    pub predicted_error: f32,
    /// Samples and canonical inputs (samples x frames) calibrated on.
    pub calibrated: (usize, usize),
}

impl Quantized {
    /// The report `convert` prints: one row per tensor, then the warnings and the prediction.
    pub fn table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "calibrated on {} samples ({} canonical inputs); float vs int8 per layer:",
            self.calibrated.0, self.calibrated.1
        );
        let _ = writeln!(
            s,
            "{:>5}  {:<14} {:<24} {:>21} {:>10} {:>4} {:>10} {:>10} {:>8}",
            "layer", "op", "onnx", "range", "scale", "zp", "max err", "mean err", "rel"
        );
        for l in &self.layers {
            let rel = l.max_abs / l.max_ref.max(1e-30);
            let _ = writeln!(
                s,
                "{:>5}  {:<14} {:<24} {:>21} {:>10.3e} {:>4} {:>10.3e} {:>10.3e} {:>7.2}%",
                l.layer.map_or("in".into(), |i| i.to_string()),
                l.op.map_or("input".into(), |o| format!("{o:?}")),
                truncate(&l.name, 24),
                format!("[{:.3}, {:.3}]", l.range.0, l.range.1),
                l.quant.scale,
                l.quant.zero_point,
                l.max_abs,
                l.mean_abs,
                100.0 * rel
            );
        }
        for l in self.layers.iter().filter(|l| l.outlier.is_some()) {
            let _ = writeln!(
                s,
                "warning: {} '{}': {}",
                l.layer.map_or("input".into(), |i| format!("layer {i}")),
                l.name,
                l.outlier.as_deref().unwrap_or("")
            );
        }
        let _ = write!(
            s,
            "output error: max {:.3e} per frame on the calibration set; predicted bound on the averaged outputs: {:.3e}",
            self.output_error, self.predicted_error
        );
        s
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let t: String = s.chars().take(n - 1).collect();
        format!("{t}~")
    }
}

/// One canonical input and every tensor of the f32 backbone on it.
type Traced = (Vec<f32>, Vec<Vec<f32>>);

/// Per-tensor calibration statistics.
#[derive(Debug, Clone)]
struct Stats {
    lo: f32,
    hi: f32,
    sums: Vec<f64>,
    rows: u64,
    mags: Vec<f32>,
}

impl Stats {
    fn new(cols: usize) -> Self {
        Self {
            lo: f32::INFINITY,
            hi: f32::NEG_INFINITY,
            sums: vec![0.0; cols],
            rows: 0,
            mags: Vec::new(),
        }
    }
    fn add(&mut self, v: &[f32]) {
        let c = self.sums.len().max(1);
        for row in v.chunks_exact(c) {
            for (s, &x) in self.sums.iter_mut().zip(row) {
                *s += f64::from(x);
            }
            self.rows += 1;
        }
        for &x in v {
            self.lo = self.lo.min(x);
            self.hi = self.hi.max(x);
        }
        if self.mags.len() < MAGNITUDES {
            self.mags.extend(v.iter().map(|x| x.abs()));
        }
    }
    fn means(&self) -> Vec<f32> {
        self.sums
            .iter()
            .map(|&s| (s / self.rows.max(1) as f64) as f32)
            .collect()
    }
    fn outlier(&self) -> Option<String> {
        let mut m = self.mags.clone();
        if m.len() < 100 {
            return None;
        }
        m.sort_by(f32::total_cmp);
        let p = m[(m.len() as f64 * 0.999) as usize - 1];
        let max = self.lo.abs().max(self.hi.abs());
        (p > 0.0 && max > OUTLIER_RATIO * p).then(|| {
            format!(
                "range outliers: |x| reaches {max:.4} but 99.9% of values are within {p:.4}; the int8 step is {:.0}x coarser than the bulk needs (clip or regularize this activation)",
                max / p
            )
        })
    }
}

fn load(m: &BlobModel) -> anyhow::Result<AlignedBuf> {
    let bytes = blob::write(m).map_err(|e| anyhow!("{e}"))?;
    Ok(AlignedBuf::from_slice(&bytes))
}

/// Quantizes the f32 model `fmodel` (layer names in `names`) on the raw calibration samples.
pub fn quantize(
    fmodel: &BlobModel,
    names: &[String],
    cal: &Samples,
    quiet: bool,
) -> anyhow::Result<Quantized> {
    let fbuf = load(fmodel)?;
    let fm = Model::from_bytes(fbuf.as_bytes()).map_err(|e| anyhow!("{e}"))?;
    let schema = fm.schema();
    let (mode, opts) = (fm.frame_mode(), fm.frame_options());
    let n_t = fm.tensor_count();
    let cols: Vec<usize> = (0..n_t)
        .map(|t| fm.tensor(t as u16).unwrap_or_default().cols as usize)
        .collect();
    let mut stats: Vec<Stats> = cols.iter().map(|&c| Stats::new(c)).collect();
    let mut kept: Vec<Vec<f32>> = Vec::new();
    let pb = crate::progress::bar(cal.batch as u64, "calibrate", quiet);
    let mut canon_count = 0usize;
    // Chunks of samples traced in parallel, merged in sample order (deterministic).
    for chunk in (0..cal.batch).collect::<Vec<_>>().chunks(64) {
        let traced: Vec<Vec<Traced>> = chunk
            .par_iter()
            .map(|&b| {
                let inputs = canonical(&schema, mode, &opts, cal.sample(b), b)?;
                inputs
                    .into_iter()
                    .map(|x| {
                        let tr = trace::trace_f32(&fm, &x, cal.points)
                            .map_err(|e| anyhow!("calibration sample {b}: {e}"))?;
                        Ok((x, tr))
                    })
                    .collect::<anyhow::Result<Vec<Traced>>>()
            })
            .collect::<anyhow::Result<_>>()?;
        for (x, tr) in traced.into_iter().flatten() {
            for (s, v) in stats.iter_mut().zip(&tr) {
                s.add(v);
            }
            canon_count += 1;
            if kept.len() < ERROR_INPUTS {
                kept.push(x);
            }
        }
        pb.inc(chunk.len() as u64);
    }
    pb.finish_and_clear();
    // Tensor quantization: own range, or the input's for ops that keep it.
    let mut tq: Vec<Quant> = stats
        .iter()
        .map(|s| params::quant_of_range(s.lo, s.hi))
        .collect();
    for (i, l) in fmodel.layers.iter().enumerate() {
        if l.op.keeps_quant() {
            tq[i + 1] = tq[l.input];
        }
        if let Some(q) = act::fixed_output_quant(l.op) {
            tq[i + 1] = q;
        }
    }
    let mut qm = fmodel.clone();
    qm.precision = Precision::Int8;
    qm.input_quant = tq[0];
    for (i, l) in fmodel.layers.iter().enumerate() {
        let (qi, qo) = (tq[l.input], tq[i + 1]);
        let qi2 = tq[l.input2.unwrap_or(l.input)];
        qm.layers[i] = if l.op.has_weights() {
            params::quantize_linear(l, qi, qo, Some(&stats[l.input].means()))
        } else {
            params::quantize_aux(l, qi, qi2, qo)
        }
        .map_err(|e| {
            anyhow!(
                "quantizing layer {i} '{}': {e}",
                names.get(i).map_or("", |s| s)
            )
        })?;
    }
    // Errors: the int8 blob against the f32 blob on the kept canonical inputs.
    let qbuf = load(&qm)?;
    let im = Model::from_bytes(qbuf.as_bytes()).map_err(|e| anyhow!("{e}"))?;
    let mut max_abs = vec![0.0f32; n_t];
    let mut sum_abs = vec![0.0f64; n_t];
    let mut cnt = vec![0u64; n_t];
    let mut max_ref = vec![0.0f32; n_t];
    let (s0, z0) = (tq[0].scale, tq[0].zero_point);
    for x in &kept {
        let xq: Vec<i8> = x
            .iter()
            .map(|&v| equiframe::quant::quantize_f32(v, 1.0 / s0, z0))
            .collect();
        let tf = trace::trace_f32(&fm, x, cal.points).map_err(|e| anyhow!("{e}"))?;
        let ti = trace::trace_i8(&im, &xq, cal.points).map_err(|e| anyhow!("{e}"))?;
        for t in 0..n_t {
            let q = tq[t];
            for (&f, &v) in tf[t].iter().zip(&ti[t]) {
                let e = (f - equiframe::quant::dequantize(v, q.scale, q.zero_point)).abs();
                max_abs[t] = max_abs[t].max(e);
                sum_abs[t] += f64::from(e);
                max_ref[t] = max_ref[t].max(f.abs());
            }
            cnt[t] += tf[t].len() as u64;
        }
    }
    let layers: Vec<LayerError> = (0..n_t)
        .map(|t| LayerError {
            layer: t.checked_sub(1),
            name: t
                .checked_sub(1)
                .and_then(|i| names.get(i))
                .cloned()
                .unwrap_or_else(|| "input (canonical)".into()),
            op: t.checked_sub(1).map(|i| fmodel.layers[i].op),
            quant: tq[t],
            range: (stats[t].lo, stats[t].hi),
            max_abs: max_abs[t],
            mean_abs: (sum_abs[t] / cnt[t].max(1) as f64) as f32,
            max_ref: max_ref[t],
            outlier: stats[t].outlier(),
        })
        .collect();
    let out = n_t - 1;
    let output_error = max_abs[out];
    let geometric = fmodel
        .outputs
        .iter()
        .any(|o| o.kind != blob::OutputKind::Invariant);
    let spread = if geometric {
        f32::from(fmodel.dim).sqrt()
    } else {
        1.0
    };
    let predicted_error = PREDICTION_FACTOR * output_error * spread + 2.0 * tq[out].scale;
    Ok(Quantized {
        model: qm,
        layers,
        output_error,
        predicted_error,
        calibrated: (cal.batch, canon_count),
    })
}

/// The canonical inputs of calibration sample `b`.
fn canonical(
    schema: &InputSchema,
    mode: equiframe::model::FrameMode,
    opts: &FrameOptions,
    sample: &[f32],
    b: usize,
) -> anyhow::Result<Vec<Vec<f32>>> {
    let v = frames::canonical_inputs(schema, mode, opts, sample)
        .map_err(|e| anyhow!("--calibration sample {b}: {e}"))?;
    Ok(v.into_iter().map(|(_, x)| x).collect())
}

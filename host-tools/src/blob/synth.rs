//! Synthetic models for tests, benches and demos: a random f32 PointNet, a plain f32
//! reference evaluator of a [`BlobModel`] (no frames: one canonical sample in, raw outputs
//! out), and a small calibration quantizer that turns an f32 chain into an int8 one under the
//! project's quantization contract. The real ONNX quantizer lives in the `convert` command;
//! this one exists so the engine can be tested and benchmarked on realistic int8 models.

use super::types::{BlobLayer, BlobModel, LayerParams, OutputSpec, Quant};
use crate::quantize::params::quant_of_range;
use equiframe::frame::InputSchema;
use equiframe::model::{Activation, Op, Precision};
use equiframe::quant::{fold_zero_point, quantize_multiplier};

/// A seeded xorshift64* generator (deterministic, dependency free).
#[derive(Clone, Debug)]
pub struct SynthRng(pub u64);

impl SynthRng {
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `[-1, 1)`.
    pub fn uniform(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
    }
}

/// An f32 PointNet: shared MLP `widths[0] -> widths[1] -> ...` (ReLU) fused with a max pool at
/// the last shared layer, then dense `head` layers (ReLU between, none at the end), O(3)
/// averaging, positions in channels `0..3`. Weights uniform in `+-sqrt(3 / cin)`.
pub fn random_pointnet(
    shared: &[usize],
    head: &[usize],
    max_points: u32,
    outputs: Vec<OutputSpec>,
    seed: u64,
) -> BlobModel {
    let mut rng = SynthRng(seed.max(1));
    let mut m = BlobModel::points(3, shared[0] as u16, max_points);
    m.precision = Precision::F32;
    m.outputs = outputs;
    let mut layer = |op, input, cin: usize, cout: usize, act| {
        let a = (3.0 / cin as f32).sqrt();
        let w = (0..cin * cout).map(|_| a * rng.uniform()).collect();
        let b = (0..cout).map(|_| 0.1 * rng.uniform()).collect();
        BlobLayer::f32(op, input, w, b).with_activation(act)
    };
    let mut t = 0;
    for (i, pair) in shared.windows(2).enumerate() {
        let op = if i + 2 == shared.len() {
            Op::PointwiseMax
        } else {
            Op::Pointwise
        };
        m.layers
            .push(layer(op, t, pair[0], pair[1], Activation::Relu));
        t += 1;
    }
    let mut cin = shared[shared.len() - 1];
    for (i, &cout) in head.iter().enumerate() {
        let act = if i + 1 == head.len() {
            Activation::None
        } else {
            Activation::Relu
        };
        m.layers.push(layer(Op::Dense, t, cin, cout, act));
        t += 1;
        cin = cout;
    }
    m
}

fn act_f32(a: Activation, x: f32) -> f32 {
    match a {
        Activation::Relu => x.max(0.0),
        Activation::Relu6 => x.clamp(0.0, 6.0),
        Activation::ReluN1To1 => x.clamp(-1.0, 1.0),
        _ => x,
    }
}

/// Evaluates an f32 [`BlobModel`] on one canonical sample of `n` rows, in plain f64-free loops
/// (sums in index order). Returns every tensor (`[0]` = the input) as `(rows, values)`.
pub fn eval_f32(m: &BlobModel, input: &[f32], n: usize) -> Vec<(usize, Vec<f32>)> {
    let mut tensors: Vec<(usize, Vec<f32>)> = vec![(n, input.to_vec())];
    for l in &m.layers {
        let (rows, x) = tensors[l.input].clone();
        let cin = x.len() / rows;
        let (w, b): (&[f32], &[f32]) = match &l.params {
            LayerParams::F32 { weights, bias } => (weights, bias),
            _ => (&[], &[]),
        };
        let cout = b.len();
        let out = match l.op {
            Op::Dense | Op::Pointwise | Op::PointwiseMax => {
                let mut y = vec![0.0f32; rows * cout];
                for p in 0..rows {
                    for c in 0..cout {
                        let mut acc = 0.0f32;
                        for i in 0..cin {
                            acc += x[p * cin + i] * w[c * cin + i];
                        }
                        y[p * cout + c] = act_f32(l.activation, acc + b[c]);
                    }
                }
                if l.op == Op::PointwiseMax {
                    (1, max_rows(&y, rows, cout))
                } else {
                    (rows, y)
                }
            }
            Op::MaxPool => (1, max_rows(&x, rows, cin)),
            Op::Conv1d => {
                let (k, s, pl) = (l.conv.kernel, l.conv.stride, l.conv.pad_left);
                let n_out = (rows + pl + l.conv.pad_right - k) / s + 1;
                let mut y = vec![0.0f32; n_out * cout];
                for t in 0..n_out {
                    for c in 0..cout {
                        let mut acc = 0.0f32;
                        for j in 0..k {
                            let r = (t * s + j) as isize - pl as isize;
                            if r < 0 || r as usize >= rows {
                                continue;
                            }
                            for i in 0..cin {
                                acc += x[r as usize * cin + i] * w[(c * k + j) * cin + i];
                            }
                        }
                        y[t * cout + c] = act_f32(l.activation, acc + b[c]);
                    }
                }
                (n_out, y)
            }
            _ => (1, Vec::new()),
        };
        tensors.push(out);
    }
    tensors
}

fn max_rows(x: &[f32], rows: usize, c: usize) -> Vec<f32> {
    (0..c)
        .map(|j| {
            (0..rows)
                .map(|p| x[p * c + j])
                .fold(f32::NEG_INFINITY, f32::max)
        })
        .collect()
}

/// Quantizes an f32 chain (Dense / Pointwise / PointwiseMax / Conv1d / MaxPool) to int8:
/// per-channel symmetric weights, activation ranges from the model's tensors on `samples`
/// (raw samples, canonicalized with every frame of their frame set), folded zero points,
/// TFLite multipliers.
pub fn quantize(m: &BlobModel, samples: &[Vec<f32>]) -> BlobModel {
    let schema = InputSchema::new(usize::from(m.dim), usize::from(m.channels), &m.fields)
        .expect("valid schema");
    let opts = equiframe::frame::FrameOptions {
        group: m.group,
        order: m.axis_order,
        robust: m.robust,
        degenerate_gap: m.degenerate_gap,
    };
    let nt = m.layers.len() + 1;
    let mut lo = vec![f32::INFINITY; nt];
    let mut hi = vec![f32::NEG_INFINITY; nt];
    for s in samples {
        let n = s.len() / usize::from(m.channels);
        let set = schema.frame_set(s, &opts).expect("calibration frames");
        for f in set.frames() {
            let mut canon = vec![0.0f32; s.len()];
            schema.canonicalize(f, s, &mut canon).expect("canonicalize");
            for (t, (_, v)) in eval_f32(m, &canon, n).iter().enumerate() {
                for &x in v {
                    lo[t] = lo[t].min(x);
                    hi[t] = hi[t].max(x);
                }
            }
        }
    }
    quantize_ranges(m, &lo, &hi)
}

/// Quantizes an f32 chain to int8 from the measured range `[lo[t], hi[t]]` of every tensor `t`
/// (tensor 0 = the input): per-channel symmetric weights, asymmetric activations (a max pool
/// keeps its input's parameters), folded zero points, TFLite multipliers.
pub fn quantize_ranges(m: &BlobModel, lo: &[f32], hi: &[f32]) -> BlobModel {
    let nt = m.layers.len() + 1;
    let mut q: Vec<Quant> = (0..nt).map(|t| quant_of_range(lo[t], hi[t])).collect();
    for (i, l) in m.layers.iter().enumerate() {
        if l.op == Op::MaxPool {
            q[i + 1] = q[l.input];
        }
    }
    let mut out = m.clone();
    out.precision = Precision::Int8;
    out.input_quant = q[0];
    for (i, l) in out.layers.iter_mut().enumerate() {
        let qin = q[l.input];
        l.output_quant = q[i + 1];
        let LayerParams::F32 { weights, bias } = &l.params else {
            continue;
        };
        let cout = bias.len();
        let per = weights.len() / cout;
        let (mut wq, mut bq, mut mult, mut shift) = (vec![], vec![], vec![], vec![]);
        for c in 0..cout {
            let row = &weights[c * per..(c + 1) * per];
            let sw = (row.iter().fold(0.0f32, |a, &w| a.max(w.abs())) / 127.0).max(1e-12);
            let qrow: Vec<i8> = row
                .iter()
                .map(|&w| (w / sw).round().clamp(-127.0, 127.0) as i8)
                .collect();
            let b = (f64::from(bias[c]) / (f64::from(qin.scale) * f64::from(sw))).round() as i32;
            bq.push(fold_zero_point(b, qin.zero_point, &qrow));
            let (mm, ss) = quantize_multiplier(
                f64::from(qin.scale) * f64::from(sw) / f64::from(q[i + 1].scale),
            );
            mult.push(mm);
            shift.push(ss);
            wq.extend(qrow);
        }
        l.params = LayerParams::Int8 {
            weights: wq,
            bias: bq,
            multiplier: mult,
            shift,
        };
    }
    out
}

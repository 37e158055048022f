//! Quantization parameters: asymmetric int8 activations from calibrated ranges, symmetric
//! per-channel int8 weights, int32 bias with the input zero point folded in, Q31 multipliers.

use anyhow::anyhow;
use equiframe::kernels::{AddParams, LeakyReluParams, MulParams, Requant, NORM_FRACTION_BITS};
use equiframe::quant::{fold_zero_point, quantize_multiplier};

use crate::blob::{BlobLayer, Constant, LayerParams, Op, Quant};

/// Asymmetric int8 quantization of the range `[lo, hi]` (widened to contain 0, as TFLite):
/// `scale = (hi - lo) / 255`, `zero_point = round(-128 - lo / scale)`.
pub fn quant_of_range(lo: f32, hi: f32) -> Quant {
    let (lo, hi) = (lo.min(0.0), hi.max(0.0));
    let span = hi - lo;
    if !(span.is_finite() && span > 1e-12) {
        return Quant::new(1.0 / 255.0, -128);
    }
    let scale = span / 255.0;
    let zp = (-128.0 - lo / scale).round().clamp(-128.0, 127.0) as i32;
    Quant::new(scale, zp)
}

/// The int8 value of `x` under `q` (saturated).
pub fn q_of(x: f32, q: Quant) -> i32 {
    if x == f32::INFINITY {
        return 127;
    }
    if x == f32::NEG_INFINITY {
        return -128;
    }
    ((x / q.scale).round() as i64 + i64::from(q.zero_point)).clamp(-128, 127) as i32
}

/// Symmetric per-output-channel int8 weights: `(weights, scale per channel)`. `rows` is
/// `cout` and each row holds `per_row` weights.
pub fn quantize_weights(w: &[f32], cout: usize) -> (Vec<i8>, Vec<f32>) {
    let per_row = w.len() / cout.max(1);
    let mut q = Vec::with_capacity(w.len());
    let mut scales = Vec::with_capacity(cout);
    for row in w.chunks_exact(per_row.max(1)) {
        let m = row.iter().fold(0.0f32, |a, v| a.max(v.abs()));
        let s = if m > 0.0 { m / 127.0 } else { 1.0 };
        scales.push(s);
        q.extend(
            row.iter()
                .map(|&v| (v / s).round().clamp(-127.0, 127.0) as i8),
        );
    }
    (q, scales)
}

/// The int8 layer of a weighted f32 layer. `mean_in` (one per input channel) enables bias
/// correction: the expected output shift the weight rounding causes is added back to the bias.
pub fn quantize_linear(
    l: &BlobLayer,
    q_in: Quant,
    q_out: Quant,
    mean_in: Option<&[f32]>,
) -> anyhow::Result<BlobLayer> {
    let LayerParams::F32 { weights, bias } = &l.params else {
        return Err(anyhow!("layer has no f32 weights"));
    };
    let cout = bias.len();
    let (wq, sw) = quantize_weights(weights, cout);
    let per_row = weights.len() / cout.max(1);
    // Grouped Conv1d: output channel c reads input channels of its group only.
    let groups = l.conv.groups.max(1);
    let mut bias_q = Vec::with_capacity(cout);
    let mut multiplier = Vec::with_capacity(cout);
    let mut shift = Vec::with_capacity(cout);
    for c in 0..cout {
        let row = &weights[c * per_row..(c + 1) * per_row];
        let rq = &wq[c * per_row..(c + 1) * per_row];
        let mut b = bias[c];
        if let Some(mean) = mean_in.filter(|m| !m.is_empty()) {
            let cig = mean.len() / groups;
            let c0 = (c / (cout / groups).max(1)) * cig;
            let delta: f32 = row
                .iter()
                .zip(rq)
                .enumerate()
                .map(|(j, (&w, &q))| {
                    let m = mean.get(c0 + j % cig.max(1)).copied().unwrap_or(0.0);
                    (w - f32::from(q) * sw[c]) * m
                })
                .sum();
            b += delta;
        }
        let s_acc = f64::from(q_in.scale) * f64::from(sw[c]);
        let bi = (f64::from(b) / s_acc).round().clamp(-1e9, 1e9) as i32;
        bias_q.push(fold_zero_point(bi, q_in.zero_point, rq));
        let (m, s) = quantize_multiplier(s_acc / f64::from(q_out.scale));
        multiplier.push(m);
        shift.push(s);
    }
    let mut out = l.clone();
    out.params = LayerParams::Int8 {
        weights: wq,
        bias: bias_q,
        multiplier,
        shift,
    };
    out.output_quant = q_out;
    Ok(out)
}

fn pairs(v: &[(i32, i32)]) -> Vec<i32> {
    v.iter().flat_map(|&(m, s)| [m, s]).collect()
}

/// The int8 form of an f32 constant operand: quantized on its own range (widened to contain
/// 0).
pub fn quantize_constant(c: &[f32]) -> (Vec<i8>, Quant) {
    let lo = c.iter().copied().fold(f32::INFINITY, f32::min);
    let hi = c.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let q = quant_of_range(lo, hi);
    (c.iter().map(|&v| q_of(v, q) as i8).collect(), q)
}

/// `[multiplier, shift]` of a positive real scale.
fn multiplier_of(real: f64) -> anyhow::Result<(i32, i32)> {
    equiframe::quant::try_quantize_multiplier(real).map_err(|e| anyhow!("{e}"))
}

/// The int8 layer of a weightless f32 layer; `q` = quantization of input, input2 and output
/// (for an element-wise op with a constant, `q_in2` is ignored: the constant is quantized on
/// its own range).
pub fn quantize_aux(
    l: &BlobLayer,
    q_in: Quant,
    q_in2: Quant,
    q_out: Quant,
) -> anyhow::Result<BlobLayer> {
    let e = |e: equiframe::quant::QuantError| anyhow!("{e}");
    let rq = |a: Quant, b: Quant| -> anyhow::Result<(i32, i32)> {
        let r = Requant::from_scales(a.scale, a.zero_point, b.scale, b.zero_point).map_err(e)?;
        Ok((r.multiplier, r.shift))
    };
    if super::act::owns(l.op) {
        return super::act::quantize(l, q_in, q_out);
    }
    let mut out = l.clone();
    out.output_quant = q_out;
    let q_in2 = match &l.constant {
        Some(Constant::F32(c)) => {
            let (values, quant) = quantize_constant(c);
            out.constant = Some(Constant::Int8 { values, quant });
            quant
        }
        _ => q_in2,
    };
    out.params = match l.op {
        Op::MaxPool | Op::MaxPool1d | Op::AvgPool1d | Op::Flatten | Op::SliceRows => {
            LayerParams::None
        }
        Op::Mul => {
            let p = MulParams::from_scales(
                (q_in.scale, q_in.zero_point),
                (q_in2.scale, q_in2.zero_point),
                (q_out.scale, q_out.zero_point),
                (-128, 127),
            )
            .map_err(e)?;
            LayerParams::Int8Aux(pairs(&[(p.multiplier, p.shift)]))
        }
        Op::RowSquaredNorm => {
            let s = f64::from(q_in.scale);
            LayerParams::Int8Aux(pairs(&[multiplier_of(s * s / f64::from(q_out.scale))?]))
        }
        Op::RowNorm => {
            let frac = f64::from(1u32 << NORM_FRACTION_BITS);
            let real = f64::from(q_in.scale) / (frac * f64::from(q_out.scale));
            LayerParams::Int8Aux(pairs(&[multiplier_of(real)?]))
        }
        Op::MeanPool | Op::SumPool => LayerParams::Int8Aux(pairs(&[rq(q_in, q_out)?])),
        Op::Concat => LayerParams::Int8Aux(pairs(&[rq(q_in, q_out)?, rq(q_in2, q_out)?])),
        Op::Add | Op::Sub => {
            let p = AddParams::from_scales(
                (q_in.scale, q_in.zero_point),
                (q_in2.scale, q_in2.zero_point),
                (q_out.scale, q_out.zero_point),
                (-128, 127),
            )
            .map_err(e)?;
            LayerParams::Int8Aux(pairs(&[
                (p.multiplier1, p.shift1),
                (p.multiplier2, p.shift2),
                (p.out_multiplier, p.out_shift),
            ]))
        }
        Op::LeakyRelu => {
            let LayerParams::F32Aux(a) = &l.params else {
                return Err(anyhow!("leaky ReLU without alpha"));
            };
            let p = LeakyReluParams::from_scales(
                q_in.scale,
                q_in.zero_point,
                q_out.scale,
                q_out.zero_point,
                a[0],
            )
            .map_err(e)?;
            LayerParams::Int8Aux(pairs(&[
                (p.multiplier_identity, p.shift_identity),
                (p.multiplier_alpha, p.shift_alpha),
            ]))
        }
        Op::Clamp => {
            let LayerParams::F32Aux(r) = &l.params else {
                return Err(anyhow!("clamp without a range"));
            };
            let (lo, hi) = (q_of(r[0], q_in), q_of(r[1], q_in));
            out = out.with_clamp(lo, hi.max(lo));
            LayerParams::None
        }
        _ => return Err(anyhow!("op {:?} has weights", l.op)),
    };
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_quant_contains_zero_and_the_ends() {
        let q = quant_of_range(-1.0, 3.0);
        assert!((q.scale - 4.0 / 255.0).abs() < 1e-7);
        assert_eq!(q_of(0.0, q), q.zero_point);
        assert_eq!(q_of(-1.0, q), -128);
        assert_eq!(q_of(3.0, q), 127);
        let r = quant_of_range(0.5, 2.0);
        assert_eq!(r.zero_point, -128);
        let (w, s) = quantize_weights(&[0.5, -1.0, 0.0, 0.25], 2);
        assert_eq!(w, vec![64, -127, 0, 127]);
        assert!((s[1] - 0.25 / 127.0).abs() < 1e-9);
    }
}

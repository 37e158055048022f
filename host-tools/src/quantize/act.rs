//! int8 parameters of the activation-type layers (LOGISTIC, TANH, SOFTMAX, LOG_SOFTMAX,
//! lookup-table functions, layer normalization) from their f32 layer and the calibrated
//! input / output quantization, with the core's own constructors (the TFLite Micro prepare
//! steps), so the int8 blob computes exactly what TFLite Micro would.

use anyhow::{anyhow, Context};
use equiframe::kernels::{
    build_table, layer_norm_channel, layer_norm_eps_q8, LogSoftmaxParams, SigmoidParams,
    SoftmaxParams,
};

use crate::blob::{BlobLayer, LayerParams, Op, Quant};

/// Whether [`quantize`] handles `op`.
pub fn owns(op: Op) -> bool {
    matches!(
        op,
        Op::Logistic | Op::Tanh | Op::Softmax | Op::LogSoftmax | Op::Lut | Op::LayerNorm
    )
}

/// The int8 output quantization TFLite fixes for `op` (LOGISTIC 1/256 -128, TANH 1/128 0,
/// SOFTMAX 1/256 -128, LOG_SOFTMAX 16/256 127), if any.
pub fn fixed_output_quant(op: Op) -> Option<Quant> {
    op.fixed_output_quant().map(|(s, z)| Quant::new(s, z))
}

/// The int8 layer of an f32 activation-type layer `l` with input quantization `q_in` and
/// calibrated output quantization `q_out` (replaced by the fixed one where TFLite fixes it).
pub fn quantize(l: &BlobLayer, q_in: Quant, q_out: Quant) -> anyhow::Result<BlobLayer> {
    let q_out = fixed_output_quant(l.op).unwrap_or(q_out);
    let aux: &[f32] = match &l.params {
        LayerParams::F32Aux(p) => p,
        _ => &[],
    };
    let e = |e: equiframe::quant::QuantError| anyhow!("{e}");
    let params = match l.op {
        Op::Logistic | Op::Tanh => {
            let p = SigmoidParams::from_scale(q_in.scale, q_in.zero_point).map_err(e)?;
            LayerParams::Int8Aux(vec![p.multiplier, p.left_shift, p.range_radius])
        }
        Op::Softmax => {
            let beta = aux.first().copied().unwrap_or(1.0);
            let p = SoftmaxParams::from_scale(beta, q_in.scale)
                .map_err(e)
                .with_context(|| {
                    format!("softmax with beta {beta} on input scale {}", q_in.scale)
                })?;
            LayerParams::Int8Aux(vec![p.multiplier, p.left_shift, p.diff_min])
        }
        Op::LogSoftmax => {
            let p = LogSoftmaxParams::from_scale(q_in.scale).map_err(e)?;
            LayerParams::Int8Aux(vec![
                p.multiplier,
                p.left_shift,
                p.reverse_multiplier,
                p.reverse_shift,
                p.diff_min,
            ])
        }
        Op::Lut => {
            let f = l
                .function
                .ok_or_else(|| anyhow!("lookup-table layer without a function"))?;
            let (a, b) = (
                aux.first().copied().unwrap_or(0.0),
                aux.get(1).copied().unwrap_or(0.0),
            );
            let t = build_table(
                f.to_kernel(a, b),
                q_in.scale,
                q_in.zero_point,
                q_out.scale,
                q_out.zero_point,
            );
            LayerParams::int8_table(&t)
        }
        Op::LayerNorm => {
            let c = aux.len().saturating_sub(1) / 2;
            let (Some(&eps), Some(gamma), Some(beta)) =
                (aux.first(), aux.get(1..1 + c), aux.get(1 + c..1 + 2 * c))
            else {
                return Err(anyhow!("layer normalization without eps, gamma and beta"));
            };
            let mut p = vec![layer_norm_eps_q8(eps, q_in.scale)];
            for (&g, &b) in gamma.iter().zip(beta) {
                p.extend(layer_norm_channel(g, b, q_out.scale));
            }
            LayerParams::Int8Aux(p)
        }
        other => return Err(anyhow!("{other:?} is not an activation-type layer")),
    };
    let mut out = l.clone();
    out.params = params;
    out.output_quant = q_out;
    Ok(out)
}

//! The activation-type layers of one backbone pass (format version 3): LOGISTIC, TANH,
//! SOFTMAX, LOG_SOFTMAX, lookup-table functions and layer normalization, from a validated
//! layer record to the kernels. `backbone.rs` dispatches here; so do `trace` and the batch
//! backends, through `backbone::layer_i8` / `layer_f32`.

use super::backbone::Dims;
use crate::kernels::{
    element_fn_f32, layer_norm_f32, layer_norm_i8, log_softmax_f32, log_softmax_i8, logistic_f32,
    logistic_i8, lut_i8, softmax_f32, softmax_i8, tanh_f32, tanh_i8, LayerNormParams,
    LogSoftmaxParams, SigmoidParams, SoftmaxParams,
};
use crate::model::{LayerView, Op};

/// One int8 activation-type layer (`x`, `y` hold `d.rows * d.cin` values); other ops: no-op.
pub(crate) fn layer_i8(
    l: &LayerView<'_>,
    d: Dims,
    zp_in: i32,
    zp_out: i32,
    x: &[i8],
    y: &mut [i8],
) {
    let p = |i: usize| l.aux_i32.get(i).copied().unwrap_or(0);
    match l.op {
        Op::Logistic | Op::Tanh => {
            let sp = SigmoidParams {
                in_zero_point: zp_in,
                multiplier: p(0),
                left_shift: p(1),
                range_radius: p(2),
            };
            if l.op == Op::Logistic {
                logistic_i8(x, &sp, y);
            } else {
                tanh_i8(x, &sp, y);
            }
        }
        Op::Softmax => {
            let sp = SoftmaxParams {
                multiplier: p(0),
                left_shift: p(1),
                diff_min: p(2),
            };
            softmax_i8(x, d.rows, d.cin, &sp, y);
        }
        Op::LogSoftmax => {
            let lp = LogSoftmaxParams {
                multiplier: p(0),
                left_shift: p(1),
                reverse_multiplier: p(2),
                reverse_shift: p(3),
                diff_min: p(4),
            };
            log_softmax_i8(x, d.rows, d.cin, &lp, y);
        }
        Op::Lut => {
            if let Some(table) = l.lut_table() {
                lut_i8(x, table, y);
            }
        }
        Op::LayerNorm => {
            let lp = LayerNormParams {
                in_zero_point: zp_in,
                out_zero_point: zp_out,
                eps_q8: p(0),
                channels: l.aux_i32.get(1..).unwrap_or(&[]),
            };
            layer_norm_i8(x, d.rows, d.cin, &lp, y);
        }
        _ => {}
    }
}

/// One f32 activation-type layer; other ops: no-op.
pub(crate) fn layer_f32(l: &LayerView<'_>, d: Dims, x: &[f32], y: &mut [f32]) {
    let p = |i: usize| l.aux_f32.get(i).copied().unwrap_or(0.0);
    match l.op {
        Op::Logistic => logistic_f32(x, y),
        Op::Tanh => tanh_f32(x, y),
        Op::Softmax => softmax_f32(x, d.rows, d.cin, p(0), y),
        Op::LogSoftmax => log_softmax_f32(x, d.rows, d.cin, y),
        Op::Lut => {
            if let Some(f) = l.function {
                element_fn_f32(x, f.to_kernel(p(0), p(1)), y);
            }
        }
        Op::LayerNorm => {
            let c = d.cin;
            let gamma = l.aux_f32.get(1..1 + c).unwrap_or(&[]);
            let beta = l.aux_f32.get(1 + c..1 + 2 * c).unwrap_or(&[]);
            layer_norm_f32(x, d.rows, c, p(0), gamma, beta, y);
        }
        _ => {}
    }
}

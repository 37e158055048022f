//! Validation of the activation-type operators of format version 3 (LOGISTIC, TANH, SOFTMAX,
//! LOG_SOFTMAX, lookup-table functions, layer normalization): their parameters and the output
//! quantization TFLite fixes. Shapes and array lengths are checked with the other operators in
//! `validate.rs`.

use super::format::{Op, Precision, SHIFT_RANGE};
use super::view::TensorInfo;
use super::{Model, ModelError};

type R<T> = Result<T, ModelError>;

/// Whether this module checks `op`'s parameters (instead of the `[multiplier, shift]` pair rule).
pub(super) const fn owns(op: Op) -> bool {
    matches!(
        op,
        Op::Logistic | Op::Tanh | Op::Softmax | Op::LogSoftmax | Op::Lut | Op::LayerNorm
    )
}

/// Checks layer `layer` (input `ti`, output `to` = tensor `out`); a no-op for other operators.
pub(super) fn check(
    m: &Model<'_>,
    layer: usize,
    op: Op,
    _ti: &TensorInfo,
    to: &TensorInfo,
    _out: u16,
) -> R<()> {
    if !owns(op) {
        return Ok(());
    }
    let int8 = m.header.precision == Precision::Int8;
    if let (true, Some(expected)) = (int8, op.fixed_output_quant()) {
        if to.scale.to_bits() != expected.0.to_bits() || to.zero_point != expected.1 {
            return Err(ModelError::BadOutputQuant {
                layer,
                expected,
                found: (to.scale, to.zero_point),
            });
        }
    }
    let Some(view) = m.layer(layer) else {
        return Ok(());
    };
    let field = |field: &'static str, value: i32| ModelError::BadLayerField {
        layer,
        field,
        value,
    };
    let requant = |channel: usize, value: i32| ModelError::BadRequant {
        layer,
        channel,
        value,
    };
    let finite = |v: &[f32]| v.iter().all(|x| x.is_finite());
    if int8 {
        let p = view.aux_i32;
        let get = |i: usize| p.get(i).copied().unwrap_or(0);
        match op {
            Op::Logistic | Op::Tanh => {
                if get(0) < 0 {
                    return Err(requant(0, get(0)));
                }
                if get(2) < 0 {
                    return Err(field("range_radius", get(2)));
                }
            }
            Op::Softmax | Op::LogSoftmax => {
                if get(0) < 0 || !(0..=31).contains(&get(1)) {
                    return Err(requant(0, if get(0) < 0 { get(0) } else { get(1) }));
                }
                let diff_min = if op == Op::Softmax { get(2) } else { get(4) };
                if diff_min > 0 {
                    return Err(field("diff_min", diff_min));
                }
                if op == Op::LogSoftmax && (get(2) < 0 || !(-31..=0).contains(&get(3))) {
                    return Err(requant(0, if get(2) < 0 { get(2) } else { get(3) }));
                }
            }
            Op::LayerNorm => {
                if get(0) < 0 {
                    return Err(field("eps_q8", get(0)));
                }
                for (channel, c) in p.get(1..).unwrap_or(&[]).chunks_exact(3).enumerate() {
                    let &[_, shift, _] = c else { continue };
                    if !SHIFT_RANGE.contains(&shift) {
                        return Err(requant(channel, shift));
                    }
                }
            }
            _ => {}
        }
    } else {
        let p = view.aux_f32;
        let bad = field("f32 parameter", 0);
        match op {
            Op::Softmax if !finite(p) => return Err(bad),
            Op::Lut => {
                let f = view.function.map(|f| {
                    f.to_kernel(
                        p.first().copied().unwrap_or(0.0),
                        p.get(1).copied().unwrap_or(0.0),
                    )
                });
                if !finite(p) || !f.is_some_and(|f| f.is_valid()) {
                    return Err(bad);
                }
            }
            Op::LayerNorm if !finite(p) || p.first().is_none_or(|&e| e < 0.0) => return Err(bad),
            _ => {}
        }
    }
    Ok(())
}

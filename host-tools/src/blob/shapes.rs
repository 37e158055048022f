//! Shape inference, int8 clamp ranges and MAC counts for a [`BlobModel`].

use super::types::{BlobLayer, BlobModel, LayerParams, Quant};
use super::BlobError;
use equiframe::model::{Activation, Op, Precision};

/// A tensor as the writer sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TensorSpec {
    /// Rows (per-point tensors: `max_points`).
    pub rows: usize,
    /// Channels.
    pub cols: usize,
    /// Rows follow the input's row count at run time.
    pub per_point: bool,
    /// Quantization (`(1, 0)` for f32).
    pub quant: Quant,
}

/// What the writer derives per layer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LayerDerived {
    /// int8 output clamp (f32: `(0, 0)`).
    pub clamp: (i32, i32),
    /// MACs at `max_points` rows.
    pub macs: u64,
}

/// TFLite `CalculateActivationRangeQuantized` for int8 (`quant::activation_range`).
pub fn activation_range(act: Activation, q: Quant) -> Result<(i32, i32), BlobError> {
    equiframe::quant::activation_range(act.to_quant(), q.scale, q.zero_point)
        .map_err(|e| BlobError::BadField("output_quant", e.to_string()))
}

fn check_len(
    layer: usize,
    array: &'static str,
    expected: usize,
    given: usize,
) -> Result<(), BlobError> {
    if expected == given {
        Ok(())
    } else {
        Err(BlobError::WrongLength {
            layer,
            array,
            expected,
            given,
        })
    }
}

/// Output tensor of layer `li` given its input tensor; checks parameter lengths.
fn infer_layer(
    m: &BlobModel,
    li: usize,
    l: &BlobLayer,
    inp: TensorSpec,
) -> Result<(TensorSpec, LayerDerived), BlobError> {
    let cin = inp.cols;
    let cout = l.params.out_channels();
    let quant = match m.precision {
        Precision::Int8 if l.op == Op::MaxPool => inp.quant,
        Precision::Int8 => l.output_quant,
        Precision::F32 => Quant::default(),
    };
    let bad_shape = BlobError::BadShape {
        layer: li,
        input: (inp.rows, inp.cols),
    };
    let (rows, per_point, taps) = match l.op {
        Op::Dense => {
            if inp.rows != 1 || inp.per_point {
                return Err(bad_shape);
            }
            (1, false, 1)
        }
        Op::Pointwise => (inp.rows, inp.per_point, 1),
        Op::PointwiseMax => (1, false, 1),
        Op::Conv1d => {
            let c = l.conv;
            let padded = inp.rows + c.pad_left + c.pad_right;
            if inp.per_point || c.kernel == 0 || c.stride == 0 || padded < c.kernel {
                return Err(bad_shape);
            }
            ((padded - c.kernel) / c.stride + 1, false, c.kernel)
        }
        Op::MaxPool => (1, false, 0),
        _ => {
            return Err(BlobError::WrongParams {
                layer: li,
                expected: "a version-1 op",
            })
        }
    };
    let cols = if l.op == Op::MaxPool { cin } else { cout };
    if l.op != Op::Conv1d && l.conv != Default::default() {
        return Err(BlobError::WrongParams {
            layer: li,
            expected: "no conv geometry on a non-Conv1d op",
        });
    }
    match (&l.params, l.op, m.precision) {
        (LayerParams::None, Op::MaxPool, _) => {
            if l.activation != Activation::None {
                return Err(BlobError::WrongParams {
                    layer: li,
                    expected: "no activation on MaxPool",
                });
            }
        }
        (
            LayerParams::Int8 {
                weights,
                bias,
                multiplier,
                shift,
            },
            op,
            Precision::Int8,
        ) if op != Op::MaxPool => {
            check_len(li, "weights", cout * taps * cin, weights.len())?;
            check_len(li, "multiplier", bias.len(), multiplier.len())?;
            check_len(li, "shift", bias.len(), shift.len())?;
        }
        (LayerParams::F32 { weights, .. }, op, Precision::F32) if op != Op::MaxPool => {
            check_len(li, "weights", cout * taps * cin, weights.len())?;
        }
        _ => {
            let expected = match (l.op, m.precision) {
                (Op::MaxPool, _) => "LayerParams::None for MaxPool",
                (_, Precision::Int8) => "LayerParams::Int8 in an int8 model",
                _ => "LayerParams::F32 in an f32 model",
            };
            return Err(BlobError::WrongParams {
                layer: li,
                expected,
            });
        }
    }
    if cols == 0 {
        return Err(BlobError::WrongLength {
            layer: li,
            array: "bias",
            expected: 1,
            given: 0,
        });
    }
    let clamp = match m.precision {
        Precision::Int8 => activation_range(l.activation, quant)?,
        Precision::F32 => (0, 0),
    };
    let mac_rows = if l.op == Op::PointwiseMax {
        inp.rows
    } else {
        rows
    };
    let macs = (mac_rows * taps * cin * cout) as u64;
    let out = TensorSpec {
        rows,
        cols,
        per_point,
        quant,
    };
    Ok((out, LayerDerived { clamp, macs }))
}

/// Every tensor (id 0 = input, `i + 1` = output of layer `i`) and per-layer derived values.
pub fn infer(m: &BlobModel) -> Result<(Vec<TensorSpec>, Vec<LayerDerived>), BlobError> {
    if m.layers.is_empty() {
        return Err(BlobError::NoLayers);
    }
    let input_quant = match m.precision {
        Precision::Int8 => m.input_quant,
        Precision::F32 => Quant::default(),
    };
    let mut tensors = vec![TensorSpec {
        rows: m.max_points as usize,
        cols: usize::from(m.channels),
        per_point: !m.fixed_points,
        quant: input_quant,
    }];
    let mut derived = Vec::with_capacity(m.layers.len());
    for (li, l) in m.layers.iter().enumerate() {
        let Some(&inp) = tensors.get(l.input) else {
            return Err(BlobError::BadInput {
                layer: li,
                input: l.input,
            });
        };
        let (out, d) = infer_layer(m, li, l, inp)?;
        tensors.push(out);
        derived.push(d);
    }
    Ok((tensors, derived))
}

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

/// Output tensor of layer `li` given its input tensor(s); checks parameter lengths.
fn infer_layer(
    m: &BlobModel,
    li: usize,
    l: &BlobLayer,
    inp: TensorSpec,
    inp2: Option<TensorSpec>,
) -> Result<(TensorSpec, LayerDerived), BlobError> {
    let cin = inp.cols;
    let cout = l.params.out_channels();
    let same_quant = l.op.keeps_quant();
    let quant = match m.precision {
        Precision::Int8 if same_quant => inp.quant,
        Precision::Int8 if l.op.fixed_output_quant().is_some() => {
            let (scale, zero_point) = l.op.fixed_output_quant().unwrap_or((1.0, 0));
            Quant::new(scale, zero_point)
        }
        Precision::Int8 => l.output_quant,
        Precision::F32 => Quant::default(),
    };
    let bad_shape = BlobError::BadShape {
        layer: li,
        input: (inp.rows, inp.cols),
    };
    let second_ok = if l.op.is_elementwise() {
        inp2.is_some() != l.constant.is_some()
    } else {
        (l.op.input_count() == 2) == inp2.is_some() && l.constant.is_none()
    };
    if !second_ok {
        return Err(BlobError::WrongParams {
            layer: li,
            expected:
                "a second input for Add, Sub, Mul (or a constant) and Concat, none for other ops",
        });
    }
    let window = |c: super::ConvParams| -> Result<usize, BlobError> {
        let padded = inp.rows + c.pad_left + c.pad_right;
        let span = c.dilation.max(1) * c.kernel.saturating_sub(1) + 1;
        if inp.per_point || c.kernel == 0 || c.stride == 0 || padded < span {
            return Err(bad_shape.clone());
        }
        Ok((padded - span) / c.stride + 1)
    };
    let groups = l.conv.groups.max(1);
    if l.op != Op::Conv1d && (l.conv.groups > 1 || l.conv.dilation > 1) {
        return Err(BlobError::WrongParams {
            layer: li,
            expected: "dilation and groups only on Conv1d",
        });
    }
    if l.op == Op::Conv1d && (!cin.is_multiple_of(groups) || !cout.is_multiple_of(groups)) {
        return Err(BlobError::WrongParams {
            layer: li,
            expected: "groups dividing the input and output channels",
        });
    }
    let range_end = l.conv.pad_left + l.conv.kernel;
    let (rows, per_point, taps, cols) = match l.op {
        Op::Dense => {
            if inp.rows != 1 || inp.per_point {
                return Err(bad_shape);
            }
            (1, false, 1, cout)
        }
        Op::Pointwise => (inp.rows, inp.per_point, 1, cout),
        Op::PointwiseMax => (1, false, 1, cout),
        Op::Conv1d => (window(l.conv)?, false, l.conv.kernel, cout),
        Op::MaxPool | Op::MeanPool | Op::SumPool => (1, false, 0, cin),
        Op::MaxPool1d | Op::AvgPool1d => (window(l.conv)?, false, 0, cin),
        Op::LeakyRelu | Op::Clamp => (inp.rows, inp.per_point, 0, cin),
        Op::RowNorm | Op::RowSquaredNorm => {
            if l.conv.kernel == 0 || range_end > cin {
                return Err(bad_shape);
            }
            (inp.rows, inp.per_point, 0, 1)
        }
        Op::SliceRows => {
            if inp.per_point || l.conv.kernel == 0 || range_end > inp.rows {
                return Err(bad_shape);
            }
            (l.conv.kernel, false, 0, cin)
        }
        Op::Flatten => {
            if inp.per_point {
                return Err(bad_shape);
            }
            (1, false, 0, inp.rows * cin)
        }
        Op::Add | Op::Sub | Op::Mul if l.constant.is_some() => {
            let n = l.constant.as_ref().map_or(0, |c| c.len());
            let ok = n == 1 || n == cin || (n == inp.rows * cin && !inp.per_point);
            let kind_ok = matches!(
                (&l.constant, m.precision),
                (Some(super::Constant::F32(_)), Precision::F32)
                    | (Some(super::Constant::Int8 { .. }), Precision::Int8)
            );
            if !ok || !kind_ok {
                return Err(BlobError::WrongParams {
                    layer: li,
                    expected: "a constant of 1, C or N x C values of the model's precision",
                });
            }
            (inp.rows, inp.per_point, 0, cin)
        }
        Op::Add | Op::Sub | Op::Mul => {
            let b = inp2.unwrap_or(inp);
            let one = |t: &TensorSpec| t.rows == 1 && !t.per_point;
            let (rows, pp) = if (b.rows == inp.rows && b.per_point == inp.per_point) || one(&b) {
                (inp.rows, inp.per_point)
            } else if one(&inp) {
                (b.rows, b.per_point)
            } else {
                return Err(bad_shape);
            };
            let c = match (cin, b.cols) {
                (a, c) if a == c || c == 1 => a,
                (1, c) => c,
                _ => return Err(bad_shape),
            };
            (rows, pp, 0, c)
        }
        Op::Logistic | Op::Tanh | Op::Softmax | Op::LogSoftmax | Op::Lut | Op::LayerNorm => {
            (inp.rows, inp.per_point, 0, cin)
        }
        Op::Concat => {
            let b = inp2.unwrap_or(inp);
            if b.rows != inp.rows || b.per_point != inp.per_point {
                return Err(bad_shape);
            }
            (inp.rows, inp.per_point, 0, cin + b.cols)
        }
        _ => {
            return Err(BlobError::WrongParams {
                layer: li,
                expected: "an op this writer knows",
            })
        }
    };
    if !l.op.is_windowed() && !l.op.has_range() && l.conv != Default::default() {
        return Err(BlobError::WrongParams {
            layer: li,
            expected: "no kernel geometry on an op without a window",
        });
    }
    if l.op.has_weights() {
        match (&l.params, m.precision) {
            (
                LayerParams::Int8 {
                    weights,
                    bias,
                    multiplier,
                    shift,
                },
                Precision::Int8,
            ) => {
                check_len(li, "weights", cout * taps * cin / groups, weights.len())?;
                check_len(li, "multiplier", bias.len(), multiplier.len())?;
                check_len(li, "shift", bias.len(), shift.len())?;
            }
            (LayerParams::F32 { weights, .. }, Precision::F32) => {
                check_len(li, "weights", cout * taps * cin / groups, weights.len())?;
            }
            (_, Precision::Int8) => {
                return Err(BlobError::WrongParams {
                    layer: li,
                    expected: "LayerParams::Int8 in an int8 model",
                })
            }
            _ => {
                return Err(BlobError::WrongParams {
                    layer: li,
                    expected: "LayerParams::F32 in an f32 model",
                })
            }
        }
    } else {
        let (ni, nf) = l.op.aux_params();
        let (pi, pf) = l.op.aux_params_per_channel();
        let (ni, nf) = (ni + pi * cin, nf + pf * cin);
        match (&l.params, m.precision) {
            (LayerParams::Int8Aux(p), Precision::Int8) if ni > 0 => {
                check_len(li, "parameters", ni, p.len())?
            }
            (LayerParams::F32Aux(p), Precision::F32) if nf > 0 => {
                check_len(li, "parameters", nf, p.len())?
            }
            (LayerParams::None, Precision::Int8) if ni == 0 => {}
            (LayerParams::None, Precision::F32) if nf == 0 => {}
            _ => {
                return Err(BlobError::WrongParams {
                    layer: li,
                    expected: "the parameters of Op::aux_params for this op and precision",
                })
            }
        }
        if (l.op == Op::Lut) != l.function.is_some() {
            return Err(BlobError::WrongParams {
                layer: li,
                expected: "a function exactly for Lut layers",
            });
        }
        if l.activation != Activation::None && !l.op.is_elementwise() {
            return Err(BlobError::WrongParams {
                layer: li,
                expected: "no activation on an op without weights other than Add, Sub, Mul",
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
    let full_range = !l.op.has_weights() && !l.op.is_elementwise() && l.op != Op::Clamp;
    let clamp = match m.precision {
        Precision::Int8 if full_range => (-128, 127),
        Precision::Int8 => match l.clamp {
            Some(c) => c,
            None => activation_range(l.activation, quant)?,
        },
        Precision::F32 => (0, 0),
    };
    let mac_rows = if l.op == Op::PointwiseMax {
        inp.rows
    } else {
        rows
    };
    let macs = (mac_rows * taps * (cin / groups) * cout) as u64;
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
        let inp2 = match l.input2 {
            None => None,
            Some(i) => Some(*tensors.get(i).ok_or(BlobError::BadInput {
                layer: li,
                input: i,
            })?),
        };
        let (out, d) = infer_layer(m, li, l, inp, inp2)?;
        tensors.push(out);
        derived.push(d);
    }
    Ok((tensors, derived))
}

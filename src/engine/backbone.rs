//! One backbone pass: every layer of the model over the tensors planned in the arena.

use super::arena::{split_io, split_io2};
use super::RunError;
use crate::kernels::{
    avg_pool1d_f32, avg_pool1d_i8, clamp_i8, clamp_range_f32, concat_f32, concat_i8, conv1d_f32,
    conv1d_grouped_f32, conv1d_grouped_i8, conv1d_i8, dense_f32, dense_i8, elementwise_f32,
    elementwise_i8, leaky_relu_f32, leaky_relu_i8, max_pool1d_f32, max_pool1d_i8, max_pool_f32,
    max_pool_i8, mean_pool_f32, mean_pool_i8, pointwise_f32, pointwise_i8, pointwise_max_f32,
    pointwise_max_i8, row_norm_f32, row_norm_i8, row_squared_norm_f32, row_squared_norm_i8,
    slice_rows, sum_pool_f32, sum_pool_i8, AddParams, Broadcast, ConcatPart, Conv1dDims,
    Elementwise, ElementwiseF32, FParams, GroupedConv1dDims, LeakyReluParams, MulParams, NormDims,
    Pool1dDims, QParams, Requant, ADD_LEFT_SHIFT,
};
use crate::model::format::element_bytes;
use crate::model::linked;
use crate::model::{LayerView, Model, Op, Precision, TensorInfo};
use core::ops::Range;

/// Byte range of tensor `t` holding `rows` rows.
fn range(t: &TensorInfo, rows: usize, eb: usize) -> Option<Range<usize>> {
    let start = t.offset as usize;
    let len = rows.checked_mul(t.cols as usize)?.checked_mul(eb)?;
    Some(start..start.checked_add(len)?)
}

/// Runs all layers for an input of `n` rows already written to tensor 0.
pub(crate) fn run_layers(model: &Model<'_>, n: usize, region: &mut [u8]) -> Result<(), RunError> {
    let eb = element_bytes(model.precision());
    for (li, l) in model.layers().enumerate() {
        let bad = RunError::Layout { layer: li };
        let (ti, to) = (
            model.tensor(l.input).ok_or(bad)?,
            model.tensor(l.output).ok_or(bad)?,
        );
        let rows_in = ti.rows_for(n);
        let ra = range(&ti, rows_in, eb).ok_or(bad)?;
        let rb = range(&to, to.rows_for(n), eb).ok_or(bad)?;
        let dims = Dims {
            rows: rows_in,
            cin: ti.cols as usize,
            cout: to.cols as usize,
        };
        if l.input_count == 2 {
            let t2 = model.tensor(l.input2).ok_or(bad)?;
            let r2 = range(&t2, t2.rows_for(n), eb).ok_or(bad)?;
            let (x, x2, y) = split_io2(region, ra, r2, rb).ok_or(bad)?;
            let q = [ti, t2, to].map(|t| (t.scale, t.zero_point));
            let d2 = (t2.rows_for(n), t2.cols as usize);
            match model.precision() {
                Precision::Int8 => binary_i8(&l, dims, d2, q, x, x2, y),
                Precision::F32 => binary_f32(&l, dims, d2, x, x2, y).ok_or(bad)?,
            }
            continue;
        }
        let (x, y) = split_io(region, ra, rb).ok_or(bad)?;
        match model.precision() {
            Precision::Int8 => layer_i8(&l, dims, ti.zero_point, to.zero_point, x, y),
            Precision::F32 => layer_f32(&l, dims, x, y).ok_or(bad)?,
        }
    }
    Ok(())
}

/// `[multiplier, shift]` pair `i` of a parameter-only int8 layer.
fn pair(l: &LayerView<'_>, i: usize) -> (i32, i32) {
    let g = |j: usize| l.aux_i32.get(j).copied().unwrap_or(0);
    (g(2 * i), g(2 * i + 1))
}

fn pool_dims(l: &LayerView<'_>, d: Dims) -> Pool1dDims {
    Pool1dDims {
        n: d.rows,
        c: d.cin,
        k: l.kernel,
        stride: l.stride,
        pad_left: l.pad_left,
        pad_right: l.pad_right,
    }
}

/// The int8 element-wise op of layer `l` with zero points `zp` of its operands and output.
fn elementwise_params(l: &LayerView<'_>, zp: [i32; 3]) -> Elementwise {
    let ((m1, s1), (m2, s2), (mo, so)) = (pair(l, 0), pair(l, 1), pair(l, 2));
    let add = AddParams {
        zp1: zp[0],
        zp2: zp[1],
        out_zero_point: zp[2],
        left_shift: ADD_LEFT_SHIFT,
        multiplier1: m1,
        shift1: s1,
        multiplier2: m2,
        shift2: s2,
        out_multiplier: mo,
        out_shift: so,
        act_min: l.act_min,
        act_max: l.act_max,
    };
    match l.op {
        Op::Sub => Elementwise::Sub(add),
        Op::Mul => Elementwise::Mul(MulParams {
            zp1: zp[0],
            zp2: zp[1],
            out_zero_point: zp[2],
            multiplier: m1,
            shift: s1,
            act_min: l.act_min,
            act_max: l.act_max,
        }),
        _ => Elementwise::Add(add),
    }
}

/// The f32 element-wise op of layer `l`.
fn elementwise_f32_op(op: Op) -> ElementwiseF32 {
    match op {
        Op::Sub => ElementwiseF32::Sub,
        Op::Mul => ElementwiseF32::Mul,
        _ => ElementwiseF32::Add,
    }
}

/// Shape of the constant operand of an element-wise layer on a `d.rows x d.cin` input: one
/// value, one row, or the whole tensor.
fn const_shape(len: usize, d: Dims) -> (usize, usize) {
    match len {
        1 => (1, 1),
        l if l == d.cin => (1, d.cin),
        _ => (d.rows, d.cin),
    }
}

/// Two-input int8 ops; `d2` = rows and cols of input2, `q` = (scale, zero point) of input,
/// input2 and output.
pub(crate) fn binary_i8(
    l: &LayerView<'_>,
    d: Dims,
    d2: (usize, usize),
    q: [(f32, i32); 3],
    x: &[u8],
    x2: &[u8],
    y: &mut [u8],
) {
    if !linked::op(l.op) {
        return;
    }
    let (a, b): (&[i8], &[i8]) = (bytemuck::cast_slice(x), bytemuck::cast_slice(x2));
    let y: &mut [i8] = bytemuck::cast_slice_mut(y);
    let ((m1, s1), (m2, s2)) = (pair(l, 0), pair(l, 1));
    let rq = |zp_in: i32, multiplier, shift| Requant {
        in_zero_point: zp_in,
        multiplier,
        shift,
        out_zero_point: q[2].1,
    };
    match l.op {
        Op::Add | Op::Sub | Op::Mul => {
            if let Some(s) = Broadcast::of((d.rows, d.cin), d2) {
                let p = elementwise_params(l, [q[0].1, q[1].1, q[2].1]);
                elementwise_i8(a, b, &s, &p, y);
            }
        }
        Op::Concat => {
            let c2 = d.cout.saturating_sub(d.cin);
            let parts = [
                ConcatPart {
                    data: a,
                    channels: d.cin,
                    requant: Some(rq(q[0].1, m1, s1)),
                },
                ConcatPart {
                    data: b,
                    channels: c2,
                    requant: Some(rq(q[1].1, m2, s2)),
                },
            ];
            concat_i8(&parts, d.rows, y);
        }
        _ => {}
    }
}

/// Two-input f32 layers (element-wise, concat) with the scalar kernels; `d2` = rows and cols
/// of input2.
pub(crate) fn binary_f32(
    l: &LayerView<'_>,
    d: Dims,
    d2: (usize, usize),
    x: &[u8],
    x2: &[u8],
    y: &mut [u8],
) -> Option<()> {
    if !linked::op(l.op) || !linked::precision(Precision::F32) {
        return None;
    }
    let a: &[f32] = bytemuck::try_cast_slice(x).ok()?;
    let b: &[f32] = bytemuck::try_cast_slice(x2).ok()?;
    let y: &mut [f32] = bytemuck::try_cast_slice_mut(y).ok()?;
    let c2 = d2.1;
    match l.op {
        Op::Add | Op::Sub | Op::Mul => {
            let s = Broadcast::of((d.rows, d.cin), d2)?;
            let clamp = clamp_range_f32(l.activation.to_quant());
            elementwise_f32(a, b, &s, elementwise_f32_op(l.op), clamp, y);
        }
        Op::Concat => {
            let parts = [
                ConcatPart {
                    data: a,
                    channels: d.cin,
                    requant: None,
                },
                ConcatPart {
                    data: b,
                    channels: c2,
                    requant: None,
                },
            ];
            concat_f32(&parts, d.rows, y);
        }
        _ => {}
    }
    Some(())
}

/// Rows and channels of one layer's evaluation.
#[derive(Clone, Copy)]
pub(crate) struct Dims {
    pub rows: usize,
    pub cin: usize,
    pub cout: usize,
}

fn grouped_dims(l: &LayerView<'_>, d: Dims) -> Option<GroupedConv1dDims> {
    (l.groups > 1 || l.dilation > 1).then_some(GroupedConv1dDims {
        n: d.rows,
        cin: d.cin,
        cout: d.cout,
        k: l.kernel,
        stride: l.stride,
        pad_left: l.pad_left,
        pad_right: l.pad_right,
        dilation: l.dilation,
        groups: l.groups,
    })
}

fn norm_dims(l: &LayerView<'_>, d: Dims) -> NormDims {
    NormDims {
        n: d.rows,
        c: d.cin,
        first: l.pad_left,
        count: l.kernel,
    }
}

fn conv_dims(l: &LayerView<'_>, d: Dims) -> Conv1dDims {
    Conv1dDims {
        n: d.rows,
        cin: d.cin,
        cout: d.cout,
        k: l.kernel,
        stride: l.stride,
        pad_left: l.pad_left,
        pad_right: l.pad_right,
    }
}

/// One single-input int8 layer with the scalar kernels (`x`, `y` are the tensors' bytes).
pub(crate) fn layer_i8(
    l: &LayerView<'_>,
    d: Dims,
    zp_in: i32,
    zp_out: i32,
    x: &[u8],
    y: &mut [u8],
) {
    if !linked::op(l.op) {
        return;
    }
    let x: &[i8] = bytemuck::cast_slice(x);
    let y: &mut [i8] = bytemuck::cast_slice_mut(y);
    let q = qparams(l, zp_out);
    let w = l.weights_i8;
    match l.op {
        Op::Dense => dense_i8(x, w, d.cin, d.cout, &q, y),
        Op::Pointwise => pointwise_i8(x, d.rows, w, d.cin, d.cout, &q, y),
        Op::PointwiseMax => pointwise_max_i8(x, d.rows, w, d.cin, d.cout, &q, y),
        Op::Conv1d => match grouped_dims(l, d) {
            Some(g) => conv1d_grouped_i8(x, w, &g, zp_in, &q, y),
            None => conv1d_i8(x, w, &conv_dims(l, d), zp_in, &q, y),
        },
        Op::MaxPool => max_pool_i8(x, d.rows, d.cin, y),
        Op::MeanPool | Op::SumPool => {
            let (multiplier, shift) = pair(l, 0);
            let r = Requant {
                in_zero_point: zp_in,
                multiplier,
                shift,
                out_zero_point: zp_out,
            };
            if l.op == Op::MeanPool {
                mean_pool_i8(x, d.rows, d.cin, &r, y);
            } else {
                sum_pool_i8(x, d.rows, d.cin, &r, y);
            }
        }
        Op::MaxPool1d => max_pool1d_i8(x, &pool_dims(l, d), l.act_min, l.act_max, y),
        Op::AvgPool1d => avg_pool1d_i8(x, &pool_dims(l, d), l.act_min, l.act_max, y),
        Op::Add | Op::Sub | Op::Mul => {
            // The one-tensor form: the second operand is the constant, its zero point last.
            let zp2 = l.aux_i32.last().copied().unwrap_or(0);
            let s = Broadcast::of((d.rows, d.cin), const_shape(w.len(), d));
            if let Some(s) = s {
                elementwise_i8(x, w, &s, &elementwise_params(l, [zp_in, zp2, zp_out]), y);
            }
        }
        Op::RowNorm | Op::RowSquaredNorm => {
            let (multiplier, shift) = pair(l, 0);
            let r = Requant {
                in_zero_point: zp_in,
                multiplier,
                shift,
                out_zero_point: zp_out,
            };
            if l.op == Op::RowNorm {
                row_norm_i8(x, &norm_dims(l, d), &r, y);
            } else {
                row_squared_norm_i8(x, &norm_dims(l, d), &r, y);
            }
        }
        Op::Flatten => slice_rows(x, d.cin, 0, d.rows, y),
        Op::SliceRows => slice_rows(x, d.cin, l.pad_left, l.kernel, y),
        Op::LeakyRelu => {
            let ((mi, si), (ma, sa)) = (pair(l, 0), pair(l, 1));
            let p = LeakyReluParams {
                in_zero_point: zp_in,
                out_zero_point: zp_out,
                multiplier_identity: mi,
                shift_identity: si,
                multiplier_alpha: ma,
                shift_alpha: sa,
            };
            leaky_relu_i8(x, &p, y);
        }
        Op::Clamp => {
            for (o, &v) in y.iter_mut().zip(x) {
                *o = v;
            }
            let lo = l.act_min.clamp(-128, 127) as i8;
            clamp_i8(y, lo, l.act_max.clamp(-128, 127) as i8);
        }
        Op::Logistic | Op::Tanh | Op::Softmax | Op::LogSoftmax | Op::Lut | Op::LayerNorm => {
            super::backbone_act::layer_i8(l, d, zp_in, zp_out, x, y);
        }
        Op::Concat => {}
    }
}

/// The requantization parameters of an int8 layer with output zero point `zp_out`.
pub(crate) fn qparams<'a>(l: &LayerView<'a>, zp_out: i32) -> QParams<'a> {
    QParams {
        bias: l.bias_i32,
        multiplier: l.multiplier,
        shift: l.shift,
        out_zero_point: zp_out,
        act_min: l.act_min,
        act_max: l.act_max,
    }
}

/// One single-input f32 layer with the scalar kernels; `None` when a tensor is misaligned.
pub(crate) fn layer_f32(l: &LayerView<'_>, d: Dims, x: &[u8], y: &mut [u8]) -> Option<()> {
    if !linked::op(l.op) || !linked::precision(Precision::F32) {
        return None;
    }
    let x: &[f32] = bytemuck::try_cast_slice(x).ok()?;
    let y: &mut [f32] = bytemuck::try_cast_slice_mut(y).ok()?;
    let p = FParams::new(l.bias_f32, l.activation.to_quant());
    let w = l.weights_f32;
    match l.op {
        Op::Dense => dense_f32(x, w, d.cin, d.cout, &p, y),
        Op::Pointwise => pointwise_f32(x, d.rows, w, d.cin, d.cout, &p, y),
        Op::PointwiseMax => pointwise_max_f32(x, d.rows, w, d.cin, d.cout, &p, y),
        Op::Conv1d => match grouped_dims(l, d) {
            Some(g) => conv1d_grouped_f32(x, w, &g, &p, y),
            None => conv1d_f32(x, w, &conv_dims(l, d), &p, y),
        },
        Op::MaxPool => max_pool_f32(x, d.rows, d.cin, y),
        Op::MeanPool => mean_pool_f32(x, d.rows, d.cin, y),
        Op::SumPool => sum_pool_f32(x, d.rows, d.cin, y),
        Op::MaxPool1d => {
            max_pool1d_f32(x, &pool_dims(l, d), f32::NEG_INFINITY, f32::INFINITY, y);
        }
        Op::AvgPool1d => {
            avg_pool1d_f32(x, &pool_dims(l, d), f32::NEG_INFINITY, f32::INFINITY, y);
        }
        Op::Add | Op::Sub | Op::Mul => {
            let s = Broadcast::of((d.rows, d.cin), const_shape(w.len(), d))?;
            let clamp = clamp_range_f32(l.activation.to_quant());
            elementwise_f32(x, w, &s, elementwise_f32_op(l.op), clamp, y);
        }
        Op::RowNorm => row_norm_f32(x, &norm_dims(l, d), y),
        Op::RowSquaredNorm => row_squared_norm_f32(x, &norm_dims(l, d), y),
        Op::Flatten => slice_rows(x, d.cin, 0, d.rows, y),
        Op::SliceRows => slice_rows(x, d.cin, l.pad_left, l.kernel, y),
        Op::LeakyRelu => leaky_relu_f32(x, l.aux_f32.first().copied().unwrap_or(0.0), y),
        Op::Clamp => {
            let (lo, hi) = match l.aux_f32 {
                [lo, hi] => (*lo, *hi),
                _ => (f32::NEG_INFINITY, f32::INFINITY),
            };
            for (o, &v) in y.iter_mut().zip(x) {
                *o = v.max(lo).min(hi);
            }
        }
        Op::Logistic | Op::Tanh | Op::Softmax | Op::LogSoftmax | Op::Lut | Op::LayerNorm => {
            super::backbone_act::layer_f32(l, d, x, y);
        }
        Op::Concat => {}
    }
    Some(())
}

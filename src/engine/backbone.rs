//! One backbone pass: every layer of the model over the tensors planned in the arena.

use super::arena::split_io;
use super::RunError;
use crate::kernels::{
    conv1d_f32, conv1d_i8, dense_f32, dense_i8, max_pool_f32, max_pool_i8, pointwise_f32,
    pointwise_i8, pointwise_max_f32, pointwise_max_i8, Conv1dDims, FParams, QParams,
};
use crate::model::format::element_bytes;
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
        let (x, y) = split_io(region, ra, rb).ok_or(bad)?;
        let dims = Dims {
            rows: rows_in,
            cin: ti.cols as usize,
            cout: to.cols as usize,
        };
        match model.precision() {
            Precision::Int8 => layer_i8(&l, dims, ti.zero_point, to.zero_point, x, y),
            Precision::F32 => layer_f32(&l, dims, x, y).ok_or(bad)?,
        }
    }
    Ok(())
}

/// Rows and channels of one layer's evaluation.
#[derive(Clone, Copy)]
pub(crate) struct Dims {
    pub rows: usize,
    pub cin: usize,
    pub cout: usize,
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

/// One int8 layer with the scalar kernels (`x`, `y` are the tensors' bytes).
pub(crate) fn layer_i8(
    l: &LayerView<'_>,
    d: Dims,
    zp_in: i32,
    zp_out: i32,
    x: &[u8],
    y: &mut [u8],
) {
    let x: &[i8] = bytemuck::cast_slice(x);
    let y: &mut [i8] = bytemuck::cast_slice_mut(y);
    let q = qparams(l, zp_out);
    let w = l.weights_i8;
    match l.op {
        Op::Dense => dense_i8(x, w, d.cin, d.cout, &q, y),
        Op::Pointwise => pointwise_i8(x, d.rows, w, d.cin, d.cout, &q, y),
        Op::PointwiseMax => pointwise_max_i8(x, d.rows, w, d.cin, d.cout, &q, y),
        Op::Conv1d => conv1d_i8(x, w, &conv_dims(l, d), zp_in, &q, y),
        Op::MaxPool => max_pool_i8(x, d.rows, d.cin, y),
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

/// One f32 layer with the scalar kernels; `None` when a tensor is misaligned.
pub(crate) fn layer_f32(l: &LayerView<'_>, d: Dims, x: &[u8], y: &mut [u8]) -> Option<()> {
    let x: &[f32] = bytemuck::try_cast_slice(x).ok()?;
    let y: &mut [f32] = bytemuck::try_cast_slice_mut(y).ok()?;
    let p = FParams::new(l.bias_f32, l.activation.to_quant());
    let w = l.weights_f32;
    match l.op {
        Op::Dense => dense_f32(x, w, d.cin, d.cout, &p, y),
        Op::Pointwise => pointwise_f32(x, d.rows, w, d.cin, d.cout, &p, y),
        Op::PointwiseMax => pointwise_max_f32(x, d.rows, w, d.cin, d.cout, &p, y),
        Op::Conv1d => conv1d_f32(x, w, &conv_dims(l, d), &p, y),
        Op::MaxPool => max_pool_f32(x, d.rows, d.cin, y),
    }
    Some(())
}

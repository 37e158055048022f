//! The whole pipeline on one recorded input -- frames, int8 backbone, averaging -- as run on the
//! target and on the desktop, and the words its results serialize to. Shared with the desktop
//! generator (`host-gen`), which includes this file.
//!
//! Three checks per input:
//! - the engine (`Model::run`): averaged outputs and the run report, bit for bit;
//! - frame 0 of the input's f32 frame set through the backbone one layer at a time (the same
//!   kernels the engine calls), a hash of every layer's output tensor (and an instruction count
//!   per layer on the target);
//! - the fixed-point frame path (no FPU needed: Cortex-M0+): frames from
//!   [`FixedFrameSet`], I16F16 canonical coordinates, the int8 backbone per frame, integer sums
//!   of the int8 outputs over the frames.

use core::ops::Range;
use equiframe::engine::RunReport;
use equiframe::frame::fixed::{FixedFrame, FixedFrameSet, I16F16, I2F30};
use equiframe::frame::{Frame, FrameError};
use equiframe::kernels::{
    conv1d_i8, dense_i8, max_pool_i8, pointwise_i8, pointwise_max_i8, Conv1dDims, QParams,
};
use equiframe::model::{LayerView, Model, Op};
use equiframe::quant::quantize_f32;

use crate::stages::Sink;

/// Largest row width the per-layer path canonicalizes (on the stack).
pub const MAX_CHANNELS: usize = 16;

/// Writes the engine's result: outputs (f32 bits), frames evaluated, eigenvalues, relative gap
/// and the flags `degenerate | robust << 1 | canonical_fallback << 2`.
pub fn put_run(y: &[f32], r: &RunReport, out: &mut impl Sink) {
    y.iter().for_each(|&v| out.f32(v));
    out.word(r.frames_evaluated as u32);
    r.eigenvalues.iter().for_each(|&v| out.f32(v));
    out.f32(r.rel_gap);
    out.word(
        u32::from(r.degenerate) | u32::from(r.robust) << 1 | u32::from(r.canonical_fallback) << 2,
    );
}

/// FNV-1a over bytes.
pub fn fnv1a_bytes(b: &[u8]) -> u32 {
    b.iter().fold(0x811c_9dc5u32, |h, &x| {
        (h ^ u32::from(x)).wrapping_mul(0x0100_0193)
    })
}

/// Byte range of tensor `id` holding the rows `n` input rows give (int8: one byte each).
pub fn tensor_range(model: &Model<'_>, id: u16, n: usize) -> Option<Range<usize>> {
    let t = model.tensor(id)?;
    let start = t.offset as usize;
    let len = t.rows_for(n).checked_mul(t.cols as usize)?;
    Some(start..start.checked_add(len)?)
}

/// Disjoint views of `a` (shared) and `b` (exclusive) in `region`; `None` when they overlap.
fn split(region: &mut [u8], a: Range<usize>, b: Range<usize>) -> Option<(&[u8], &mut [u8])> {
    if a.end <= b.start {
        let (lo, hi) = region.split_at_mut_checked(b.start)?;
        Some((lo.get(a)?, hi.get_mut(..b.end - b.start)?))
    } else if b.end <= a.start {
        let (lo, hi) = region.split_at_mut_checked(a.start)?;
        Some((hi.get(..a.end - a.start)?, lo.get_mut(b)?))
    } else {
        None
    }
}

/// Writes `x` (`n` rows) expressed in `frame`, quantized, into tensor 0 of `region`.
pub fn write_input(model: &Model<'_>, frame: &Frame, x: &[f32], region: &mut [u8]) -> Option<()> {
    let c = model.input_channels();
    let n = x.len() / c;
    let dst: &mut [i8] = bytemuck_i8(region.get_mut(tensor_range(model, 0, n)?)?);
    let (scale, zp) = model.input_quant();
    let inv = 1.0 / scale;
    let schema = model.schema();
    let mut row = [0f32; MAX_CHANNELS];
    let row = row.get_mut(..c)?;
    for (xr, q) in x.chunks_exact(c).zip(dst.chunks_exact_mut(c)) {
        schema.canonicalize(frame, xr, row).ok()?;
        for (qi, &v) in q.iter_mut().zip(row.iter()) {
            *qi = quantize_f32(v, inv, zp);
        }
    }
    Some(())
}

/// Writes 3-D points (`xq`, I16F16, 3 channels) expressed in the fixed frame `f`, quantized,
/// into tensor 0 of `region`.
pub fn write_input_fixed(
    model: &Model<'_>,
    f: &FixedFrame,
    xq: &[I16F16],
    region: &mut [u8],
) -> Option<()> {
    let n = xq.len() / 3;
    let dst: &mut [i8] = bytemuck_i8(region.get_mut(tensor_range(model, 0, n)?)?);
    let (scale, zp) = model.input_quant();
    let inv = 1.0 / scale;
    for (p, q) in xq.chunks_exact(3).zip(dst.chunks_exact_mut(3)) {
        let c = f.to_frame_position([p[0], p[1], p[2]]);
        for (qi, v) in q.iter_mut().zip(c) {
            *qi = quantize_f32(v.to_num::<f32>(), inv, zp);
        }
    }
    Some(())
}

fn bytemuck_i8(b: &mut [u8]) -> &mut [i8] {
    // SAFETY: i8 and u8 have the same size, alignment and validity; the length is kept.
    unsafe { core::slice::from_raw_parts_mut(b.as_mut_ptr().cast::<i8>(), b.len()) }
}

fn as_i8(b: &[u8]) -> &[i8] {
    // SAFETY: as in `bytemuck_i8`, shared.
    unsafe { core::slice::from_raw_parts(b.as_ptr().cast::<i8>(), b.len()) }
}

/// Runs layer `li` of an int8 model whose tensor 0 holds `n` rows, inside `region` (the
/// model's planned tensor region). `None` when the layer or its tensors are missing.
pub fn run_layer(model: &Model<'_>, li: usize, n: usize, region: &mut [u8]) -> Option<()> {
    let l: LayerView<'_> = model.layer(li)?;
    let (ti, to) = (model.tensor(l.input)?, model.tensor(l.output)?);
    let rows = ti.rows_for(n);
    let (x, y) = split(
        region,
        tensor_range(model, l.input, n)?,
        tensor_range(model, l.output, n)?,
    )?;
    let (x, y) = (as_i8(x), bytemuck_i8(y));
    let (cin, cout) = (ti.cols as usize, to.cols as usize);
    let q = QParams {
        bias: l.bias_i32,
        multiplier: l.multiplier,
        shift: l.shift,
        out_zero_point: to.zero_point,
        act_min: l.act_min,
        act_max: l.act_max,
    };
    let w = l.weights_i8;
    match l.op {
        Op::Dense => dense_i8(x, w, cin, cout, &q, y),
        Op::Pointwise => pointwise_i8(x, rows, w, cin, cout, &q, y),
        Op::PointwiseMax => pointwise_max_i8(x, rows, w, cin, cout, &q, y),
        Op::Conv1d => {
            let d = Conv1dDims {
                n: rows,
                cin,
                cout,
                k: l.kernel,
                stride: l.stride,
                pad_left: l.pad_left,
                pad_right: l.pad_right,
            };
            conv1d_i8(x, w, &d, ti.zero_point, &q, y)
        }
        Op::MaxPool => max_pool_i8(x, rows, cin, y),
        _ => return None,
    }
    Some(())
}

/// The int8 output tensor of `region` after a pass over `n` rows.
pub fn output_i8<'r>(model: &Model<'_>, n: usize, region: &'r [u8]) -> Option<&'r [i8]> {
    let r = tensor_range(model, model.output_tensor_id(), n)?;
    Some(as_i8(region.get(r)?))
}

/// Hash of layer `li`'s output tensor after a pass over `n` rows.
pub fn layer_hash(model: &Model<'_>, li: usize, n: usize, region: &[u8]) -> Option<u32> {
    let l = model.layer(li)?;
    Some(fnv1a_bytes(region.get(tensor_range(model, l.output, n)?)?))
}

/// f32 points to I16F16 (saturating; the recordings lie well inside +-32768).
pub fn to_fixed(x: &[f32], out: &mut [I16F16]) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = I16F16::saturating_from_num(v);
    }
}

/// The fixed-point frame set of 3-D points with the model's group, order and degenerate gap.
pub fn fixed_set(model: &Model<'_>, xq: &[I16F16]) -> Result<FixedFrameSet, FrameError> {
    let o = model.frame_options();
    FixedFrameSet::of_points(
        xq,
        3,
        0,
        o.group,
        o.order,
        I2F30::saturating_from_num(o.degenerate_gap),
    )
}

/// Writes the fixed-point frame set summary: count, eigenvalues, gap (raw bits), degenerate.
pub fn put_fixed_set(set: &FixedFrameSet, out: &mut impl Sink) {
    out.word(set.frames().len() as u32);
    set.eigenvalues()
        .iter()
        .for_each(|v| out.word(v.to_bits() as u32));
    out.word(set.rel_gap().to_bits() as u32);
    out.word(u32::from(set.is_degenerate()));
}

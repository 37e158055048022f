//! A lean runner for the two footprint models, built from the core's public parts -- the
//! validated blob view, the frame set, the int8 kernels -- instead of [`Model::run`], which
//! selects layer kinds, precisions, frame modes and output kinds at run time and so links all
//! of them (f32 and conv1d kernels, canonical frames, robust frames, rotation averaging).
//!
//! It supports int8 chains of Dense / Pointwise / PointwiseMax / MaxPool layers, invariant
//! outputs, and frame averaging or no frames. Its frames come from the f32 moments of
//! [`InputSchema::frame_set`](equiframe::frame::InputSchema::frame_set), not from the
//! engine's order-independent integer moments, so its outputs can differ from `Model::run`
//! by rounding; it exists to measure what a runtime trimmed to one model costs in flash.

use equiframe::frame::Frame;
use equiframe::kernels::{dense_i8, max_pool_i8, pointwise_i8, pointwise_max_i8, QParams};
use equiframe::model::{FrameMode, Model, Op};
use equiframe::quant::{dequantize, quantize_f32};

/// Byte range of tensor `id` for `n` input rows (int8).
fn range(model: &Model<'_>, id: u16, n: usize) -> Option<core::ops::Range<usize>> {
    let t = model.tensor(id)?;
    let start = t.offset as usize;
    Some(start..start + t.rows_for(n) * t.cols as usize)
}

fn as_i8(b: &[u8]) -> &[i8] {
    // SAFETY: i8 and u8 have the same size, alignment and validity.
    unsafe { core::slice::from_raw_parts(b.as_ptr().cast(), b.len()) }
}

fn as_i8_mut(b: &mut [u8]) -> &mut [i8] {
    // SAFETY: as in `as_i8`, exclusive.
    unsafe { core::slice::from_raw_parts_mut(b.as_mut_ptr().cast(), b.len()) }
}

/// One backbone pass over `n` rows already in tensor 0 of `region`.
fn layers(model: &Model<'_>, n: usize, region: &mut [u8]) -> Option<()> {
    for l in model.layers() {
        let (ti, to) = (model.tensor(l.input)?, model.tensor(l.output)?);
        let (a, b) = (range(model, l.input, n)?, range(model, l.output, n)?);
        let (x, y) = if a.end <= b.start {
            let (lo, hi) = region.split_at_mut(b.start);
            (lo.get(a)?, hi.get_mut(..b.end - b.start)?)
        } else if b.end <= a.start {
            let (lo, hi) = region.split_at_mut(a.start);
            (hi.get(..a.end - a.start)?, lo.get_mut(b)?)
        } else {
            return None;
        };
        let (x, y) = (as_i8(x), as_i8_mut(y));
        let (rows, cin, cout) = (ti.rows_for(n), ti.cols as usize, to.cols as usize);
        let q = QParams {
            bias: l.bias_i32,
            multiplier: l.multiplier,
            shift: l.shift,
            out_zero_point: to.zero_point,
            act_min: l.act_min,
            act_max: l.act_max,
        };
        match l.op {
            Op::Dense => dense_i8(x, l.weights_i8, cin, cout, &q, y),
            Op::Pointwise => pointwise_i8(x, rows, l.weights_i8, cin, cout, &q, y),
            Op::PointwiseMax => pointwise_max_i8(x, rows, l.weights_i8, cin, cout, &q, y),
            Op::MaxPool => max_pool_i8(x, rows, cin, y),
            _ => return None,
        }
    }
    Some(())
}

/// Quantizes `input` expressed in `f` into tensor 0 of `region`.
fn write_input(model: &Model<'_>, f: &Frame, input: &[f32], region: &mut [u8]) -> Option<()> {
    let c = model.input_channels();
    let n = input.len() / c;
    let (scale, zp) = model.input_quant();
    let inv = 1.0 / scale;
    let schema = model.schema();
    let mut row = [0f32; 8];
    let row = row.get_mut(..c)?;
    let t0 = as_i8_mut(region.get_mut(range(model, 0, n)?)?);
    for (x, q) in input.chunks_exact(c).zip(t0.chunks_exact_mut(c)) {
        if f == &Frame::IDENTITY {
            row.copy_from_slice(x);
        } else {
            schema.canonicalize(f, x, row).ok()?;
        }
        for (qi, &v) in q.iter_mut().zip(row.iter()) {
            *qi = quantize_f32(v, inv, zp);
        }
    }
    Some(())
}

/// Checks the shapes; returns the row count and the tensor region.
fn prepare<'r>(
    model: &Model<'_>,
    input: &[f32],
    arena: &'r mut [u8],
    out: &[f32],
) -> Option<(usize, &'r mut [u8])> {
    let c = model.input_channels();
    let n = input.len() / c;
    if n == 0 || n > model.max_points() || out.len() != model.output_len() {
        return None;
    }
    Some((n, arena.get_mut(..model.tensor_region_bytes())?))
}

/// Runs an int8 model without frames ([`FrameMode::None`]) on `input` in `arena`; `None` on
/// anything it does not support or any failure.
pub fn run_plain(
    model: &Model<'_>,
    input: &[f32],
    arena: &mut [u8],
    out: &mut [f32],
) -> Option<()> {
    if model.frame_mode() != FrameMode::None {
        return None;
    }
    let (n, region) = prepare(model, input, arena, out)?;
    write_input(model, &Frame::IDENTITY, input, region)?;
    layers(model, n, region)?;
    let (oscale, ozp) = model.output_quant();
    let y = as_i8(region.get(range(model, model.output_tensor_id(), n)?)?);
    for (o, &q) in out.iter_mut().zip(y) {
        *o = dequantize(q, oscale, ozp);
    }
    Some(())
}

/// Runs a frame-averaged int8 model with invariant outputs ([`FrameMode::Average`]) on `input`
/// in `arena`; `None` on anything it does not support or any failure.
pub fn run_averaged(
    model: &Model<'_>,
    input: &[f32],
    arena: &mut [u8],
    out: &mut [f32],
) -> Option<()> {
    if model.frame_mode() != FrameMode::Average {
        return None;
    }
    let set = model
        .schema()
        .frame_set(input, &model.frame_options())
        .ok()?;
    let (n, region) = prepare(model, input, arena, out)?;
    let (oscale, ozp) = model.output_quant();
    out.fill(0.0);
    let mut total = 0.0f32;
    for f in set.frames() {
        write_input(model, f, input, region)?;
        layers(model, n, region)?;
        let y = as_i8(region.get(range(model, model.output_tensor_id(), n)?)?);
        for (o, &q) in out.iter_mut().zip(y) {
            *o += f.weight * dequantize(q, oscale, ozp);
        }
        total += f.weight;
    }
    if total > 0.0 {
        out.iter_mut().for_each(|o| *o /= total);
    }
    Some(())
}

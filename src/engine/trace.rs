//! The engine's steps opened up for the host (feature `std`): one backbone pass with every
//! tensor kept -- the engine's own layer dispatch on one buffer per tensor instead of the planned
//! arena, so every int8 tensor is bit-identical to what [`run`](super::run) computes -- and the
//! engine's averaging applied to backbone outputs computed elsewhere. The host tool uses them
//! for calibration ranges, per-layer quantization errors and `verify` (onnxruntime backbone).

extern crate std;

use std::vec;
use std::vec::Vec;

use super::average::{accumulate, finish};
use super::backbone::{binary_f32, binary_i8, layer_f32, layer_i8, Dims};
use super::RunError;
use crate::frame::Frame;
use crate::model::Model;

/// The frame-averaged output of one sample from its `frames` and one backbone output per frame
/// (`ys[k]` for `frames[k]`, at least `model.output_len()` values each), exactly as
/// [`run`](super::run) averages: outputs mapped back per kind, weighted, rotations projected.
pub fn average_outputs(model: &Model<'_>, frames: &[Frame], ys: &[&[f32]]) -> Vec<f32> {
    let mut acc = vec![0.0f32; model.accumulator_len()];
    for (f, y) in frames.iter().zip(ys) {
        accumulate(model, f, |i| y.get(i).copied().unwrap_or(0.0), &mut acc);
    }
    let mut out = vec![0.0f32; model.output_len()];
    finish(model, &acc, &mut out);
    out
}

/// Rows, cols of every tensor for an input of `n` rows.
fn shapes(m: &Model<'_>, n: usize) -> Vec<(usize, usize)> {
    (0..m.tensor_count())
        .map(|t| {
            let info = m.tensor(t as u16).unwrap_or_default();
            (info.rows_for(n), info.cols as usize)
        })
        .collect()
}

/// Runs every layer on per-tensor buffers `t` (tensor 0 filled) with `one` / `two` evaluating
/// a single- / two-input layer on byte views of the tensors.
fn trace<T: bytemuck::Pod + Default>(
    m: &Model<'_>,
    x: &[T],
    n: usize,
    mut one: impl FnMut(&crate::model::LayerView<'_>, Dims, (i32, i32), &[u8], &mut [u8]) -> bool,
    mut two: impl FnMut(
        &crate::model::LayerView<'_>,
        Dims,
        (usize, usize),
        [u16; 3],
        &[u8],
        &[u8],
        &mut [u8],
    ) -> bool,
) -> Result<Vec<Vec<T>>, RunError> {
    let sh = shapes(m, n);
    let mut t: Vec<Vec<T>> = sh.iter().map(|&(r, c)| vec![T::default(); r * c]).collect();
    let len0 = sh[0].0 * sh[0].1;
    let x0 = x.get(..len0).ok_or(RunError::BadInputLength {
        len: x.len(),
        channels: m.input_channels(),
    })?;
    t[0].copy_from_slice(x0);
    for (li, l) in m.layers().enumerate() {
        let (i, i2, o) = (
            usize::from(l.input),
            usize::from(l.input2),
            usize::from(l.output),
        );
        let bad = RunError::Layout { layer: li };
        if i == o || i2 == o || o >= t.len() || i >= t.len() {
            return Err(bad);
        }
        let d = Dims {
            rows: sh[i].0,
            cin: sh[i].1,
            cout: sh[o].1,
        };
        let mut y = core::mem::take(&mut t[o]);
        let ok = {
            let yb: &mut [u8] = bytemuck::cast_slice_mut(&mut y);
            let xb: &[u8] = bytemuck::cast_slice(&t[i]);
            if l.input_count == 2 {
                let x2: &[u8] = bytemuck::cast_slice(t.get(i2).ok_or(bad)?);
                let d2 = *sh.get(i2).ok_or(bad)?;
                two(&l, d, d2, [l.input, l.input2, l.output], xb, x2, yb)
            } else {
                let zp = |id: u16| m.tensor(id).unwrap_or_default().zero_point;
                one(&l, d, (zp(l.input), zp(l.output)), xb, yb)
            }
        };
        t[o] = y;
        if !ok {
            return Err(bad);
        }
    }
    Ok(t)
}

/// Every tensor of an f32 blob for the canonical input `x` (`n` rows); `[0]` is the input.
pub fn trace_f32(m: &Model<'_>, x: &[f32], n: usize) -> Result<Vec<Vec<f32>>, RunError> {
    trace(
        m,
        x,
        n,
        |l, d, _, x, y| layer_f32(l, d, x, y).is_some(),
        |l, d, d2, _, x, x2, y| binary_f32(l, d, d2, x, x2, y).is_some(),
    )
}

/// Every tensor of an int8 blob for the quantized canonical input `xq` (`n` rows); `[0]` is
/// the input.
pub fn trace_i8(m: &Model<'_>, xq: &[i8], n: usize) -> Result<Vec<Vec<i8>>, RunError> {
    trace(
        m,
        xq,
        n,
        |l, d, (zi, zo), x, y| {
            layer_i8(l, d, zi, zo, x, y);
            true
        },
        |l, d, d2, ids, x, x2, y| {
            let q = ids.map(|id| {
                let t = m.tensor(id).unwrap_or_default();
                (t.scale, t.zero_point)
            });
            binary_i8(l, d, d2, q, x, x2, y);
            true
        },
    )
}

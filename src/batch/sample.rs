//! One sample on the CPU with prepared weights and reusable scratch: the engine's frames, the
//! canonical coordinates computed once and sign-folded into every frame, the backbone with
//! the chosen kernels, and the engine's averaging -- so the result equals
//! [`engine::run`](crate::engine::run) (int8 bit for bit).

use super::fkern;
use super::fold::Fold;
use super::packed::{transpose_f32, PackedI8};
use super::simd::{self, Backend as Kernels};
use crate::engine::backbone::{binary_f32, binary_i8, layer_f32, layer_i8, qparams, Dims};
use crate::engine::{average, check_rows, frames, RunError, RunReport};
use crate::kernels::FParams;
use crate::model::format::element_bytes;
use crate::model::{LayerView, Model, Op, Precision};
use crate::quant::dequantize;

/// Rows per tile of the fused pointwise + max pooling layers.
const TILE: usize = 64;

/// A layer's weights as the chosen kernels want them.
enum Prepared {
    /// The scalar kernels of [`crate::kernels`] on the blob's weights.
    Scalar,
    /// int8 pointwise weights packed for a SIMD backend.
    I8(PackedI8),
    /// f32 pointwise weights transposed (`cin x cout`).
    F32(Vec<f32>),
}

/// A model with its weights prepared once for one kernel backend.
pub(crate) struct Plan<'m> {
    pub(crate) model: Model<'m>,
    kernels: Kernels,
    layers: Vec<Prepared>,
}

impl<'m> Plan<'m> {
    /// Prepares `model` for `kernels` (`Kernels::Scalar`: the scalar kernels throughout).
    pub(crate) fn new(model: Model<'m>, kernels: Kernels) -> Self {
        let layers = model
            .layers()
            .map(|l| prepare(&model, &l, kernels))
            .collect();
        Self {
            model,
            kernels,
            layers,
        }
    }
}

fn prepare(model: &Model<'_>, l: &LayerView<'_>, kernels: Kernels) -> Prepared {
    if kernels == Kernels::Scalar || !matches!(l.op, Op::Pointwise | Op::PointwiseMax) {
        return Prepared::Scalar;
    }
    let (Some(ti), Some(to)) = (model.tensor(l.input), model.tensor(l.output)) else {
        return Prepared::Scalar;
    };
    let (cin, cout) = (ti.cols as usize, to.cols as usize);
    match model.precision() {
        Precision::Int8 => {
            let q = qparams(l, to.zero_point);
            PackedI8::new(kernels, l.weights_i8, cin, cout, &q)
                .map_or(Prepared::Scalar, Prepared::I8)
        }
        Precision::F32 => {
            transpose_f32(l.weights_f32, cin, cout).map_or(Prepared::Scalar, Prepared::F32)
        }
    }
}

/// Scratch of one worker, sized on first use and reused for every later sample.
#[derive(Default)]
pub(crate) struct Work {
    fold: Fold,
    /// One buffer per tensor id (u32 words, viewed as i8 or f32).
    tensors: Vec<Vec<u32>>,
    acc32: Vec<i32>,
    rows8: Vec<i8>,
    rowsf: Vec<f32>,
    best: Vec<i32>,
    avg: Vec<f32>,
}

fn words(buf: &mut Vec<u32>, bytes: usize) -> &mut [u8] {
    let w = bytes.div_ceil(4);
    if buf.len() < w {
        buf.resize(w, 0);
    }
    let b: &mut [u8] = bytemuck::cast_slice_mut(buf.as_mut_slice());
    &mut b[..bytes]
}

/// Evaluates one sample (`N x C` raw f32) into `out` (`model.output_len()` values).
pub(crate) fn eval(
    plan: &Plan<'_>,
    input: &[f32],
    work: &mut Work,
    out: &mut [f32],
) -> Result<RunReport, RunError> {
    let model = &plan.model;
    let n = check_rows(model, input)?;
    if out.len() != model.output_len() {
        return Err(RunError::OutputLength {
            needed: model.output_len(),
            given: out.len(),
        });
    }
    let mut report = RunReport {
        points: n,
        ..RunReport::default()
    };
    let frames = frames(model, input, &mut report)?;
    let frames = frames.as_slice();
    let Some(base) = frames.first() else {
        return Err(RunError::Layout { layer: 0 });
    };
    work.fold.prepare(model, base, input)?;
    work.tensors.resize_with(model.tensor_count(), Vec::new);
    work.avg.clear();
    work.avg.resize(model.accumulator_len(), 0.0);
    let eb = element_bytes(model.precision());
    let t0 = model.tensor(0).ok_or(RunError::Layout { layer: 0 })?;
    let k = model.output_len();
    let (oscale, ozp) = model.output_quant();
    for frame in frames {
        let t0b = work
            .tensors
            .first_mut()
            .ok_or(RunError::Layout { layer: 0 })?;
        let t0b = words(t0b, t0.rows_for(n) * t0.cols as usize * eb);
        work.fold.write(model, base, frame, input, t0b)?;
        run_layers(plan, n, work)?;
        let y = work
            .tensors
            .get(usize::from(model.output_tensor_id()))
            .ok_or(RunError::Layout { layer: 0 })?;
        let yb: &[u8] = bytemuck::cast_slice(y.as_slice());
        let yb = yb.get(..k * eb).ok_or(RunError::Layout { layer: 0 })?;
        match model.precision() {
            Precision::Int8 => {
                let y: &[i8] = bytemuck::cast_slice(yb);
                average::accumulate(
                    model,
                    frame,
                    |i| y.get(i).map_or(0.0, |&q| dequantize(q, oscale, ozp)),
                    &mut work.avg,
                );
            }
            Precision::F32 => {
                let y: &[f32] =
                    bytemuck::try_cast_slice(yb).map_err(|_| RunError::Layout { layer: 0 })?;
                average::accumulate(
                    model,
                    frame,
                    |i| y.get(i).copied().unwrap_or(0.0),
                    &mut work.avg,
                );
            }
        }
        report.frames_evaluated += 1;
    }
    average::finish(model, &work.avg, out);
    Ok(report)
}

/// Every layer for an input of `n` rows already in tensor 0.
fn run_layers(plan: &Plan<'_>, n: usize, work: &mut Work) -> Result<(), RunError> {
    let model = &plan.model;
    let eb = element_bytes(model.precision());
    for (li, (l, prep)) in model.layers().zip(&plan.layers).enumerate() {
        let bad = RunError::Layout { layer: li };
        let (ti, to) = (
            model.tensor(l.input).ok_or(bad)?,
            model.tensor(l.output).ok_or(bad)?,
        );
        let (ii, oi) = (usize::from(l.input), usize::from(l.output));
        if ii == oi {
            return Err(bad);
        }
        let d = Dims {
            rows: ti.rows_for(n),
            cin: ti.cols as usize,
            cout: to.cols as usize,
        };
        let mut ybuf = core::mem::take(work.tensors.get_mut(oi).ok_or(bad)?);
        let ybytes = to.rows_for(n) * d.cout * eb;
        let y = words(&mut ybuf, ybytes);
        let xbuf = work.tensors.get(ii).ok_or(bad)?;
        let xb: &[u8] = bytemuck::cast_slice(xbuf.as_slice());
        let x = xb.get(..d.rows * d.cin * eb).ok_or(bad)?;
        if l.input_count == 2 {
            let t2 = model.tensor(l.input2).ok_or(bad)?;
            let x2buf = work.tensors.get(usize::from(l.input2)).ok_or(bad)?;
            let x2b: &[u8] = bytemuck::cast_slice(x2buf.as_slice());
            let x2 = x2b
                .get(..t2.rows_for(n) * t2.cols as usize * eb)
                .ok_or(bad)?;
            let d2 = (t2.rows_for(n), t2.cols as usize);
            let ok = match model.precision() {
                Precision::Int8 => {
                    let q = [ti, t2, to].map(|t| (t.scale, t.zero_point));
                    binary_i8(&l, d, d2, q, x, x2, y);
                    true
                }
                Precision::F32 => binary_f32(&l, d, d2, x, x2, y).is_some(),
            };
            if let Some(slot) = work.tensors.get_mut(oi) {
                *slot = ybuf;
            }
            if !ok {
                return Err(bad);
            }
            continue;
        }
        let scratch = Scratch {
            acc32: &mut work.acc32,
            rows8: &mut work.rows8,
            rowsf: &mut work.rowsf,
            best: &mut work.best,
        };
        let ok = match model.precision() {
            Precision::Int8 => {
                layer_i8_fast(
                    plan.kernels,
                    &l,
                    prep,
                    d,
                    ti.zero_point,
                    to.zero_point,
                    x,
                    y,
                    scratch,
                );
                true
            }
            Precision::F32 => layer_f32_fast(&l, prep, d, x, y, scratch).is_some(),
        };
        if let Some(slot) = work.tensors.get_mut(oi) {
            *slot = ybuf;
        }
        if !ok {
            return Err(bad);
        }
    }
    Ok(())
}

/// Per-worker scratch borrowed by one layer.
struct Scratch<'a> {
    acc32: &'a mut Vec<i32>,
    rows8: &'a mut Vec<i8>,
    rowsf: &'a mut Vec<f32>,
    best: &'a mut Vec<i32>,
}

fn grown<T: Default + Clone>(v: &mut Vec<T>, len: usize) -> &mut [T] {
    if v.len() < len {
        v.resize(len, T::default());
    }
    &mut v[..len]
}

#[allow(clippy::too_many_arguments)]
fn layer_i8_fast(
    kernels: Kernels,
    l: &LayerView<'_>,
    prep: &Prepared,
    d: Dims,
    zp_in: i32,
    zp_out: i32,
    x: &[u8],
    y: &mut [u8],
    s: Scratch<'_>,
) {
    let Prepared::I8(pk) = prep else {
        return layer_i8(l, d, zp_in, zp_out, x, y);
    };
    let q = qparams(l, zp_out);
    let xi: &[i8] = bytemuck::cast_slice(x);
    let yi: &mut [i8] = bytemuck::cast_slice_mut(y);
    match l.op {
        Op::Pointwise => {
            if pk.pointwise(&q, xi, d.rows, d.cin, d.cout, yi) {
                return;
            }
            let acc = grown(s.acc32, d.rows * d.cout);
            if !pk.accumulate(xi, d.rows, d.cin, d.cout, acc) {
                return layer_i8(l, d, zp_in, zp_out, x, y);
            }
            if !pk.requantize(&q, acc, yi) {
                simd::requantize_rows(kernels, acc, d.cout, &q, yi);
            }
        }
        Op::PointwiseMax => {
            let Some(o) = yi.get_mut(..d.cout) else {
                return;
            };
            if d.rows == 0 {
                return layer_i8(l, d, zp_in, zp_out, x, y);
            }
            // As the scalar kernel: channels whose requantization is monotone (see
            // `kernels::pointwise_max_i8`) track the extreme accumulator and requantize once,
            // the others take the maximum of every point's requantized value.
            let acc = grown(s.acc32, TILE * d.cout);
            let rows = grown(s.rows8, TILE * d.cout);
            let (amax, rest) = grown(s.best, 3 * d.cout).split_at_mut(d.cout);
            let (amin, best) = rest.split_at_mut(d.cout);
            amax.fill(i32::MIN);
            amin.fill(i32::MAX);
            best.fill(i32::from(i8::MIN));
            let per_point = pk.trick.iter().any(|&t| !t);
            for xt in xi.get(..d.rows * d.cin).unwrap_or(&[]).chunks(TILE * d.cin) {
                let t = xt.len() / d.cin;
                let (a, r) = (&mut acc[..t * d.cout], &mut rows[..t * d.cout]);
                if !pk.accumulate(xt, t, d.cin, d.cout, a) {
                    return layer_i8(l, d, zp_in, zp_out, x, y);
                }
                extremes(a, d.cout, amax, amin);
                if !per_point || pk.requantize_max(&q, a, best) {
                    continue;
                }
                simd::requantize_rows(kernels, a, d.cout, &q, r);
                for row in r.chunks_exact(d.cout) {
                    for (b, &v) in best.iter_mut().zip(row) {
                        *b = (*b).max(i32::from(v));
                    }
                }
            }
            for (c, o) in o.iter_mut().enumerate() {
                let trick = pk.trick.get(c).copied().unwrap_or(false);
                *o = match (trick, q.multiplier.get(c)) {
                    (true, Some(&m)) => {
                        let e = if m >= 0 { amax.get(c) } else { amin.get(c) };
                        q.requantize(e.copied().unwrap_or(0), c)
                    }
                    _ => best.get(c).map_or(i8::MIN, |&b| b as i8),
                };
            }
        }
        _ => layer_i8(l, d, zp_in, zp_out, x, y),
    }
}

fn layer_f32_fast(
    l: &LayerView<'_>,
    prep: &Prepared,
    d: Dims,
    x: &[u8],
    y: &mut [u8],
    s: Scratch<'_>,
) -> Option<()> {
    let Prepared::F32(wt) = prep else {
        return layer_f32(l, d, x, y);
    };
    let xf: &[f32] = bytemuck::try_cast_slice(x).ok()?;
    let yf: &mut [f32] = bytemuck::try_cast_slice_mut(y).ok()?;
    let p = FParams::new(l.bias_f32.get(..d.cout)?, l.activation.to_quant());
    match l.op {
        Op::Pointwise => fkern::pointwise(xf, d.rows, wt, d.cin, &p, yf),
        Op::PointwiseMax => {
            let scratch = grown(s.rowsf, TILE * d.cout);
            fkern::pointwise_max(xf, d.rows, wt, d.cin, &p, scratch, yf);
        }
        _ => return layer_f32(l, d, x, y),
    }
    Some(())
}

/// The portable body of the running extremes (see `requant_avx2::extremes`).
#[inline(always)]
pub(crate) fn extremes_body(acc: &[i32], cout: usize, amax: &mut [i32], amin: &mut [i32]) {
    for row in acc.chunks_exact(cout.max(1)) {
        for ((mx, mn), &a) in amax.iter_mut().zip(amin.iter_mut()).zip(row) {
            *mx = (*mx).max(a);
            *mn = (*mn).min(a);
        }
    }
}

/// The running extremes on this target.
fn extremes(acc: &[i32], cout: usize, amax: &mut [i32], amin: &mut [i32]) {
    #[cfg(target_arch = "x86_64")]
    super::requant_avx2::extremes(acc, cout, amax, amin);
    #[cfg(not(target_arch = "x86_64"))]
    extremes_body(acc, cout, amax, amin);
}

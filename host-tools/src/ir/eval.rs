//! The float (f32) reference evaluator of the IR: one sample at a time, every value kept (the
//! calibration pass reads the intermediate ranges). Sums run in index order.

use super::{BinaryKind, Graph, Linear, Op, PoolKind, Shape};

/// Why a sample could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// The sample does not have the shape the graph takes.
    #[error("input of {given} values is not ({points}, {channels}){}", fixed.map(|f| format!(" with N = {f} as the model requires")).unwrap_or_default())]
    InputShape {
        /// Points given.
        points: usize,
        /// Channels the graph takes.
        channels: usize,
        /// N the graph requires, if fixed.
        fixed: Option<usize>,
        /// Values given.
        given: usize,
    },
    /// A window (conv or pool) is longer than its padded input.
    #[error("layer {layer}: {rows} steps (padded) are fewer than its window {k}")]
    TooShort {
        /// Layer name.
        layer: String,
        /// Padded input length.
        rows: usize,
        /// Window.
        k: usize,
    },
    /// The inputs of an add or concat have different numbers of rows for this input length.
    #[error("layer {layer}: inputs have {rows:?} rows for this input length")]
    RowMismatch {
        /// Layer name.
        layer: String,
        /// Rows of each input.
        rows: Vec<usize>,
    },
}

/// Output length of a window op over `n` rows, or `None` when the window does not fit.
pub(crate) fn window_out(n: usize, k: usize, stride: usize, pb: usize, pe: usize) -> Option<usize> {
    let padded = n + pb + pe;
    (padded >= k && stride > 0).then(|| (padded - k) / stride + 1)
}

/// Span of a dilated window of `k` taps.
pub(crate) fn span(k: usize, dilation: usize) -> usize {
    dilation.max(1) * k.saturating_sub(1) + 1
}

/// Rows of every value for an input of `n` points (1 for vectors; 0 where a window does not
/// fit).
pub(crate) fn value_rows(g: &Graph, n: usize) -> Vec<usize> {
    let mut rows = vec![0usize; g.values.len()];
    if let Some(r) = rows.first_mut() {
        *r = n;
    }
    for l in &g.layers {
        let inr = l
            .inputs
            .first()
            .and_then(|&i| rows.get(i))
            .copied()
            .unwrap_or(0);
        let out = match &l.op {
            Op::Dense(_) | Op::PointwiseMax(_) | Op::GlobalPool(_) => 1,
            Op::Conv1d {
                k,
                stride,
                pad_begin,
                pad_end,
                ..
            }
            | Op::MaxPool1d {
                k,
                stride,
                pad_begin,
                pad_end,
            }
            | Op::AvgPool1d {
                k,
                stride,
                pad_begin,
                pad_end,
            } => window_out(inr, *k, *stride, *pad_begin, *pad_end).unwrap_or(0),
            Op::Conv1dGrouped {
                k,
                stride,
                pad_begin,
                pad_end,
                dilation,
                ..
            } => window_out(inr, span(*k, *dilation), *stride, *pad_begin, *pad_end).unwrap_or(0),
            Op::Binary { .. } => {
                let r2 = l
                    .inputs
                    .get(1)
                    .and_then(|&i| rows.get(i))
                    .copied()
                    .unwrap_or(0);
                if inr == 1 {
                    r2
                } else {
                    inr
                }
            }
            Op::Flatten => 1,
            Op::SliceRows { count, .. } => *count,
            _ => inr,
        };
        if let Some(r) = rows.get_mut(l.output) {
            *r = if matches!(g.values.get(l.output), Some(Shape::Vector { .. })) {
                1
            } else {
                out
            };
        }
    }
    rows
}

fn linear_rows(w: &Linear, input: &[f32], out: &mut Vec<f32>) {
    for row in input.chunks_exact(w.cin) {
        for (o, wr) in w.weights.chunks_exact(w.cin).enumerate() {
            let mut acc = w.bias[o];
            for (x, wv) in row.iter().zip(wr) {
                acc += x * wv;
            }
            out.push(w.act.apply(acc));
        }
    }
}

/// Evaluates the graph on one sample of `n` points (`n x C` row-major) and returns every value.
pub fn eval_all(g: &Graph, sample: &[f32], n: usize) -> Result<Vec<Vec<f32>>, EvalError> {
    let c = g.input_channels();
    let fixed = g.input_points();
    if sample.len() != n * c
        || fixed.is_some_and(|f| f != n)
        || matches!(g.values.first(), Some(Shape::Vector { .. }) if n != 1)
    {
        return Err(EvalError::InputShape {
            points: n,
            channels: c,
            fixed,
            given: sample.len(),
        });
    }
    let mut vals: Vec<Vec<f32>> = vec![Vec::new(); g.values.len()];
    vals[0] = sample.to_vec();
    for l in &g.layers {
        let x = &vals[l.inputs[0]];
        let cin = g.values[l.inputs[0]].channels();
        let rows = x.len().checked_div(cin).unwrap_or(0);
        let mut out = Vec::new();
        if l.inputs.len() > 1 && !matches!(l.op, Op::Binary { .. }) {
            let rs: Vec<usize> = l
                .inputs
                .iter()
                .map(|&i| {
                    vals[i]
                        .len()
                        .checked_div(g.values[i].channels())
                        .unwrap_or(0)
                })
                .collect();
            if rs.iter().any(|&r| r != rows)
                || (matches!(l.op, Op::Add(_)) && vals[l.inputs[1]].len() != x.len())
            {
                return Err(EvalError::RowMismatch {
                    layer: l.name.clone(),
                    rows: rs,
                });
            }
        }
        match &l.op {
            Op::Dense(w) | Op::Pointwise(w) => linear_rows(w, x, &mut out),
            Op::PointwiseMax(w) => {
                let mut tmp = Vec::with_capacity(rows * w.cout);
                linear_rows(w, x, &mut tmp);
                out = pool(&tmp, w.cout, PoolKind::Max);
            }
            Op::Conv1d {
                linear: w,
                k,
                stride,
                pad_begin,
                pad_end,
            } => {
                let n_out =
                    window_out(rows, *k, *stride, *pad_begin, *pad_end).ok_or_else(|| {
                        EvalError::TooShort {
                            layer: l.name.clone(),
                            rows: rows + pad_begin + pad_end,
                            k: *k,
                        }
                    })?;
                for t in 0..n_out {
                    let start = (t * stride) as isize - *pad_begin as isize;
                    for (o, wo) in w.weights.chunks_exact(k * w.cin).enumerate() {
                        let mut acc = w.bias[o];
                        for (j, wk) in wo.chunks_exact(w.cin).enumerate() {
                            let r = start + j as isize;
                            if r < 0 || r as usize >= rows {
                                continue;
                            }
                            let xr = &x[r as usize * w.cin..(r as usize + 1) * w.cin];
                            for (a, b) in xr.iter().zip(wk) {
                                acc += a * b;
                            }
                        }
                        out.push(w.act.apply(acc));
                    }
                }
            }
            Op::GlobalPool(kind) => out = pool(x, cin, *kind),
            Op::MaxPool1d {
                k,
                stride,
                pad_begin,
                pad_end,
            } => {
                let n_out =
                    window_out(rows, *k, *stride, *pad_begin, *pad_end).ok_or_else(|| {
                        EvalError::TooShort {
                            layer: l.name.clone(),
                            rows: rows + pad_begin + pad_end,
                            k: *k,
                        }
                    })?;
                for t in 0..n_out {
                    let start = (t * stride) as isize - *pad_begin as isize;
                    let lo = start.max(0) as usize;
                    let hi = ((start + *k as isize) as usize).min(rows);
                    for ch in 0..cin {
                        let m = (lo..hi)
                            .map(|r| x[r * cin + ch])
                            .fold(f32::NEG_INFINITY, f32::max);
                        out.push(m);
                    }
                }
            }
            Op::Activation(a) => out = x.iter().map(|&v| a.apply(v)).collect(),
            Op::Softmax { beta } => {
                out = vec![0.0; x.len()];
                equiframe::kernels::softmax_f32(x, rows, cin, *beta, &mut out);
            }
            Op::LogSoftmax => {
                out = vec![0.0; x.len()];
                equiframe::kernels::log_softmax_f32(x, rows, cin, &mut out);
            }
            Op::LayerNorm { eps, gamma, beta } => {
                out = vec![0.0; x.len()];
                equiframe::kernels::layer_norm_f32(x, rows, cin, *eps, gamma, beta, &mut out);
            }
            Op::Add(a) => {
                let y = &vals[l.inputs[1]];
                out = x.iter().zip(y).map(|(p, q)| a.apply(p + q)).collect();
            }
            Op::Binary { kind, act } => {
                let i2 = l.inputs[1];
                let (y, c2) = (&vals[i2], g.values[i2].channels());
                let r2 = y.len().checked_div(c2).unwrap_or(0);
                out = broadcast(l, (x, rows, cin), (y, r2, c2), *kind, *act)?;
            }
            Op::BinaryConst {
                kind,
                constant,
                act,
            } => {
                let cshape = match constant.len() {
                    1 => (1, 1),
                    n if n == cin => (1, cin),
                    _ => (rows, cin),
                };
                out = broadcast(
                    l,
                    (x, rows, cin),
                    (constant, cshape.0, cshape.1),
                    *kind,
                    *act,
                )?;
            }
            Op::RowNorm {
                first,
                count,
                squared,
            } => {
                for row in x.chunks_exact(cin.max(1)) {
                    let seg = row.get(*first..first + count).unwrap_or(&[]);
                    let s = seg.iter().fold(0.0f32, |a, &v| a + v * v);
                    out.push(if *squared { s } else { s.sqrt() });
                }
            }
            Op::AvgPool1d {
                k,
                stride,
                pad_begin,
                pad_end,
            } => {
                let n_out =
                    window_out(rows, *k, *stride, *pad_begin, *pad_end).ok_or_else(|| {
                        EvalError::TooShort {
                            layer: l.name.clone(),
                            rows: rows + pad_begin + pad_end,
                            k: *k,
                        }
                    })?;
                for t in 0..n_out {
                    let start = (t * stride) as isize - *pad_begin as isize;
                    let lo = start.max(0) as usize;
                    let hi = ((start + *k as isize).max(0) as usize).min(rows);
                    for ch in 0..cin {
                        let s: f32 = (lo..hi).map(|r| x[r * cin + ch]).sum();
                        out.push(s / (hi.saturating_sub(lo)).max(1) as f32);
                    }
                }
            }
            Op::Conv1dGrouped {
                linear: w,
                k,
                stride,
                pad_begin,
                pad_end,
                dilation,
                groups,
            } => {
                let sp = span(*k, *dilation);
                let n_out =
                    window_out(rows, sp, *stride, *pad_begin, *pad_end).ok_or_else(|| {
                        EvalError::TooShort {
                            layer: l.name.clone(),
                            rows: rows + pad_begin + pad_end,
                            k: sp,
                        }
                    })?;
                let g = (*groups).max(1);
                let (cig, cog) = (w.cin / g, w.cout / g);
                for t in 0..n_out {
                    for (o, wo) in w.weights.chunks_exact((k * cig).max(1)).enumerate() {
                        let c0 = (o / cog.max(1)) * cig;
                        let mut acc = w.bias[o];
                        for (j, wk) in wo.chunks_exact(cig.max(1)).enumerate() {
                            let r = (t * stride + j * dilation) as isize - *pad_begin as isize;
                            if r < 0 || r as usize >= rows {
                                continue;
                            }
                            let base = r as usize * cin + c0;
                            for (a, b) in x[base..base + cig].iter().zip(wk) {
                                acc += a * b;
                            }
                        }
                        out.push(w.act.apply(acc));
                    }
                }
            }
            Op::Flatten => out = x.clone(),
            Op::SliceRows { first, count } => {
                out = x
                    .get(first * cin..(first + count) * cin)
                    .ok_or_else(|| EvalError::TooShort {
                        layer: l.name.clone(),
                        rows,
                        k: first + count,
                    })?
                    .to_vec();
            }
            Op::Concat => {
                let parts: Vec<(&Vec<f32>, usize)> = l
                    .inputs
                    .iter()
                    .map(|&i| (&vals[i], g.values[i].channels()))
                    .collect();
                for r in 0..rows {
                    for (v, ci) in &parts {
                        out.extend_from_slice(&v[r * ci..(r + 1) * ci]);
                    }
                }
            }
        }
        vals[l.output] = out;
    }
    Ok(vals)
}

/// Evaluates the graph on one sample of `n` points and returns its output.
pub fn eval(g: &Graph, sample: &[f32], n: usize) -> Result<Vec<f32>, EvalError> {
    let mut vals = eval_all(g, sample, n)?;
    Ok(std::mem::take(&mut vals[g.output]))
}

/// `a (kind) b` broadcast over rows and channels, then `act`.
fn broadcast(
    l: &super::Layer,
    (a, ra, ca): (&[f32], usize, usize),
    (b, rb, cb): (&[f32], usize, usize),
    kind: BinaryKind,
    act: super::Activation,
) -> Result<Vec<f32>, EvalError> {
    let dim = |x: usize, y: usize| (x == y || x == 1 || y == 1).then(|| x.max(y));
    let (Some(r), Some(c)) = (dim(ra, rb), dim(ca, cb)) else {
        return Err(EvalError::RowMismatch {
            layer: l.name.clone(),
            rows: vec![ra, rb],
        });
    };
    let at = |rows: usize, cols: usize, i: usize, j: usize| {
        (if rows == 1 { 0 } else { i }) * cols + if cols == 1 { 0 } else { j }
    };
    let mut out = Vec::with_capacity(r * c);
    for i in 0..r {
        for j in 0..c {
            let (p, q) = (a[at(ra, ca, i, j)], b[at(rb, cb, i, j)]);
            out.push(act.apply(kind.apply(p, q)));
        }
    }
    Ok(out)
}

fn pool(x: &[f32], c: usize, kind: PoolKind) -> Vec<f32> {
    let rows = x.len().checked_div(c).unwrap_or(0);
    let init = if kind == PoolKind::Max {
        f32::NEG_INFINITY
    } else {
        0.0
    };
    let mut acc = vec![init; c];
    for row in x.chunks_exact(c.max(1)) {
        for (a, &v) in acc.iter_mut().zip(row) {
            *a = if kind == PoolKind::Max {
                a.max(v)
            } else {
                *a + v
            };
        }
    }
    if kind == PoolKind::Mean && rows > 0 {
        acc.iter_mut().for_each(|a| *a /= rows as f32);
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::super::{Activation, Layer, Op};
    use super::*;

    fn lin(cin: usize, cout: usize, act: Activation) -> Linear {
        Linear {
            cin,
            cout,
            weights: (0..cin * cout).map(|i| (i as f32 * 0.37).sin()).collect(),
            bias: (0..cout).map(|i| i as f32 * 0.1).collect(),
            act,
        }
    }

    #[test]
    fn pointwise_max_equals_pointwise_then_max() {
        let w = lin(3, 4, Activation::Relu);
        let mk = |ops: Vec<Op>, shapes: Vec<Shape>| Graph {
            values: shapes,
            layers: ops
                .into_iter()
                .enumerate()
                .map(|(i, op)| Layer {
                    name: format!("l{i}"),
                    op,
                    inputs: vec![i],
                    output: i + 1,
                })
                .collect(),
            output: 0,
        };
        let mut a = mk(
            vec![Op::Pointwise(w.clone()), Op::GlobalPool(PoolKind::Max)],
            vec![
                Shape::Points { n: None, c: 3 },
                Shape::Points { n: None, c: 4 },
                Shape::Vector { c: 4 },
            ],
        );
        a.output = 2;
        let mut b = mk(
            vec![Op::PointwiseMax(w)],
            vec![Shape::Points { n: None, c: 3 }, Shape::Vector { c: 4 }],
        );
        b.output = 1;
        let x: Vec<f32> = (0..15).map(|i| (i as f32).cos()).collect();
        assert_eq!(eval(&a, &x, 5).unwrap(), eval(&b, &x, 5).unwrap());
        assert_eq!(a.macs(5), b.macs(5));
        assert!(matches!(eval(&a, &x, 4), Err(EvalError::InputShape { .. })));
    }

    #[test]
    fn conv1d_with_padding_and_stride_by_hand() {
        // cin = 1, cout = 1, k = 3, stride 2, pad 1: y[t] = sum_j w[j] x[2t - 1 + j].
        let w = Linear {
            cin: 1,
            cout: 1,
            weights: vec![1.0, 10.0, 100.0],
            bias: vec![0.5],
            act: Activation::None,
        };
        let g = Graph {
            values: vec![
                Shape::Points { n: None, c: 1 },
                Shape::Points { n: None, c: 1 },
            ],
            layers: vec![Layer {
                name: "c".into(),
                op: Op::Conv1d {
                    linear: w,
                    k: 3,
                    stride: 2,
                    pad_begin: 1,
                    pad_end: 1,
                },
                inputs: vec![0],
                output: 1,
            }],
            output: 1,
        };
        let y = eval(&g, &[1.0, 2.0, 3.0, 4.0, 5.0], 5).unwrap();
        assert_eq!(
            y,
            vec![
                0.5 + 10.0 + 200.0,
                0.5 + 2.0 + 30.0 + 400.0,
                0.5 + 4.0 + 50.0
            ]
        );
        assert!(matches!(eval(&g, &[], 0), Err(EvalError::TooShort { .. })));
    }
}

//! One backbone pass of a validated blob with every tensor kept: the host-side twin of the
//! engine's layer loop, calling the same core kernels, so int8 tensors are bit-identical to
//! what the engine computes. Used for calibration ranges, per-layer errors and `verify`.

use equiframe::kernels::{
    add_f32, add_i8, clamp_range_f32, concat_f32, concat_i8, conv1d_f32, conv1d_i8, dense_f32,
    dense_i8, leaky_relu_f32, leaky_relu_i8, max_pool1d_f32, max_pool1d_i8, max_pool_f32,
    max_pool_i8, mean_pool_f32, mean_pool_i8, pointwise_f32, pointwise_i8, pointwise_max_f32,
    pointwise_max_i8, sum_pool_f32, sum_pool_i8, AddParams, ConcatPart, Conv1dDims, FParams,
    LeakyReluParams, Pool1dDims, QParams, Requant, ADD_LEFT_SHIFT,
};
use equiframe::model::{LayerView, Model, Op};

fn conv_dims(l: &LayerView<'_>, n: usize, cin: usize, cout: usize) -> Conv1dDims {
    Conv1dDims {
        n,
        cin,
        cout,
        k: l.kernel,
        stride: l.stride,
        pad_left: l.pad_left,
        pad_right: l.pad_right,
    }
}

fn pool_dims(l: &LayerView<'_>, n: usize, c: usize) -> Pool1dDims {
    Pool1dDims {
        n,
        c,
        k: l.kernel,
        stride: l.stride,
        pad_left: l.pad_left,
        pad_right: l.pad_right,
    }
}

fn pair(l: &LayerView<'_>, i: usize) -> (i32, i32) {
    let g = |j: usize| l.aux_i32.get(j).copied().unwrap_or(0);
    (g(2 * i), g(2 * i + 1))
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

/// Every tensor of an f32 blob for the canonical input `x` (`n` rows).
pub fn trace_f32(m: &Model<'_>, x: &[f32], n: usize) -> Vec<Vec<f32>> {
    let sh = shapes(m, n);
    let mut t: Vec<Vec<f32>> = sh.iter().map(|&(r, c)| vec![0.0; r * c]).collect();
    t[0].copy_from_slice(&x[..sh[0].0 * sh[0].1]);
    for l in m.layers() {
        let (i, i2, o) = (
            usize::from(l.input),
            usize::from(l.input2),
            usize::from(l.output),
        );
        let (rows, cin) = sh[i];
        let cout = sh[o].1;
        let mut y = std::mem::take(&mut t[o]);
        let x = &t[i];
        let p = FParams::new(l.bias_f32, l.activation.to_quant());
        let w = l.weights_f32;
        match l.op {
            Op::Dense => dense_f32(x, w, cin, cout, &p, &mut y),
            Op::Pointwise => pointwise_f32(x, rows, w, cin, cout, &p, &mut y),
            Op::PointwiseMax => pointwise_max_f32(x, rows, w, cin, cout, &p, &mut y),
            Op::Conv1d => conv1d_f32(x, w, &conv_dims(&l, rows, cin, cout), &p, &mut y),
            Op::MaxPool => max_pool_f32(x, rows, cin, &mut y),
            Op::MeanPool => mean_pool_f32(x, rows, cin, &mut y),
            Op::SumPool => sum_pool_f32(x, rows, cin, &mut y),
            Op::MaxPool1d => max_pool1d_f32(
                x,
                &pool_dims(&l, rows, cin),
                f32::NEG_INFINITY,
                f32::INFINITY,
                &mut y,
            ),
            Op::LeakyRelu => leaky_relu_f32(x, l.aux_f32.first().copied().unwrap_or(0.0), &mut y),
            Op::Clamp => {
                let (lo, hi) = (l.aux_f32[0], l.aux_f32[1]);
                for (a, &b) in y.iter_mut().zip(x) {
                    *a = b.max(lo).min(hi);
                }
            }
            Op::Add => {
                let (lo, hi) = clamp_range_f32(l.activation.to_quant());
                add_f32(x, &t[i2], lo, hi, &mut y);
            }
            Op::Concat => {
                let parts = [
                    ConcatPart {
                        data: &x[..],
                        channels: cin,
                        requant: None,
                    },
                    ConcatPart {
                        data: &t[i2][..],
                        channels: sh[i2].1,
                        requant: None,
                    },
                ];
                concat_f32(&parts, rows, &mut y);
            }
            _ => {}
        }
        t[o] = y;
    }
    t
}

/// Every tensor of an int8 blob for the quantized canonical input `xq` (`n` rows).
pub fn trace_i8(m: &Model<'_>, xq: &[i8], n: usize) -> Vec<Vec<i8>> {
    let sh = shapes(m, n);
    let zp = |t: usize| m.tensor(t as u16).unwrap_or_default().zero_point;
    let mut t: Vec<Vec<i8>> = sh.iter().map(|&(r, c)| vec![0; r * c]).collect();
    t[0].copy_from_slice(&xq[..sh[0].0 * sh[0].1]);
    for l in m.layers() {
        let (i, i2, o) = (
            usize::from(l.input),
            usize::from(l.input2),
            usize::from(l.output),
        );
        let (rows, cin) = sh[i];
        let cout = sh[o].1;
        let mut y = std::mem::take(&mut t[o]);
        let x = &t[i];
        let q = QParams {
            bias: l.bias_i32,
            multiplier: l.multiplier,
            shift: l.shift,
            out_zero_point: zp(o),
            act_min: l.act_min,
            act_max: l.act_max,
        };
        let w = l.weights_i8;
        let rq = |from: usize, (multiplier, shift): (i32, i32)| Requant {
            in_zero_point: zp(from),
            multiplier,
            shift,
            out_zero_point: zp(o),
        };
        match l.op {
            Op::Dense => dense_i8(x, w, cin, cout, &q, &mut y),
            Op::Pointwise => pointwise_i8(x, rows, w, cin, cout, &q, &mut y),
            Op::PointwiseMax => pointwise_max_i8(x, rows, w, cin, cout, &q, &mut y),
            Op::Conv1d => conv1d_i8(x, w, &conv_dims(&l, rows, cin, cout), zp(i), &q, &mut y),
            Op::MaxPool => max_pool_i8(x, rows, cin, &mut y),
            Op::MeanPool => mean_pool_i8(x, rows, cin, &rq(i, pair(&l, 0)), &mut y),
            Op::SumPool => sum_pool_i8(x, rows, cin, &rq(i, pair(&l, 0)), &mut y),
            Op::MaxPool1d => {
                max_pool1d_i8(x, &pool_dims(&l, rows, cin), l.act_min, l.act_max, &mut y)
            }
            Op::LeakyRelu => {
                let ((mi, si), (ma, sa)) = (pair(&l, 0), pair(&l, 1));
                let p = LeakyReluParams {
                    in_zero_point: zp(i),
                    out_zero_point: zp(o),
                    multiplier_identity: mi,
                    shift_identity: si,
                    multiplier_alpha: ma,
                    shift_alpha: sa,
                };
                leaky_relu_i8(x, &p, &mut y);
            }
            Op::Clamp => {
                for (a, &b) in y.iter_mut().zip(x) {
                    *a = (i32::from(b)).clamp(l.act_min, l.act_max) as i8;
                }
            }
            Op::Add => {
                let ((m1, s1), (m2, s2), (mo, so)) = (pair(&l, 0), pair(&l, 1), pair(&l, 2));
                let p = AddParams {
                    zp1: zp(i),
                    zp2: zp(i2),
                    out_zero_point: zp(o),
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
                add_i8(x, &t[i2], &p, &mut y);
            }
            Op::Concat => {
                let parts = [
                    ConcatPart {
                        data: &x[..],
                        channels: cin,
                        requant: Some(rq(i, pair(&l, 0))),
                    },
                    ConcatPart {
                        data: &t[i2][..],
                        channels: sh[i2].1,
                        requant: Some(rq(i2, pair(&l, 1))),
                    },
                ];
                concat_i8(&parts, rows, &mut y);
            }
            _ => {}
        }
        t[o] = y;
    }
    t
}

//! Mapping of a decoded TFLite int8 graph onto the engine's blob layers, keeping the file's
//! quantization exactly: weights, biases, scales and zero points are taken as stored; each
//! requantization multiplier and shift is computed from the float scales in `f64` with
//! TFLite Micro's `QuantizeMultiplier`, as its kernels' `Prepare` does; the input zero-point
//! term is folded into the bias (`bias' = bias - zp_in * sum(w)`, the same int32 sum).
//!
//! Shapes: a tensor `[d0, .., dk]` is `(rows, cols)` with `cols = dk` and `rows` the product of
//! the others (batch 1). RESHAPE / EXPAND_DIMS / SQUEEZE that keep the channel count (the
//! Keras Conv1D pattern RESHAPE + CONV_2D + RESHAPE) are aliases and emit nothing.

use std::collections::HashMap;

use super::opcode::{code as c, name};
use super::schema::{dtype, Operator, Tensor, TflModel};
use super::TfliteError;
use crate::blob::{Activation, BlobLayer, LayerParams, Op, Quant};
use equiframe::kernels::{AddParams, MulParams, Requant, SigmoidParams, SoftmaxParams};
use equiframe::quant::quantize_multiplier;

/// Operators the importer maps (named in the unsupported-op message).
pub const SUPPORTED: &str = "FULLY_CONNECTED, CONV_2D (height 1), DEPTHWISE_CONV_2D (height 1), \
MAX_POOL_2D, AVERAGE_POOL_2D, MEAN, REDUCE_MAX, RESHAPE, EXPAND_DIMS, SQUEEZE, RELU, RELU6, \
RELU_N1_TO_1, LOGISTIC, TANH, SOFTMAX, ADD (broadcasting), MUL (broadcasting), CONCATENATION, \
QUANTIZE, DEQUANTIZE";

/// One value of the graph as the blob sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Val {
    /// Blob tensor id (0: the input).
    pub id: usize,
    /// Rows.
    pub rows: usize,
    /// Channels.
    pub cols: usize,
    /// Quantization (as TFLite Micro interprets the tensor).
    pub q: Quant,
    /// Zero point the blob's tensor table records (the engine reads it at run time); differs
    /// from `q` only after a TFLite Micro RELU6 that copies values between scales.
    pub zp_rt: i32,
}

/// The imported backbone.
#[derive(Clone, Debug)]
pub struct Imported {
    /// Blob layers in execution order; layer `i` writes tensor `i + 1`.
    pub layers: Vec<BlobLayer>,
    /// The TFLite operator (index and name) each blob layer comes from.
    pub names: Vec<String>,
    /// Input rows `N` (fixed) and channels `C`.
    pub rows: usize,
    /// Input channels.
    pub channels: usize,
    /// Input quantization.
    pub input_quant: Quant,
    /// Output channels `K`.
    pub outputs: usize,
    /// Output quantization.
    pub output_quant: Quant,
    /// The graph's input takes float and is quantized by a QUANTIZE op.
    pub float_input: bool,
    /// The graph's output is float (a final DEQUANTIZE).
    pub float_output: bool,
}

/// Weights (file order), per-channel scales and the int32 bias of a weighted op.
type Weights = (Vec<i8>, Vec<f32>, Vec<i32>);

struct Cx<'m> {
    m: &'m TflModel,
    vals: HashMap<usize, Val>,
    layers: Vec<BlobLayer>,
    names: Vec<String>,
    index: usize,
    op: String,
}

/// `(rows, cols)` of a shape.
fn rc(t: &Tensor) -> Option<(usize, usize)> {
    let e = t.elems()?;
    let cols = match t.shape.last() {
        Some(&d) => usize::try_from(d).ok()?,
        None => 1,
    };
    (cols > 0 && e > 0 && e % cols == 0).then(|| (e / cols, cols))
}

/// Per-tensor quantization of an activation tensor.
fn act_quant(t: &Tensor) -> Option<Quant> {
    let q = t.quant.as_ref()?;
    let scale = *q.scale.first()?;
    let zp = q.zero_point.first().copied().unwrap_or(0);
    (q.scale.len() == 1 && scale.is_finite() && scale > 0.0 && (-128..=127).contains(&zp))
        .then(|| Quant::new(scale, zp as i32))
}

/// TFLite fused activation code -> blob activation.
fn fused(code: u8) -> Option<Activation> {
    match code {
        0 => Some(Activation::None),
        1 => Some(Activation::Relu),
        2 => Some(Activation::ReluN1To1),
        3 => Some(Activation::Relu6),
        _ => None,
    }
}

impl Cx<'_> {
    fn err(&self, why: impl Into<String>) -> TfliteError {
        TfliteError::Unsupported {
            index: self.index,
            op: self.op.clone(),
            why: why.into(),
        }
    }

    fn tensor(&self, i: i32) -> Result<&Tensor, TfliteError> {
        usize::try_from(i)
            .ok()
            .and_then(|u| self.m.tensors.get(u))
            .ok_or_else(|| self.err(format!("tensor {i} missing")))
    }

    fn input(&self, o: &Operator, k: usize) -> Result<Val, TfliteError> {
        let i = *o
            .inputs
            .get(k)
            .ok_or_else(|| self.err(format!("input {k} missing")))?;
        usize::try_from(i)
            .ok()
            .and_then(|u| self.vals.get(&u).copied())
            .ok_or_else(|| {
                let n = self.tensor(i).map(|t| t.name.clone()).unwrap_or_default();
                self.err(format!(
                    "input {k} ({n:?}) is not a computed int8 tensor (constant operands are not supported)"
                ))
            })
    }

    /// Refuses a value whose run-time zero point differs from TFLite Micro's view of it as
    /// the input of an op that reads zero points at run time.
    fn rt(&self, v: Val) -> Result<Val, TfliteError> {
        if v.q.zero_point != v.zp_rt {
            return Err(self.err(format!(
                "reads a RELU6 output whose zero point TFLite Micro relabels ({} -> {}); only weighted layers may follow such a RELU6",
                v.zp_rt, v.q.zero_point
            )));
        }
        Ok(v)
    }

    /// A positive dimension of at most 2^20.
    fn dim(&self, d: i32) -> Result<usize, TfliteError> {
        usize::try_from(d)
            .ok()
            .filter(|&u| (1..=1 << 20).contains(&u))
            .ok_or_else(|| self.err(format!("dimension {d}")))
    }

    fn out_tensor(&self, o: &Operator) -> Result<(usize, &Tensor), TfliteError> {
        let i = *o.outputs.first().ok_or_else(|| self.err("no output"))?;
        Ok((i as usize, self.tensor(i)?))
    }

    fn out_quant(&self, t: &Tensor) -> Result<Quant, TfliteError> {
        if t.dtype != dtype::INT8 {
            return Err(self.err(format!(
                "output {:?} is {}, not int8",
                t.name,
                super::schema::dtype_name(t.dtype)
            )));
        }
        act_quant(t).ok_or_else(|| {
            self.err(format!(
                "output {:?} has no per-tensor int8 quantization",
                t.name
            ))
        })
    }

    fn constant(&self, i: i32) -> Result<(&Tensor, &[u8]), TfliteError> {
        let t = self.tensor(i)?;
        let data = self
            .m
            .buffers
            .get(t.buffer)
            .map(Vec::as_slice)
            .unwrap_or_default();
        if data.is_empty() {
            return Err(self.err(format!("operand {:?} is not a constant", t.name)));
        }
        Ok((t, data))
    }

    fn ints(&self, i: i32) -> Result<Vec<i32>, TfliteError> {
        let (t, d) = self.constant(i)?;
        if t.dtype != dtype::INT32 || d.len() % 4 != 0 {
            return Err(self.err(format!("{:?} is not an int32 constant", t.name)));
        }
        Ok(d.chunks_exact(4)
            .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }

    fn push(&mut self, tfl_out: usize, l: BlobLayer, rows: usize, cols: usize, q: Quant) -> Val {
        self.layers.push(l);
        self.names.push(format!("#{} {}", self.index, self.op));
        let v = Val {
            id: self.layers.len(),
            rows,
            cols,
            q,
            zp_rt: q.zero_point,
        };
        self.vals.insert(tfl_out, v);
        v
    }

    /// Weights `cout x rest` (int8, symmetric), per-channel scales and the int32 bias.
    fn weights(&self, o: &Operator, cout_axis_len: usize) -> Result<Weights, TfliteError> {
        let wi = *o.inputs.get(1).ok_or_else(|| self.err("no weights"))?;
        let (wt, wd) = self.constant(wi)?;
        if wt.dtype != dtype::INT8 {
            return Err(TfliteError::Hybrid {
                index: self.index,
                op: self.op.clone(),
            });
        }
        let wq = wt
            .quant
            .as_ref()
            .ok_or_else(|| self.err("weights without quantization"))?;
        if wq.zero_point.iter().any(|&z| z != 0) {
            return Err(self.err("weights with a non-zero zero point (asymmetric weights)"));
        }
        let cout = cout_axis_len;
        if cout == 0 || wt.elems() != Some(wd.len()) || wd.len() % cout != 0 {
            return Err(self.err(format!(
                "weights {:?}: {} bytes for shape {:?}",
                wt.name,
                wd.len(),
                wt.shape
            )));
        }
        let scales = match wq.scale.len() {
            1 => vec![wq.scale[0]; cout],
            n if n == cout => wq.scale.clone(),
            n => return Err(self.err(format!("{n} weight scales for {cout} output channels"))),
        };
        if wt.elems() != Some(wd.len()) || wd.len() % cout != 0 {
            return Err(self.err(format!(
                "weights {:?}: {} bytes for shape {:?}",
                wt.name,
                wd.len(),
                wt.shape
            )));
        }
        let w: Vec<i8> = wd.iter().map(|&b| b as i8).collect();
        let bias = match o.inputs.get(2).copied() {
            Some(bi) if bi >= 0 => {
                let b = self.ints(bi)?;
                if b.len() != cout {
                    return Err(self.err(format!(
                        "{} bias values for {cout} output channels",
                        b.len()
                    )));
                }
                b
            }
            _ => vec![0; cout],
        };
        Ok((w, scales, bias))
    }

    /// A weighted int8 layer from TFLite's parameters: folded bias, per-channel multipliers.
    #[allow(clippy::too_many_arguments)]
    fn weighted(
        &self,
        op: Op,
        x: Val,
        w: Vec<i8>,
        scales: &[f32],
        bias: Vec<i32>,
        q_out: Quant,
        act: u8,
    ) -> Result<BlobLayer, TfliteError> {
        let cout = bias.len();
        let per = w.len() / cout;
        let mut folded = Vec::with_capacity(cout);
        let (mut mult, mut shift) = (Vec::with_capacity(cout), Vec::with_capacity(cout));
        for ch in 0..cout {
            let sum: i64 = w[ch * per..(ch + 1) * per]
                .iter()
                .map(|&v| i64::from(v))
                .sum();
            let b = i64::from(bias[ch]) - i64::from(x.q.zero_point) * sum;
            folded.push(i32::try_from(b).map_err(|_| {
                self.err(format!("folded bias {b} of channel {ch} overflows int32"))
            })?);
            // PopulateConvolutionQuantizationParams: double(s_in) * double(s_w) / double(s_out).
            let real = f64::from(x.q.scale) * f64::from(scales[ch]) / f64::from(q_out.scale);
            let (m, s) = quantize_multiplier(real);
            if !(-31..=30).contains(&s) || m < 0 {
                return Err(self.err(format!(
                    "requantization multiplier {real:e} of channel {ch} out of range"
                )));
            }
            mult.push(m);
            shift.push(s);
        }
        let act = fused(act).ok_or_else(|| {
            self.err(format!(
                "fused activation code {act} (only NONE, RELU, RELU6, RELU_N1_TO_1 fuse)"
            ))
        })?;
        Ok(BlobLayer::int8(op, x.id, w, folded, mult, shift, q_out).with_activation(act))
    }

    /// A clamp layer after `v` for a fused activation of a weightless op.
    fn clamp_after(&mut self, tfl_out: usize, v: Val, act: u8) -> Result<Val, TfliteError> {
        let a = fused(act).ok_or_else(|| self.err(format!("fused activation code {act}")))?;
        if a == Activation::None {
            return Ok(v);
        }
        let (lo, hi) = equiframe::quant::activation_range(a.to_quant(), v.q.scale, v.q.zero_point)
            .map_err(|e| self.err(e.to_string()))?;
        let l = BlobLayer::param_only(Op::Clamp, v.id, LayerParams::None).with_clamp(lo, hi);
        let mut out = self.push(tfl_out, l, v.rows, v.cols, v.q);
        out.zp_rt = v.zp_rt;
        self.vals.insert(tfl_out, out);
        Ok(out)
    }

    /// Height-1 NHWC geometry `(w, c)` of a rank-4 tensor.
    fn nhwc1(&self, t: &Tensor) -> Result<(usize, usize), TfliteError> {
        match t.shape.as_slice() {
            [1, 1, w, c] if *w > 0 && *c > 0 && *w <= 1 << 20 && *c <= 1 << 20 => {
                Ok((*w as usize, *c as usize))
            }
            s => Err(self.err(format!("input shape {s:?}: only height-1 NHWC [1, 1, W, C] (Keras 1-D layers) is supported"))),
        }
    }

    /// `(pad_left, pad_right)` of TFLite SAME / VALID padding, checked against `out`.
    fn pads(
        &self,
        padding: u8,
        n: usize,
        k: usize,
        stride: usize,
        out: usize,
    ) -> Result<(usize, usize), TfliteError> {
        let (want, total) = match padding {
            0 => {
                let o = n.div_ceil(stride);
                (o, ((o - 1) * stride + k).saturating_sub(n))
            }
            1 if n >= k => ((n - k) / stride + 1, 0),
            p => return Err(self.err(format!("padding {p} with n {n}, k {k}"))),
        };
        if want != out {
            return Err(self.err(format!("output length {out}, expected {want}")));
        }
        Ok((total / 2, total - total / 2))
    }

    fn op(&mut self, o: &Operator) -> Result<(), TfliteError> {
        let (ot, out) = self.out_tensor(o)?;
        let out = out.clone();
        match o.code {
            c::RESHAPE | c::EXPAND_DIMS | c::SQUEEZE => {
                let x = self.input(o, 0)?;
                let (r, cols) = rc(&out).ok_or_else(|| self.err("bad output shape"))?;
                if r * cols != x.rows * x.cols || !(cols == x.cols || (r == 1 && x.rows == 1)) {
                    return Err(self.err(format!(
                        "reshape ({}, {}) -> {:?} moves rows into channels; only reshapes that keep the channel count are supported",
                        x.rows, x.cols, out.shape
                    )));
                }
                if self.out_quant(&out)? != x.q {
                    return Err(self.err("reshape changes the quantization"));
                }
                self.vals.insert(ot, Val { rows: r, cols, ..x });
            }
            c::QUANTIZE => {
                let x = self.input(o, 0)?;
                let q = self.out_quant(&out)?;
                if q == x.q {
                    self.vals.insert(ot, x);
                } else {
                    // int8 -> int8 requantization: out = zp_out + MBQM(x - zp_in, s_in / s_out),
                    // a leaky ReLU whose two slopes are the same multiplier.
                    let x = self.rt(x)?;
                    let r = Requant::from_scales(x.q.scale, x.q.zero_point, q.scale, q.zero_point)
                        .map_err(|e| self.err(e.to_string()))?;
                    let p =
                        LayerParams::Int8Aux(vec![r.multiplier, r.shift, r.multiplier, r.shift]);
                    let l = BlobLayer::param_only(Op::LeakyRelu, x.id, p).with_output_quant(q);
                    self.push(ot, l, x.rows, x.cols, q);
                }
            }
            c::DEQUANTIZE => {
                let x = self.input(o, 0)?;
                self.vals.insert(ot, x);
            }
            c::FULLY_CONNECTED => {
                let x = self.input(o, 0)?;
                if o.options.weights_format != 0 {
                    return Err(self.err("shuffled weights format"));
                }
                let wt = self.tensor(*o.inputs.get(1).unwrap_or(&-1))?;
                let [cout, cin] = wt.shape.as_slice() else {
                    return Err(self.err(format!("weights of shape {:?}", wt.shape)));
                };
                let (cout, cin) = (self.dim(*cout)?, self.dim(*cin)?);
                if cin != x.cols {
                    return Err(self.err(format!("input has {} channels, weights {cin}", x.cols)));
                }
                let q = self.out_quant(&out)?;
                let (w, s, b) = self.weights(o, cout)?;
                let op = if x.rows == 1 {
                    Op::Dense
                } else {
                    Op::Pointwise
                };
                let l = self.weighted(op, x, w, &s, b, q, o.options.activation)?;
                self.push(ot, l, x.rows, cout, q);
            }
            c::CONV_2D | c::DEPTHWISE_CONV_2D => {
                let depthwise = o.code == c::DEPTHWISE_CONV_2D;
                let x = self.input(o, 0)?;
                let (n, cin) = self.nhwc1(self.tensor(o.inputs[0])?)?;
                let wt = self.tensor(*o.inputs.get(1).unwrap_or(&-1))?;
                // CONV_2D filters are [cout, 1, k, cin]; DEPTHWISE_CONV_2D [1, 1, k, cout].
                let (cout, k, wcin) = match (depthwise, wt.shape.as_slice()) {
                    (false, [co, 1, k, ci]) => (self.dim(*co)?, self.dim(*k)?, self.dim(*ci)?),
                    (true, [1, 1, k, co]) => (self.dim(*co)?, self.dim(*k)?, 1),
                    (_, s) => {
                        return Err(
                            self.err(format!("filter of shape {s:?}: only height-1 filters"))
                        )
                    }
                };
                let groups = if depthwise {
                    if cout % cin != 0
                        || (o.options.depth_multiplier > 0
                            && cout != cin * o.options.depth_multiplier as usize)
                    {
                        return Err(self.err(format!(
                            "{cout} output channels for {cin} inputs and depth multiplier {}",
                            o.options.depth_multiplier
                        )));
                    }
                    cin
                } else {
                    if wcin != cin {
                        return Err(self.err(format!(
                            "filter has {wcin} input channels, input {cin} (grouped CONV_2D)"
                        )));
                    }
                    1
                };
                if o.options.stride_w < 1 || o.options.dilation_w < 1 {
                    return Err(self.err("zero stride or dilation"));
                }
                let (nout, _) = self.nhwc1(&out)?;
                let (stride, dil) = (o.options.stride_w as usize, o.options.dilation_w as usize);
                let span = dil * (k - 1) + 1;
                let (pl, pr) = self.pads(o.options.padding, n, span, stride, nout)?;
                let x = if pl + pr > 0 { self.rt(x)? } else { x };
                let q = self.out_quant(&out)?;
                let (mut w, s, b) = self.weights(o, cout)?;
                if depthwise {
                    // [k, cout] -> cout x k (one input channel per group).
                    w = (0..cout * k).map(|i| w[(i % k) * cout + i / k]).collect();
                }
                let mut l = self
                    .weighted(Op::Conv1d, x, w, &s, b, q, o.options.activation)?
                    .with_conv(k, stride, pl, pr);
                if dil > 1 || groups > 1 {
                    l = l.with_groups(dil, groups);
                }
                self.push(ot, l, nout, cout, q);
            }
            c::MAX_POOL_2D | c::AVERAGE_POOL_2D => {
                let x = self.input(o, 0)?;
                let (n, cin) = self.nhwc1(self.tensor(o.inputs[0])?)?;
                let (nout, _) = self.nhwc1(&out)?;
                let op = &o.options;
                if op.filter_h != 1 || op.stride_w < 1 || op.filter_w < 1 {
                    return Err(self.err("only 1 x k pooling windows"));
                }
                let (k, stride) = (op.filter_w as usize, op.stride_w as usize);
                let (pl, pr) = self.pads(op.padding, n, k, stride, nout)?;
                if self.out_quant(&out)? != x.q {
                    return Err(self.err("pooling changes the quantization"));
                }
                let pool = if o.code == c::MAX_POOL_2D {
                    Op::MaxPool1d
                } else {
                    Op::AvgPool1d
                };
                let l = BlobLayer::param_only(pool, x.id, LayerParams::None)
                    .with_conv(k, stride, pl, pr);
                let mut v = self.push(ot, l, nout, cin, x.q);
                v.zp_rt = x.zp_rt;
                self.vals.insert(ot, v);
                self.clamp_after(ot, v, op.activation)?;
            }
            c::MEAN | c::REDUCE_MAX => {
                let x = self.input(o, 0)?;
                let xt = self.tensor(o.inputs[0])?.clone();
                let rank = xt.shape.len() as i32;
                let axes: Vec<i32> = self
                    .ints(*o.inputs.get(1).unwrap_or(&-1))?
                    .into_iter()
                    .map(|a| if a < 0 { a + rank } else { a })
                    .collect();
                let covers = (1..rank - 1).all(|d| axes.contains(&d) || xt.shape[d as usize] == 1)
                    && axes.iter().all(|&a| a >= 1 && a < rank - 1);
                let (r, cols) = rc(&out).ok_or_else(|| self.err("bad output shape"))?;
                if !covers || r != 1 || cols != x.cols {
                    return Err(self.err(format!(
                        "axes {axes:?} of shape {:?}: only a reduction over every row (all axes but batch and channels)",
                        xt.shape
                    )));
                }
                let q = self.out_quant(&out)?;
                let l = if o.code == c::REDUCE_MAX {
                    if q != x.q {
                        return Err(self.err("REDUCE_MAX changes the quantization"));
                    }
                    BlobLayer::max_pool(x.id)
                } else {
                    if q == x.q {
                        return Err(self.err("MEAN with identical input and output quantization (TFLite Micro's truncating integer mean) is not mapped"));
                    }
                    self.rt(x)?;
                    let r = Requant::from_scales(x.q.scale, x.q.zero_point, q.scale, q.zero_point)
                        .map_err(|e| self.err(e.to_string()))?;
                    BlobLayer::param_only(
                        Op::MeanPool,
                        x.id,
                        LayerParams::Int8Aux(vec![r.multiplier, r.shift]),
                    )
                    .with_output_quant(q)
                };
                let mut v = self.push(ot, l, 1, x.cols, q);
                if o.code == c::REDUCE_MAX {
                    v.zp_rt = x.zp_rt;
                    self.vals.insert(ot, v);
                }
            }
            c::RELU6 => {
                // TFLite Micro's RELU6 clamps the raw values to [zp_in, q(6)] in the input's
                // quantization and copies them, whatever the output tensor's quantization: a
                // clamp, with the output's quantization taken for what follows (as there).
                let x = self.input(o, 0)?;
                let q = self.out_quant(&out)?;
                let six = (x.q.zero_point + (6.0f32 / x.q.scale).round() as i32).clamp(-128, 127);
                let lo = x.q.zero_point.clamp(-128, 127);
                let l = BlobLayer::param_only(Op::Clamp, x.id, LayerParams::None)
                    .with_clamp(lo, six.max(lo));
                let mut v = self.push(ot, l, x.rows, x.cols, q);
                v.zp_rt = x.zp_rt;
                self.vals.insert(ot, v);
            }
            c::RELU | c::RELU_N1_TO_1 => {
                let x = self.input(o, 0)?;
                let q = self.out_quant(&out)?;
                let (lo, hi) = if o.code == c::RELU {
                    (0.0f32, f32::INFINITY)
                } else {
                    (-1.0, 1.0)
                };
                // CalculateReluOpData: zp + round(bound / scale), within -128..=127.
                let qb = |v: f32| q.zero_point + (v / q.scale).round() as i32;
                let lo_q = qb(lo).max(-128);
                let hi_q = if hi.is_finite() { qb(hi).min(127) } else { 127 };
                let v = if q == x.q {
                    x
                } else if o.code == c::RELU {
                    // ReluQuantized: zp_out + MBQM(x - zp_in, s_in / s_out), then max(zp_out):
                    // a leaky ReLU with slope 0 gives exactly that.
                    let x = self.rt(x)?;
                    let r = Requant::from_scales(x.q.scale, x.q.zero_point, q.scale, q.zero_point)
                        .map_err(|e| self.err(e.to_string()))?;
                    let p = LayerParams::Int8Aux(vec![r.multiplier, r.shift, 0, 0]);
                    let l = BlobLayer::param_only(Op::LeakyRelu, x.id, p).with_output_quant(q);
                    self.push(ot, l, x.rows, x.cols, q)
                } else {
                    return Err(self.err("RELU_N1_TO_1 that requantizes"));
                };
                // The leaky form already holds the lower bound (its output is >= zp_out).
                let needs = if v.id == x.id {
                    (lo_q, hi_q) != (-128, 127)
                } else {
                    hi_q != 127
                };
                if needs {
                    let l = BlobLayer::param_only(Op::Clamp, v.id, LayerParams::None)
                        .with_clamp(lo_q, hi_q.max(lo_q));
                    let mut c = self.push(ot, l, v.rows, v.cols, q);
                    c.zp_rt = v.zp_rt;
                    self.vals.insert(ot, c);
                } else {
                    self.vals.insert(ot, v);
                }
            }
            c::ADD | c::MUL => {
                let (a, b) = (self.rt(self.input(o, 0)?)?, self.rt(self.input(o, 1)?)?);
                let bc = |p: usize, q: usize| (p == q || p == 1 || q == 1).then(|| p.max(q));
                let (Some(rows), Some(cols)) = (bc(a.rows, b.rows), bc(a.cols, b.cols)) else {
                    return Err(self.err(format!(
                        "shapes ({}, {}) and ({}, {}) do not broadcast",
                        a.rows, a.cols, b.rows, b.cols
                    )));
                };
                let q = self.out_quant(&out)?;
                if rc(&out) != Some((rows, cols)) {
                    return Err(self.err(format!(
                        "output shape {:?}, expected ({rows}, {cols})",
                        out.shape
                    )));
                }
                let act =
                    fused(o.options.activation).ok_or_else(|| self.err("fused activation"))?;
                let range =
                    equiframe::quant::activation_range(act.to_quant(), q.scale, q.zero_point)
                        .map_err(|e| self.err(e.to_string()))?;
                let (s1, s2, so) = (
                    (a.q.scale, a.q.zero_point),
                    (b.q.scale, b.q.zero_point),
                    (q.scale, q.zero_point),
                );
                let (op, params) = if o.code == c::ADD {
                    let p = AddParams::from_scales(s1, s2, so, range)
                        .map_err(|e| self.err(e.to_string()))?;
                    (
                        Op::Add,
                        vec![
                            p.multiplier1,
                            p.shift1,
                            p.multiplier2,
                            p.shift2,
                            p.out_multiplier,
                            p.out_shift,
                        ],
                    )
                } else {
                    let p = MulParams::from_scales(s1, s2, so, range)
                        .map_err(|e| self.err(e.to_string()))?;
                    (Op::Mul, vec![p.multiplier, p.shift])
                };
                let l = BlobLayer::param_only(op, a.id, LayerParams::Int8Aux(params))
                    .with_input2(b.id)
                    .with_activation(act)
                    .with_output_quant(q);
                self.push(ot, l, rows, cols, q);
            }
            c::LOGISTIC | c::TANH | c::SOFTMAX => {
                let x = self.rt(self.input(o, 0)?)?;
                let q = self.out_quant(&out)?;
                let op = match o.code {
                    c::LOGISTIC => Op::Logistic,
                    c::TANH => Op::Tanh,
                    _ => Op::Softmax,
                };
                if let Some((fs, fz)) = op.fixed_output_quant() {
                    if (q.scale, q.zero_point) != (fs, fz) {
                        return Err(self.err(format!(
                            "output quantization ({:e}, {}) is not TFLite's fixed ({fs:e}, {fz})",
                            q.scale, q.zero_point
                        )));
                    }
                }
                let e = |e: equiframe::quant::QuantError| self.err(e.to_string());
                let params = if op == Op::Softmax {
                    let p = SoftmaxParams::from_scale(o.options.beta, x.q.scale).map_err(e)?;
                    vec![p.multiplier, p.left_shift, p.diff_min]
                } else {
                    let p = SigmoidParams::from_scale(x.q.scale, x.q.zero_point).map_err(e)?;
                    vec![p.multiplier, p.left_shift, p.range_radius]
                };
                let l = BlobLayer::param_only(op, x.id, LayerParams::Int8Aux(params))
                    .with_output_quant(q);
                self.push(ot, l, x.rows, x.cols, q);
            }
            c::CONCATENATION => {
                let rank = out.shape.len() as i32;
                let axis = if o.options.axis < 0 {
                    o.options.axis + rank
                } else {
                    o.options.axis
                };
                if axis != rank - 1 {
                    return Err(self.err(format!(
                        "axis {} of rank {rank}: only the channel axis",
                        o.options.axis
                    )));
                }
                let q = self.out_quant(&out)?;
                let ins = (0..o.inputs.len())
                    .map(|k| self.input(o, k).and_then(|v| self.rt(v)))
                    .collect::<Result<Vec<_>, _>>()?;
                let mut acc = *ins.first().ok_or_else(|| self.err("no inputs"))?;
                if ins.len() == 1 {
                    return Err(self.err("a one-input concatenation"));
                }
                for b in &ins[1..] {
                    if b.rows != acc.rows {
                        return Err(self.err("inputs with different row counts"));
                    }
                    let r1 =
                        Requant::from_scales(acc.q.scale, acc.q.zero_point, q.scale, q.zero_point)
                            .map_err(|e| self.err(e.to_string()))?;
                    let r2 = Requant::from_scales(b.q.scale, b.q.zero_point, q.scale, q.zero_point)
                        .map_err(|e| self.err(e.to_string()))?;
                    let l = BlobLayer::param_only(
                        Op::Concat,
                        acc.id,
                        LayerParams::Int8Aux(vec![
                            r1.multiplier,
                            r1.shift,
                            r2.multiplier,
                            r2.shift,
                        ]),
                    )
                    .with_input2(b.id)
                    .with_output_quant(q);
                    acc = self.push(ot, l, acc.rows, acc.cols + b.cols, q);
                }
                self.clamp_after(ot, acc, o.options.activation)?;
            }
            _ => {
                return Err(TfliteError::UnsupportedOp {
                    op: o.name(),
                    index: self.index,
                    supported: SUPPORTED,
                })
            }
        }
        Ok(())
    }
}

/// Refuses float-only and hybrid models with the one-line errors the CLI prints.
fn check_int8(m: &TflModel) -> Result<(), TfliteError> {
    let is_const = |t: &Tensor| m.buffers.get(t.buffer).is_some_and(|b| !b.is_empty());
    if !m.tensors.iter().any(|t| t.dtype == dtype::INT8) {
        let t = m.inputs.first().and_then(|&i| m.tensors.get(i));
        return Err(TfliteError::FloatOnly {
            tensor: t.map(|t| t.name.clone()).unwrap_or_default(),
        });
    }
    for (index, o) in m.operators.iter().enumerate() {
        if matches!(o.code, c::QUANTIZE | c::DEQUANTIZE) {
            continue;
        }
        let float_act = o
            .inputs
            .iter()
            .chain(&o.outputs)
            .filter_map(|&i| usize::try_from(i).ok().and_then(|u| m.tensors.get(u)))
            .any(|t| t.dtype == dtype::FLOAT32 && !is_const(t));
        if float_act {
            return Err(TfliteError::Hybrid {
                index,
                op: o.name(),
            });
        }
    }
    Ok(())
}

/// Maps a decoded model onto blob layers.
pub fn lower(m: &TflModel) -> Result<Imported, TfliteError> {
    check_int8(m)?;
    let [inp] = m.inputs.as_slice() else {
        return Err(TfliteError::Malformed {
            what: format!("{} graph inputs; exactly one is supported", m.inputs.len()),
        });
    };
    let [outp] = m.outputs.as_slice() else {
        return Err(TfliteError::Malformed {
            what: format!(
                "{} graph outputs; exactly one is supported",
                m.outputs.len()
            ),
        });
    };
    let it = m.tensors.get(*inp).ok_or(TfliteError::BadIndex {
        what: "tensor",
        index: *inp as i64,
        len: m.tensors.len(),
    })?;
    let (rows, channels) = rc(it).ok_or_else(|| TfliteError::Malformed {
        what: format!("input shape {:?}", it.shape),
    })?;
    if rows > 1 << 20 || channels > equiframe::frame::MAX_CHANNELS {
        return Err(TfliteError::Malformed {
            what: format!(
                "input shape {:?}: at most {} rows of at most {} channels",
                it.shape,
                1 << 20,
                equiframe::frame::MAX_CHANNELS
            ),
        });
    }
    let mut cx = Cx {
        m,
        vals: HashMap::new(),
        layers: Vec::new(),
        names: Vec::new(),
        index: 0,
        op: String::new(),
    };
    let mut float_input = false;
    let input_quant = if it.dtype == dtype::INT8 {
        act_quant(it).ok_or_else(|| TfliteError::Malformed {
            what: format!("input {:?} has no per-tensor quantization", it.name),
        })?
    } else {
        // A float input quantized by the first QUANTIZE: tensor 0 is that op's output.
        let qop = m
            .operators
            .iter()
            .find(|o| o.code == c::QUANTIZE && o.inputs.first() == Some(&(*inp as i32)))
            .ok_or_else(|| TfliteError::FloatOnly {
                tensor: it.name.clone(),
            })?;
        let qt = qop
            .outputs
            .first()
            .and_then(|&i| m.tensors.get(i as usize))
            .ok_or(TfliteError::Malformed {
                what: "QUANTIZE without output".into(),
            })?;
        float_input = true;
        let q = act_quant(qt).ok_or_else(|| TfliteError::Malformed {
            what: format!("{:?} has no int8 quantization", qt.name),
        })?;
        cx.vals.insert(
            qop.outputs[0] as usize,
            Val {
                id: 0,
                rows,
                cols: channels,
                q,
                zp_rt: q.zero_point,
            },
        );
        q
    };
    cx.vals.insert(
        *inp,
        Val {
            id: 0,
            rows,
            cols: channels,
            q: input_quant,
            zp_rt: input_quant.zero_point,
        },
    );
    for (index, o) in m.operators.iter().enumerate() {
        cx.index = index;
        cx.op = name(o.code);
        if o.code == c::QUANTIZE && float_input && o.inputs.first() == Some(&(*inp as i32)) {
            continue;
        }
        cx.op(o)?;
    }
    let ot = m.tensors.get(*outp).ok_or(TfliteError::BadIndex {
        what: "tensor",
        index: *outp as i64,
        len: m.tensors.len(),
    })?;
    let v = cx
        .vals
        .get(outp)
        .copied()
        .ok_or_else(|| TfliteError::Malformed {
            what: format!("output {:?} is never computed", ot.name),
        })?;
    if v.rows != 1 || v.id == 0 || v.id != cx.layers.len() {
        return Err(TfliteError::Malformed {
            what: format!(
                "output {:?} of shape {:?}: the engine needs one output row computed by the last layer",
                ot.name, ot.shape
            ),
        });
    }
    Ok(Imported {
        layers: cx.layers,
        names: cx.names,
        rows,
        channels,
        input_quant,
        outputs: v.cols,
        output_quant: v.q,
        float_input,
        float_output: ot.dtype == dtype::FLOAT32,
    })
}

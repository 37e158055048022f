//! Lowering of the float IR onto the blob's operators (f32 layers; the quantizer turns them
//! into int8 one to one).
//!
//! Value 0 of the IR is tensor 0; every emitted blob layer writes the next tensor. Activations
//! the blob cannot fuse (leaky ReLU, a general `Clip`) become a layer of their own; n-ary
//! concatenations become a chain of two-input ones.

use anyhow::bail;

use crate::blob::{Activation as BAct, BlobLayer, Constant, LayerParams, Op as BOp};
use crate::ir::{Activation, BinaryKind, Graph, Linear, Op, PoolKind, Shape};
use equiframe::model::Function;

/// The backbone as blob layers (f32), with the IR layer each came from.
#[derive(Debug, Clone)]
pub struct Lowered {
    /// Layers in execution order; layer `i` writes tensor `i + 1`.
    pub layers: Vec<BlobLayer>,
    /// Name of the IR (ONNX) layer each blob layer comes from.
    pub names: Vec<String>,
    /// `Some(n)`: the model needs exactly `n` rows.
    pub fixed_points: Option<usize>,
    /// Input channels.
    pub channels: usize,
    /// Output channels `K`.
    pub outputs: usize,
}

struct Ctx {
    layers: Vec<BlobLayer>,
    names: Vec<String>,
}

impl Ctx {
    fn push(&mut self, name: &str, l: BlobLayer) -> usize {
        self.layers.push(l);
        self.names.push(name.to_string());
        self.layers.len()
    }
}

/// The blob activation for an IR clamp, if it has one.
fn fused(a: Activation) -> Option<BAct> {
    match a {
        Activation::None => Some(BAct::None),
        Activation::Relu => Some(BAct::Relu),
        Activation::Relu6 => Some(BAct::Relu6),
        Activation::Clip { min, max } => match (min, max) {
            (0.0, 6.0) => Some(BAct::Relu6),
            (-1.0, 1.0) => Some(BAct::ReluN1To1),
            (0.0, m) if m == f32::INFINITY => Some(BAct::Relu),
            (m, n) if m == f32::NEG_INFINITY && n == f32::INFINITY => Some(BAct::None),
            _ => None,
        },
        Activation::LeakyRelu { .. }
        | Activation::Sigmoid
        | Activation::Tanh
        | Activation::Element(_) => None,
    }
}

/// Emits `a` after tensor `t` as a layer of its own; returns the new tensor.
fn standalone(cx: &mut Ctx, name: &str, t: usize, a: Activation) -> usize {
    let (op, p) = match a {
        Activation::None => return t,
        Activation::Sigmoid | Activation::Tanh | Activation::Element(_) => {
            return cx.push(name, activation_layer(t, a))
        }
        Activation::LeakyRelu { alpha } => (BOp::LeakyRelu, vec![alpha]),
        other => {
            let (lo, hi) = other
                .clamp_range()
                .unwrap_or((f32::NEG_INFINITY, f32::INFINITY));
            (BOp::Clamp, vec![lo, hi])
        }
    };
    cx.push(name, BlobLayer::param_only(op, t, LayerParams::F32Aux(p)))
}

/// The f32 blob layer of a LOGISTIC / TANH / lookup-table activation reading tensor `t`.
fn activation_layer(t: usize, a: Activation) -> BlobLayer {
    match a {
        Activation::Sigmoid => BlobLayer::param_only(BOp::Logistic, t, LayerParams::None),
        Activation::Tanh => BlobLayer::param_only(BOp::Tanh, t, LayerParams::None),
        Activation::Element(f) => {
            let (code, p) = Function::from_kernel(f).unwrap_or((Function::Gelu, [0.0; 2]));
            BlobLayer::param_only(BOp::Lut, t, LayerParams::F32Aux(p.to_vec())).with_function(code)
        }
        _ => BlobLayer::param_only(BOp::Clamp, t, LayerParams::F32Aux(vec![f32::MIN, f32::MAX])),
    }
}

fn linear_layer(op: BOp, input: usize, w: &Linear) -> BlobLayer {
    BlobLayer::f32(op, input, w.weights.clone(), w.bias.clone())
}

/// Pushes `l` with activation `a` fused when the blob can, else followed by a layer of its own.
fn with_act(cx: &mut Ctx, name: &str, l: BlobLayer, a: Activation) -> usize {
    match fused(a) {
        Some(f) => cx.push(name, l.with_activation(f)),
        None => {
            let t = cx.push(name, l);
            standalone(cx, name, t, a)
        }
    }
}

fn binary_op(k: BinaryKind) -> BOp {
    match k {
        BinaryKind::Add => BOp::Add,
        BinaryKind::Sub => BOp::Sub,
        BinaryKind::Mul => BOp::Mul,
    }
}

/// Lowers `g` (already fused with `ir::fuse_pointwise_max`).
pub fn lower(g: &Graph) -> anyhow::Result<Lowered> {
    let mut cx = Ctx {
        layers: Vec::new(),
        names: Vec::new(),
    };
    // Blob tensor of each IR value.
    let mut tensor: Vec<Option<usize>> = vec![None; g.values.len()];
    tensor[0] = Some(0);
    let fixed = g.input_points();
    for l in &g.layers {
        let name = l.name.as_str();
        let ins: Vec<usize> = l
            .inputs
            .iter()
            .map(|&v| tensor.get(v).copied().flatten())
            .collect::<Option<_>>()
            .ok_or_else(|| anyhow::anyhow!("layer '{name}' reads a value computed after it"))?;
        let x = ins[0];
        let out = match &l.op {
            Op::Dense(w)
            | Op::Pointwise(w)
            | Op::PointwiseMax(w)
            | Op::Conv1d { linear: w, .. } => {
                let (op, conv) = match &l.op {
                    Op::Dense(_) => (BOp::Dense, None),
                    Op::Pointwise(_) => (BOp::Pointwise, None),
                    Op::PointwiseMax(_) => (BOp::PointwiseMax, None),
                    Op::Conv1d {
                        k,
                        stride,
                        pad_begin,
                        pad_end,
                        ..
                    } => {
                        if fixed.is_none() {
                            bail!("layer '{name}' (conv1d, kernel {k}) needs a fixed number of time steps: export the ONNX input as (B,N,C) with N fixed");
                        }
                        (BOp::Conv1d, Some((*k, *stride, *pad_begin, *pad_end)))
                    }
                    _ => unreachable!("matched above"),
                };
                if op == BOp::PointwiseMax {
                    if let Activation::LeakyRelu { alpha } = w.act {
                        if alpha < 0.0 {
                            bail!("layer '{name}': leaky ReLU with negative slope {alpha} before a max pool is not supported (it does not commute with the max)");
                        }
                    }
                }
                let mut bl = linear_layer(op, x, w);
                if let Some((k, s, pb, pe)) = conv {
                    bl = bl.with_conv(k, s, pb, pe);
                }
                match fused(w.act) {
                    Some(a) => cx.push(name, bl.with_activation(a)),
                    None => {
                        let t = cx.push(name, bl);
                        standalone(&mut cx, name, t, w.act)
                    }
                }
            }
            Op::GlobalPool(kind) => {
                let op = match kind {
                    PoolKind::Max => BOp::MaxPool,
                    PoolKind::Mean => BOp::MeanPool,
                    PoolKind::Sum => BOp::SumPool,
                };
                cx.push(name, BlobLayer::param_only(op, x, LayerParams::None))
            }
            Op::MaxPool1d {
                k,
                stride,
                pad_begin,
                pad_end,
            } => {
                if fixed.is_none() {
                    bail!("layer '{name}' (max_pool1d) needs a fixed number of time steps");
                }
                cx.push(
                    name,
                    BlobLayer::param_only(BOp::MaxPool1d, x, LayerParams::None)
                        .with_conv(*k, *stride, *pad_begin, *pad_end),
                )
            }
            Op::Activation(a) => standalone(&mut cx, name, x, *a),
            Op::Add(a) => {
                let add = BlobLayer::param_only(BOp::Add, x, LayerParams::None).with_input2(ins[1]);
                match fused(*a) {
                    Some(f) => cx.push(name, add.with_activation(f)),
                    None => {
                        let t = cx.push(name, add);
                        standalone(&mut cx, name, t, *a)
                    }
                }
            }
            Op::Binary { kind, act } => {
                let l = BlobLayer::param_only(binary_op(*kind), x, LayerParams::None)
                    .with_input2(ins[1]);
                with_act(&mut cx, name, l, *act)
            }
            Op::BinaryConst {
                kind,
                constant,
                act,
            } => {
                let l = BlobLayer::param_only(binary_op(*kind), x, LayerParams::None)
                    .with_constant(Constant::F32(constant.clone()));
                with_act(&mut cx, name, l, *act)
            }
            Op::RowNorm {
                first,
                count,
                squared,
            } => {
                let op = if *squared {
                    BOp::RowSquaredNorm
                } else {
                    BOp::RowNorm
                };
                let l = BlobLayer::param_only(op, x, LayerParams::None).with_range(*first, *count);
                cx.push(name, l)
            }
            Op::AvgPool1d {
                k,
                stride,
                pad_begin,
                pad_end,
            } => {
                if fixed.is_none() {
                    bail!("layer '{name}' (avg_pool1d) needs a fixed number of time steps");
                }
                cx.push(
                    name,
                    BlobLayer::param_only(BOp::AvgPool1d, x, LayerParams::None)
                        .with_conv(*k, *stride, *pad_begin, *pad_end),
                )
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
                if fixed.is_none() {
                    bail!("layer '{name}' (conv1d, kernel {k}) needs a fixed number of time steps: export the ONNX input as (B,N,C) with N fixed");
                }
                let l = linear_layer(BOp::Conv1d, x, w)
                    .with_conv(*k, *stride, *pad_begin, *pad_end)
                    .with_groups(*dilation, *groups);
                with_act(&mut cx, name, l, w.act)
            }
            Op::Flatten | Op::SliceRows { .. } => {
                if fixed.is_none() {
                    bail!(
                        "layer '{name}' ({}) needs a fixed number of time steps",
                        l.op.kind()
                    );
                }
                let l = match &l.op {
                    Op::SliceRows { first, count } => {
                        BlobLayer::param_only(BOp::SliceRows, x, LayerParams::None)
                            .with_range(*first, *count)
                    }
                    _ => BlobLayer::param_only(BOp::Flatten, x, LayerParams::None),
                };
                cx.push(name, l)
            }
            Op::Softmax { beta } => cx.push(
                name,
                BlobLayer::param_only(BOp::Softmax, x, LayerParams::F32Aux(vec![*beta])),
            ),
            Op::LogSoftmax => cx.push(
                name,
                BlobLayer::param_only(BOp::LogSoftmax, x, LayerParams::None),
            ),
            Op::LayerNorm { eps, gamma, beta } => {
                let p = std::iter::once(*eps)
                    .chain(gamma.iter().copied())
                    .chain(beta.iter().copied());
                cx.push(
                    name,
                    BlobLayer::param_only(BOp::LayerNorm, x, LayerParams::F32Aux(p.collect())),
                )
            }
            Op::Concat => {
                let mut t = x;
                for &y in &ins[1..] {
                    t = cx.push(
                        name,
                        BlobLayer::param_only(BOp::Concat, t, LayerParams::None).with_input2(y),
                    );
                }
                t
            }
        };
        if let Some(slot) = tensor.get_mut(l.output) {
            *slot = Some(out);
        }
    }
    let out_t = tensor.get(g.output).copied().flatten().unwrap_or(0);
    match g.values.get(g.output) {
        Some(Shape::Vector { .. }) => {}
        _ => bail!(
            "the model output is per point (B,N,K); a model blob outputs one (B,K) vector per sample: pool over the points before the output"
        ),
    }
    if out_t == 0 || out_t != cx.layers.len() {
        bail!("the model output is not computed by its last layer");
    }
    Ok(Lowered {
        layers: cx.layers,
        names: cx.names,
        fixed_points: fixed,
        channels: g.input_channels(),
        outputs: g.output_channels(),
    })
}

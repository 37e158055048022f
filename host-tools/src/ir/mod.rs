//! The float graph IR: the backbone as a topologically ordered list of layers that match the
//! core's kernels (dense, pointwise, fused pointwise + max pool, conv1d, pools, add, concat,
//! activations), with activations fused into the preceding linear layer where the graph allows.
//!
//! Tensors are per sample and channels last: a point set or time window is `(N, C)` row-major
//! ([`Shape::Points`]), a global feature is `(C)` ([`Shape::Vector`]).
//!
//! # Targeting the IR from an importer
//!
//! | pattern | IR |
//! |---|---|
//! | `a + b`, `a - b`, `a * b` between values (NumPy broadcasting over rows or channels: `(N, C)` with `(C)`, `(N, 1)`, `(1)`) | [`Op::Binary`], inputs `[a, b]` |
//! | `x + c`, `x - c`, `x * c` with a constant `c` of 1, `C` or `N x C` values (`N` fixed) | [`Op::BinaryConst`] |
//! | `x / c` | [`Op::div_const`] (a `Mul` by `1 / c`) |
//! | `c - x` | `Mul` by `-1`, then `Add` of `c` (two [`Op::BinaryConst`]) |
//! | `ReduceL2(x[:, a..a+k], axis=-1, keepdims)`, `Sqrt(ReduceSum(x * x))` | [`Op::RowNorm`] `{ squared: false }`, output `(N, 1)` |
//! | `ReduceSum(x * x)`, `ReduceSumSquare`, `Sum(Pow(x, 2))` over channels | [`Op::RowNorm`] `{ squared: true }` |
//! | `x - x.mean(1, keepdim=True)` | [`Op::GlobalPool`] (`Mean`, a `(C)` vector) then [`Op::Binary`] `Sub` `[x, mean]` |
//! | `AvgPool1d` (`count_include_pad=False`; TFLite's AVERAGE_POOL_2D) | [`Op::AvgPool1d`] |
//! | `Conv1d(groups=g, dilation=d)`, depthwise (`groups = C`) | [`Op::Conv1dGrouped`], weights `cout x k x (cin / g)` |
//! | `padding='same'` / `SAME_UPPER` | explicit `pad_begin = total / 2`, `pad_end = total - total / 2` with `total = (n_out - 1) * stride + dilation * (k - 1) + 1 - n` |
//! | `Flatten` of a fixed `(N, C)` window, then `Linear` | [`Op::Flatten`] (time-major, element `t * C + j`), then the `Linear`'s weight columns permuted with [`permute_channels_first`] |
//! | `h[:, :, -1]` (Gather of one time step), `Slice` of rows | [`Op::SliceRows`] with `first` resolved (`N - 1`), output `(C)` for one row |
//!
//! Activation-type layers, for importers to target (each lowers to one blob layer; int8
//! parameters are computed by the quantizer, bit-exact with TFLite Micro where TFLite has the
//! kernel):
//!
//! | PyTorch / ONNX | IR |
//! |---|---|
//! | `Sigmoid` | [`Activation::Sigmoid`] (int8: TFLite LOGISTIC, output 1/256, -128) |
//! | `Tanh` | [`Activation::Tanh`] (int8: TFLite TANH, output 1/128, 0) |
//! | GELU (`Erf` form / `approximate='tanh'`) | [`Activation::Element`]`(ElementFn::Gelu / GeluTanh)` |
//! | SiLU (`x * Sigmoid(x)`), ELU, SELU, HardSwish, HardSigmoid, Softplus, Mish | [`Activation::Element`] with the matching [`ElementFn`] (int8: 256-entry table) |
//! | `LeakyRelu` / one-slope `PRelu` | [`Activation::LeakyRelu`] (int8: TFLite LEAKY_RELU) |
//! | `Softmax(axis=-1)` | [`Op::Softmax`] (int8: TFLite SOFTMAX, output 1/256, -128) |
//! | `LogSoftmax(axis=-1)` | [`Op::LogSoftmax`] (int8: TFLite LOG_SOFTMAX, output 16/256, 127) |
//! | `LayerNormalization` over the last axis | [`Op::LayerNorm`] (int8: integer mean / variance) |
//!
//! An activation may be fused into a linear layer (`Linear::act`) or stand alone
//! ([`Op::Activation`]); before a max pool only activations that commute with the max
//! ([`Activation::commutes_with_max`]) are fused into it.

mod eval;
mod fuse;

pub use equiframe::kernels::ElementFn;

pub(crate) use eval::window_out;
pub use eval::{eval, eval_all, EvalError};
pub use fuse::fuse_pointwise_max;

/// Index of a value (tensor) in [`Graph::values`]; value 0 is the input.
pub type ValueId = usize;

/// Shape of one value for one sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `(N, C)`: N points or time steps; `n` is `None` when it follows the input's N.
    Points {
        /// Rows, when fixed by the model.
        n: Option<usize>,
        /// Channels.
        c: usize,
    },
    /// `(C)`: one feature vector.
    Vector {
        /// Channels.
        c: usize,
    },
}

impl Shape {
    /// Channels (the last dimension).
    pub fn channels(&self) -> usize {
        match *self {
            Shape::Points { c, .. } | Shape::Vector { c } => c,
        }
    }
}

/// An activation, fused into the layer that produces it or standing alone.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Activation {
    /// Identity.
    #[default]
    None,
    /// `max(x, 0)`.
    Relu,
    /// `min(max(x, 0), 6)`.
    Relu6,
    /// `min(max(x, min), max)`.
    Clip {
        /// Lower bound.
        min: f32,
        /// Upper bound.
        max: f32,
    },
    /// `x` if `x >= 0` else `alpha * x`.
    LeakyRelu {
        /// Slope for negative inputs.
        alpha: f32,
    },
    /// Logistic sigmoid `1 / (1 + e^-x)`.
    Sigmoid,
    /// `tanh(x)`.
    Tanh,
    /// Any other element-wise function (GELU, SiLU, ELU, HardSwish, ...): int8 by lookup table.
    Element(ElementFn),
}

impl Activation {
    /// Applies the activation to one value.
    pub fn apply(self, x: f32) -> f32 {
        match self {
            Activation::None => x,
            Activation::Relu => x.max(0.0),
            Activation::Relu6 => x.clamp(0.0, 6.0),
            Activation::Clip { min, max } => x.max(min).min(max),
            Activation::LeakyRelu { alpha } => {
                if x >= 0.0 {
                    x
                } else {
                    alpha * x
                }
            }
            Activation::Sigmoid => equiframe::kernels::logistic(x),
            Activation::Tanh => equiframe::kernels::tanh(x),
            Activation::Element(f) => f.apply(x),
        }
    }

    /// Whether `max(f(a), f(b)) == f(max(a, b))` (the function is non-decreasing), so that it
    /// may run after a max pool instead of before it.
    pub fn commutes_with_max(self) -> bool {
        match self {
            Activation::LeakyRelu { alpha } => alpha >= 0.0,
            Activation::Element(f) => match f {
                ElementFn::Elu { alpha } | ElementFn::LeakyRelu { alpha } => alpha >= 0.0,
                ElementFn::Selu { alpha, scale } => alpha >= 0.0 && scale >= 0.0,
                ElementFn::HardSigmoid { alpha, .. } => alpha >= 0.0,
                ElementFn::Softplus => true,
                _ => false,
            },
            _ => true,
        }
    }

    /// The clamp range of the activation (`None` when it is not a clamp).
    pub fn clamp_range(self) -> Option<(f32, f32)> {
        match self {
            Activation::None => Some((f32::NEG_INFINITY, f32::INFINITY)),
            Activation::Relu => Some((0.0, f32::INFINITY)),
            Activation::Relu6 => Some((0.0, 6.0)),
            Activation::Clip { min, max } => Some((min, max)),
            Activation::LeakyRelu { .. }
            | Activation::Sigmoid
            | Activation::Tanh
            | Activation::Element(_) => None,
        }
    }
}

/// Pooling reduction over points / time steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolKind {
    /// Maximum.
    Max,
    /// Mean.
    Mean,
    /// Sum.
    Sum,
}

/// Element-wise arithmetic of [`Op::Binary`] and [`Op::BinaryConst`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryKind {
    /// `a + b`.
    Add,
    /// `a - b`.
    Sub,
    /// `a * b`.
    Mul,
}

impl BinaryKind {
    /// Applies the operation to one pair.
    pub fn apply(self, a: f32, b: f32) -> f32 {
        match self {
            BinaryKind::Add => a + b,
            BinaryKind::Sub => a - b,
            BinaryKind::Mul => a * b,
        }
    }
}

/// Rewrites the weights of a `Linear` that follows a PyTorch channels-first flatten of a
/// `(c, n)` tensor (input column `j * n + t`) into the blob's time-major order of
/// [`Op::Flatten`] (input column `t * c + j`). `weights` is `cout x (n * c)`.
pub fn permute_channels_first(weights: &[f32], cout: usize, n: usize, c: usize) -> Vec<f32> {
    let cin = n * c;
    let mut out = vec![0.0; weights.len()];
    for o in 0..cout.min(weights.len() / cin.max(1)) {
        for t in 0..n {
            for j in 0..c {
                out[o * cin + t * c + j] = weights[o * cin + j * n + t];
            }
        }
    }
    out
}

/// Weights and bias of a linear layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Linear {
    /// Input channels.
    pub cin: usize,
    /// Output channels.
    pub cout: usize,
    /// `cout x cin` row-major (conv1d: `cout x k x cin`).
    pub weights: Vec<f32>,
    /// `cout` biases.
    pub bias: Vec<f32>,
    /// Fused activation.
    pub act: Activation,
}

/// What a layer computes.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Fully connected on a vector: `(cin) -> (cout)`.
    Dense(Linear),
    /// The same dense layer on every point: `(N, cin) -> (N, cout)` (Conv1d with kernel 1).
    Pointwise(Linear),
    /// Pointwise layer followed by a max over points: `(N, cin) -> (cout)`, O(cout) memory.
    PointwiseMax(Linear),
    /// 1D convolution over time: `(N, cin) -> (N_out, cout)`, weights `cout x k x cin`.
    Conv1d {
        /// Weights (`cout x k x cin`), bias, activation.
        linear: Linear,
        /// Kernel size.
        k: usize,
        /// Stride.
        stride: usize,
        /// Zero padding before the first step.
        pad_begin: usize,
        /// Zero padding after the last step.
        pad_end: usize,
    },
    /// Reduction over all points: `(N, C) -> (C)`.
    GlobalPool(PoolKind),
    /// Windowed max pool over time: `(N, C) -> (N_out, C)` (padding never wins the max).
    MaxPool1d {
        /// Window.
        k: usize,
        /// Stride.
        stride: usize,
        /// Padding before.
        pad_begin: usize,
        /// Padding after.
        pad_end: usize,
    },
    /// A standalone activation.
    Activation(Activation),
    /// Element-wise sum of two values of the same shape, then an activation.
    Add(Activation),
    /// Concatenation along channels of values with the same number of points.
    Concat,
    /// Element-wise `inputs[0] (kind) inputs[1]` with broadcasting: each operand's rows are the
    /// output's or 1 (a [`Shape::Vector`] is one row), its channels the output's or 1; then
    /// an activation.
    Binary {
        /// Add, Sub or Mul.
        kind: BinaryKind,
        /// Activation applied after.
        act: Activation,
    },
    /// Element-wise `input (kind) constant`: the constant has 1 value, one value per channel,
    /// or one per element (fixed `N`); then an activation.
    BinaryConst {
        /// Add, Sub or Mul.
        kind: BinaryKind,
        /// Constant values.
        constant: Vec<f32>,
        /// Activation applied after.
        act: Activation,
    },
    /// Per-row Euclidean norm (or its square) of channels `first..first + count`:
    /// `(N, C) -> (N, 1)`.
    RowNorm {
        /// First channel.
        first: usize,
        /// Channels.
        count: usize,
        /// `true`: the sum of squares; `false`: its square root.
        squared: bool,
    },
    /// Windowed mean over time over the valid (non-padded) taps: `(N, C) -> (N_out, C)`.
    AvgPool1d {
        /// Window.
        k: usize,
        /// Stride.
        stride: usize,
        /// Padding before.
        pad_begin: usize,
        /// Padding after.
        pad_end: usize,
    },
    /// Grouped, dilated 1D convolution: `(N, cin) -> (N_out, cout)`, weights
    /// `cout x k x (cin / groups)`; `groups = cin` is depthwise.
    Conv1dGrouped {
        /// Weights, bias, activation (`linear.cin` is the full input channel count).
        linear: Linear,
        /// Kernel size.
        k: usize,
        /// Stride.
        stride: usize,
        /// Zero padding before the first step.
        pad_begin: usize,
        /// Zero padding after the last step.
        pad_end: usize,
        /// Distance between taps.
        dilation: usize,
        /// Channel groups.
        groups: usize,
    },
    /// `(N, C) -> (N * C)` with fixed `N`, time-major (element `t * C + j`).
    Flatten,
    /// Rows `first..first + count` of a fixed-`N` value (`(C)` for one row).
    SliceRows {
        /// First row.
        first: usize,
        /// Rows.
        count: usize,
    },
    /// `softmax(beta x)` over the channels of each row.
    Softmax {
        /// Input scale (ONNX / PyTorch: 1; TFLite's `beta`).
        beta: f32,
    },
    /// `log(softmax(x))` over the channels of each row.
    LogSoftmax,
    /// Layer normalization over the channels of each row (biased variance):
    /// `gamma (x - mean) / sqrt(var + eps) + beta`.
    LayerNorm {
        /// Added to the variance.
        eps: f32,
        /// Scale per channel.
        gamma: Vec<f32>,
        /// Offset per channel.
        beta: Vec<f32>,
    },
}

impl Op {
    /// Short name of the op for tables.
    pub fn kind(&self) -> &'static str {
        match self {
            Op::Dense(_) => "dense",
            Op::Pointwise(_) => "pointwise",
            Op::PointwiseMax(_) => "pointwise+max",
            Op::Conv1d { .. } => "conv1d",
            Op::GlobalPool(PoolKind::Max) => "max_pool",
            Op::GlobalPool(PoolKind::Mean) => "mean_pool",
            Op::GlobalPool(PoolKind::Sum) => "sum_pool",
            Op::MaxPool1d { .. } => "max_pool1d",
            Op::Activation(_) => "activation",
            Op::Add(_) => "add",
            Op::Concat => "concat",
            Op::Softmax { .. } => "softmax",
            Op::LogSoftmax => "log_softmax",
            Op::LayerNorm { .. } => "layer_norm",
            Op::Binary { kind, .. } | Op::BinaryConst { kind, .. } => match kind {
                BinaryKind::Add => "add",
                BinaryKind::Sub => "sub",
                BinaryKind::Mul => "mul",
            },
            Op::RowNorm { squared: false, .. } => "row_norm",
            Op::RowNorm { squared: true, .. } => "row_squared_norm",
            Op::AvgPool1d { .. } => "avg_pool1d",
            Op::Conv1dGrouped { .. } => "conv1d_grouped",
            Op::Flatten => "flatten",
            Op::SliceRows { .. } => "slice_rows",
        }
    }

    /// `x / c` as [`Op::BinaryConst`] `Mul` by the reciprocals (division by a constant).
    pub fn div_const(constant: &[f32], act: Activation) -> Op {
        Op::BinaryConst {
            kind: BinaryKind::Mul,
            constant: constant.iter().map(|&c| 1.0 / c).collect(),
            act,
        }
    }

    /// The linear part of the layer, if any.
    pub fn linear(&self) -> Option<&Linear> {
        match self {
            Op::Dense(l)
            | Op::Pointwise(l)
            | Op::PointwiseMax(l)
            | Op::Conv1d { linear: l, .. }
            | Op::Conv1dGrouped { linear: l, .. } => Some(l),
            _ => None,
        }
    }

    /// Mutable linear part of the layer, if any.
    pub fn linear_mut(&mut self) -> Option<&mut Linear> {
        match self {
            Op::Dense(l)
            | Op::Pointwise(l)
            | Op::PointwiseMax(l)
            | Op::Conv1d { linear: l, .. }
            | Op::Conv1dGrouped { linear: l, .. } => Some(l),
            _ => None,
        }
    }

    /// The activation fused at the end of the layer, if the layer can carry one.
    pub fn act_mut(&mut self) -> Option<&mut Activation> {
        match self {
            Op::Add(a) | Op::Binary { act: a, .. } | Op::BinaryConst { act: a, .. } => Some(a),
            other => other.linear_mut().map(|l| &mut l.act),
        }
    }
}

/// One layer: an op reading `inputs` and writing `output`.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// Name (the ONNX node name it came from).
    pub name: String,
    /// What it computes.
    pub op: Op,
    /// Values read.
    pub inputs: Vec<ValueId>,
    /// Value written.
    pub output: ValueId,
}

/// A backbone network: one input `(N, C)`, layers in evaluation order, one output.
#[derive(Debug, Clone, PartialEq)]
pub struct Graph {
    /// Shape of every value; `values[0]` is the input.
    pub values: Vec<Shape>,
    /// Layers in evaluation order.
    pub layers: Vec<Layer>,
    /// The output value.
    pub output: ValueId,
}

impl Graph {
    /// Input channels.
    pub fn input_channels(&self) -> usize {
        self.values.first().map_or(0, Shape::channels)
    }

    /// Points the input must have, when the model fixes it.
    pub fn input_points(&self) -> Option<usize> {
        match self.values.first() {
            Some(Shape::Points { n, .. }) => *n,
            _ => None,
        }
    }

    /// Output channels per point (or per sample for a vector output).
    pub fn output_channels(&self) -> usize {
        self.values.get(self.output).map_or(0, Shape::channels)
    }

    /// Multiply-accumulates of one evaluation for an input of `n` points.
    pub fn macs(&self, n: usize) -> u64 {
        let rows = eval::value_rows(self, n);
        self.layers
            .iter()
            .map(|l| {
                let out_rows = rows.get(l.output).copied().unwrap_or(0) as u64;
                let in_rows = l
                    .inputs
                    .first()
                    .and_then(|&i| rows.get(i))
                    .copied()
                    .unwrap_or(0) as u64;
                match &l.op {
                    Op::Dense(w) => (w.cin * w.cout) as u64,
                    Op::Pointwise(w) => out_rows * (w.cin * w.cout) as u64,
                    Op::PointwiseMax(w) => in_rows * (w.cin * w.cout) as u64,
                    Op::Conv1d { linear, .. } | Op::Conv1dGrouped { linear, .. } => {
                        out_rows * linear.weights.len() as u64
                    }
                    _ => 0,
                }
            })
            .sum()
    }

    /// Number of weights and biases.
    pub fn params(&self) -> usize {
        self.layers
            .iter()
            .filter_map(|l| l.op.linear())
            .map(|l| l.weights.len() + l.bias.len())
            .sum()
    }
}

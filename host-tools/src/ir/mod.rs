//! The float graph IR: the backbone as a topologically ordered list of layers that match the
//! core's kernels (dense, pointwise, fused pointwise + max pool, conv1d, pools, add, concat,
//! activations), with activations fused into the preceding linear layer where the graph allows.
//!
//! Tensors are per sample and channels last: a point set or time window is `(N, C)` row-major
//! ([`Shape::Points`]), a global feature is `(C)` ([`Shape::Vector`]).
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
        }
    }

    /// The linear part of the layer, if any.
    pub fn linear(&self) -> Option<&Linear> {
        match self {
            Op::Dense(l)
            | Op::Pointwise(l)
            | Op::PointwiseMax(l)
            | Op::Conv1d { linear: l, .. } => Some(l),
            _ => None,
        }
    }

    /// Mutable linear part of the layer, if any.
    pub fn linear_mut(&mut self) -> Option<&mut Linear> {
        match self {
            Op::Dense(l)
            | Op::Pointwise(l)
            | Op::PointwiseMax(l)
            | Op::Conv1d { linear: l, .. } => Some(l),
            _ => None,
        }
    }

    /// The activation fused at the end of the layer, if the layer can carry one.
    pub fn act_mut(&mut self) -> Option<&mut Activation> {
        match self {
            Op::Add(a) => Some(a),
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
                    Op::Conv1d { linear, .. } => out_rows * linear.weights.len() as u64,
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

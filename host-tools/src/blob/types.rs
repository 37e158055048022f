//! The writer's input: a plain description of a model, built by the ONNX importer / quantizer
//! (or by hand in tests). Everything is owned, public and `Clone`.

use equiframe::frame::{AxisOrder, Field, FieldKind, Group, Robust};
use equiframe::model::{Activation, FrameMode, Function, Op, OutputKind, Precision};

/// Per-tensor affine quantization: `real = scale * (q - zero_point)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quant {
    /// Scale (> 0).
    pub scale: f32,
    /// Zero point (-128..=127).
    pub zero_point: i32,
}

impl Quant {
    /// `Quant { scale, zero_point }`.
    pub const fn new(scale: f32, zero_point: i32) -> Self {
        Self { scale, zero_point }
    }
}

impl Default for Quant {
    /// `(1.0, 0)`, the value every tensor of an f32 blob carries.
    fn default() -> Self {
        Self {
            scale: 1.0,
            zero_point: 0,
        }
    }
}

/// One output range, in order: the next `len` output channels mean `kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputSpec {
    /// Geometric meaning.
    pub kind: OutputKind,
    /// Channels (must be what the kind implies, except for `Invariant`).
    pub len: usize,
}

impl OutputSpec {
    /// `OutputSpec { kind, len }`.
    pub const fn new(kind: OutputKind, len: usize) -> Self {
        Self { kind, len }
    }
}

/// Conv1d / pooling geometry (all zero for other ops). `RowNorm`, `RowSquaredNorm` and
/// `SliceRows` select `kernel` channels / rows starting at `pad_left`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConvParams {
    /// Kernel size (range ops: count).
    pub kernel: usize,
    /// Stride.
    pub stride: usize,
    /// Zero padding before the first row (range ops: first index).
    pub pad_left: usize,
    /// Zero padding after the last row.
    pub pad_right: usize,
    /// Conv1d distance between taps; 0 and 1 both mean 1 (format version 3 above 1).
    pub dilation: usize,
    /// Conv1d channel groups; 0 and 1 both mean 1 (format version 3 above 1). Weights are
    /// `cout x k x cin / groups`.
    pub groups: usize,
}

/// The constant second operand of an element-wise `Add`, `Sub` or `Mul` (format version 3):
/// 1 value (a scalar), `C` values (one row, broadcast over rows) or `N x C` values (fixed
/// rows).
#[derive(Clone, Debug, PartialEq)]
pub enum Constant {
    /// f32 values.
    F32(Vec<f32>),
    /// int8 values with their own quantization (the writer stores the zero point as the last
    /// int8 parameter; the scale is in the multipliers).
    Int8 {
        /// Quantized values.
        values: Vec<i8>,
        /// Their quantization.
        quant: Quant,
    },
}

impl Constant {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Self::F32(v) => v.len(),
            Self::Int8 { values, .. } => values.len(),
        }
    }
    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A layer's weights and requantization parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum LayerParams {
    /// No parameters (MaxPool).
    None,
    /// int8: weights `cout x cin` (`cout x k x cin` for Conv1d), symmetric per output channel;
    /// bias with the input zero-point term already folded in; Q31 multipliers and shifts as
    /// produced by `quant::quantize_multiplier`.
    Int8 {
        /// Weights, row-major.
        weights: Vec<i8>,
        /// Bias per output channel.
        bias: Vec<i32>,
        /// Requantization multiplier per output channel.
        multiplier: Vec<i32>,
        /// Requantization shift per output channel.
        shift: Vec<i32>,
    },
    /// f32: weights as for int8, bias per output channel.
    F32 {
        /// Weights, row-major.
        weights: Vec<f32>,
        /// Bias per output channel.
        bias: Vec<f32>,
    },
    /// int8 parameters of an op without weights (`Op::aux_params`: `[multiplier, shift]`
    /// pairs of MeanPool / SumPool / Add / Concat / LeakyRelu).
    Int8Aux(Vec<i32>),
    /// f32 parameters of an op without weights (LeakyRelu `[alpha]`, Clamp `[lo, hi]`).
    F32Aux(Vec<f32>),
}

impl LayerParams {
    /// The int8 parameters of an `Op::Lut` layer: its 256-entry table (entry `i` for the input
    /// `i as u8 as i8`, `equiframe::kernels::build_table`) packed into 64 little-endian words.
    pub fn int8_table(table: &[i8; 256]) -> Self {
        Self::Int8Aux(
            table
                .chunks_exact(4)
                .map(|b| i32::from_le_bytes([b[0] as u8, b[1] as u8, b[2] as u8, b[3] as u8]))
                .collect(),
        )
    }
}

impl LayerParams {
    /// Output channels implied by the bias length (0 for `None`).
    pub fn out_channels(&self) -> usize {
        match self {
            Self::None | Self::Int8Aux(_) | Self::F32Aux(_) => 0,
            Self::Int8 { bias, .. } => bias.len(),
            Self::F32 { bias, .. } => bias.len(),
        }
    }
}

/// One layer. Its output is tensor `index + 1`; shapes are inferred.
#[derive(Clone, Debug, PartialEq)]
pub struct BlobLayer {
    /// Operator.
    pub op: Op,
    /// Tensor id it reads (0 = backbone input, `j + 1` = output of layer `j < index`).
    pub input: usize,
    /// Second tensor id read by two-input ops (`Add`, `Concat`); `None` otherwise.
    pub input2: Option<usize>,
    /// int8 output clamp replacing the one derived from `activation` (a general `Clip`, or a
    /// stand-alone `Clamp`); `None`: derived.
    pub clamp: Option<(i32, i32)>,
    /// Fused activation. int8: the writer derives the output clamp from it and the output
    /// quantization exactly as TFLite's `CalculateActivationRangeQuantized`.
    pub activation: Activation,
    /// Conv1d geometry.
    pub conv: ConvParams,
    /// Output quantization (int8; ignored for f32 and for MaxPool, which keeps its input's).
    pub output_quant: Quant,
    /// Weights and parameters.
    pub params: LayerParams,
    /// Constant second operand of an element-wise op (`input2` is then `None`).
    pub constant: Option<Constant>,
    /// The element-wise function of an `Op::Lut` layer (record byte 3); `None` otherwise.
    pub function: Option<Function>,
}

impl BlobLayer {
    /// An f32 layer (Dense, Pointwise, PointwiseMax, Conv1d).
    pub fn f32(op: Op, input: usize, weights: Vec<f32>, bias: Vec<f32>) -> Self {
        Self {
            op,
            input,
            input2: None,
            clamp: None,
            activation: Activation::None,
            conv: ConvParams::default(),
            output_quant: Quant::default(),
            params: LayerParams::F32 { weights, bias },
            constant: None,
            function: None,
        }
    }
    /// An int8 layer (Dense, Pointwise, PointwiseMax, Conv1d).
    pub fn int8(
        op: Op,
        input: usize,
        weights: Vec<i8>,
        bias: Vec<i32>,
        multiplier: Vec<i32>,
        shift: Vec<i32>,
        output_quant: Quant,
    ) -> Self {
        Self {
            op,
            input,
            input2: None,
            clamp: None,
            activation: Activation::None,
            conv: ConvParams::default(),
            output_quant,
            params: LayerParams::Int8 {
                weights,
                bias,
                multiplier,
                shift,
            },
            constant: None,
            function: None,
        }
    }
    /// A max over rows (either precision).
    pub fn max_pool(input: usize) -> Self {
        Self::param_only(Op::MaxPool, input, LayerParams::None)
    }
    /// A layer without weights (pools, Add, Concat, LeakyRelu, Clamp) with its parameters
    /// (`LayerParams::None`, `Int8Aux` or `F32Aux`, per `Op::aux_params`).
    pub fn param_only(op: Op, input: usize, params: LayerParams) -> Self {
        Self {
            op,
            input,
            input2: None,
            clamp: None,
            activation: Activation::None,
            conv: ConvParams::default(),
            output_quant: Quant::default(),
            params,
            constant: None,
            function: None,
        }
    }
    /// Sets the second input (Add, Concat).
    pub fn with_input2(mut self, input2: usize) -> Self {
        self.input2 = Some(input2);
        self
    }
    /// Sets the constant second operand (element-wise Add, Sub, Mul).
    pub fn with_constant(mut self, constant: Constant) -> Self {
        self.constant = Some(constant);
        self
    }
    /// Sets the channel / row range of `RowNorm`, `RowSquaredNorm`, `SliceRows`.
    pub fn with_range(mut self, first: usize, count: usize) -> Self {
        self.conv = ConvParams {
            kernel: count,
            pad_left: first,
            ..ConvParams::default()
        };
        self
    }
    /// Sets Conv1d dilation and groups (after [`with_conv`](Self::with_conv)).
    pub fn with_groups(mut self, dilation: usize, groups: usize) -> Self {
        self.conv.dilation = dilation;
        self.conv.groups = groups;
        self
    }
    /// Sets the int8 output quantization.
    pub fn with_output_quant(mut self, q: Quant) -> Self {
        self.output_quant = q;
        self
    }
    /// Sets an explicit int8 output clamp.
    pub fn with_clamp(mut self, lo: i32, hi: i32) -> Self {
        self.clamp = Some((lo, hi));
        self
    }
    /// Sets the element-wise function of an `Op::Lut` layer.
    pub fn with_function(mut self, function: Function) -> Self {
        self.function = Some(function);
        self
    }
    /// Sets the fused activation.
    pub fn with_activation(mut self, activation: Activation) -> Self {
        self.activation = activation;
        self
    }
    /// Sets the Conv1d geometry (ONNX `pads = [pad_left, pad_right]`).
    pub fn with_conv(
        mut self,
        kernel: usize,
        stride: usize,
        pad_left: usize,
        pad_right: usize,
    ) -> Self {
        self.conv = ConvParams {
            kernel,
            stride,
            pad_left,
            pad_right,
            ..ConvParams::default()
        };
        self
    }
}

/// A whole model, ready for [`write`](super::write).
#[derive(Clone, Debug, PartialEq)]
pub struct BlobModel {
    /// int8 or f32 backbone.
    pub precision: Precision,
    /// Average over the frame set, one canonical frame, or none.
    pub frame_mode: FrameMode,
    /// Frame group (its dimension must equal `dim` unless `frame_mode` is `None`).
    pub group: Group,
    /// Eigenvalue (axis) order the backbone was trained with.
    pub axis_order: AxisOrder,
    /// Robust mode for (near-)repeated eigenvalues.
    pub robust: Robust,
    /// Relative eigengap under which the frame set is degenerate (`FrameOptions` default 0.01).
    pub degenerate_gap: f32,
    /// Spatial dimension (2 or 3).
    pub dim: u8,
    /// Channels per input row.
    pub channels: u16,
    /// Input-schema fields (at most 8; `frame::InputSchema::new` rules).
    pub fields: Vec<Field>,
    /// Largest accepted number of rows.
    pub max_points: u32,
    /// `true`: exactly `max_points` rows (needed by Conv1d); `false`: `1..=max_points`.
    pub fixed_points: bool,
    /// Input quantization (int8; ignored for f32).
    pub input_quant: Quant,
    /// Output ranges in order; their lengths sum to `K`.
    pub outputs: Vec<OutputSpec>,
    /// Layers in execution order.
    pub layers: Vec<BlobLayer>,
}

impl BlobModel {
    /// A point-set model: `dim`-D positions in channels `0..dim`, the rest scalars, group O(dim),
    /// frame averaging, variable row count up to `max_points`, int8, no layers, no outputs yet.
    pub fn points(dim: u8, channels: u16, max_points: u32) -> Self {
        Self {
            precision: Precision::Int8,
            frame_mode: FrameMode::Average,
            group: if dim == 2 { Group::O2 } else { Group::O3 },
            axis_order: AxisOrder::Descending,
            robust: Robust::Off,
            degenerate_gap: 0.01,
            dim,
            channels,
            fields: vec![Field {
                kind: FieldKind::Position,
                offset: 0,
            }],
            max_points,
            fixed_points: false,
            input_quant: Quant::default(),
            outputs: Vec::new(),
            layers: Vec::new(),
        }
    }
}

//! Layout constants and the enumerated codes of the `.eqf` format (docs/FORMAT.md).
//!
//! Every code is a `#[repr(u8)]` enum with `TryFrom<u8>`; the reader rejects unknown codes with
//! [`ModelError::BadCode`](super::ModelError::BadCode).

/// The four magic bytes at offset 0.
pub const MAGIC: [u8; 4] = *b"EQF\0";
/// The newest format version this reader understands. The writer produces the oldest version
/// that holds the model (1 unless a layer uses an operator or a field added in version 2 or 3).
pub const FORMAT_VERSION: u16 = 3;
/// The oldest format version this reader accepts.
pub const MIN_FORMAT_VERSION: u16 = 1;
/// Bytes of the fixed header (preamble included) in format version 1.
pub const HEADER_LEN: usize = 128;
/// Bytes of the preamble (magic, version, header length, total length, CRC); the CRC covers
/// everything after it.
pub const PREAMBLE_LEN: usize = 16;
/// Bytes of one layer record.
pub const LAYER_RECORD_LEN: usize = 48;
/// Bytes of one tensor record.
pub const TENSOR_RECORD_LEN: usize = 24;
/// Bytes of one output-range record.
pub const OUTPUT_RECORD_LEN: usize = 8;
/// Alignment of every arena offset (tensor offsets, scratch start), in bytes.
pub const ARENA_ALIGN: usize = 4;
/// Alignment of the data section and of every weight / parameter array in it, in bytes.
pub const DATA_ALIGN: usize = 16;
/// Most input-schema fields a header can hold.
pub const MAX_SCHEMA_FIELDS: usize = 8;
/// Most layers in one blob.
pub const MAX_LAYERS: usize = 1024;
/// Most tensors in one blob.
pub const MAX_TENSORS: usize = 1024;
/// Most output ranges in one blob.
pub const MAX_OUTPUT_RANGES: usize = 64;
/// Accepted requantization shifts (TFLite Micro `QuantizeMultiplier` range).
pub const SHIFT_RANGE: core::ops::RangeInclusive<i32> = -31..=30;

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $val:expr,)+ }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "defmt", derive(defmt::Format))]
        #[repr(u8)]
        pub enum $name { $($(#[$vm])* $var = $val,)+ }
        impl TryFrom<u8> for $name {
            type Error = u8;
            fn try_from(v: u8) -> Result<Self, u8> {
                match v { $($val => Ok(Self::$var),)+ other => Err(other) }
            }
        }
        impl $name {
            /// The byte that encodes this value in the blob.
            pub const fn code(self) -> u8 { self as u8 }
        }
    };
}

code_enum! {
    /// Numeric type of weights and activations.
    Precision {
        /// int8 weights and activations, i32 bias, integer requantization.
        Int8 = 0,
        /// f32 weights, bias and activations (reference / host use).
        F32 = 1,
    }
}

code_enum! {
    /// How the engine uses the frame set.
    FrameMode {
        /// Run every frame of the set and average with the frame weights.
        Average = 0,
        /// Run one frame chosen by the equivariant sign rule.
        Canonical = 1,
        /// No frame: the input is fed as given (identity frame), outputs are not mapped.
        None = 2,
    }
}

code_enum! {
    /// Whether the number of rows (points or time steps) is fixed.
    PointsMode {
        /// Any `1..=max_points` rows (point sets: pointwise layers and pooling only).
        Variable = 0,
        /// Exactly `max_points` rows (time windows for conv1d).
        Fixed = 1,
    }
}

code_enum! {
    /// What an output channel range means geometrically, i.e. how it is mapped back from the
    /// canonical frame to the sensor frame.
    OutputKind {
        /// Any length; frame-invariant; averaged with the frame weights.
        Invariant = 0,
        /// `dim` channels; `F y`.
        Vector = 1,
        /// `dim` channels; `F y + c`.
        Point = 2,
        /// 3 channels in 3D (`det F * F y`), 1 channel in 2D (`det F * y`).
        Axial = 3,
        /// `dim * dim` channels, a row-major rotation matrix `R`; `F R`, averaged, projected
        /// back onto SO(dim).
        Rotation = 4,
        /// 4 channels `(w, x, y, z)`, 3D only; as `Rotation` on the matrix of the quaternion,
        /// returned as the unit quaternion with `w >= 0`.
        Quaternion = 5,
    }
}

code_enum! {
    /// How a tensor's row count is known.
    RowsKind {
        /// `rows` is the exact row count.
        Fixed = 0,
        /// `rows` is `max_points`; at run time the tensor holds the input's `N` rows.
        PerPoint = 1,
    }
}

code_enum! {
    /// Layer operator (future format versions add operators, hence `#[non_exhaustive]`).
    #[non_exhaustive]
    Op {
        /// Fully connected: `(1, cin) -> (1, cout)`, weights `cout x cin`.
        Dense = 0,
        /// Shared MLP over rows: `(n, cin) -> (n, cout)`, weights `cout x cin`.
        Pointwise = 1,
        /// Pointwise layer fused with a max over rows: `(n, cin) -> (1, cout)`.
        PointwiseMax = 2,
        /// 1D convolution: `(n, cin) -> (n_out, cout)`, weights `cout x k x cin`, fixed `n`.
        Conv1d = 3,
        /// Max over rows: `(n, c) -> (1, c)`, no weights, output quantization = input's.
        MaxPool = 4,
        /// Mean over rows: `(n, c) -> (1, c)`; int8 parameters `[multiplier, shift]` of
        /// `s_in / s_out` (the `1 / n` factor is applied at run time). Version 2.
        MeanPool = 5,
        /// Sum over rows: `(n, c) -> (1, c)`; int8 parameters as `MeanPool`. Version 2.
        SumPool = 6,
        /// Windowed max over time: `(n, c) -> (n_out, c)`, kernel / stride / padding as
        /// `Conv1d`, fixed `n`; output quantization = input's. Version 2.
        MaxPool1d = 7,
        /// Element-wise sum of two tensors of one shape (`input`, `input2`); int8 parameters
        /// `[m1, s1, m2, s2, m_out, s_out]` (TFLite Micro ADD). Version 2.
        Add = 8,
        /// Channel concatenation of `input` and `input2` (same rows); int8 parameters
        /// `[m1, s1, m2, s2]` requantizing each input to the output. Version 2.
        Concat = 9,
        /// Stand-alone leaky ReLU; int8 parameters `[m_identity, s_identity, m_alpha,
        /// s_alpha]` (TFLite Micro LEAKY_RELU), f32 parameter `[alpha]`. Version 2.
        LeakyRelu = 10,
        /// Stand-alone clamp; int8: `act_min..=act_max`, output quantization = input's;
        /// f32 parameters `[lo, hi]`. Version 2.
        Clamp = 11,
        /// Element-wise logistic sigmoid; int8 TFLite Micro LOGISTIC, parameters
        /// `[multiplier, left_shift, range_radius]`, output `(1/256, -128)`. Version 3.
        Logistic = 12,
        /// Element-wise tanh; int8 TFLite Micro TANH, parameters as `Logistic`, output
        /// `(1/128, 0)`. Version 3.
        Tanh = 13,
        /// Softmax over the channels of each row; int8 TFLite Micro SOFTMAX, parameters
        /// `[multiplier, left_shift, diff_min]`, output `(1/256, -128)`; f32 `[beta]`. Version 3.
        Softmax = 14,
        /// Log-softmax over the channels of each row; int8 TFLite Micro LOG_SOFTMAX, parameters
        /// `[multiplier, left_shift, reverse_multiplier, reverse_shift, diff_min]`, output
        /// `(16/256, 127)`. Version 3.
        LogSoftmax = 15,
        /// Element-wise [`Function`] (record byte 3); int8: a 256-entry table (64 words), f32
        /// parameters `[alpha, beta]`. Version 3.
        Lut = 16,
        /// Layer normalization over the channels of each row; int8 parameters
        /// `[eps_q8, (multiplier, shift, beta_q8) per channel]`, f32 `[eps, gamma.., beta..]`.
        /// Version 3.
        LayerNorm = 17,
        /// Element-wise difference `input - input2` (or `input - constant`), broadcasting as
        /// `Add`; int8 parameters as `Add` (TFLite Micro SUB). Version 3.
        Sub = 18,
        /// Element-wise product (TFLite Micro MUL), broadcasting as `Add`; int8 parameters
        /// `[m_out, s_out]` of `s1 * s2 / s_out`. Version 3.
        Mul = 19,
        /// Per-row squared norm of channels `pad_left..pad_left + kernel`: `(n, c) -> (n, 1)`;
        /// int8: integer sum of squares, parameters `[m, s]` of `s_in^2 / s_out`. Version 3.
        RowSquaredNorm = 20,
        /// Per-row Euclidean norm of channels `pad_left..pad_left + kernel`: `(n, c) -> (n, 1)`;
        /// int8: integer square root of `2^14` times the sum of squares, parameters `[m, s]`
        /// of `s_in / (2^7 s_out)`. Version 3.
        RowNorm = 21,
        /// Windowed mean over time, geometry as `MaxPool1d` (TFLite Micro AVERAGE_POOL_2D:
        /// padded taps skipped); output quantization = input's. Version 3.
        AvgPool1d = 22,
        /// `(n, c) -> (1, n * c)`, row-major (time-major: element `t * c + j`), fixed `n`;
        /// output quantization = input's. Version 3.
        Flatten = 23,
        /// Rows `pad_left..pad_left + kernel` of a fixed-rows input: `(n, c) -> (kernel, c)`
        /// (Gather / Slice of time steps); output quantization = input's. Version 3.
        SliceRows = 24,
    }
}

impl Op {
    /// Tensors the operator reads in its two-tensor form (2 for `Add`, `Sub`, `Mul` and
    /// `Concat`, else 1). The element-wise ops also have a one-tensor form whose second
    /// operand is a constant in the weights array ([`Op::is_elementwise`]).
    pub const fn input_count(self) -> u8 {
        match self {
            Self::Add | Self::Sub | Self::Mul | Self::Concat => 2,
            _ => 1,
        }
    }
    /// Whether the operator is a broadcasting element-wise `Add`, `Sub` or `Mul` (second
    /// operand a tensor, or from version 3 a constant).
    pub const fn is_elementwise(self) -> bool {
        matches!(self, Self::Add | Self::Sub | Self::Mul)
    }
    /// Whether the record's `pad_left` / `kernel` fields select a range (first, count) of
    /// channels (`RowNorm`, `RowSquaredNorm`) or rows (`SliceRows`).
    pub const fn has_range(self) -> bool {
        matches!(self, Self::RowNorm | Self::RowSquaredNorm | Self::SliceRows)
    }
    /// Whether the output keeps the input's int8 scale and zero point.
    pub const fn keeps_quant(self) -> bool {
        matches!(
            self,
            Self::MaxPool
                | Self::MaxPool1d
                | Self::Clamp
                | Self::AvgPool1d
                | Self::Flatten
                | Self::SliceRows
        )
    }
    /// The first format version that has this operator.
    pub const fn min_version(self) -> u16 {
        match self {
            Self::Dense | Self::Pointwise | Self::PointwiseMax | Self::Conv1d | Self::MaxPool => 1,
            Self::MeanPool
            | Self::SumPool
            | Self::MaxPool1d
            | Self::Add
            | Self::Concat
            | Self::LeakyRelu
            | Self::Clamp => 2,
            _ => 3,
        }
    }
    /// Whether the operator has a weight matrix and a per-channel bias.
    pub const fn has_weights(self) -> bool {
        matches!(
            self,
            Self::Dense | Self::Pointwise | Self::PointwiseMax | Self::Conv1d
        )
    }
    /// Whether the layer record's kernel / stride / padding fields are used.
    pub const fn is_windowed(self) -> bool {
        matches!(self, Self::Conv1d | Self::MaxPool1d | Self::AvgPool1d)
    }
    /// Elements of the parameter array of a parameter-only operator: `(int8 i32s, f32s)`.
    /// The constant form of an element-wise op has one more int8 parameter: the constant's
    /// zero point, last.
    pub const fn aux_params(self) -> (usize, usize) {
        match self {
            Self::MeanPool | Self::SumPool => (2, 0),
            Self::Add | Self::Sub => (6, 0),
            Self::Mul | Self::RowNorm | Self::RowSquaredNorm => (2, 0),
            Self::Concat => (4, 0),
            Self::LeakyRelu => (4, 1),
            Self::Clamp => (0, 2),
            Self::Logistic | Self::Tanh => (3, 0),
            Self::Softmax => (3, 1),
            Self::LogSoftmax => (5, 0),
            Self::Lut => (64, 2),
            Self::LayerNorm => (1, 1),
            _ => (0, 0),
        }
    }
    /// Parameters per channel of a parameter-only operator, on top of [`Op::aux_params`]:
    /// `(int8 i32s, f32s)` per channel of the input.
    pub const fn aux_params_per_channel(self) -> (usize, usize) {
        match self {
            Self::LayerNorm => (3, 2),
            _ => (0, 0),
        }
    }
    /// The int8 output `(scale, zero_point)` TFLite mandates for the operator, if any
    /// (LOGISTIC, TANH, SOFTMAX, LOG_SOFTMAX).
    pub const fn fixed_output_quant(self) -> Option<(f32, i32)> {
        match self {
            Self::Logistic => Some(crate::kernels::LOGISTIC_OUTPUT),
            Self::Tanh => Some(crate::kernels::TANH_OUTPUT),
            Self::Softmax => Some(crate::kernels::SOFTMAX_OUTPUT),
            Self::LogSoftmax => Some(crate::kernels::LOG_SOFTMAX_OUTPUT),
            _ => None,
        }
    }
}

code_enum! {
    /// The element-wise function of an [`Op::Lut`] layer (record byte 3). int8 blobs carry its
    /// table (the code says where it came from); f32 blobs evaluate it with the layer's
    /// parameters `[alpha, beta]` ([`Function::to_kernel`]). Version 3.
    #[non_exhaustive]
    Function {
        /// GELU, exact (erf) form. Parameters unused.
        Gelu = 0,
        /// GELU, tanh approximation. Parameters unused.
        GeluTanh = 1,
        /// SiLU / swish. Parameters unused.
        Silu = 2,
        /// ELU; `alpha`.
        Elu = 3,
        /// SELU; `alpha`, `beta` = output scale.
        Selu = 4,
        /// HardSwish. Parameters unused.
        HardSwish = 5,
        /// HardSigmoid `clamp(alpha x + beta, 0, 1)`.
        HardSigmoid = 6,
        /// Leaky ReLU / single-slope PReLU; `alpha`.
        LeakyRelu = 7,
        /// Softplus. Parameters unused.
        Softplus = 8,
        /// Mish. Parameters unused.
        Mish = 9,
    }
}

impl Function {
    /// The kernel function for the layer parameters `[alpha, beta]`.
    pub const fn to_kernel(self, alpha: f32, beta: f32) -> crate::kernels::ElementFn {
        use crate::kernels::ElementFn as F;
        match self {
            Self::Gelu => F::Gelu,
            Self::GeluTanh => F::GeluTanh,
            Self::Silu => F::Silu,
            Self::Elu => F::Elu { alpha },
            Self::Selu => F::Selu { alpha, scale: beta },
            Self::HardSwish => F::HardSwish,
            Self::HardSigmoid => F::HardSigmoid { alpha, beta },
            Self::LeakyRelu => F::LeakyRelu { alpha },
            Self::Softplus => F::Softplus,
            Self::Mish => F::Mish,
        }
    }
    /// The code and parameters `[alpha, beta]` of a kernel function (`None` for a function the
    /// format has no code for).
    pub const fn from_kernel(f: crate::kernels::ElementFn) -> Option<(Self, [f32; 2])> {
        use crate::kernels::ElementFn as F;
        Some(match f {
            F::Gelu => (Self::Gelu, [0.0, 0.0]),
            F::GeluTanh => (Self::GeluTanh, [0.0, 0.0]),
            F::Silu => (Self::Silu, [0.0, 0.0]),
            F::Elu { alpha } => (Self::Elu, [alpha, 0.0]),
            F::Selu { alpha, scale } => (Self::Selu, [alpha, scale]),
            F::HardSwish => (Self::HardSwish, [0.0, 0.0]),
            F::HardSigmoid { alpha, beta } => (Self::HardSigmoid, [alpha, beta]),
            F::LeakyRelu { alpha } => (Self::LeakyRelu, [alpha, 0.0]),
            F::Softplus => (Self::Softplus, [0.0, 0.0]),
            F::Mish => (Self::Mish, [0.0, 0.0]),
        })
    }
}

code_enum! {
    /// Activation fused into a layer. For int8 layers the clamp `[act_min, act_max]` of the
    /// layer record is what is applied; the code documents where it came from.
    Activation {
        /// No activation.
        None = 0,
        /// `max(x, 0)`.
        Relu = 1,
        /// `min(max(x, 0), 6)`.
        Relu6 = 2,
        /// `min(max(x, -1), 1)`.
        ReluN1To1 = 3,
    }
}

impl Activation {
    /// The kernels' (and quantizer's) activation of the same meaning.
    pub const fn to_quant(self) -> crate::quant::Activation {
        match self {
            Self::None => crate::quant::Activation::None,
            Self::Relu => crate::quant::Activation::Relu,
            Self::Relu6 => crate::quant::Activation::Relu6,
            Self::ReluN1To1 => crate::quant::Activation::ReluN1To1,
        }
    }
}

/// Bytes per activation / weight element for a precision.
pub const fn element_bytes(p: Precision) -> usize {
    match p {
        Precision::Int8 => 1,
        Precision::F32 => 4,
    }
}

/// Channels an output range of `kind` spans for spatial dimension `dim`, or `None` for
/// [`OutputKind::Invariant`] (any positive length) and for kinds not defined in `dim`.
pub const fn output_kind_len(kind: OutputKind, dim: usize) -> Option<usize> {
    match kind {
        OutputKind::Invariant => None,
        OutputKind::Vector | OutputKind::Point => Some(dim),
        OutputKind::Axial => Some(if dim == 3 { 3 } else { 1 }),
        OutputKind::Rotation => Some(dim * dim),
        OutputKind::Quaternion => {
            if dim == 3 {
                Some(4)
            } else {
                None
            }
        }
    }
}

/// f32 slots the engine accumulates for one output range of `kind` and length `len`
/// (a quaternion is accumulated as its 3x3 matrix).
pub const fn accumulator_len(kind: OutputKind, len: usize) -> usize {
    match kind {
        OutputKind::Quaternion => 9,
        _ => len,
    }
}

/// Rounds `x` up to a multiple of `align` (a power of two); `None` on overflow.
pub const fn align_up(x: usize, align: usize) -> Option<usize> {
    match x.checked_add(align - 1) {
        Some(v) => Some(v & !(align - 1)),
        None => None,
    }
}

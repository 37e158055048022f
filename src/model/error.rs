//! [`ModelError`]: why a byte sequence is not a valid model blob.

use core::fmt;

/// Which table or section of the blob a [`ModelError::BadTable`] refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Section {
    /// The layer table.
    Layers,
    /// The tensor table.
    Tensors,
    /// The output-range table.
    Outputs,
    /// The data section.
    Data,
}

/// Why [`Model::from_bytes`](super::Model::from_bytes) rejected a blob. Every variant carries
/// the offending value; offsets are in bytes from the start of the blob (or of the data section
/// where named so), indices count from 0.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ModelError {
    /// Fewer bytes than the header, or than the total length the header states.
    TooShort {
        /// Bytes required.
        needed: usize,
        /// Bytes given.
        given: usize,
    },
    /// The first four bytes are not `EQF\0`.
    BadMagic {
        /// The bytes found.
        found: [u8; 4],
    },
    /// A format version this reader does not understand.
    UnsupportedVersion(u16),
    /// The blob does not start on a 4-byte boundary (use [`AlignedBlob`](super::AlignedBlob)
    /// or [`include_model!`](crate::include_model)).
    Misaligned {
        /// Address of the first byte.
        address: usize,
    },
    /// The header length field is not the one of this format version.
    BadHeaderLength {
        /// The value found.
        found: u16,
    },
    /// The CRC-32 of the body does not match the header.
    BadCrc {
        /// CRC stored in the header.
        expected: u32,
        /// CRC computed over the bytes.
        found: u32,
    },
    /// The blob needs something this build of the core leaves out (a cargo feature, see
    /// `model::linked`): `what` names it, `code` is its byte in the blob.
    NotLinked {
        /// `"op"`, `"precision"`, `"frame_mode"`, `"robust"` or `"output_kind"`.
        what: &'static str,
        /// Its code.
        code: u8,
    },
    /// An enumerated field holds an unknown code.
    BadCode {
        /// Name of the field (as in docs/FORMAT.md).
        field: &'static str,
        /// The code found.
        value: u8,
    },
    /// A reserved header byte is not zero.
    ReservedNotZero {
        /// Offset of the byte.
        offset: usize,
    },
    /// A header count or size field is out of range (zero where one is required, over a
    /// format limit, or inconsistent with the dimension).
    BadCount {
        /// Name of the field.
        field: &'static str,
        /// The value found.
        value: u64,
    },
    /// A table or the data section is out of bounds, misaligned or overlaps another.
    BadTable {
        /// Which one.
        section: Section,
        /// Its offset.
        offset: u32,
    },
    /// The input-schema fields are inconsistent (overlapping, out of the channel range, or a
    /// geometric field in a model without a frame dimension).
    BadSchema {
        /// Index of the offending field.
        field: usize,
    },
    /// The input schema is rejected by `frame::InputSchema::new`.
    Schema(crate::frame::FrameError),
    /// The output ranges do not tile `0..output_len` in order with the lengths of their kinds.
    BadOutputRange {
        /// Index of the offending range.
        index: usize,
    },
    /// A layer references a tensor id that does not exist, is the input where an output is
    /// required, or is produced twice / used before it is produced.
    BadTensorRef {
        /// Layer index.
        layer: usize,
        /// Tensor id.
        tensor: u16,
    },
    /// A tensor's shape does not match what its producing or consuming layer implies.
    ShapeMismatch {
        /// Layer index.
        layer: usize,
        /// Tensor id.
        tensor: u16,
        /// Expected `(rows, cols)`.
        expected: (u32, u32),
        /// Found `(rows, cols)`.
        found: (u32, u32),
    },
    /// A layer's weight or parameter array is out of the data section, misaligned or of the
    /// wrong length.
    BadWeights {
        /// Layer index.
        layer: usize,
        /// Offset in the data section.
        offset: u32,
        /// Length in bytes.
        len: u32,
    },
    /// A requantization multiplier is negative or a shift outside -31..=30.
    BadRequant {
        /// Layer index.
        layer: usize,
        /// Output channel.
        channel: usize,
        /// Offending multiplier or shift.
        value: i32,
    },
    /// A layer field that must be zero for its op / precision is not, or a stride / kernel
    /// size is zero.
    BadLayerField {
        /// Layer index.
        layer: usize,
        /// Name of the field.
        field: &'static str,
        /// The value found.
        value: i32,
    },
    /// An int8 activation clamp is outside -128..=127 or `act_min > act_max`.
    BadActivationRange {
        /// Layer index.
        layer: usize,
        /// Lower clamp.
        min: i32,
        /// Upper clamp.
        max: i32,
    },
    /// A tensor scale is not finite and positive (f32 blobs: not exactly 1.0).
    BadScale {
        /// Tensor id.
        tensor: u16,
    },
    /// A tensor zero point is outside -128..=127 (f32 blobs: not 0), or a max pool changes
    /// quantization.
    BadZeroPoint {
        /// Tensor id.
        tensor: u16,
        /// The value found.
        value: i32,
    },
    /// The output of a layer whose int8 output quantization TFLite fixes (LOGISTIC, TANH,
    /// SOFTMAX, LOG_SOFTMAX) is quantized otherwise.
    BadOutputQuant {
        /// Layer index.
        layer: usize,
        /// `(scale, zero_point)` the operator requires.
        expected: (f32, i32),
        /// `(scale, zero_point)` found.
        found: (f32, i32),
    },
    /// A float header field (degenerate gap) is not finite or negative.
    BadFloat {
        /// Name of the field.
        field: &'static str,
    },
    /// A tensor's arena range is misaligned or ends past the planned tensor region.
    TensorOutOfArena {
        /// Tensor id.
        tensor: u16,
        /// End of its range.
        end: u64,
        /// Planned tensor-region bytes.
        region: u32,
    },
    /// Two tensors that are live at the same layer share arena bytes.
    OverlappingTensors {
        /// First tensor id.
        a: u16,
        /// Second tensor id.
        b: u16,
    },
    /// The stored arena size is not the one the layout implies.
    ArenaMismatch {
        /// Stored in the header.
        stored: u32,
        /// Computed from the tensor region and the engine scratch.
        computed: u64,
    },
    /// The stored MACs per frame are not the sum over the layers.
    MacsMismatch {
        /// Stored in the header.
        stored: u64,
        /// Computed.
        computed: u64,
    },
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::TooShort { needed, given } => {
                write!(f, "model blob too short: {needed} bytes needed, {given} given")
            }
            Self::BadMagic { found } => write!(f, "not a model blob: magic {found:02x?}"),
            Self::UnsupportedVersion(v) => write!(f, "unsupported model format version {v}"),
            Self::Misaligned { address } => {
                write!(f, "model blob at {address:#x} is not 4-byte aligned")
            }
            Self::BadHeaderLength { found } => write!(f, "bad header length {found}"),
            Self::BadCrc { expected, found } => {
                write!(f, "CRC mismatch: header says {expected:#010x}, body has {found:#010x}")
            }
            Self::BadCode { field, value } => write!(f, "unknown code {value} for {field}"),
            Self::NotLinked { what, code } => write!(
                f,
                "{what} {code} is not linked in this build (enable its cargo feature)"
            ),
            Self::ReservedNotZero { offset } => {
                write!(f, "reserved header byte at {offset} is not zero")
            }
            Self::BadCount { field, value } => write!(f, "{field} = {value} is out of range"),
            Self::BadTable { section, offset } => {
                write!(f, "{section:?} section at {offset} is out of bounds or misaligned")
            }
            Self::BadSchema { field } => write!(f, "input schema field {field} is invalid"),
            Self::Schema(e) => write!(f, "input schema: {e}"),
            Self::BadOutputRange { index } => write!(f, "output range {index} is invalid"),
            Self::BadTensorRef { layer, tensor } => {
                write!(f, "layer {layer}: bad reference to tensor {tensor}")
            }
            Self::ShapeMismatch { layer, tensor, expected, found } => write!(
                f,
                "layer {layer}: tensor {tensor} has shape {found:?}, expected {expected:?}"
            ),
            Self::BadWeights { layer, offset, len } => write!(
                f,
                "layer {layer}: weights/parameters at data offset {offset} ({len} bytes) are invalid"
            ),
            Self::BadRequant { layer, channel, value } => write!(
                f,
                "layer {layer} channel {channel}: requantization value {value} out of range"
            ),
            Self::BadLayerField { layer, field, value } => {
                write!(f, "layer {layer}: field {field} = {value} is invalid")
            }
            Self::BadActivationRange { layer, min, max } => {
                write!(f, "layer {layer}: activation range {min}..={max} is invalid")
            }
            Self::BadScale { tensor } => write!(f, "tensor {tensor}: invalid scale"),
            Self::BadZeroPoint { tensor, value } => {
                write!(f, "tensor {tensor}: invalid zero point {value}")
            }
            Self::BadOutputQuant { layer, expected, found } => write!(
                f,
                "layer {layer}: output quantization (scale {}, zero point {}) must be (scale {}, zero point {})",
                found.0, found.1, expected.0, expected.1
            ),
            Self::BadFloat { field } => write!(f, "{field} is not a finite non-negative number"),
            Self::TensorOutOfArena { tensor, end, region } => write!(
                f,
                "tensor {tensor} ends at {end}, past the tensor region of {region} bytes (or is misaligned)"
            ),
            Self::OverlappingTensors { a, b } => {
                write!(f, "live tensors {a} and {b} overlap in the arena")
            }
            Self::ArenaMismatch { stored, computed } => {
                write!(f, "arena size {stored} stored, {computed} computed")
            }
            Self::MacsMismatch { stored, computed } => {
                write!(f, "MACs per frame {stored} stored, {computed} computed")
            }
        }
    }
}

impl core::error::Error for ModelError {}

//! Floor 2: the validated, zero-copy view of a model blob (format: `docs/FORMAT.md`).
//!
//! [`Model::from_bytes`] checks everything once -- magic, version, length, CRC-32, every code,
//! every offset / length / alignment, shapes from layer to layer, quantization parameters,
//! arena layout and liveness -- and after it succeeds no accessor can fail or panic. Weights
//! are borrowed from the blob (`&[i8]`, `&[i32]`, `&[f32]`), never copied.

mod aligned;
mod bytes;
mod crc;
mod error;
pub mod format;
pub mod linked;
pub mod sign;
mod validate;
mod validate_act;
mod view;

pub use aligned::AlignedBlob;

use crate::frame::{AxisOrder, FrameOptions, Group, InputSchema, Robust};
pub use crc::crc32;
pub use error::{ModelError, Section};
pub use format::{
    Activation, FrameMode, Function, Op, OutputKind, PointsMode, Precision, RowsKind,
    FORMAT_VERSION, MIN_FORMAT_VERSION,
};
pub use sign::SignatureError;
pub use view::{LayerView, OutputRange, SchemaField, TensorInfo};

/// The decoded fixed header (validated).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Header {
    pub version: u16,
    pub precision: Precision,
    pub mode: FrameMode,
    pub group: Group,
    pub axis_order: AxisOrder,
    pub robust: Robust,
    pub points_mode: PointsMode,
    pub dim: u8,
    pub field_count: u8,
    pub channels: u16,
    pub output_len: u16,
    pub max_points: u32,
    pub degenerate_gap: f32,
    pub arena_bytes: u32,
    pub tensor_bytes: u32,
    pub scratch_bytes: u32,
    pub macs_per_frame: u64,
    pub layer_count: u16,
    pub tensor_count: u16,
    pub output_count: u16,
    pub output_tensor: u16,
    pub layer_table: u32,
    pub tensor_table: u32,
    pub output_table: u32,
    pub data_offset: u32,
    pub data_len: u32,
}

/// A validated model blob, borrowed zero-copy.
#[derive(Clone, Copy, Debug)]
pub struct Model<'a> {
    pub(crate) header: Header,
    pub(crate) schema: InputSchema,
    pub(crate) layers: &'a [u8],
    pub(crate) tensors: &'a [u8],
    pub(crate) outputs: &'a [u8],
    pub(crate) fields: &'a [u8],
    pub(crate) data: &'a [u8],
    pub(crate) total_len: usize,
}

impl<'a> Model<'a> {
    /// Validates `bytes` as a model blob (see the module doc for what is checked). `bytes` must
    /// start on a 4-byte boundary ([`AlignedBlob`], [`include_model!`](crate::include_model))
    /// and may be longer than the blob (e.g. a flash partition); bytes past the stated total
    /// length are ignored.
    pub fn from_bytes(bytes: &'a [u8]) -> Result<Self, ModelError> {
        validate::validate(bytes)
    }

    /// A blob embedded in a firmware that [`from_bytes`](Self::from_bytes) accepted when the
    /// firmware was built (a build script validates the same file; see
    /// `firmware/footprint/build.rs`): decodes the header, schema and tables, and checks the
    /// preamble, the codes and the features this build links, but not the CRC nor the
    /// structure (tensors, layers, liveness, arena), so a firmware that embeds only checked
    /// blobs links no validation code. A blob loaded at run time (over the air) must go through
    /// [`from_bytes`](Self::from_bytes). Never unsafe: a blob that was not checked gives
    /// errors or wrong outputs, not undefined behaviour.
    pub fn from_build_checked(bytes: &'a [u8]) -> Result<Self, ModelError> {
        validate::validate_with(bytes, false)
    }

    /// Format version of the blob (`MIN_FORMAT_VERSION..=FORMAT_VERSION`).
    pub fn format_version(&self) -> u16 {
        self.header.version
    }
    /// Bytes of the blob (the stated total length).
    pub fn blob_bytes(&self) -> usize {
        self.total_len
    }
    /// Bytes of arena [`engine::run`](crate::engine::run) needs: the planned tensor region
    /// plus the engine scratch (docs/FORMAT.md, "Arena").
    pub fn arena_bytes(&self) -> usize {
        self.header.arena_bytes as usize
    }
    /// Bytes of the planned tensor region (start of the arena).
    pub fn tensor_region_bytes(&self) -> usize {
        self.header.tensor_bytes as usize
    }
    /// Bytes of engine scratch at the end of the arena.
    pub fn scratch_bytes(&self) -> usize {
        self.header.scratch_bytes as usize
    }
    /// Multiply-accumulates of one backbone pass (one frame) at `max_points` rows.
    pub fn macs_per_frame(&self) -> u64 {
        self.header.macs_per_frame
    }
    /// Numeric precision of the backbone.
    pub fn precision(&self) -> Precision {
        self.header.precision
    }
    /// How the frame set is used.
    pub fn frame_mode(&self) -> FrameMode {
        self.header.mode
    }
    /// Frame group (meaningless, but valid, for [`FrameMode::None`]).
    pub fn group(&self) -> Group {
        self.header.group
    }
    /// Eigenvalue (axis) order convention the model was trained with.
    pub fn axis_order(&self) -> AxisOrder {
        self.header.axis_order
    }
    /// Robust mode for (near-)repeated eigenvalues.
    pub fn robust(&self) -> Robust {
        self.header.robust
    }
    /// The frame options recorded in the blob.
    pub fn frame_options(&self) -> FrameOptions {
        FrameOptions {
            group: self.header.group,
            order: self.header.axis_order,
            robust: self.header.robust,
            degenerate_gap: self.header.degenerate_gap,
        }
    }
    /// The input schema recorded in the blob.
    pub fn schema(&self) -> InputSchema {
        self.schema
    }
    /// Relative eigengap under which a frame set counts as degenerate (frame option).
    pub fn degenerate_gap(&self) -> f32 {
        self.header.degenerate_gap
    }
    /// Whether the row count is fixed or variable.
    pub fn points_mode(&self) -> PointsMode {
        self.header.points_mode
    }
    /// Spatial dimension of the input schema (2 or 3).
    pub fn dim(&self) -> usize {
        usize::from(self.header.dim)
    }
    /// Channels per input row (`C`).
    pub fn input_channels(&self) -> usize {
        usize::from(self.header.channels)
    }
    /// Largest number of input rows (`N`); for [`PointsMode::Fixed`] the only accepted one.
    pub fn max_points(&self) -> usize {
        self.header.max_points as usize
    }
    /// Number of f32 outputs (`K`).
    pub fn output_len(&self) -> usize {
        usize::from(self.header.output_len)
    }
    /// Number of layers.
    pub fn layer_count(&self) -> usize {
        usize::from(self.header.layer_count)
    }
    /// Number of tensors (tensor 0 is the backbone input).
    pub fn tensor_count(&self) -> usize {
        usize::from(self.header.tensor_count)
    }
    /// Id of the backbone output tensor.
    pub fn output_tensor_id(&self) -> u16 {
        self.header.output_tensor
    }
    /// Number of output ranges.
    pub fn output_range_count(&self) -> usize {
        usize::from(self.header.output_count)
    }
    /// Number of input-schema fields.
    pub fn schema_field_count(&self) -> usize {
        usize::from(self.header.field_count)
    }
    /// Input quantization `(scale, zero_point)` (tensor 0; `(1.0, 0)` for f32 blobs).
    pub fn input_quant(&self) -> (f32, i32) {
        let t = self.tensor(0).unwrap_or_default();
        (t.scale, t.zero_point)
    }
    /// Output dequantization `(scale, zero_point)` (the output tensor; `(1.0, 0)` for f32).
    pub fn output_quant(&self) -> (f32, i32) {
        let t = self.tensor(self.header.output_tensor).unwrap_or_default();
        (t.scale, t.zero_point)
    }
    /// f32 slots the engine accumulates outputs in (a quaternion range takes 9).
    pub fn accumulator_len(&self) -> usize {
        self.output_ranges()
            .map(|r| format::accumulator_len(r.kind, r.len))
            .sum()
    }
}

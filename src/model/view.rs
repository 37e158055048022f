//! Decoded records of a validated blob: tensors, layers (with borrowed weights), output ranges
//! and schema fields.

use super::bytes::{f32_at, i32_at, slice, u16_at, u32_at, u8_at};
use super::format::{
    element_bytes, Activation, Function, Op, OutputKind, Precision, RowsKind, LAYER_RECORD_LEN,
    OUTPUT_RECORD_LEN, TENSOR_RECORD_LEN,
};
use super::Model;

/// One tensor record: shape, quantization and arena placement.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TensorInfo {
    /// Rows (for [`RowsKind::PerPoint`], the maximum: `max_points`).
    pub rows: u32,
    /// Channels per row.
    pub cols: u32,
    /// Whether `rows` is exact or follows the input's row count.
    pub rows_kind: RowsKind,
    /// Quantization scale (1.0 in f32 blobs).
    pub scale: f32,
    /// Quantization zero point (0 in f32 blobs).
    pub zero_point: i32,
    /// Byte offset in the arena.
    pub offset: u32,
}

impl Default for TensorInfo {
    fn default() -> Self {
        Self {
            rows: 0,
            cols: 0,
            rows_kind: RowsKind::Fixed,
            scale: 1.0,
            zero_point: 0,
            offset: 0,
        }
    }
}

impl TensorInfo {
    /// Rows at run time for an input of `n` rows.
    pub fn rows_for(&self, n: usize) -> usize {
        match self.rows_kind {
            RowsKind::Fixed => self.rows as usize,
            RowsKind::PerPoint => n,
        }
    }
    /// Elements at the planned (maximum) size.
    pub fn max_elements(&self) -> u64 {
        u64::from(self.rows) * u64::from(self.cols)
    }
    pub(crate) fn decode(rec: &[u8]) -> Self {
        Self {
            rows: u32_at(rec, 0),
            cols: u32_at(rec, 4),
            rows_kind: RowsKind::try_from(u8_at(rec, 8)).unwrap_or(RowsKind::Fixed),
            scale: f32_at(rec, 12),
            zero_point: i32_at(rec, 16),
            offset: u32_at(rec, 20),
        }
    }
}

/// One output range: channels `start..start + len` of the output mean `kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct OutputRange {
    /// Geometric meaning.
    pub kind: OutputKind,
    /// First output channel.
    pub start: usize,
    /// Number of channels.
    pub len: usize,
}

/// One input-schema field as stored: `kind` code (`frame::FieldKind`) and first channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SchemaField {
    /// `frame::FieldKind` code: 0 position, 1 vector, 2 axial, 3 scalar.
    pub kind: u8,
    /// First channel.
    pub offset: u8,
}

/// One layer of a validated blob, with its weights borrowed from the blob.
#[derive(Clone, Copy, Debug)]
pub struct LayerView<'a> {
    /// Operator.
    pub op: Op,
    /// Fused activation (int8: applied through `act_min..=act_max`).
    pub activation: Activation,
    /// Input tensor id.
    pub input: u16,
    /// Second input tensor id (two-tensor `Add`, `Sub`, `Mul`, `Concat`; equal to `input`
    /// for one-input layers).
    pub input2: u16,
    /// Tensors read: 2, or 1 (an element-wise op whose second operand is the constant in
    /// `weights_i8` / `weights_f32`, or a one-input op).
    pub input_count: u8,
    /// Output tensor id.
    pub output: u16,
    /// Conv1d kernel size (0 for other ops).
    pub kernel: usize,
    /// Conv1d stride (0 for other ops).
    pub stride: usize,
    /// Conv1d zero padding before the first row (0 for other ops).
    pub pad_left: usize,
    /// Conv1d zero padding after the last row (0 for other ops).
    pub pad_right: usize,
    /// Conv1d distance between taps (1 unless set, version 3).
    pub dilation: usize,
    /// Conv1d channel groups (1 unless set, version 3; `cin` for a depthwise convolution).
    pub groups: usize,
    /// int8 lower clamp of the output (0 in f32 blobs).
    pub act_min: i32,
    /// int8 upper clamp of the output (0 in f32 blobs).
    pub act_max: i32,
    /// int8 weights (`cout x cin`, `cout x k x cin / groups`, or the constant operand of an
    /// element-wise op); empty in f32 blobs.
    pub weights_i8: &'a [i8],
    /// int8 bias per output channel (input zero point folded in); empty in f32 blobs.
    pub bias_i32: &'a [i32],
    /// int8 requantization multipliers (Q31) per output channel.
    pub multiplier: &'a [i32],
    /// int8 requantization shifts per output channel.
    pub shift: &'a [i32],
    /// f32 weights (or an element-wise op's constant operand); empty in int8 blobs.
    pub weights_f32: &'a [f32],
    /// f32 bias per output channel; empty in int8 blobs.
    pub bias_f32: &'a [f32],
    /// int8 parameters of a parameter-only op (`Op::aux_params`); empty otherwise.
    pub aux_i32: &'a [i32],
    /// f32 parameters of a parameter-only op (`Op::aux_params`); empty otherwise.
    pub aux_f32: &'a [f32],
    /// The element-wise function of an `Op::Lut` layer (record byte 3); `None` for other ops.
    pub function: Option<Function>,
}

impl<'a> LayerView<'a> {
    /// The 256-entry table of an int8 `Op::Lut` layer (entry `i` for the input `i as u8 as
    /// i8`); `None` for other layers and f32 blobs.
    pub fn lut_table(&self) -> Option<&'a [i8; 256]> {
        if self.op != Op::Lut {
            return None;
        }
        let bytes: &'a [i8] = bytemuck::cast_slice(self.aux_i32);
        bytes.try_into().ok()
    }
}

impl<'a> Model<'a> {
    /// Tensor `id`, or `None` if out of range.
    pub fn tensor(&self, id: u16) -> Option<TensorInfo> {
        let off = usize::from(id).checked_mul(TENSOR_RECORD_LEN)?;
        let rec = self.tensors.get(off..off + TENSOR_RECORD_LEN)?;
        Some(TensorInfo::decode(rec))
    }

    /// Output range `i`, or `None` if out of range.
    pub fn output_range(&self, i: usize) -> Option<OutputRange> {
        let off = i.checked_mul(OUTPUT_RECORD_LEN)?;
        let rec = self.outputs.get(off..off + OUTPUT_RECORD_LEN)?;
        Some(OutputRange {
            kind: OutputKind::try_from(u8_at(rec, 0)).unwrap_or(OutputKind::Invariant),
            start: usize::from(u16_at(rec, 2)),
            len: usize::from(u16_at(rec, 4)),
        })
    }

    /// The output ranges in channel order (they tile `0..output_len()`).
    pub fn output_ranges(&self) -> impl Iterator<Item = OutputRange> + '_ {
        (0..self.output_range_count()).filter_map(move |i| self.output_range(i))
    }

    /// Input-schema field `i` as stored.
    pub fn schema_field(&self, i: usize) -> Option<SchemaField> {
        if i >= self.schema_field_count() {
            return None;
        }
        Some(SchemaField {
            kind: u8_at(self.fields, 2 * i),
            offset: u8_at(self.fields, 2 * i + 1),
        })
    }

    /// Layer `i` with its weights, or `None` if out of range.
    pub fn layer(&self, i: usize) -> Option<LayerView<'a>> {
        let off = i.checked_mul(LAYER_RECORD_LEN)?;
        let rec = self.layers.get(off..off + LAYER_RECORD_LEN)?;
        Some(self.decode_layer(rec))
    }

    /// The layers in execution order.
    pub fn layers(&self) -> impl Iterator<Item = LayerView<'a>> + '_ {
        (0..self.layer_count()).filter_map(move |i| self.layer(i))
    }

    fn decode_layer(&self, rec: &[u8]) -> LayerView<'a> {
        let data: &'a [u8] = self.data;
        let w = slice(data, u32_at(rec, 24) as usize, u32_at(rec, 28) as usize);
        let p = slice(data, u32_at(rec, 32) as usize, u32_at(rec, 36) as usize);
        let op = Op::try_from(u8_at(rec, 0)).unwrap_or(Op::Dense);
        let input = u16_at(rec, 4);
        let input_count = u8_at(rec, 2);
        let mut view = LayerView {
            op,
            activation: Activation::try_from(u8_at(rec, 1)).unwrap_or(Activation::None),
            input,
            input2: if input_count == 2 {
                u16_at(rec, 6)
            } else {
                input
            },
            input_count,
            output: u16_at(rec, 8),
            kernel: usize::from(u16_at(rec, 10)),
            stride: usize::from(u16_at(rec, 12)),
            pad_left: usize::from(u16_at(rec, 14)),
            pad_right: usize::from(u16_at(rec, 40)),
            dilation: usize::from(u16_at(rec, 42).max(1)),
            groups: usize::from(u16_at(rec, 44).max(1)),
            act_min: i32_at(rec, 16),
            act_max: i32_at(rec, 20),
            weights_i8: &[],
            bias_i32: &[],
            multiplier: &[],
            shift: &[],
            weights_f32: &[],
            bias_f32: &[],
            aux_i32: &[],
            aux_f32: &[],
            function: if op == Op::Lut {
                Function::try_from(u8_at(rec, 3)).ok()
            } else {
                None
            },
        };
        match self.header.precision {
            Precision::Int8 if !op.has_weights() => {
                view.aux_i32 = bytemuck::try_cast_slice(p).unwrap_or(&[]);
                view.weights_i8 = bytemuck::cast_slice(w);
            }
            Precision::F32 if !op.has_weights() => {
                view.aux_f32 = bytemuck::try_cast_slice(p).unwrap_or(&[]);
                view.weights_f32 = bytemuck::try_cast_slice(w).unwrap_or(&[]);
            }
            Precision::Int8 => {
                view.weights_i8 = bytemuck::cast_slice(w);
                let params: &'a [i32] = bytemuck::try_cast_slice(p).unwrap_or(&[]);
                let c = params.len() / 3;
                let (bias, rest) = params.split_at(c);
                let (mult, shift) = rest.split_at(c);
                view.bias_i32 = bias;
                view.multiplier = mult;
                view.shift = shift;
            }
            Precision::F32 => {
                view.weights_f32 = bytemuck::try_cast_slice(w).unwrap_or(&[]);
                view.bias_f32 = bytemuck::try_cast_slice(p).unwrap_or(&[]);
            }
        }
        view
    }

    /// Bytes tensor `id` occupies in the arena at its planned (maximum) size.
    pub fn tensor_max_bytes(&self, id: u16) -> u64 {
        self.tensor(id).map_or(0, |t| {
            t.max_elements()
                .saturating_mul(element_bytes(self.header.precision) as u64)
        })
    }
}

//! The one-time validation behind [`Model::from_bytes`]: header, tables, layers, arena.

use super::bytes::{checked_slice, f32_at, i32_at, u16_at, u32_at, u64_at, u8_at};
use super::crc::crc32;
use super::format::{
    align_up, element_bytes, output_kind_len, Activation, FrameMode, Function, Op, OutputKind,
    PointsMode, Precision, RowsKind, ARENA_ALIGN, DATA_ALIGN, FORMAT_VERSION, HEADER_LEN,
    LAYER_RECORD_LEN, MAGIC, MAX_LAYERS, MAX_OUTPUT_RANGES, MAX_SCHEMA_FIELDS, MAX_TENSORS,
    MIN_FORMAT_VERSION, OUTPUT_RECORD_LEN, PREAMBLE_LEN, SHIFT_RANGE, TENSOR_RECORD_LEN,
};
use super::validate_act;
use super::view::TensorInfo;
use super::{Header, Model, ModelError, Section};
use crate::frame::{Field, FieldKind, InputSchema};

type R<T> = Result<T, ModelError>;

pub(super) fn validate(bytes: &[u8]) -> R<Model<'_>> {
    validate_with(bytes, true)
}

/// [`validate`], or with `full` false only the decoding (no CRC, no structural checks) of a blob
/// that was validated when the firmware was built (`Model::from_build_checked`).
pub(super) fn validate_with(bytes: &[u8], full: bool) -> R<Model<'_>> {
    if bytes.len() < PREAMBLE_LEN {
        return Err(ModelError::TooShort {
            needed: PREAMBLE_LEN,
            given: bytes.len(),
        });
    }
    let mut magic = [0u8; 4];
    magic.copy_from_slice(bytes.get(..4).unwrap_or(&[0; 4]));
    if magic != MAGIC {
        return Err(ModelError::BadMagic { found: magic });
    }
    let version = u16_at(bytes, 4);
    if !(MIN_FORMAT_VERSION..=FORMAT_VERSION).contains(&version) {
        return Err(ModelError::UnsupportedVersion(version));
    }
    let header_len = u16_at(bytes, 6);
    if usize::from(header_len) != HEADER_LEN {
        return Err(ModelError::BadHeaderLength { found: header_len });
    }
    let address = bytes.as_ptr() as usize;
    if !address.is_multiple_of(4) {
        return Err(ModelError::Misaligned { address });
    }
    let total = u32_at(bytes, 8) as usize;
    if total < HEADER_LEN {
        return Err(ModelError::BadCount {
            field: "total_len",
            value: total as u64,
        });
    }
    let Some(blob) = bytes.get(..total) else {
        return Err(ModelError::TooShort {
            needed: total,
            given: bytes.len(),
        });
    };
    let expected = u32_at(blob, 12);
    let found = if full {
        crc32(blob.get(PREAMBLE_LEN..).unwrap_or(&[]))
    } else {
        expected
    };
    if expected != found {
        return Err(ModelError::BadCrc { expected, found });
    }
    let header = decode_header(blob)?;
    let schema = decode_schema(blob, &header)?;
    let model = Model {
        header,
        schema,
        layers: table(blob, &header, Section::Layers)?,
        tensors: table(blob, &header, Section::Tensors)?,
        outputs: table(blob, &header, Section::Outputs)?,
        fields: blob.get(92..92 + 2 * MAX_SCHEMA_FIELDS).unwrap_or(&[]),
        data: data_section(blob, &header)?,
        total_len: total,
    };
    super::linked::check(&model)?;
    if !full {
        return Ok(model);
    }
    check_tables_disjoint(&header)?;
    check_tensors(&model)?;
    check_outputs(&model)?;
    let macs = check_layers(&model)?;
    if macs != header.macs_per_frame {
        return Err(ModelError::MacsMismatch {
            stored: header.macs_per_frame,
            computed: macs,
        });
    }
    check_liveness(&model)?;
    check_arena(&model)?;
    Ok(model)
}

fn code<T: TryFrom<u8, Error = u8>>(b: &[u8], off: usize, field: &'static str) -> R<T> {
    T::try_from(u8_at(b, off)).map_err(|value| ModelError::BadCode { field, value })
}

fn decode_header(b: &[u8]) -> R<Header> {
    let h = Header {
        version: u16_at(b, 4),
        precision: code(b, 16, "precision")?,
        mode: code(b, 17, "frame_mode")?,
        group: code(b, 18, "group")?,
        axis_order: code(b, 19, "axis_order")?,
        robust: code(b, 20, "robust")?,
        points_mode: code(b, 21, "points_mode")?,
        dim: u8_at(b, 22),
        field_count: u8_at(b, 23),
        channels: u16_at(b, 24),
        output_len: u16_at(b, 26),
        max_points: u32_at(b, 28),
        degenerate_gap: f32_at(b, 32),
        arena_bytes: u32_at(b, 36),
        tensor_bytes: u32_at(b, 40),
        scratch_bytes: u32_at(b, 44),
        macs_per_frame: u64_at(b, 48),
        layer_count: u16_at(b, 56),
        tensor_count: u16_at(b, 58),
        output_count: u16_at(b, 60),
        output_tensor: u16_at(b, 62),
        layer_table: u32_at(b, 64),
        tensor_table: u32_at(b, 68),
        output_table: u32_at(b, 72),
        data_offset: u32_at(b, 76),
        data_len: u32_at(b, 80),
    };
    for offset in 84..92 {
        if u8_at(b, offset) != 0 {
            return Err(ModelError::ReservedNotZero { offset });
        }
    }
    for offset in 92 + 2 * MAX_SCHEMA_FIELDS..HEADER_LEN {
        if u8_at(b, offset) != 0 {
            return Err(ModelError::ReservedNotZero { offset });
        }
    }
    let group_dim = h.group.dim() as u8;
    let dim_ok = h.dim == 2 || h.dim == 3;
    if !dim_ok || (h.mode != FrameMode::None && h.dim != group_dim) {
        return Err(ModelError::BadCount {
            field: "dim",
            value: u64::from(h.dim),
        });
    }
    if !h.degenerate_gap.is_finite() || h.degenerate_gap < 0.0 {
        return Err(ModelError::BadFloat {
            field: "degenerate_gap",
        });
    }
    let counts: [(&'static str, u64, u64, u64); 7] = [
        (
            "field_count",
            h.field_count.into(),
            0,
            MAX_SCHEMA_FIELDS as u64,
        ),
        ("channels", h.channels.into(), 1, u16::MAX.into()),
        ("output_len", h.output_len.into(), 1, u16::MAX.into()),
        ("max_points", h.max_points.into(), 1, u32::MAX.into()),
        ("layer_count", h.layer_count.into(), 1, MAX_LAYERS as u64),
        ("tensor_count", h.tensor_count.into(), 2, MAX_TENSORS as u64),
        (
            "output_count",
            h.output_count.into(),
            1,
            MAX_OUTPUT_RANGES as u64,
        ),
    ];
    for (field, value, lo, hi) in counts {
        if value < lo || value > hi {
            return Err(ModelError::BadCount { field, value });
        }
    }
    Ok(h)
}

fn table_span(h: &Header, s: Section) -> (u32, usize) {
    match s {
        Section::Layers => (h.layer_table, usize::from(h.layer_count) * LAYER_RECORD_LEN),
        Section::Tensors => (
            h.tensor_table,
            usize::from(h.tensor_count) * TENSOR_RECORD_LEN,
        ),
        Section::Outputs => (
            h.output_table,
            usize::from(h.output_count) * OUTPUT_RECORD_LEN,
        ),
        Section::Data => (h.data_offset, h.data_len as usize),
    }
}

fn table<'a>(blob: &'a [u8], h: &Header, section: Section) -> R<&'a [u8]> {
    let (offset, len) = table_span(h, section);
    let off = offset as usize;
    let bad = ModelError::BadTable { section, offset };
    let end = off.checked_add(len).ok_or(bad)?;
    if off < HEADER_LEN || !off.is_multiple_of(4) || end > h.data_offset as usize {
        return Err(bad);
    }
    checked_slice(blob, off, len).ok_or(bad)
}

fn data_section<'a>(blob: &'a [u8], h: &Header) -> R<&'a [u8]> {
    let off = h.data_offset as usize;
    let bad = ModelError::BadTable {
        section: Section::Data,
        offset: h.data_offset,
    };
    let end = off.checked_add(h.data_len as usize).ok_or(bad)?;
    if off < HEADER_LEN || !off.is_multiple_of(DATA_ALIGN) || end != blob.len() {
        return Err(bad);
    }
    checked_slice(blob, off, h.data_len as usize).ok_or(bad)
}

fn check_tables_disjoint(h: &Header) -> R<()> {
    let all = [Section::Layers, Section::Tensors, Section::Outputs];
    for (i, &a) in all.iter().enumerate() {
        for &b in all.iter().skip(i + 1) {
            let (ao, al) = table_span(h, a);
            let (bo, bl) = table_span(h, b);
            let (ao, bo) = (ao as usize, bo as usize);
            if ao < bo + bl && bo < ao + al {
                return Err(ModelError::BadTable {
                    section: b,
                    offset: bo as u32,
                });
            }
        }
    }
    Ok(())
}

/// Decodes and validates the input schema (through `InputSchema::new`, so the frame module's
/// rules apply: geometric fields span `dim` channels, scalars one, inside the row, disjoint).
fn decode_schema(b: &[u8], h: &Header) -> R<InputSchema> {
    let mut fields = [Field {
        kind: FieldKind::Scalar,
        offset: 0,
    }; MAX_SCHEMA_FIELDS];
    let n = usize::from(h.field_count);
    for (i, f) in fields.iter_mut().enumerate() {
        let (kind, offset) = (u8_at(b, 92 + 2 * i), u8_at(b, 93 + 2 * i));
        if i >= n {
            if kind != 0 || offset != 0 {
                return Err(ModelError::ReservedNotZero { offset: 92 + 2 * i });
            }
            continue;
        }
        let kind = FieldKind::try_from(kind).map_err(|value| ModelError::BadCode {
            field: "field_kind",
            value,
        })?;
        *f = Field { kind, offset };
    }
    InputSchema::new(
        usize::from(h.dim),
        usize::from(h.channels),
        fields.get(..n).unwrap_or(&[]),
    )
    .map_err(ModelError::Schema)
}

fn check_tensors(m: &Model<'_>) -> R<()> {
    let h = &m.header;
    let eb = element_bytes(h.precision) as u64;
    for id in 0..h.tensor_count {
        let off = usize::from(id) * TENSOR_RECORD_LEN;
        let rec = m.tensors.get(off..off + TENSOR_RECORD_LEN).unwrap_or(&[]);
        let kind: RowsKind = code(rec, 8, "rows_kind")?;
        for (k, &b) in rec.iter().enumerate().take(12).skip(9) {
            if b != 0 {
                return Err(ModelError::BadLayerField {
                    layer: usize::MAX,
                    field: "tensor_reserved",
                    value: k as i32,
                });
            }
        }
        let t = TensorInfo::decode(rec);
        if t.rows == 0 || t.cols == 0 {
            return Err(ModelError::ShapeMismatch {
                layer: usize::MAX,
                tensor: id,
                expected: (1, 1),
                found: (t.rows, t.cols),
            });
        }
        if kind == RowsKind::PerPoint
            && (h.points_mode != PointsMode::Variable || t.rows != h.max_points)
        {
            return Err(ModelError::ShapeMismatch {
                layer: usize::MAX,
                tensor: id,
                expected: (h.max_points, t.cols),
                found: (t.rows, t.cols),
            });
        }
        match h.precision {
            Precision::Int8 => {
                if !(t.scale.is_finite() && t.scale > 0.0) {
                    return Err(ModelError::BadScale { tensor: id });
                }
                if !(-128..=127).contains(&t.zero_point) {
                    return Err(ModelError::BadZeroPoint {
                        tensor: id,
                        value: t.zero_point,
                    });
                }
            }
            Precision::F32 => {
                if t.scale.to_bits() != 1.0f32.to_bits() {
                    return Err(ModelError::BadScale { tensor: id });
                }
                if t.zero_point != 0 {
                    return Err(ModelError::BadZeroPoint {
                        tensor: id,
                        value: t.zero_point,
                    });
                }
            }
        }
        let end = u64::from(t.offset).saturating_add(t.max_elements().saturating_mul(eb));
        if !(t.offset as usize).is_multiple_of(ARENA_ALIGN) || end > u64::from(h.tensor_bytes) {
            return Err(ModelError::TensorOutOfArena {
                tensor: id,
                end,
                region: h.tensor_bytes,
            });
        }
    }
    // Tensor 0 is the backbone input: (max_points, channels).
    let t0 = m.tensor(0).unwrap_or_default();
    let want_kind = match h.points_mode {
        PointsMode::Variable => RowsKind::PerPoint,
        PointsMode::Fixed => RowsKind::Fixed,
    };
    if t0.rows != h.max_points || t0.cols != u32::from(h.channels) || t0.rows_kind != want_kind {
        return Err(ModelError::ShapeMismatch {
            layer: usize::MAX,
            tensor: 0,
            expected: (h.max_points, h.channels.into()),
            found: (t0.rows, t0.cols),
        });
    }
    // The output tensor: (1, output_len), fixed.
    let id = h.output_tensor;
    let Some(to) = m.tensor(id).filter(|_| id != 0) else {
        return Err(ModelError::BadTensorRef {
            layer: usize::MAX,
            tensor: id,
        });
    };
    if to.rows != 1 || to.rows_kind != RowsKind::Fixed || to.cols != u32::from(h.output_len) {
        return Err(ModelError::ShapeMismatch {
            layer: usize::MAX,
            tensor: id,
            expected: (1, h.output_len.into()),
            found: (to.rows, to.cols),
        });
    }
    Ok(())
}

fn check_outputs(m: &Model<'_>) -> R<()> {
    let dim = m.dim();
    let mut next = 0usize;
    for index in 0..m.output_range_count() {
        let off = index * OUTPUT_RECORD_LEN;
        let rec = m.outputs.get(off..off + OUTPUT_RECORD_LEN).unwrap_or(&[]);
        let kind: OutputKind = code(rec, 0, "output_kind")?;
        let start = usize::from(u16_at(rec, 2));
        let len = usize::from(u16_at(rec, 4));
        let reserved_ok = u8_at(rec, 1) == 0 && u16_at(rec, 6) == 0;
        let len_ok = match output_kind_len(kind, dim) {
            Some(l) => l == len,
            None => kind == OutputKind::Invariant && len >= 1,
        };
        if !reserved_ok || !len_ok || start != next {
            return Err(ModelError::BadOutputRange { index });
        }
        next = start + len;
    }
    if next != m.output_len() {
        return Err(ModelError::BadOutputRange {
            index: m.output_range_count(),
        });
    }
    Ok(())
}

/// Index of the layer producing tensor `t` (`None` for tensor 0 or an orphan).
pub(super) fn producer(m: &Model<'_>, t: u16) -> Option<usize> {
    (0..m.layer_count()).find(|&i| u16_at(m.layers, i * LAYER_RECORD_LEN + 8) == t)
}

fn check_layers(m: &Model<'_>) -> R<u64> {
    let h = &m.header;
    let eb = element_bytes(h.precision);
    let mut macs = 0u64;
    for li in 0..m.layer_count() {
        let rec = m
            .layers
            .get(li * LAYER_RECORD_LEN..(li + 1) * LAYER_RECORD_LEN)
            .unwrap_or(&[]);
        let op: Op = code(rec, 0, "op")?;
        // Checked by `linked::check` already; repeated so the checks of kinds this build leaves
        // out are dead code.
        super::linked::require(super::linked::op(op), "op", op.code())?;
        let act: Activation = code(rec, 1, "activation")?;
        let field = |field: &'static str, value: i32| ModelError::BadLayerField {
            layer: li,
            field,
            value,
        };
        if op.min_version() > h.version {
            return Err(ModelError::BadCode {
                field: "op",
                value: op.code(),
            });
        }
        let count = u8_at(rec, 2);
        let const_form = op.is_elementwise() && count == 1 && h.version >= 3;
        if count != op.input_count() && !const_form {
            return Err(field("input_count", count.into()));
        }
        let two = count == 2;
        let function_ok = match op {
            Op::Lut => Function::try_from(u8_at(rec, 3)).is_ok(),
            _ => u8_at(rec, 3) == 0,
        };
        if !function_ok {
            return Err(ModelError::BadCode {
                field: "function",
                value: u8_at(rec, 3),
            });
        }
        // Version 3: u16 dilation at 42 and u16 groups at 44 (Conv1d only; 0 means 1).
        let (dilation, groups) = (u16_at(rec, 42), u16_at(rec, 44));
        let conv_fields = h.version >= 3 && op == Op::Conv1d;
        if (!two && u16_at(rec, 6) != 0)
            || (!conv_fields && (dilation != 0 || groups != 0))
            || u16_at(rec, 46) != 0
        {
            return Err(field("reserved", 0));
        }
        let (dilation, groups) = (usize::from(dilation.max(1)), usize::from(groups.max(1)));
        let (inp, out) = (u16_at(rec, 4), u16_at(rec, 8));
        let inp2 = if two { u16_at(rec, 6) } else { inp };
        let (k, stride) = (usize::from(u16_at(rec, 10)), usize::from(u16_at(rec, 12)));
        let pad = usize::from(u16_at(rec, 14)) + usize::from(u16_at(rec, 40));
        // References: input produced earlier (or tensor 0), output produced here only.
        let bad_ref = |tensor| ModelError::BadTensorRef { layer: li, tensor };
        let ti = m.tensor(inp).ok_or(bad_ref(inp))?;
        let ti2 = m.tensor(inp2).ok_or(bad_ref(inp2))?;
        let to = m.tensor(out).ok_or(bad_ref(out))?;
        for t in [inp, inp2] {
            if t != 0 && producer(m, t).is_none_or(|p| p >= li) {
                return Err(bad_ref(t));
            }
        }
        if out == 0 || producer(m, out) != Some(li) {
            return Err(bad_ref(out));
        }
        // Activation range.
        let (amin, amax) = (i32_at(rec, 16), i32_at(rec, 20));
        match h.precision {
            Precision::Int8 => {
                if amin > amax || amin < -128 || amax > 127 {
                    return Err(ModelError::BadActivationRange {
                        layer: li,
                        min: amin,
                        max: amax,
                    });
                }
            }
            Precision::F32 => {
                if amin != 0 || amax != 0 {
                    return Err(ModelError::BadActivationRange {
                        layer: li,
                        min: amin,
                        max: amax,
                    });
                }
            }
        }
        let first = usize::from(u16_at(rec, 14));
        if op.has_range() {
            if k == 0 || stride != 0 || u16_at(rec, 40) != 0 {
                return Err(field("range", k as i32));
            }
        } else if !op.is_windowed() && (k != 0 || stride != 0 || pad != 0) {
            return Err(field("kernel/stride/pad", (k | stride | pad) as i32));
        }
        let (cin, cout) = (ti.cols, to.cols);
        let shape_err =
            |tensor, expected: (u32, u32), found: &TensorInfo| ModelError::ShapeMismatch {
                layer: li,
                tensor,
                expected,
                found: (found.rows, found.cols),
            };
        let fixed1 = |t: &TensorInfo| t.rows == 1 && t.rows_kind == RowsKind::Fixed;
        let (w_elems, layer_macs): (u64, u64) = match op {
            Op::Dense => {
                if !fixed1(&ti) {
                    return Err(shape_err(inp, (1, cin), &ti));
                }
                if !fixed1(&to) {
                    return Err(shape_err(out, (1, cout), &to));
                }
                let w = u64::from(cin) * u64::from(cout);
                (w, w)
            }
            Op::Pointwise | Op::PointwiseMax => {
                let ok = if op == Op::Pointwise {
                    to.rows == ti.rows && to.rows_kind == ti.rows_kind
                } else {
                    fixed1(&to)
                };
                if !ok {
                    let r = if op == Op::Pointwise { ti.rows } else { 1 };
                    return Err(shape_err(out, (r, cout), &to));
                }
                let w = u64::from(cin) * u64::from(cout);
                (w, w.saturating_mul(u64::from(ti.rows)))
            }
            Op::Conv1d => {
                if k == 0 || stride == 0 {
                    return Err(field("kernel/stride", 0));
                }
                if ti.rows_kind != RowsKind::Fixed {
                    return Err(shape_err(inp, (h.max_points, cin), &ti));
                }
                let padded = u64::from(ti.rows) + pad as u64;
                let span = (dilation as u64) * (k as u64 - 1) + 1;
                if padded < span {
                    return Err(field("kernel", k as i32));
                }
                if !cin.is_multiple_of(groups as u32) || !cout.is_multiple_of(groups as u32) {
                    return Err(field("groups", groups as i32));
                }
                let n_out = (padded - span) / stride as u64 + 1;
                if u64::from(to.rows) != n_out || to.rows_kind != RowsKind::Fixed {
                    return Err(shape_err(
                        out,
                        (n_out.min(u32::MAX.into()) as u32, cout),
                        &to,
                    ));
                }
                let cig = u64::from(cin) / groups as u64;
                let w = (cig * u64::from(cout)).saturating_mul(k as u64);
                (w, w.saturating_mul(n_out))
            }
            Op::MaxPool | Op::MeanPool | Op::SumPool => {
                if !fixed1(&to) || cout != cin {
                    return Err(shape_err(out, (1, cin), &to));
                }
                (0, 0)
            }
            Op::MaxPool1d | Op::AvgPool1d => {
                if k == 0 || stride == 0 {
                    return Err(field("kernel/stride", 0));
                }
                if ti.rows_kind != RowsKind::Fixed {
                    return Err(shape_err(inp, (h.max_points, cin), &ti));
                }
                let padded = u64::from(ti.rows) + pad as u64;
                let (pl, pr) = (u16_at(rec, 14), u16_at(rec, 40));
                if padded < k as u64 || usize::from(pl.max(pr)) >= k {
                    return Err(field("kernel", k as i32));
                }
                let n_out = (padded - k as u64) / stride as u64 + 1;
                if u64::from(to.rows) != n_out || to.rows_kind != RowsKind::Fixed || cout != cin {
                    return Err(shape_err(
                        out,
                        (n_out.min(u32::MAX.into()) as u32, cin),
                        &to,
                    ));
                }
                (0, 0)
            }
            Op::Add | Op::Sub | Op::Mul => {
                let w = elementwise_shapes(m, li, rec, &ti, &ti2, &to, const_form)?;
                (w, 0)
            }
            Op::RowNorm | Op::RowSquaredNorm => {
                if first + k > cin as usize {
                    return Err(field("range", (first + k) as i32));
                }
                if to.rows != ti.rows || to.rows_kind != ti.rows_kind || cout != 1 {
                    return Err(shape_err(out, (ti.rows, 1), &to));
                }
                (0, 0)
            }
            Op::SliceRows => {
                if ti.rows_kind != RowsKind::Fixed || first + k > ti.rows as usize {
                    return Err(field("range", (first + k) as i32));
                }
                if to.rows as usize != k || to.rows_kind != RowsKind::Fixed || cout != cin {
                    return Err(shape_err(out, (k as u32, cin), &to));
                }
                (0, 0)
            }
            Op::Flatten => {
                let c = u64::from(ti.rows) * u64::from(cin);
                if ti.rows_kind != RowsKind::Fixed || !fixed1(&to) || u64::from(cout) != c {
                    return Err(shape_err(out, (1, c.min(u32::MAX.into()) as u32), &to));
                }
                (0, 0)
            }
            Op::LeakyRelu | Op::Clamp => {
                let same = |t: &TensorInfo| {
                    t.rows == ti.rows && t.rows_kind == ti.rows_kind && t.cols == ti.cols
                };
                if !same(&ti2) {
                    return Err(shape_err(inp2, (ti.rows, ti.cols), &ti2));
                }
                if !same(&to) {
                    return Err(shape_err(out, (ti.rows, ti.cols), &to));
                }
                (0, 0)
            }
            Op::Logistic | Op::Tanh | Op::Softmax | Op::LogSoftmax | Op::Lut | Op::LayerNorm => {
                if to.rows != ti.rows || to.rows_kind != ti.rows_kind || cout != cin {
                    return Err(shape_err(out, (ti.rows, ti.cols), &to));
                }
                (0, 0)
            }
            Op::Concat => {
                if ti2.rows != ti.rows || ti2.rows_kind != ti.rows_kind {
                    return Err(shape_err(inp2, (ti.rows, ti2.cols), &ti2));
                }
                let c = u64::from(cin) + u64::from(ti2.cols);
                if to.rows != ti.rows || to.rows_kind != ti.rows_kind || u64::from(cout) != c {
                    return Err(shape_err(
                        out,
                        (ti.rows, c.min(u32::MAX.into()) as u32),
                        &to,
                    ));
                }
                (0, 0)
            }
        };
        check_parameterless(m, li, op, act, (amin, amax), &ti, &to, out)?;
        check_arrays(m, li, rec, op, w_elems, u64::from(cout), eb, const_form)?;
        validate_act::check(m, li, op, &ti, &to, out)?;
        macs = macs.saturating_add(layer_macs);
    }
    Ok(macs)
}

/// Shapes of a broadcasting element-wise layer; returns the constant operand's elements (0 in
/// the two-tensor form). Version 2 (and older) Add: two tensors of one shape.
fn elementwise_shapes(
    m: &Model<'_>,
    li: usize,
    rec: &[u8],
    ti: &TensorInfo,
    ti2: &TensorInfo,
    to: &TensorInfo,
    const_form: bool,
) -> R<u64> {
    let (inp2, out) = (u16_at(rec, 6), u16_at(rec, 8));
    let shape_err = |tensor, expected: (u32, u32), found: &TensorInfo| ModelError::ShapeMismatch {
        layer: li,
        tensor,
        expected,
        found: (found.rows, found.cols),
    };
    let want = if const_form {
        let eb = element_bytes(m.header.precision) as u64;
        let len = u64::from(u32_at(rec, 28));
        let elems = len / eb;
        let full = u64::from(ti.rows) * u64::from(ti.cols);
        let ok = len % eb == 0
            && (elems == 1
                || elems == u64::from(ti.cols)
                || (elems == full && ti.rows_kind == RowsKind::Fixed));
        if !ok {
            return Err(ModelError::BadWeights {
                layer: li,
                offset: u32_at(rec, 24),
                len: u32_at(rec, 28),
            });
        }
        if to.rows != ti.rows || to.rows_kind != ti.rows_kind || to.cols != ti.cols {
            return Err(shape_err(out, (ti.rows, ti.cols), to));
        }
        return Ok(elems);
    } else if m.header.version < 3 {
        (ti.rows, ti.rows_kind, ti.cols)
    } else {
        let one = |t: &TensorInfo| t.rows == 1 && t.rows_kind == RowsKind::Fixed;
        let rows = if ti.rows == ti2.rows && ti.rows_kind == ti2.rows_kind || one(ti2) {
            (ti.rows, ti.rows_kind)
        } else if one(ti) {
            (ti2.rows, ti2.rows_kind)
        } else {
            return Err(shape_err(inp2, (ti.rows, ti2.cols), ti2));
        };
        let cols = match (ti.cols, ti2.cols) {
            (a, b) if a == b || b == 1 => a,
            (1, b) => b,
            _ => return Err(shape_err(inp2, (ti2.rows, ti.cols), ti2)),
        };
        (rows.0, rows.1, cols)
    };
    let same = |t: &TensorInfo| t.rows == want.0 && t.rows_kind == want.1 && t.cols == want.2;
    if m.header.version < 3 && !same(ti2) {
        return Err(shape_err(inp2, (want.0, want.2), ti2));
    }
    if !same(to) {
        return Err(shape_err(out, (want.0, want.2), to));
    }
    Ok(0)
}

#[allow(clippy::too_many_arguments)]
fn check_arrays(
    m: &Model<'_>,
    layer: usize,
    rec: &[u8],
    op: Op,
    w_elems: u64,
    cout: u64,
    eb: usize,
    const_form: bool,
) -> R<()> {
    let (w_off, w_len) = (u32_at(rec, 24), u32_at(rec, 28));
    let (p_off, p_len) = (u32_at(rec, 32), u32_at(rec, 36));
    let int8 = m.header.precision == Precision::Int8;
    let (aux_i32, aux_f32) = op.aux_params();
    let aux_i32 = aux_i32 + usize::from(const_form);
    let (per_i32, per_f32) = op.aux_params_per_channel();
    let p_want = if !op.has_weights() {
        let (fixed, per) = if int8 {
            (aux_i32, per_i32)
        } else {
            (aux_f32, per_f32)
        };
        4 * (fixed as u64 + per as u64 * cout)
    } else if int8 {
        3 * cout * 4
    } else {
        cout * 4
    };
    let w_want = w_elems.saturating_mul(eb as u64);
    for (off, len, want) in [(w_off, w_len, w_want), (p_off, p_len, p_want)] {
        let bad = ModelError::BadWeights {
            layer,
            offset: off,
            len,
        };
        if u64::from(len) != want {
            return Err(bad);
        }
        if want == 0 {
            if off != 0 {
                return Err(bad);
            }
            continue;
        }
        if !(off as usize).is_multiple_of(4)
            || checked_slice(m.data, off as usize, len as usize).is_none()
        {
            return Err(bad);
        }
    }
    let Some(view) = m.layer(layer) else {
        return Err(ModelError::BadWeights {
            layer,
            offset: p_off,
            len: p_len,
        });
    };
    if validate_act::owns(op) {
        // Parameters checked by `validate_act::check`.
    } else if int8 && !op.has_weights() {
        if let (true, Some(&zp)) = (const_form, view.aux_i32.last()) {
            if !(-128..=127).contains(&zp) {
                return Err(ModelError::BadLayerField {
                    layer,
                    field: "constant zero point",
                    value: zp,
                });
            }
        }
        // [multiplier, shift] pairs (the constant's zero point after them is odd one out).
        for (channel, pair) in view.aux_i32.chunks_exact(2).enumerate() {
            let &[mul, sh] = pair else { continue };
            if mul < 0 || !SHIFT_RANGE.contains(&sh) {
                return Err(ModelError::BadRequant {
                    layer,
                    channel,
                    value: if mul < 0 { mul } else { sh },
                });
            }
        }
    } else if !int8 && !op.has_weights() {
        let bad = ModelError::BadLayerField {
            layer,
            field: "f32 parameter",
            value: 0,
        };
        match (op, view.aux_f32) {
            (Op::LeakyRelu, [alpha]) if alpha.is_finite() => {}
            (Op::Clamp, [lo, hi]) if lo <= hi => {}
            (Op::LeakyRelu | Op::Clamp, _) => return Err(bad),
            _ => {}
        }
    }
    if int8 && op.has_weights() {
        for (channel, &v) in view.multiplier.iter().enumerate() {
            if v < 0 {
                return Err(ModelError::BadRequant {
                    layer,
                    channel,
                    value: v,
                });
            }
        }
        for (channel, &v) in view.shift.iter().enumerate() {
            if !SHIFT_RANGE.contains(&v) {
                return Err(ModelError::BadRequant {
                    layer,
                    channel,
                    value: v,
                });
            }
        }
    }
    Ok(())
}

/// Rules for the activation code, clamp and output quantization of ops without weights.
#[allow(clippy::too_many_arguments)]
fn check_parameterless(
    m: &Model<'_>,
    layer: usize,
    op: Op,
    act: Activation,
    (amin, amax): (i32, i32),
    ti: &TensorInfo,
    to: &TensorInfo,
    out: u16,
) -> R<()> {
    if op.has_weights() {
        return Ok(());
    }
    let int8 = m.header.precision == Precision::Int8;
    // Ops that keep the input's quantization.
    let same_quant = op.keeps_quant();
    if int8
        && same_quant
        && (to.scale.to_bits() != ti.scale.to_bits() || to.zero_point != ti.zero_point)
    {
        return Err(ModelError::BadZeroPoint {
            tensor: out,
            value: to.zero_point,
        });
    }
    // Ops whose int8 clamp is the full range (only the element-wise ops and Clamp clamp).
    if int8 && !op.is_elementwise() && op != Op::Clamp && (amin != -128 || amax != 127) {
        return Err(ModelError::BadActivationRange {
            layer,
            min: amin,
            max: amax,
        });
    }
    if !op.is_elementwise() && act != Activation::None {
        return Err(ModelError::BadLayerField {
            layer,
            field: "activation",
            value: act.code().into(),
        });
    }
    Ok(())
}

/// Live interval `[first, last]` of tensor `t` in layer steps. Tensor 0 is written before
/// layer 0; the output tensor is read after the last layer (step `layer_count`).
fn live_interval(m: &Model<'_>, t: u16) -> (usize, usize) {
    let first = if t == 0 {
        0
    } else {
        producer(m, t).unwrap_or(0)
    };
    let mut last = first;
    for i in 0..m.layer_count() {
        let reads2 = u8_at(m.layers, i * LAYER_RECORD_LEN + 2) == 2
            && u16_at(m.layers, i * LAYER_RECORD_LEN + 6) == t;
        if u16_at(m.layers, i * LAYER_RECORD_LEN + 4) == t || reads2 {
            last = last.max(i);
        }
    }
    if t == m.header.output_tensor {
        last = m.layer_count();
    }
    (first, last)
}

fn check_liveness(m: &Model<'_>) -> R<()> {
    let eb = element_bytes(m.header.precision) as u64;
    let n = m.header.tensor_count;
    for a in 1..n {
        if producer(m, a).is_none() {
            return Err(ModelError::BadTensorRef {
                layer: usize::MAX,
                tensor: a,
            });
        }
    }
    for a in 0..n {
        let ta = m.tensor(a).unwrap_or_default();
        let (a0, a1) = live_interval(m, a);
        let ab = u64::from(ta.offset);
        let ae = ab.saturating_add(ta.max_elements().saturating_mul(eb));
        for b in a + 1..n {
            let tb = m.tensor(b).unwrap_or_default();
            let (b0, b1) = live_interval(m, b);
            let bb = u64::from(tb.offset);
            let be = bb.saturating_add(tb.max_elements().saturating_mul(eb));
            if a0 <= b1 && b0 <= a1 && ab < be && bb < ae {
                return Err(ModelError::OverlappingTensors { a, b });
            }
        }
    }
    Ok(())
}

/// Engine scratch bytes for a model (docs/FORMAT.md, "Arena"): the f32 output accumulator,
/// plus one f32 canonical input row for int8 blobs.
pub(crate) fn scratch_bytes(m: &Model<'_>) -> u64 {
    let row = match m.header.precision {
        Precision::Int8 => m.input_channels() as u64,
        Precision::F32 => 0,
    };
    4 * (m.accumulator_len() as u64 + row)
}

fn check_arena(m: &Model<'_>) -> R<()> {
    let h = &m.header;
    let scratch = scratch_bytes(m);
    let start = align_up(h.tensor_bytes as usize, ARENA_ALIGN).unwrap_or(usize::MAX) as u64;
    let computed = start + scratch;
    if u64::from(h.scratch_bytes) != scratch || u64::from(h.arena_bytes) != computed {
        return Err(ModelError::ArenaMismatch {
            stored: h.arena_bytes,
            computed,
        });
    }
    Ok(())
}

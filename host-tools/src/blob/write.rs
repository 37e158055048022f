//! Layout (shapes, liveness, arena plan, MACs) and serialization of a [`BlobModel`].

use super::plan::{plan, Plan, PlanItem};
use super::shapes::{infer, LayerDerived, TensorSpec};
use super::types::{BlobModel, LayerParams};
use super::{AlignedBuf, BlobError};
use equiframe::model::format::{
    accumulator_len, align_up, output_kind_len, ARENA_ALIGN, DATA_ALIGN, HEADER_LEN,
    LAYER_RECORD_LEN, MAGIC, MAX_SCHEMA_FIELDS, OUTPUT_RECORD_LEN, TENSOR_RECORD_LEN,
};
use equiframe::model::{crc32, FrameMode, Model, Op, OutputKind, Precision, FORMAT_VERSION};

/// Everything the writer derives from a [`BlobModel`] before serializing it.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    /// Tensors (id 0 = input, `i + 1` = output of layer `i`).
    pub tensors: Vec<TensorSpec>,
    /// Per-layer clamp and MACs.
    pub layers: Vec<LayerDerived>,
    /// Arena placement of the tensors.
    pub plan: Plan,
    /// Engine scratch bytes (output accumulator, int8 canonical row).
    pub scratch_bytes: usize,
    /// Total arena bytes the engine needs.
    pub arena_bytes: usize,
    /// MACs of one backbone pass at `max_points` rows.
    pub macs_per_frame: u64,
}

fn elem_bytes(p: Precision) -> usize {
    match p {
        Precision::Int8 => 1,
        Precision::F32 => 4,
    }
}

fn check_model_fields(m: &BlobModel) -> Result<usize, BlobError> {
    let field = |name, why: &str| Err(BlobError::BadField(name, why.to_string()));
    if m.dim != 2 && m.dim != 3 {
        return field("dim", "must be 2 or 3");
    }
    if m.frame_mode != FrameMode::None && m.group.dim() != usize::from(m.dim) {
        return field("dim", "does not match the frame group's dimension");
    }
    if m.channels == 0 || m.max_points == 0 {
        return field("channels/max_points", "must be at least 1");
    }
    if m.fields.len() > MAX_SCHEMA_FIELDS {
        return field("fields", "at most 8 schema fields");
    }
    if let Err(e) =
        equiframe::frame::InputSchema::new(usize::from(m.dim), usize::from(m.channels), &m.fields)
    {
        return Err(BlobError::BadField("schema", e.to_string()));
    }
    if m.precision == Precision::Int8
        && !(m.input_quant.scale.is_finite() && m.input_quant.scale > 0.0)
    {
        return field("input_quant", "scale must be finite and positive");
    }
    let mut k = 0usize;
    for o in &m.outputs {
        let ok = match output_kind_len(o.kind, usize::from(m.dim)) {
            Some(l) => l == o.len,
            None => o.kind == OutputKind::Invariant && o.len >= 1,
        };
        if !ok {
            return Err(BlobError::BadField(
                "outputs",
                format!("{:?} of length {}", o.kind, o.len),
            ));
        }
        k += o.len;
    }
    if k == 0 || k > usize::from(u16::MAX) {
        return field("outputs", "total length must be 1..=65535");
    }
    Ok(k)
}

/// Shapes, liveness plan, scratch, arena and MACs of `m` (what `inspect` prints).
pub fn layout(m: &BlobModel) -> Result<Layout, BlobError> {
    let k = check_model_fields(m)?;
    let (tensors, layers) = infer(m)?;
    let last = tensors[tensors.len() - 1];
    if last.rows != 1 || last.per_point || last.cols != k {
        return Err(BlobError::OutputShape {
            found: (last.rows, last.cols),
            outputs: k,
        });
    }
    let eb = elem_bytes(m.precision);
    let n_layers = m.layers.len();
    let items: Vec<PlanItem> = tensors
        .iter()
        .enumerate()
        .map(|(t, spec)| {
            let first = t.saturating_sub(1);
            let mut last = m
                .layers
                .iter()
                .enumerate()
                .filter(|(_, l)| l.input == t || l.input2 == Some(t))
                .map(|(i, _)| i)
                .max()
                .unwrap_or(first)
                .max(first);
            if t == n_layers {
                last = n_layers;
            }
            PlanItem {
                bytes: spec.rows * spec.cols * eb,
                first,
                last,
            }
        })
        .collect();
    let plan = plan(&items);
    let acc: usize = m
        .outputs
        .iter()
        .map(|o| accumulator_len(o.kind, o.len))
        .sum();
    let row = if m.precision == Precision::Int8 {
        usize::from(m.channels)
    } else {
        0
    };
    let scratch_bytes = 4 * (acc + row);
    let arena_bytes =
        align_up(plan.tensor_bytes, ARENA_ALIGN).unwrap_or(usize::MAX) + scratch_bytes;
    let macs_per_frame = layers.iter().map(|d| d.macs).sum();
    Ok(Layout {
        tensors,
        layers,
        plan,
        scratch_bytes,
        arena_bytes,
        macs_per_frame,
    })
}

fn put_u16(b: &mut [u8], off: usize, v: u16) {
    b[off..off + 2].copy_from_slice(&v.to_le_bytes());
}
fn put_u32(b: &mut [u8], off: usize, v: u32) {
    b[off..off + 4].copy_from_slice(&v.to_le_bytes());
}
fn put_i32(b: &mut [u8], off: usize, v: i32) {
    b[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

fn to_u32(name: &'static str, v: usize) -> Result<u32, BlobError> {
    u32::try_from(v).map_err(|_| BlobError::BadField(name, format!("{v} does not fit in 32 bits")))
}

/// Appends an array to the data section at a 16-aligned offset; `(offset, len)` in bytes,
/// `(0, 0)` when empty.
fn push_array(data: &mut Vec<u8>, bytes: &[u8]) -> (usize, usize) {
    if bytes.is_empty() {
        return (0, 0);
    }
    data.resize(data.len().next_multiple_of(DATA_ALIGN), 0);
    let off = data.len();
    data.extend_from_slice(bytes);
    (off, bytes.len())
}

/// The oldest format version that holds `m` (at most [`FORMAT_VERSION`]): the newest
/// operator, and version 3 for a constant operand, a broadcasting `Add`, dilation or groups.
pub fn format_version(m: &BlobModel) -> u16 {
    let tensors = infer(m).map(|(t, _)| t).unwrap_or_default();
    let shape = |t: usize| tensors.get(t).map(|s| (s.rows, s.cols, s.per_point));
    let v3 = |l: &super::BlobLayer| {
        l.constant.is_some()
            || l.conv.dilation > 1
            || l.conv.groups > 1
            || l.input2
                .is_some_and(|b| l.op == Op::Add && shape(b) != shape(l.input))
    };
    m.layers
        .iter()
        .map(|l| if v3(l) { 3 } else { l.op.min_version() })
        .max()
        .unwrap_or(1)
        .min(FORMAT_VERSION)
}

/// Serializes `m` (format version [`format_version`]) and checks the result with the reader.
pub fn write(m: &BlobModel) -> Result<Vec<u8>, BlobError> {
    let lay = layout(m)?;
    let n_layers = m.layers.len();
    let n_tensors = lay.tensors.len();
    if n_tensors > equiframe::model::format::MAX_TENSORS {
        return Err(BlobError::BadField("layers", "too many layers".into()));
    }
    let layer_table = HEADER_LEN;
    let tensor_table = layer_table + n_layers * LAYER_RECORD_LEN;
    let output_table = tensor_table + n_tensors * TENSOR_RECORD_LEN;
    let data_offset =
        (output_table + m.outputs.len() * OUTPUT_RECORD_LEN).next_multiple_of(DATA_ALIGN);

    let mut data = Vec::new();
    let mut records = vec![0u8; data_offset];
    for (i, (l, d)) in m.layers.iter().zip(&lay.layers).enumerate() {
        let (w, p): (Vec<u8>, Vec<u8>) = match &l.params {
            LayerParams::None => (Vec::new(), Vec::new()),
            LayerParams::Int8 {
                weights,
                bias,
                multiplier,
                shift,
            } => (
                weights.iter().map(|&x| x as u8).collect(),
                bias.iter()
                    .chain(multiplier)
                    .chain(shift)
                    .flat_map(|x| x.to_le_bytes())
                    .collect(),
            ),
            LayerParams::F32 { weights, bias } => (
                weights.iter().flat_map(|x| x.to_le_bytes()).collect(),
                bias.iter().flat_map(|x| x.to_le_bytes()).collect(),
            ),
            LayerParams::Int8Aux(p) => {
                (Vec::new(), p.iter().flat_map(|x| x.to_le_bytes()).collect())
            }
            LayerParams::F32Aux(p) => {
                (Vec::new(), p.iter().flat_map(|x| x.to_le_bytes()).collect())
            }
        };
        let (w, p) = match &l.constant {
            None => (w, p),
            Some(super::Constant::F32(c)) => (c.iter().flat_map(|x| x.to_le_bytes()).collect(), p),
            Some(super::Constant::Int8 { values, quant }) => {
                let mut p = p;
                p.extend_from_slice(&quant.zero_point.to_le_bytes());
                (values.iter().map(|&x| x as u8).collect(), p)
            }
        };
        let (w_off, w_len) = push_array(&mut data, &w);
        let (p_off, p_len) = push_array(&mut data, &p);
        let r = layer_table + i * LAYER_RECORD_LEN;
        records[r] = l.op.code();
        records[r + 1] = l.activation.code();
        records[r + 2] = if l.constant.is_some() {
            1
        } else {
            l.op.input_count()
        };
        records[r + 3] = l.function.map_or(0, |f| f.code());
        put_u16(&mut records, r + 4, l.input as u16);
        if let Some(i2) = l.input2 {
            put_u16(&mut records, r + 6, i2 as u16);
        }
        put_u16(&mut records, r + 8, (i + 1) as u16);
        let conv = |v: usize| {
            u16::try_from(v).map_err(|_| BlobError::BadField("conv", format!("{v} > 65535")))
        };
        put_u16(&mut records, r + 10, conv(l.conv.kernel)?);
        put_u16(&mut records, r + 12, conv(l.conv.stride)?);
        put_u16(&mut records, r + 14, conv(l.conv.pad_left)?);
        put_u16(&mut records, r + 40, conv(l.conv.pad_right)?);
        let one_is_zero = |v: usize| if v <= 1 { 0 } else { v };
        put_u16(&mut records, r + 42, conv(one_is_zero(l.conv.dilation))?);
        put_u16(&mut records, r + 44, conv(one_is_zero(l.conv.groups))?);
        put_i32(&mut records, r + 16, d.clamp.0);
        put_i32(&mut records, r + 20, d.clamp.1);
        put_u32(&mut records, r + 24, to_u32("weights", w_off)?);
        put_u32(&mut records, r + 28, to_u32("weights", w_len)?);
        put_u32(&mut records, r + 32, to_u32("params", p_off)?);
        put_u32(&mut records, r + 36, to_u32("params", p_len)?);
    }
    for (t, spec) in lay.tensors.iter().enumerate() {
        let r = tensor_table + t * TENSOR_RECORD_LEN;
        put_u32(&mut records, r, to_u32("rows", spec.rows)?);
        put_u32(&mut records, r + 4, to_u32("cols", spec.cols)?);
        records[r + 8] = u8::from(spec.per_point);
        records[r + 12..r + 16].copy_from_slice(&spec.quant.scale.to_le_bytes());
        put_i32(&mut records, r + 16, spec.quant.zero_point);
        put_u32(&mut records, r + 20, to_u32("arena", lay.plan.offsets[t])?);
    }
    let mut start = 0usize;
    for (i, o) in m.outputs.iter().enumerate() {
        let r = output_table + i * OUTPUT_RECORD_LEN;
        records[r] = o.kind.code();
        put_u16(&mut records, r + 2, start as u16);
        put_u16(&mut records, r + 4, o.len as u16);
        start += o.len;
    }
    // Header.
    let h = &mut records;
    h[0..4].copy_from_slice(&MAGIC);
    put_u16(h, 4, format_version(m));
    put_u16(h, 6, HEADER_LEN as u16);
    h[16] = m.precision.code();
    h[17] = m.frame_mode.code();
    h[18] = m.group as u8;
    h[19] = m.axis_order as u8;
    h[20] = m.robust as u8;
    h[21] = u8::from(m.fixed_points);
    h[22] = m.dim;
    h[23] = m.fields.len() as u8;
    put_u16(h, 24, m.channels);
    put_u16(h, 26, start as u16);
    put_u32(h, 28, m.max_points);
    h[32..36].copy_from_slice(&m.degenerate_gap.to_le_bytes());
    put_u32(h, 36, to_u32("arena_bytes", lay.arena_bytes)?);
    put_u32(h, 40, to_u32("arena_bytes", lay.plan.tensor_bytes)?);
    put_u32(h, 44, to_u32("arena_bytes", lay.scratch_bytes)?);
    h[48..56].copy_from_slice(&lay.macs_per_frame.to_le_bytes());
    put_u16(h, 56, n_layers as u16);
    put_u16(h, 58, n_tensors as u16);
    put_u16(h, 60, m.outputs.len() as u16);
    put_u16(h, 62, n_layers as u16);
    put_u32(h, 64, layer_table as u32);
    put_u32(h, 68, tensor_table as u32);
    put_u32(h, 72, output_table as u32);
    put_u32(h, 76, to_u32("data", data_offset)?);
    put_u32(h, 80, to_u32("data", data.len())?);
    for (i, f) in m.fields.iter().enumerate() {
        h[92 + 2 * i] = f.kind as u8;
        h[93 + 2 * i] = f.offset;
    }
    let mut blob = records;
    blob.extend_from_slice(&data);
    let total = to_u32("total_len", blob.len())?;
    put_u32(&mut blob, 8, total);
    let crc = crc32(&blob[16..]);
    put_u32(&mut blob, 12, crc);
    let buf = AlignedBuf::from_slice(&blob);
    Model::from_bytes(buf.as_bytes()).map_err(|e| BlobError::SelfCheck(e.to_string()))?;
    Ok(blob)
}

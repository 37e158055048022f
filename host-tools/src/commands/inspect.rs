//! `equiframe inspect`: what a blob holds and costs -- layers, shapes, parameters,
//! quantization, frame options, flash and arena bytes, MACs per frame and per inference.

use anyhow::anyhow;
use serde::Serialize;

use super::print_stdout;
use super::run::load_blob;
use crate::cli::InspectArgs;
use equiframe::frame::{AxisOrder, FieldKind};
use equiframe::model::{FrameMode, Model, Op, Precision, RowsKind};

/// One layer as `inspect` reports it.
#[derive(Debug, Clone, Serialize)]
pub struct LayerInfo {
    /// Index.
    pub index: usize,
    /// Operator.
    pub op: String,
    /// Fused activation.
    pub activation: String,
    /// Tensor ids read.
    pub inputs: Vec<u16>,
    /// Output tensor id.
    pub output: u16,
    /// Output shape `(rows, cols)`; rows = max points for per-point tensors.
    pub shape: (u32, u32),
    /// Whether the output rows follow the input's N.
    pub per_point: bool,
    /// Weights + biases (+ other parameters).
    pub params: usize,
    /// Output `(scale, zero_point)` (int8).
    pub quant: Option<(f32, i32)>,
    /// int8 clamp of the output.
    pub clamp: Option<(i32, i32)>,
    /// Kernel, stride, padding (windowed ops).
    pub window: Option<(usize, usize, usize, usize)>,
    /// MACs at `max_points` rows.
    pub macs: u64,
}

/// Everything `inspect` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Info {
    /// Format version.
    pub format_version: u16,
    /// `int8` or `f32`.
    pub precision: String,
    /// Frame mode.
    pub frame_mode: String,
    /// Frame group (none for mode none).
    pub group: Option<String>,
    /// Axis order convention.
    pub axis_order: String,
    /// Robust frames on degenerate inputs (extra in-plane rotations).
    pub robust: bool,
    /// Spatial dimension.
    pub dim: usize,
    /// Input channels.
    pub channels: usize,
    /// Input schema fields `(kind, first channel)`.
    pub schema: Vec<(String, u8)>,
    /// Max rows, and whether exactly that many are required.
    pub max_points: usize,
    /// Fixed row count.
    pub fixed_points: bool,
    /// Output ranges `(kind, start, len)`.
    pub outputs: Vec<(String, usize, usize)>,
    /// Input quantization (int8).
    pub input_quant: Option<(f32, i32)>,
    /// Layers.
    pub layers: Vec<LayerInfo>,
    /// Weights and parameters in total.
    pub params: usize,
    /// Bytes of the blob (flash).
    pub flash_bytes: usize,
    /// Arena bytes the engine needs (RAM).
    pub arena_bytes: usize,
    /// Planned tensor region.
    pub tensor_bytes: usize,
    /// Engine scratch.
    pub scratch_bytes: usize,
    /// MACs of one backbone pass.
    pub macs_per_frame: u64,
    /// Backbone passes per inference (canonical mode: 1 unless its sign rule falls back).
    pub frames_per_inference: usize,
    /// MACs per inference.
    pub macs_per_inference: u64,
}

fn layer_macs(m: &Model<'_>, op: Op, input: u16, output: u16, weights: usize) -> u64 {
    let ti = m.tensor(input).unwrap_or_default();
    let to = m.tensor(output).unwrap_or_default();
    match op {
        Op::Dense => weights as u64,
        Op::Pointwise | Op::PointwiseMax => weights as u64 * u64::from(ti.rows),
        Op::Conv1d => weights as u64 * u64::from(to.rows),
        _ => 0,
    }
}

/// Collects the report of a validated blob.
pub fn info(m: &Model<'_>) -> Info {
    let int8 = m.precision() == Precision::Int8;
    let layers: Vec<LayerInfo> = m
        .layers()
        .enumerate()
        .map(|(index, l)| {
            let to = m.tensor(l.output).unwrap_or_default();
            let weights = l.weights_i8.len() + l.weights_f32.len();
            let params = weights
                + l.bias_i32.len()
                + l.bias_f32.len()
                + l.aux_f32.len()
                + l.aux_i32.len() / 2;
            let mut inputs = vec![l.input];
            if l.input_count == 2 {
                inputs.push(l.input2);
            }
            // The one-tensor form of Add / Sub / Mul: the second operand is a constant.
            let constant = l.op.is_elementwise() && l.input_count == 1;
            LayerInfo {
                index,
                op: format!("{:?}{}", l.op, if constant { "(const)" } else { "" }),
                activation: format!("{:?}", l.activation),
                inputs,
                output: l.output,
                shape: (to.rows, to.cols),
                per_point: to.rows_kind == RowsKind::PerPoint,
                params,
                quant: int8.then_some((to.scale, to.zero_point)),
                clamp: int8.then_some((l.act_min, l.act_max)),
                window: l
                    .op
                    .is_windowed()
                    .then_some((l.kernel, l.stride, l.pad_left, l.pad_right)),
                macs: layer_macs(m, l.op, l.input, l.output, weights),
            }
        })
        .collect();
    let frames = match m.frame_mode() {
        FrameMode::Average => m.group().frame_count(),
        _ => 1,
    };
    let schema = m
        .schema()
        .fields()
        .iter()
        .map(|f| {
            let k = match f.kind {
                FieldKind::Position => "position",
                FieldKind::Vector => "vector",
                FieldKind::Axial => "axial",
                FieldKind::Scalar => "scalar",
            };
            (k.to_string(), f.offset)
        })
        .collect();
    Info {
        format_version: m.format_version(),
        precision: if int8 { "int8" } else { "f32" }.into(),
        frame_mode: format!("{:?}", m.frame_mode()).to_lowercase(),
        group: (m.frame_mode() != FrameMode::None).then(|| format!("{:?}", m.group())),
        axis_order: match m.axis_order() {
            AxisOrder::Descending => "descending",
            AxisOrder::Ascending => "ascending",
        }
        .into(),
        robust: m.robust() == equiframe::frame::Robust::Average,
        dim: m.dim(),
        channels: m.input_channels(),
        schema,
        max_points: m.max_points(),
        fixed_points: m.points_mode() == equiframe::model::PointsMode::Fixed,
        outputs: m
            .output_ranges()
            .map(|r| (format!("{:?}", r.kind).to_lowercase(), r.start, r.len))
            .collect(),
        input_quant: int8.then(|| m.input_quant()),
        params: layers.iter().map(|l| l.params).sum(),
        layers,
        flash_bytes: m.blob_bytes(),
        arena_bytes: m.arena_bytes(),
        tensor_bytes: m.tensor_region_bytes(),
        scratch_bytes: m.scratch_bytes(),
        macs_per_frame: m.macs_per_frame(),
        frames_per_inference: frames,
        macs_per_inference: m.macs_per_frame() * frames as u64,
    }
}

/// The human-readable report.
pub fn text(i: &Info) -> String {
    let mut s = String::new();
    use std::fmt::Write as _;
    let _ = writeln!(
        s,
        "format v{}, {} precision, frames: {}{}{}, axis order {}, dim {}",
        i.format_version,
        i.precision,
        i.frame_mode,
        i.group.as_ref().map_or(String::new(), |g| format!(" {g}")),
        if i.robust { " (robust)" } else { "" },
        i.axis_order,
        i.dim
    );
    let schema: Vec<String> = i.schema.iter().map(|(k, o)| format!("{k}@{o}")).collect();
    let _ = writeln!(
        s,
        "input: {} channels, {} {} rows, schema [{}]{}",
        i.channels,
        if i.fixed_points { "exactly" } else { "up to" },
        i.max_points,
        schema.join(", "),
        i.input_quant.map_or(String::new(), |(sc, z)| format!(
            ", quant scale {sc:.4e} zp {z}"
        ))
    );
    let outs: Vec<String> = i
        .outputs
        .iter()
        .map(|(k, st, l)| format!("{k} {st}..{}", st + l))
        .collect();
    let _ = writeln!(s, "outputs: [{}]", outs.join(", "));
    let _ = writeln!(
        s,
        "{:>3} {:<13} {:<8} {:<9} {:>12} {:>8} {:>10} {:>22}",
        "#", "op", "act", "inputs", "shape", "params", "MACs", "quant (scale, zp)"
    );
    for l in &i.layers {
        let ins: Vec<String> = l.inputs.iter().map(u16::to_string).collect();
        let shape = format!(
            "{}{}x{}",
            if l.per_point { "<=" } else { "" },
            l.shape.0,
            l.shape.1
        );
        let _ = writeln!(
            s,
            "{:>3} {:<13} {:<8} {:<9} {:>12} {:>8} {:>10} {:>22}",
            l.index,
            l.op,
            l.activation,
            format!("{}->{}", ins.join(","), l.output),
            shape,
            l.params,
            l.macs,
            l.quant
                .map_or("-".into(), |(sc, z)| format!("{sc:.4e}, {z}"))
        );
    }
    let _ = write!(
        s,
        "params {}, flash {} bytes, arena {} bytes (tensors {}, scratch {}), MACs {} per frame x {} frames = {} per inference",
        i.params,
        i.flash_bytes,
        i.arena_bytes,
        i.tensor_bytes,
        i.scratch_bytes,
        i.macs_per_frame,
        i.frames_per_inference,
        i.macs_per_inference
    );
    s
}

/// Runs `inspect`.
pub fn run(args: &InspectArgs) -> anyhow::Result<()> {
    let buf = load_blob(&args.model)?;
    let m = Model::from_bytes(buf.as_bytes()).map_err(|e| anyhow!("{e}"))?;
    let i = info(&m);
    if args.json {
        print_stdout(&serde_json::to_string_pretty(&i)?)
    } else {
        print_stdout(&text(&i))
    }
}

//! `equiframe convert`: ONNX backbone -> float IR -> blob layers -> (int8 quantization) ->
//! `.eqf` blob with the frame options, schema and output kinds.

use anyhow::{bail, Context};

use super::convert_lower::{lower, Lowered};
use super::convert_spec::{group_of, parse_outputs, parse_schema};
use super::print_stdout;
use super::samples::{self, Expect};
use crate::blob::{self, AxisOrder, BlobModel, FrameMode, Group, Precision, Robust};
use crate::cli::{AxisOrderArg, ConvertArgs, FramesArg, ModeArg, PrecisionArg};
use crate::ir::fuse_pointwise_max;
use crate::quantize;

/// Rows a variable-length model is planned for when neither the model nor the calibration
/// set fixes it.
pub const DEFAULT_MAX_POINTS: usize = 1024;

/// The f32 blob model of an imported backbone under the frame arguments.
pub fn float_model(
    args: &ConvertArgs,
    low: &Lowered,
    cal_points: Option<usize>,
) -> anyhow::Result<BlobModel> {
    let (group, dim) = group_of(args.frames);
    let fields = parse_schema(args.schema.as_deref(), dim, low.channels, group.is_some())?;
    let outputs = parse_outputs(args.outputs.as_deref(), dim, &low.output_parts)?;
    let max_points = match (low.fixed_points, args.max_points) {
        (Some(n), Some(m)) if n != m => {
            bail!("--max-points {m}: the model fixes N = {n}")
        }
        (Some(n), _) => n,
        (None, Some(m)) => m,
        (None, None) => cal_points.unwrap_or(DEFAULT_MAX_POINTS),
    };
    if max_points == 0 {
        bail!("--max-points must be at least 1");
    }
    let channels = u16::try_from(low.channels)
        .ok()
        .filter(|&c| usize::from(c) <= equiframe::frame::MAX_CHANNELS)
        .with_context(|| format!("the model has {} input channels; at most 255", low.channels))?;
    Ok(BlobModel {
        precision: Precision::F32,
        frame_mode: match (group, args.mode) {
            (None, _) => FrameMode::None,
            (Some(_), ModeArg::Average) => FrameMode::Average,
            (Some(_), ModeArg::Canonical) => FrameMode::Canonical,
        },
        group: group.unwrap_or(Group::O3),
        axis_order: match args.axis_order {
            AxisOrderArg::Descending => AxisOrder::Descending,
            AxisOrderArg::Ascending => AxisOrder::Ascending,
        },
        robust: if args.robust {
            Robust::Average
        } else {
            Robust::Off
        },
        degenerate_gap: 0.01,
        dim,
        channels,
        fields,
        max_points: max_points as u32,
        fixed_points: low.fixed_points.is_some(),
        input_quant: blob::Quant::default(),
        outputs,
        layers: low.layers.clone(),
    })
}

/// The text after `equiframe convert --help`: examples, the input conventions and the ONNX
/// ops the importer understands.
pub fn after_help() -> String {
    format!(
        "Examples:
  equiframe convert pointnet.onnx -o pointnet.eqf --frames o3 --calibration cal.npy
  equiframe convert imu.onnx -o imu.eqf --frames so3 --schema imu --precision f32
  equiframe convert net.onnx -o net.eqf --frames o3 --schema pos:0,scalar:3 --outputs invariant:8
  equiframe convert two_heads.onnx -o m.eqf --frames o3 --outputs invariant,vector --precision f32

The ONNX input is one canonicalized batch (B,N,C) channels last, or (B,C,N) channels first
(the transpose is absorbed: the blob takes (N,C) rows); the batch is dynamic or 1. Weights may
be inside the file or in an external-data file beside it (model.onnx.data). Several graph
outputs are concatenated in order into the output vector, one --outputs range each. CAL.npy
holds raw (not canonicalized) float32 inputs of shape (B,N,C); each is expressed in all its
frames for calibration. int8 conversion prints the float-vs-int8 error per layer, warns about
layers whose ranges have outliers, and prints a predicted error bound for the averaged outputs.

Supported ONNX ops (opsets 11 to 24): {}.",
        crate::onnx::SUPPORTED_OPS
    )
}

/// Reads and lowers the ONNX file of `convert` / `verify`: the import, the pointwise + max
/// fusion, the blob layers and the graph outputs' channel counts.
pub fn load_lowered(path: &std::path::Path) -> anyhow::Result<(crate::onnx::Imported, Lowered)> {
    let imported = crate::onnx::load(path).map_err(|e| match e {
        crate::onnx::OnnxError::Io { .. } => anyhow::anyhow!("{e}"),
        e => anyhow::anyhow!("{}: {e}", path.display()),
    })?;
    let mut graph = imported.graph.clone();
    fuse_pointwise_max(&mut graph);
    let mut low = lower(&graph).with_context(|| format!("{}", path.display()))?;
    low.output_parts = imported.outputs.iter().map(|o| o.len).collect();
    Ok((imported, low))
}

/// Warnings about options that are probably not what the user meant (printed to stderr).
pub fn warnings(args: &ConvertArgs, channels: usize) -> Vec<String> {
    let mut w = Vec::new();
    if args.frames != FramesArg::None && args.schema.is_none() && matches!(channels, 6 | 9) {
        w.push(format!(
            "warning: --frames without --schema on a model with {channels} input channels: channels 3.. are taken as scalars (not rotated); for IMU windows pass --schema imu (accelerometer, gyroscope), or list the fields, e.g. --schema pos:0,vec:3"
        ));
    }
    if args.precision == PrecisionArg::F32 && args.calibration.is_some() {
        w.push("warning: --calibration is not used with --precision f32 (only int8 conversion calibrates)".into());
    }
    w
}

/// Runs `convert`.
pub fn run(args: &ConvertArgs, quiet: bool) -> anyhow::Result<()> {
    if crate::tflite::is_tflite(&args.model) {
        return super::convert_tflite::run(args);
    }
    let (imported, low) = load_lowered(&args.model)?;
    for w in warnings(args, low.channels) {
        eprintln!("{w}");
    }
    if args.precision == PrecisionArg::Int8 && args.calibration.is_none() {
        bail!("--precision int8 needs --calibration CAL.npy (raw float32 inputs (B,N,C), not canonicalized), or use --precision f32");
    }
    let cal = match args
        .calibration
        .as_ref()
        .filter(|_| args.precision == PrecisionArg::Int8)
    {
        Some(p) => Some(samples::read(
            p,
            "--calibration",
            Expect {
                channels: low.channels,
                fixed: low.fixed_points,
                max: args.max_points.unwrap_or(usize::MAX),
            },
        )?),
        None => None,
    };
    let fmodel = float_model(args, &low, cal.as_ref().map(|c| c.points))?;
    let (model, report) = match (args.precision, &cal) {
        (PrecisionArg::F32, _) => (fmodel, None),
        (PrecisionArg::Int8, Some(cal)) => {
            let q = quantize::quantize(&fmodel, &low.names, cal, quiet)?;
            (q.model.clone(), Some(q))
        }
        (PrecisionArg::Int8, None) => unreachable!("checked above"),
    };
    let mut bytes = blob::write(&model).map_err(|e| anyhow::anyhow!("writing the blob: {e}"))?;
    if let Some(key) = &args.sign {
        bytes = super::sign::sign_blob(&bytes, &super::sign::read_secret_key(key)?)?;
    }
    std::fs::write(&args.output, &bytes)
        .with_context(|| format!("writing {}", args.output.display()))?;
    let lay = blob::layout(&model).map_err(|e| anyhow::anyhow!("{e}"))?;
    let frames = match model.frame_mode {
        FrameMode::Average => model.group.frame_count(),
        _ => 1,
    };
    if let Some(r) = &report {
        print_stdout(&r.table())?;
    }
    if imported.input_layout == crate::onnx::InputLayout::ChannelsFirst {
        print_stdout(&format!(
            "input '{}' is channels first (B,C,N): the converter absorbed the transpose, the blob takes (N,C) rows",
            imported.input_name
        ))?;
    }
    if imported.outputs.len() > 1 {
        let parts: Vec<String> = imported
            .outputs
            .iter()
            .map(|o| format!("{} ({} channels)", o.name, o.len))
            .collect();
        print_stdout(&format!(
            "outputs concatenated in order: {}",
            parts.join(", ")
        ))?;
    }
    print_stdout(&format!(
        "wrote {}: {} layers, {} precision, {} frames ({:?}), flash {} bytes, arena {} bytes, {} MACs per frame, {} per inference",
        args.output.display(),
        model.layers.len(),
        match model.precision {
            Precision::Int8 => "int8",
            Precision::F32 => "f32",
        },
        frames,
        model.frame_mode,
        bytes.len(),
        lay.arena_bytes,
        lay.macs_per_frame,
        lay.macs_per_frame * frames as u64,
    ))?;
    Ok(())
}

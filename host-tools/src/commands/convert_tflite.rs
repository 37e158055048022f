//! `equiframe convert MODEL.tflite`: a pre-quantized TFLite int8 model imported with its own
//! quantization (no calibration), wrapped in the frame options of the command line.

use anyhow::{bail, Context};

use super::convert::float_model;
use super::print_stdout;
use crate::blob::{self, FrameMode};
use crate::cli::{ConvertArgs, PrecisionArg};

/// Runs `convert` on a `.tflite` file.
pub fn run(args: &ConvertArgs) -> anyhow::Result<()> {
    if args.precision == PrecisionArg::F32 {
        bail!("{}: a .tflite model is imported as int8 with its own quantization; --precision f32 is not available", args.model.display());
    }
    if args.calibration.is_some() {
        bail!(
            "{}: a .tflite model is already quantized; --calibration is not used",
            args.model.display()
        );
    }
    let (_, imp) = crate::tflite::import(&args.model)?;
    let base = float_model(args, &imp.lowered(), None)?;
    let model = imp.into_model(base);
    let bytes = blob::write(&model)
        .map_err(|e| anyhow::anyhow!("{}: writing the blob: {e}", args.model.display()))?;
    std::fs::write(&args.output, &bytes)
        .with_context(|| format!("writing {}", args.output.display()))?;
    let lay = blob::layout(&model).map_err(|e| anyhow::anyhow!("{e}"))?;
    let frames = match model.frame_mode {
        FrameMode::Average => model.group.frame_count(),
        _ => 1,
    };
    print_stdout(&format!(
        "wrote {}: {} layers from TFLite (int8, its own quantization), {} frames ({:?}), flash {} bytes, arena {} bytes, {} MACs per frame",
        args.output.display(),
        model.layers.len(),
        frames,
        model.frame_mode,
        bytes.len(),
        lay.arena_bytes,
        lay.macs_per_frame,
    ))
}

//! The frames of one raw sample under a model's frame options, and the sample expressed in
//! each (what the engine feeds its backbone), for calibration and for `verify`.

use equiframe::frame::{Frame, FrameError, FrameOptions, InputSchema};
use equiframe::model::FrameMode;

/// Frames of `sample` as the engine picks them: the identity (mode none), the canonical frame
/// (falling back to the whole set when its sign is ambiguous), or the whole set.
pub fn frames_of(
    schema: &InputSchema,
    mode: FrameMode,
    opts: &FrameOptions,
    sample: &[f32],
) -> Result<Vec<Frame>, FrameError> {
    match mode {
        FrameMode::None => return Ok(vec![Frame::IDENTITY]),
        FrameMode::Canonical => match schema.canonical_frame(sample, opts) {
            Ok(mut f) => {
                f.weight = 1.0;
                return Ok(vec![f]);
            }
            Err(FrameError::AmbiguousSign { .. } | FrameError::Degenerate { .. }) => {}
            Err(e) => return Err(e),
        },
        FrameMode::Average => {}
    }
    Ok(schema.frame_set(sample, opts)?.frames().to_vec())
}

/// `sample` expressed in every frame: `(frame, canonical sample)`.
pub fn canonical_inputs(
    schema: &InputSchema,
    mode: FrameMode,
    opts: &FrameOptions,
    sample: &[f32],
) -> Result<Vec<(Frame, Vec<f32>)>, FrameError> {
    frames_of(schema, mode, opts, sample)?
        .into_iter()
        .map(|f| {
            let mut out = vec![0.0f32; sample.len()];
            schema.canonicalize(&f, sample, &mut out)?;
            Ok((f, out))
        })
        .collect()
}

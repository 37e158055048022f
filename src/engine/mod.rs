//! Floor 3: runs a model in a caller-provided arena; the frame-averaging operator.
//!
//! [`run`] (or [`Model::run`]) takes one raw sample -- `N` rows of `C` f32 channels, in sensor
//! coordinates -- and:
//! 1. checks the input length, the row count (`1..=max_points`, or exactly `max_points` for
//!    fixed-length models), the arena (size and 4-byte alignment) and the output length;
//! 2. computes the frames per the blob: the whole frame set ([`FrameMode::Average`], from
//!    order-independent moments, see below), one frame by the equivariant sign rule
//!    ([`FrameMode::Canonical`]; if the rule is ambiguous for this input the full set is used
//!    instead and [`RunReport::canonical_fallback`] is set), or the identity
//!    ([`FrameMode::None`]);
//! 3. for each frame: canonicalizes the input (`InputSchema::canonicalize`; int8 blobs one row at
//!    a time into scratch, then quantized into tensor 0 with `quant::quantize_f32`), runs the
//!    layers (int8 kernels bit-exact with TFLite Micro, or the f32 kernels), dequantizes the
//!    output and maps it back per output kind (invariant `y`, vector `F y`, point `F y + c`,
//!    axial `det F F y`, rotation `F R`), accumulating with the frame weight;
//! 4. projects averaged rotations onto SO(dim) ([`crate::lie`]) and writes `output`.
//!
//! Exactness. The frame set is computed from integer-accumulated moments (`moments.rs`), so it
//! is bit-identical for any order of the rows; with pointwise layers and max pooling the int8
//! outputs are then bit-identical under any permutation of the points. Rotations, reflections
//! and translations change the canonical coordinates only by f32 rounding (a few ulps), which
//! can move a quantized input by one step at a rounding boundary: int8 outputs of rotated inputs
//! agree within one output LSB in practice when the relative eigengap is above 1e-2 (tested),
//! f32 outputs within ~1e-5 relative.
//!
//! Folding the frame into the first layer. The eight O(3) frames differ only by the signs of
//! the axes, so `F_k^T (x - c) = S_k F_0^T (x - c)` exactly in IEEE arithmetic (negation is
//! exact and commutes with rounding). Pre-multiplying the first layer's weights by `S_k F^T`
//! would save the canonicalization pass, but that pass costs `9 N` multiply-adds per frame
//! against `N (3*64 + 64*64 + 64*128)` for the PointNet backbone (< 0.1 %), and for int8 the
//! quantized canonical inputs of sign-flipped frames are negations of one another only when the
//! input zero point is 0 and no value saturates at -128. The engine therefore canonicalizes
//! each frame explicitly, which is exact for every zero point and needs no extra arena. The
//! batch evaluator (feature `std`, `batch`) folds instead: it computes `F_0^T (x - c)` once,
//! quantizes it for both signs, and writes every sign-flipped frame by selection, with
//! results bit-identical to this function.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use equiframe::engine::Arena;
//! use equiframe::model::{AlignedBlob, Model};
//! // A tiny f32 PointNet blob (3-D points, O(3) averaging, 2 invariant outputs), written by
//! // the host tool's blob writer: tests/data/tiny_f32.eqf.
//! static BLOB: AlignedBlob<[u8; include_bytes!("../../tests/data/tiny_f32.eqf").len()]> =
//!     AlignedBlob(*include_bytes!("../../tests/data/tiny_f32.eqf"));
//! let model = Model::from_bytes(BLOB.as_bytes())?;
//! let mut arena = Arena::<1024>::new();
//! assert!(model.arena_bytes() <= 1024);
//! let points = [0.0, 0.0, 0.0, 1.0, 0.2, 0.0, 0.3, 2.0, 0.1, -0.5, 0.4, 0.9f32];
//! let mut out = [0.0f32; 2];
//! let report = model.run(&points, arena.as_mut_slice(), &mut out)?;
//! assert_eq!(report.frames_evaluated, 8);
//! assert!(out.iter().all(|v| v.is_finite()));
//! # Ok(()) }
//! ```

mod arena;
pub(crate) mod average;
pub(crate) mod backbone;
mod backbone_act;
mod error;
#[allow(
    clippy::indexing_slicing,
    reason = "not yet converted to iterators: indexes fixed-size arrays by bounded loop counters (README, Hardening)"
)]
pub(crate) mod moments;
#[cfg(feature = "std")]
#[allow(
    clippy::indexing_slicing,
    reason = "host-only (std) code, not part of the no_std firmware core: a per-layer trace for debugging"
)]
pub mod trace;

pub use arena::Arena;
pub use error::RunError;

use crate::frame::set::SetView;
use crate::frame::{Frame, FrameError, FrameSet, Group, Moments, Robust, MAX_FRAMES};
use crate::kernels::chunks::ChunksNz;
use crate::model::{linked, FrameMode, Model, PointsMode, Precision};
use crate::quant::{dequantize, quantize_f32};

/// What one [`run`] did and how trustworthy its frames were.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RunReport {
    /// Rows of the input.
    pub points: usize,
    /// Backbone passes (frames) evaluated.
    pub frames_evaluated: usize,
    /// Eigenvalues of the frame source's scatter matrix, in the blob's axis order (zeros for
    /// [`FrameMode::None`] and for a canonical frame).
    pub eigenvalues: [f32; 3],
    /// Relative eigengap (0 when not computed).
    pub rel_gap: f32,
    /// The gap is below the blob's `degenerate_gap`: plain frames are not reliably invariant.
    pub degenerate: bool,
    /// Robust mode added frames in a degenerate eigenspace.
    pub robust: bool,
    /// Canonical mode could not pick a sign for this input and averaged the full set instead.
    pub canonical_fallback: bool,
}

impl<'a> Model<'a> {
    /// [`run`] as a method: `model.run(&input, &mut arena, &mut output)`.
    pub fn run(
        &self,
        input: &[f32],
        arena: &mut [u8],
        output: &mut [f32],
    ) -> Result<RunReport, RunError> {
        run(self, input, arena, output)
    }
}

/// Rows of one sample after checking its length and row count against the model.
pub(crate) fn check_rows(model: &Model<'_>, input: &[f32]) -> Result<usize, RunError> {
    let c = model.input_channels();
    if input.is_empty() || !input.len().is_multiple_of(c) {
        return Err(RunError::BadInputLength {
            len: input.len(),
            channels: c,
        });
    }
    let n = input.len() / c;
    let max = model.max_points();
    match model.points_mode() {
        PointsMode::Variable if n > max => return Err(RunError::TooManyPoints { given: n, max }),
        PointsMode::Fixed if n != max => {
            return Err(RunError::WrongPointCount {
                given: n,
                expected: max,
            })
        }
        _ => {}
    }
    Ok(n)
}

fn check(
    model: &Model<'_>,
    input: &[f32],
    arena: &[u8],
    output: &[f32],
) -> Result<usize, RunError> {
    let n = check_rows(model, input)?;
    if arena.len() < model.arena_bytes() {
        return Err(RunError::ArenaTooSmall {
            needed: model.arena_bytes(),
            given: arena.len(),
        });
    }
    let address = arena.as_ptr() as usize;
    if !address.is_multiple_of(4) {
        return Err(RunError::ArenaMisaligned { address });
    }
    if output.len() != model.output_len() {
        return Err(RunError::OutputLength {
            needed: model.output_len(),
            given: output.len(),
        });
    }
    Ok(n)
}

/// The frames of one input: a whole set, or a single frame (batch evaluation).
#[cfg(feature = "std")]
#[allow(clippy::large_enum_variant)]
pub(crate) enum Frames {
    Set(FrameSet),
    One(Frame),
}

#[cfg(feature = "std")]
impl Frames {
    pub(crate) fn as_slice(&self) -> &[Frame] {
        match self {
            Self::Set(s) => s.frames(),
            Self::One(f) => core::slice::from_ref(f),
        }
    }
}

/// The single frame of a checked sample when the blob's mode needs no set (mode none, or a
/// canonical frame whose sign is decided); `None` when the whole set is needed (a canonical
/// frame that falls back is recorded in the report).
fn single_frame(
    model: &Model<'_>,
    input: &[f32],
    report: &mut RunReport,
) -> Result<Option<Frame>, RunError> {
    match model.frame_mode() {
        FrameMode::None => Ok(Some(Frame::IDENTITY)),
        FrameMode::Canonical if linked::frame_mode(FrameMode::Canonical) => {
            match model
                .schema()
                .canonical_frame(input, &model.frame_options())
            {
                Ok(mut f) => {
                    f.weight = 1.0;
                    Ok(Some(f))
                }
                Err(FrameError::AmbiguousSign { .. } | FrameError::Degenerate { .. }) => {
                    report.canonical_fallback = true;
                    Ok(None)
                }
                Err(e) => Err(e.into()),
            }
        }
        // Average (and a canonical mode this build leaves out, which the validator rejects).
        _ => Ok(None),
    }
}

/// The moments the frame set of a checked sample is built from (exact integer moments where
/// the schema allows).
fn set_moments(model: &Model<'_>, input: &[f32]) -> Result<Moments, RunError> {
    let schema = model.schema();
    match moments::exact_moments(&schema, input) {
        Some(m) => Ok(m),
        // Empty / non-finite / no geometric field: the frame module names the problem.
        None => Ok(schema.moments(input, None)?),
    }
}

/// Fills `set` in place with the frame set of a checked sample and the report's spectrum.
fn fill_set(
    model: &Model<'_>,
    input: &[f32],
    report: &mut RunReport,
    set: &mut SetView<'_>,
) -> Result<(), RunError> {
    set.rebuild(&set_moments(model, input)?, &model.frame_options())?;
    (
        report.eigenvalues,
        report.rel_gap,
        report.degenerate,
        report.robust,
    ) = set.spectrum();
    Ok(())
}

/// The frames of one checked sample, per the blob's frame mode; fills the report's spectrum.
#[cfg(feature = "std")]
pub(crate) fn frames(
    model: &Model<'_>,
    input: &[f32],
    report: &mut RunReport,
) -> Result<Frames, RunError> {
    if let Some(f) = single_frame(model, input, report)? {
        return Ok(Frames::One(f));
    }
    let mut set = FrameSet::placeholder(model.group());
    fill_set(model, input, report, &mut set.view_mut())?;
    Ok(Frames::Set(set))
}

/// Writes `input` expressed in `frame` into tensor 0 (quantized for int8 blobs).
fn write_input(
    model: &Model<'_>,
    frame: &Frame,
    input: &[f32],
    t0: &mut [u8],
    row: &mut [f32],
) -> Result<(), RunError> {
    let schema = model.schema();
    match model.precision() {
        Precision::F32 if linked::precision(Precision::F32) => {
            let dst: &mut [f32] =
                bytemuck::try_cast_slice_mut(t0).map_err(|_| RunError::Layout { layer: 0 })?;
            let dst = dst
                .get_mut(..input.len())
                .ok_or(RunError::Layout { layer: 0 })?;
            schema.canonicalize(frame, input, dst)?;
        }
        Precision::F32 => return Err(RunError::Layout { layer: 0 }),
        Precision::Int8 => {
            let (scale, zp) = model.input_quant();
            let inv = 1.0 / scale;
            let c = model.input_channels();
            let dst: &mut [i8] = bytemuck::cast_slice_mut(t0);
            for (x, q) in input.chunks_nz(c).zip(dst.chunks_nz_mut(c)) {
                schema.canonicalize(frame, x, row)?;
                for (qi, &v) in q.iter_mut().zip(row.iter()) {
                    *qi = quantize_f32(v, inv, zp);
                }
            }
        }
    }
    Ok(())
}

/// Runs `model` on one raw sample (`N x C` f32, row-major) in `arena` (at least
/// `model.arena_bytes()` bytes, 4-byte aligned) and writes `model.output_len()` averaged,
/// dequantized outputs to `output`. See the module documentation for every step.
pub fn run(
    model: &Model<'_>,
    input: &[f32],
    arena: &mut [u8],
    output: &mut [f32],
) -> Result<RunReport, RunError> {
    let n = check(model, input, arena, output)?;
    let mut report = RunReport {
        points: n,
        ..RunReport::default()
    };
    match single_frame(model, input, &mut report)? {
        Some(f) => average_over(model, input, n, &[f], arena, output, &mut report)?,
        None if linked::frame_mode(FrameMode::Average) => {
            run_set(model, input, n, arena, output, &mut report)?;
        }
        None => return Err(RunError::Layout { layer: 0 }),
    }
    Ok(report)
}

/// The whole-set path of [`run`]: a set sized by the model's group and robust mode
/// ([`Group::max_frames`](crate::frame::Group::max_frames)), so a plain SO(2) model reserves
/// 2 frames of stack and only robust O(3) the full 120.
fn run_set(
    model: &Model<'_>,
    input: &[f32],
    n: usize,
    arena: &mut [u8],
    output: &mut [f32],
    report: &mut RunReport,
) -> Result<(), RunError> {
    const O3: usize = Group::O3.frame_count();
    const SO3: usize = Group::SO3.frame_count();
    const SO2: usize = Group::SO2.frame_count();
    match model.frame_options().robust {
        Robust::Average if linked::robust(Robust::Average) => {
            run_set_n::<MAX_FRAMES>(model, input, n, arena, output, report)
        }
        _ => match model.group().frame_count() {
            SO2 => run_set_n::<SO2>(model, input, n, arena, output, report),
            SO3 => run_set_n::<SO3>(model, input, n, arena, output, report),
            _ => run_set_n::<O3>(model, input, n, arena, output, report),
        },
    }
}

/// [`run_set`] with a set of `N` frames, kept out of line so that models without a set (mode
/// none, decided canonical frames) do not reserve the set's stack.
#[inline(never)]
fn run_set_n<const N: usize>(
    model: &Model<'_>,
    input: &[f32],
    n: usize,
    arena: &mut [u8],
    output: &mut [f32],
    report: &mut RunReport,
) -> Result<(), RunError> {
    let mut set = FrameSet::<N>::placeholder(model.group());
    run_view(model, input, n, arena, output, report, set.view_mut())
}

/// [`run_set_n`] past the set's storage: one copy for every capacity.
#[inline(never)]
fn run_view(
    model: &Model<'_>,
    input: &[f32],
    n: usize,
    arena: &mut [u8],
    output: &mut [f32],
    report: &mut RunReport,
    mut set: SetView<'_>,
) -> Result<(), RunError> {
    fill_set(model, input, report, &mut set)?;
    average_over(model, input, n, set.frames(), arena, output, report)
}

/// Runs the backbone once per frame and writes the averaged outputs.
fn average_over(
    model: &Model<'_>,
    input: &[f32],
    n: usize,
    frames: &[Frame],
    arena: &mut [u8],
    output: &mut [f32],
    report: &mut RunReport,
) -> Result<(), RunError> {
    let parts = arena::split(model, arena).ok_or(RunError::Layout { layer: 0 })?;
    let (region, acc, row) = (parts.tensors, parts.acc, parts.row);
    acc.fill(0.0);
    let t0 = model.tensor(0).ok_or(RunError::Layout { layer: 0 })?;
    let eb = crate::model::format::element_bytes(model.precision());
    let t0_len = n * model.input_channels() * eb;
    let t0_range = t0.offset as usize..t0.offset as usize + t0_len;
    let out_t = model
        .tensor(model.output_tensor_id())
        .ok_or(RunError::Layout { layer: 0 })?;
    let out_start = out_t.offset as usize;
    let (oscale, ozp) = model.output_quant();
    for frame in frames {
        let t0_bytes = region
            .get_mut(t0_range.clone())
            .ok_or(RunError::Layout { layer: 0 })?;
        write_input(model, frame, input, t0_bytes, row)?;
        backbone::run_layers(model, n, region)?;
        let k = model.output_len();
        let y = region
            .get(out_start..out_start + k * eb)
            .ok_or(RunError::Layout { layer: 0 })?;
        match model.precision() {
            Precision::Int8 => {
                let y: &[i8] =
                    bytemuck::try_cast_slice(y).map_err(|_| RunError::Layout { layer: 0 })?;
                average::accumulate(
                    model,
                    frame,
                    |i| y.get(i).map_or(0.0, |&q| dequantize(q, oscale, ozp)),
                    acc,
                );
            }
            Precision::F32 if linked::precision(Precision::F32) => {
                let y: &[f32] =
                    bytemuck::try_cast_slice(y).map_err(|_| RunError::Layout { layer: 0 })?;
                average::accumulate(model, frame, |i| y.get(i).copied().unwrap_or(0.0), acc);
            }
            Precision::F32 => return Err(RunError::Layout { layer: 0 }),
        }
        report.frames_evaluated += 1;
    }
    average::finish(model, acc, output);
    Ok(())
}

//! What this build of the core links: the cargo features that compile out layer kinds,
//! precisions, frame modes and output kinds (see `Cargo.toml`; all on by default).
//!
//! One feature per kind, tested in one place: [`op`], [`precision`], [`frame_mode`],
//! [`robust`], [`output`]. The validator rejects a blob that needs something this build
//! left out ([`ModelError::NotLinked`]); the engine's dispatch skips those arms
//! (constant-false guards), so the kernels, frame code and output mappings behind them are
//! never referenced and the linker drops them. A firmware names exactly what its model uses:
//!
//! ```toml
//! equiframe = { path = "..", default-features = false, features = ["op-dense"] }
//! ```
//!
//! Adding a layer kind: one `op-*` feature in `Cargo.toml` (also in `all-ops`) and one arm in
//! [`op`].

use super::error::ModelError;
use super::format::{FrameMode, Op, OutputKind, Precision, LAYER_RECORD_LEN, OUTPUT_RECORD_LEN};
use super::Model;
use crate::frame::Robust;

/// This build links the kernels of `op`.
pub const fn op(op: Op) -> bool {
    match op {
        Op::Dense => cfg!(feature = "op-dense"),
        Op::Pointwise => cfg!(feature = "op-pointwise"),
        Op::PointwiseMax => cfg!(feature = "op-pointwise-max"),
        Op::Conv1d => cfg!(feature = "op-conv1d"),
        Op::MaxPool => cfg!(feature = "op-max-pool"),
        Op::MeanPool => cfg!(feature = "op-mean-pool"),
        Op::SumPool => cfg!(feature = "op-sum-pool"),
        Op::MaxPool1d => cfg!(feature = "op-max-pool1d"),
        Op::Add => cfg!(feature = "op-add"),
        Op::Concat => cfg!(feature = "op-concat"),
        Op::LeakyRelu => cfg!(feature = "op-leaky-relu"),
        Op::Clamp => cfg!(feature = "op-clamp"),
        Op::Logistic => cfg!(feature = "op-logistic"),
        Op::Tanh => cfg!(feature = "op-tanh"),
        Op::Softmax => cfg!(feature = "op-softmax"),
        Op::LogSoftmax => cfg!(feature = "op-log-softmax"),
        Op::Lut => cfg!(feature = "op-lut"),
        Op::LayerNorm => cfg!(feature = "op-layer-norm"),
        Op::Sub => cfg!(feature = "op-sub"),
        Op::Mul => cfg!(feature = "op-mul"),
        Op::RowSquaredNorm => cfg!(feature = "op-row-squared-norm"),
        Op::RowNorm => cfg!(feature = "op-row-norm"),
        Op::AvgPool1d => cfg!(feature = "op-avg-pool1d"),
        Op::Flatten => cfg!(feature = "op-flatten"),
        Op::SliceRows => cfg!(feature = "op-slice-rows"),
    }
}

/// This build links the kernels of precision `p` (int8 always).
pub const fn precision(p: Precision) -> bool {
    match p {
        Precision::Int8 => true,
        Precision::F32 => cfg!(feature = "f32"),
    }
}

/// This build links frame mode `m` (no frame always).
pub const fn frame_mode(m: FrameMode) -> bool {
    match m {
        FrameMode::None => true,
        FrameMode::Average => cfg!(feature = "frame-average"),
        // A canonical frame falls back to the whole set when its sign is ambiguous.
        FrameMode::Canonical => {
            cfg!(feature = "frame-canonical") && cfg!(feature = "frame-average")
        }
    }
}

/// This build links robust mode `r` (off always).
pub const fn robust(r: Robust) -> bool {
    match r {
        Robust::Off => true,
        Robust::Average => cfg!(feature = "robust"),
    }
}

/// This build links the output mapping of `k` (invariant outputs always).
pub const fn output(k: OutputKind) -> bool {
    match k {
        OutputKind::Invariant => true,
        OutputKind::Vector | OutputKind::Point | OutputKind::Axial => {
            cfg!(feature = "out-geometric")
        }
        OutputKind::Rotation | OutputKind::Quaternion => cfg!(feature = "out-rotation"),
    }
}

/// Rejects a decoded blob that needs what this build does not link: its precision, frame mode,
/// robust mode, every layer's op and every output range's kind (also for
/// [`Model::from_build_checked`], whose blob was validated by a build with other features).
pub(super) fn check(m: &Model<'_>) -> Result<(), ModelError> {
    let h = &m.header;
    require(precision(h.precision), "precision", h.precision.code())?;
    require(frame_mode(h.mode), "frame_mode", h.mode.code())?;
    require(robust(h.robust), "robust", h.robust as u8)?;
    for rec in m.layers.chunks_exact(LAYER_RECORD_LEN) {
        let code = rec.first().copied().unwrap_or(u8::MAX);
        let o = Op::try_from(code).map_err(|value| ModelError::BadCode { field: "op", value })?;
        require(op(o), "op", code)?;
    }
    for rec in m.outputs.chunks_exact(OUTPUT_RECORD_LEN) {
        let code = rec.first().copied().unwrap_or(u8::MAX);
        let k = OutputKind::try_from(code).map_err(|value| ModelError::BadCode {
            field: "output_kind",
            value,
        })?;
        require(output(k), "output_kind", code)?;
    }
    Ok(())
}

/// `Ok` when `ok`, else [`ModelError::NotLinked`].
pub(super) fn require(ok: bool, what: &'static str, code: u8) -> Result<(), ModelError> {
    if ok {
        Ok(())
    } else {
        Err(ModelError::NotLinked { what, code })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "all")]
    fn the_default_build_links_everything() {
        for code in 0..=u8::MAX {
            if let Ok(o) = Op::try_from(code) {
                assert!(op(o), "{o:?}");
            }
        }
        assert!(precision(Precision::F32) && robust(Robust::Average));
        assert!(frame_mode(FrameMode::Canonical) && output(OutputKind::Quaternion));
    }

    #[test]
    fn what_is_left_out_is_a_typed_error() {
        assert_eq!(
            require(false, "op", 3),
            Err(ModelError::NotLinked {
                what: "op",
                code: 3
            })
        );
        assert!(require(true, "op", 3).is_ok());
    }
}

//! Import of TFLite int8 models (`.tflite` flatbuffers), bit-exact with TFLite Micro.
//!
//! ```text
//! bytes -> flatbuf (bounds-checked reader) -> schema (operator codes, tensors, operators,
//!       buffers) -> lower (engine layers with the file's own quantization) -> BlobModel
//! ```
//!
//! Nothing is re-calibrated: weights, int32 biases, per-channel scales and zero points come from
//! the file, and every requantization multiplier / shift is derived from them in `f64` with
//! TFLite Micro's `QuantizeMultiplier` formulas, so the engine's integer outputs equal TFLite
//! Micro's (checked against the interpreter's outputs in `host-tools/tests/tflite_golden.rs`).
//! Malformed files give a [`TfliteError`], never a panic; an unsupported op, a float-only model
//! and a hybrid (dynamic-range) model are refused with one line naming them.

mod error;
pub mod flatbuf;
pub mod inspect;
pub mod lower;
pub mod opcode;
pub mod schema;

use std::path::Path;

use anyhow::Context;

pub use error::TfliteError;
pub use lower::{Imported, SUPPORTED};
pub use schema::TflModel;

use crate::blob::{BlobModel, Quant};
use crate::commands::convert_lower::Lowered;

/// Decodes and maps a `.tflite` file held in memory.
pub fn import_bytes(bytes: &[u8]) -> Result<(TflModel, Imported), TfliteError> {
    let m = schema::parse(bytes)?;
    let imp = lower::lower(&m)?;
    Ok((m, imp))
}

/// Reads, decodes and maps a `.tflite` file.
pub fn import(path: &Path) -> anyhow::Result<(TflModel, Imported)> {
    let bytes = std::fs::read(path).with_context(|| format!("{}", path.display()))?;
    import_bytes(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// `true` when `path` names a `.tflite` file (by extension).
pub fn is_tflite(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("tflite"))
}

impl Imported {
    /// The imported layers in the converter's lowering form (for the shared frame options).
    pub fn lowered(&self) -> Lowered {
        Lowered {
            layers: self.layers.clone(),
            names: self.names.clone(),
            fixed_points: Some(self.rows),
            channels: self.channels,
            outputs: self.outputs,
        }
    }

    /// Turns the frame options of `base` (an f32 blob model from the shared argument
    /// handling) into the int8 model of the imported layers.
    pub fn into_model(&self, mut base: BlobModel) -> BlobModel {
        base.precision = crate::blob::Precision::Int8;
        base.input_quant = Quant::new(self.input_quant.scale, self.input_quant.zero_point);
        base.layers = self.layers.clone();
        base
    }
}

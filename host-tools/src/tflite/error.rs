//! Errors of the TFLite importer: malformed files, and models the engine cannot run.

/// Why a `.tflite` file could not be read or mapped. Every message is one line naming the
/// problem and the offending value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TfliteError {
    /// An offset or length points outside the file.
    #[error("malformed .tflite: {what} at byte {offset} lies outside the {len}-byte file")]
    OutOfBounds {
        /// The structure being read.
        what: &'static str,
        /// Where it was looked for.
        offset: usize,
        /// File size.
        len: usize,
    },
    /// An index (tensor, buffer, operator code) is out of range.
    #[error("malformed .tflite: {what} index {index} out of range (0..{len})")]
    BadIndex {
        /// The table indexed.
        what: &'static str,
        /// The index found.
        index: i64,
        /// Entries in the table.
        len: usize,
    },
    /// The file identifier is not `TFL3`.
    #[error("not a TFLite flatbuffer: file identifier {found:?}, expected \"TFL3\"")]
    BadIdentifier {
        /// The four bytes found.
        found: String,
    },
    /// A structural field has an impossible value.
    #[error("malformed .tflite: {what}")]
    Malformed {
        /// What is wrong.
        what: String,
    },
    /// A builtin or custom operator the engine has no kernel for.
    #[error("unsupported op {op} (operator {index}); supported: {supported}")]
    UnsupportedOp {
        /// Operator name.
        op: String,
        /// Position in the graph.
        index: usize,
        /// The mapped operators.
        supported: &'static str,
    },
    /// No tensor of the graph is quantized: a float model.
    #[error("float-only model: tensor {tensor:?} is float32 and nothing is int8; convert it with full-integer quantization (TFLiteConverter with representative_dataset and TFLITE_BUILTINS_INT8)")]
    FloatOnly {
        /// The first float tensor on the path.
        tensor: String,
    },
    /// int8 weights with float activations (dynamic-range quantization).
    #[error("hybrid model: operator {index} ({op}) has float32 activations with int8 weights (dynamic-range quantization); convert it with full-integer quantization (representative_dataset, TFLITE_BUILTINS_INT8)")]
    Hybrid {
        /// Operator position.
        index: usize,
        /// Operator name.
        op: String,
    },
    /// A supported op used in a way the engine does not run.
    #[error("operator {index} ({op}): {why}")]
    Unsupported {
        /// Operator position.
        index: usize,
        /// Operator name.
        op: String,
        /// What is not supported and what is.
        why: String,
    },
}

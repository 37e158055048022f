//! [`BlobError`]: why a [`BlobModel`](super::BlobModel) cannot be written.

use std::fmt;

/// Why [`write`](super::write) refused a model description. Layer indices count from 0.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum BlobError {
    /// The model has no layers.
    NoLayers,
    /// A layer reads a tensor that does not exist yet (ids: 0 = input, `i + 1` = layer `i`).
    BadInput {
        /// Layer index.
        layer: usize,
        /// Tensor id it reads.
        input: usize,
    },
    /// A layer's parameters do not match its op / the precision.
    WrongParams {
        /// Layer index.
        layer: usize,
        /// What was expected.
        expected: &'static str,
    },
    /// A weight or parameter array has the wrong length.
    WrongLength {
        /// Layer index.
        layer: usize,
        /// Which array.
        array: &'static str,
        /// Expected elements.
        expected: usize,
        /// Given elements.
        given: usize,
    },
    /// A layer's input shape is not acceptable for its op (e.g. Dense on a per-point tensor).
    BadShape {
        /// Layer index.
        layer: usize,
        /// Input `(rows, cols)`.
        input: (usize, usize),
    },
    /// The last layer's output is not `(1, K)` with `K` the total length of the outputs.
    OutputShape {
        /// Rows and cols of the last layer's output.
        found: (usize, usize),
        /// `K` from the output specs.
        outputs: usize,
    },
    /// A model-level field is out of range (names the field).
    BadField(&'static str, String),
    /// The written bytes did not pass the reader (a writer bug; the message names the check).
    SelfCheck(String),
}

impl fmt::Display for BlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoLayers => write!(f, "the model has no layers"),
            Self::BadInput { layer, input } => {
                write!(
                    f,
                    "layer {layer} reads tensor {input}, which is not produced before it"
                )
            }
            Self::WrongParams { layer, expected } => {
                write!(f, "layer {layer}: expected {expected}")
            }
            Self::WrongLength {
                layer,
                array,
                expected,
                given,
            } => write!(
                f,
                "layer {layer}: {array} has {given} elements, expected {expected}"
            ),
            Self::BadShape { layer, input } => {
                write!(
                    f,
                    "layer {layer}: input of shape {input:?} is not valid for this op"
                )
            }
            Self::OutputShape { found, outputs } => write!(
                f,
                "the last layer produces {found:?}, but the outputs need (1, {outputs})"
            ),
            Self::BadField(name, why) => write!(f, "{name}: {why}"),
            Self::SelfCheck(msg) => write!(f, "written blob fails validation: {msg}"),
        }
    }
}

impl std::error::Error for BlobError {}

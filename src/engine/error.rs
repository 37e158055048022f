//! [`RunError`]: why [`run`](super::run) refused an input.

use crate::frame::FrameError;
use core::fmt;

/// Why [`run`](super::run) did not produce an output. Nothing is written to `output` when an
/// error is returned.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum RunError {
    /// The input is empty or its length is not a multiple of the model's channel count.
    BadInputLength {
        /// Input length (f32 values).
        len: usize,
        /// Channels per row the model expects.
        channels: usize,
    },
    /// More rows than the model was planned for.
    TooManyPoints {
        /// Rows given.
        given: usize,
        /// `Model::max_points()`.
        max: usize,
    },
    /// A fixed-length model (conv1d) got another number of rows.
    WrongPointCount {
        /// Rows given.
        given: usize,
        /// Rows required.
        expected: usize,
    },
    /// The arena is smaller than `Model::arena_bytes()`.
    ArenaTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes given.
        given: usize,
    },
    /// The arena does not start on a 4-byte boundary (use [`Arena`](super::Arena)).
    ArenaMisaligned {
        /// Address of its first byte.
        address: usize,
    },
    /// `output` does not have `Model::output_len()` entries.
    OutputLength {
        /// Entries needed.
        needed: usize,
        /// Entries given.
        given: usize,
    },
    /// The frame of the input could not be computed (empty, non-finite, overflow, ...).
    Frame(FrameError),
    /// A layer's tensors could not be laid out in the arena. Cannot happen for a model that
    /// passed `Model::from_bytes` and an arena of `arena_bytes()`; reported instead of
    /// panicking.
    Layout {
        /// Layer index.
        layer: usize,
    },
}

impl From<FrameError> for RunError {
    fn from(e: FrameError) -> Self {
        Self::Frame(e)
    }
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::BadInputLength { len, channels } => write!(
                f,
                "input of {len} values is not a non-empty multiple of {channels} channels"
            ),
            Self::TooManyPoints { given, max } => {
                write!(f, "{given} rows given, the model takes at most {max}")
            }
            Self::WrongPointCount { given, expected } => {
                write!(f, "{given} rows given, the model takes exactly {expected}")
            }
            Self::ArenaTooSmall { needed, given } => {
                write!(f, "arena of {given} bytes given, {needed} needed")
            }
            Self::ArenaMisaligned { address } => {
                write!(f, "arena at {address:#x} is not 4-byte aligned")
            }
            Self::OutputLength { needed, given } => {
                write!(f, "output of {given} values given, {needed} needed")
            }
            Self::Frame(e) => write!(f, "frame: {e}"),
            Self::Layout { layer } => write!(f, "layer {layer}: tensors do not fit the arena"),
        }
    }
}

impl core::error::Error for RunError {}

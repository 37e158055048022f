//! The frame module's error type.

use core::fmt;

/// Why a frame could not be computed or applied.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum FrameError {
    /// The sample holds no points (or all weights are zero).
    Empty,
    /// A coordinate used for the frame is NaN or infinite: `point` is the row, `channel` the
    /// column of the `(N, channels)` sample.
    NonFinite {
        /// Row (point or time step) index.
        point: usize,
        /// Channel index within the row.
        channel: usize,
    },
    /// Finite coordinates whose moments overflow f32 (values around 1e19 or larger).
    Overflow,
    /// More points than the moment accumulator can count exactly.
    TooManyPoints {
        /// Points given.
        given: usize,
        /// Largest number accepted.
        max: usize,
    },
    /// The sample length is not a multiple of the channel count.
    BadShape {
        /// Length of the flat slice.
        len: usize,
        /// Channels per row.
        channels: usize,
    },
    /// Spatial dimension other than 2 or 3.
    BadDim {
        /// The dimension given.
        dim: usize,
    },
    /// Channel count of zero or above [`MAX_CHANNELS`](crate::frame::MAX_CHANNELS).
    BadChannels {
        /// The channel count given.
        channels: usize,
    },
    /// A field does not fit inside the row.
    FieldOutOfRange {
        /// First channel of the field.
        offset: usize,
        /// Channels it spans.
        span: usize,
        /// Channels per row.
        channels: usize,
    },
    /// Two fields share a channel.
    FieldOverlap {
        /// A channel claimed twice.
        channel: usize,
    },
    /// More fields than [`MAX_FIELDS`](crate::frame::MAX_FIELDS).
    TooManyFields {
        /// Fields given.
        given: usize,
        /// Largest number accepted.
        max: usize,
    },
    /// The group's dimension differs from the data's.
    GroupDim {
        /// Dimension of the group (3 for O(3)/SO(3), 2 for O(2)/SO(2)).
        group_dim: usize,
        /// Dimension of the data (schema).
        data_dim: usize,
    },
    /// The schema has no position, vector or axial field to build a frame from.
    NoGeometricField,
    /// The weight slice does not have one weight per point.
    WeightsLength {
        /// Weights given.
        weights: usize,
        /// Points in the sample.
        points: usize,
    },
    /// A weight is negative, NaN or infinite.
    BadWeight {
        /// Index of the weight.
        index: usize,
    },
    /// The output slice has the wrong length.
    OutputLength {
        /// Length needed.
        needed: usize,
        /// Length given.
        given: usize,
    },
    /// Single-frame canonicalization: the sign of this axis is not determined by the third
    /// or fifth moment (symmetric data); use the full frame set.
    AmbiguousSign {
        /// Axis index in the frame.
        axis: usize,
    },
    /// Single-frame canonicalization in robust mode: two non-zero eigenvalues are closer than
    /// `degenerate_gap`, so no single frame is well defined; use the full (robust) frame set.
    Degenerate {
        /// The relative eigengap found.
        rel_gap: f32,
    },
    /// The frame set's capacity is below what the group and robust mode may need
    /// ([`Group::max_frames`](super::Group::max_frames)).
    Capacity {
        /// Frames the options may need.
        needed: usize,
        /// Frames the set can hold.
        capacity: usize,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Empty => write!(f, "empty sample: no points (or all weights zero)"),
            Self::NonFinite { point, channel } => {
                write!(f, "non-finite value at point {point}, channel {channel}")
            }
            Self::Overflow => write!(f, "coordinates too large: moments overflow f32"),
            Self::TooManyPoints { given, max } => {
                write!(f, "too many points: {given} (at most {max})")
            }
            Self::BadShape { len, channels } => {
                write!(
                    f,
                    "sample length {len} is not a multiple of {channels} channels"
                )
            }
            Self::BadDim { dim } => write!(f, "dimension {dim} is not 2 or 3"),
            Self::BadChannels { channels } => write!(f, "bad channel count {channels}"),
            Self::FieldOutOfRange {
                offset,
                span,
                channels,
            } => write!(
                f,
                "field at channel {offset} spanning {span} does not fit in {channels} channels"
            ),
            Self::FieldOverlap { channel } => write!(f, "two fields share channel {channel}"),
            Self::TooManyFields { given, max } => {
                write!(f, "too many fields: {given} (at most {max})")
            }
            Self::GroupDim {
                group_dim,
                data_dim,
            } => write!(f, "group is {group_dim}D but the data is {data_dim}D"),
            Self::NoGeometricField => write!(f, "schema has no position, vector or axial field"),
            Self::WeightsLength { weights, points } => {
                write!(f, "{weights} weights for {points} points")
            }
            Self::BadWeight { index } => write!(f, "weight {index} is negative or non-finite"),
            Self::OutputLength { needed, given } => {
                write!(f, "output length {given}, needed {needed}")
            }
            Self::AmbiguousSign { axis } => {
                write!(f, "sign of axis {axis} undetermined (symmetric data)")
            }
            Self::Degenerate { rel_gap } => {
                write!(
                    f,
                    "repeated eigenvalues (relative gap {rel_gap}): no single frame"
                )
            }
            Self::Capacity { needed, capacity } => write!(
                f,
                "frame set holds {capacity} frames, the group and robust mode need {needed}"
            ),
        }
    }
}

impl core::error::Error for FrameError {}

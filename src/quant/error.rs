//! Errors of the conversion-time quantization helpers.

use core::fmt;

/// Why a real-valued scale could not be turned into quantization parameters.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum QuantError {
    /// The real multiplier is NaN or infinite.
    NonFiniteMultiplier {
        /// The offending value.
        value: f64,
    },
    /// The real multiplier is so large that its shift exceeds 31 (left shifts of 32 or more
    /// bits are undefined in TFLite Micro).
    MultiplierTooLarge {
        /// The offending value.
        value: f64,
        /// The shift it would need.
        shift: i32,
    },
    /// A scale is zero, negative, NaN or infinite.
    BadScale {
        /// The offending value.
        scale: f32,
    },
}

impl fmt::Display for QuantError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NonFiniteMultiplier { value } => {
                write!(f, "real multiplier {value} is not finite")
            }
            Self::MultiplierTooLarge { value, shift } => {
                write!(f, "real multiplier {value} needs shift {shift} > 31")
            }
            Self::BadScale { scale } => write!(f, "scale {scale} is not a finite positive number"),
        }
    }
}

impl core::error::Error for QuantError {}

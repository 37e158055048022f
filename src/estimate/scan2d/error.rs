//! The 2D scan pipeline's error type.

use core::fmt;

/// Why a scan could not be turned into points or registered.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Scan2dError {
    /// More beams than [`MAX_BEAMS`](super::MAX_BEAMS).
    TooManyBeams {
        /// Beams given.
        given: usize,
        /// Largest number accepted.
        max: usize,
    },
    /// The angle increment is zero, negative or not finite.
    BadAngleIncrement {
        /// The increment given (rad).
        increment: f32,
    },
    /// The first beam's angle is not finite.
    BadAngleMin {
        /// The angle given (rad).
        angle_min: f32,
    },
    /// The valid range window is empty or not finite.
    BadRangeLimits {
        /// Smallest valid range (m).
        min: f32,
        /// Largest valid range (m).
        max: f32,
    },
    /// Fewer valid returns than registration needs.
    TooFewPoints {
        /// Valid returns in the scan.
        valid: usize,
        /// Smallest number accepted.
        min: usize,
    },
    /// The keyframe store is full.
    KeyframesFull {
        /// Its capacity.
        max: usize,
    },
}

impl fmt::Display for Scan2dError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::TooManyBeams { given, max } => {
                write!(f, "scan has {given} beams, at most {max} are supported")
            }
            Self::BadAngleIncrement { increment } => {
                write!(
                    f,
                    "angle increment {increment} rad is not a positive finite number"
                )
            }
            Self::BadAngleMin { angle_min } => {
                write!(f, "first beam angle {angle_min} rad is not finite")
            }
            Self::BadRangeLimits { min, max } => {
                write!(
                    f,
                    "valid range window [{min}, {max}) m is empty or not finite"
                )
            }
            Self::TooFewPoints { valid, min } => {
                write!(
                    f,
                    "scan has {valid} valid returns, registration needs at least {min}"
                )
            }
            Self::KeyframesFull { max } => write!(f, "keyframe store is full ({max} keyframes)"),
        }
    }
}

impl core::error::Error for Scan2dError {}

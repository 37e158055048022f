//! The estimators' error type.

use core::fmt;

/// Why an estimator step was refused (the state and covariance are left unchanged).
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum EstimateError {
    /// A measurement, residual or input held a NaN or infinity (`index` into the vector).
    NonFinite {
        /// Index of the first offending entry.
        index: usize,
    },
    /// The innovation covariance `H P H^T + R` is not positive definite (its Cholesky pivot
    /// `row` came out as `pivot`).
    InnovationNotPositive {
        /// Row of the failing pivot.
        row: usize,
        /// The pivot value.
        pivot: f32,
    },
    /// A time step that is not finite and positive.
    BadTimeStep {
        /// The step, seconds.
        dt: f32,
    },
}

impl fmt::Display for EstimateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::NonFinite { index } => write!(f, "non-finite value at index {index}"),
            Self::InnovationNotPositive { row, pivot } => write!(
                f,
                "innovation covariance is not positive definite (pivot {pivot} at row {row})"
            ),
            Self::BadTimeStep { dt } => write!(f, "time step {dt} s is not finite and positive"),
        }
    }
}

impl core::error::Error for EstimateError {}

#[cfg(feature = "defmt")]
impl defmt::Format for EstimateError {
    fn format(&self, f: defmt::Formatter<'_>) {
        match *self {
            Self::NonFinite { index } => defmt::write!(f, "non-finite value at index {}", index),
            Self::InnovationNotPositive { row, pivot } => defmt::write!(
                f,
                "innovation covariance not positive definite (pivot {} at row {})",
                pivot,
                row
            ),
            Self::BadTimeStep { dt } => defmt::write!(f, "bad time step {} s", dt),
        }
    }
}

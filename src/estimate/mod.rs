//! Floor 4: state estimation on Lie groups.
//!
//! - [`eskf`]: a generic error-state Kalman filter (fixed-size state and covariance through
//!   const generics; predict with the process Jacobians, update with any measurement model and
//!   its Jacobian, Joseph-form covariance update kept symmetric, chi-square gate).
//! - [`attitude`]: an orientation estimator on SO(3) built on it (gyroscope propagation with
//!   bias states, accelerometer gravity update, rest detection, magnetometer heading, and a
//!   learned gravity measurement from a frame-averaged network).
//! - [`scan2d`]: planar pose from a 2D lidar -- range scans to points, SE(2) registration
//!   started from canonical-frame rotation hypotheses, an SE(2) error-state filter and an
//!   O(2)-invariant relocalisation descriptor. No heap; bounded by constants.
//!
//! Everything is `f32`, allocation free and panic free.

// Small fixed-size matrix code reads best with explicit indices.
#![allow(clippy::needless_range_loop)]

#[allow(
    clippy::indexing_slicing,
    reason = "not yet converted to iterators: indexes fixed-size arrays by bounded loop counters (README, Hardening)"
)]
pub mod attitude;
mod error;
#[allow(
    clippy::indexing_slicing,
    reason = "fixed-size matrix code: every index is a loop counter or constant bounded by the array's own const length; firmware/nopanic proves no panic path is linked"
)]
pub mod eskf;
#[allow(
    clippy::indexing_slicing,
    reason = "not yet converted to iterators: indexes fixed-size arrays by bounded loop counters (README, Hardening)"
)]
pub mod scan2d;

pub use attitude::{Attitude, AttitudeConfig};
pub use error::EstimateError;
pub use eskf::{chi2_gate, ErrorState, Eskf, GateLevel, Gated};

use crate::lie::LieGroup;

/// Every Lie group is an error state of its own dimension: `X <- X (+) dx` (right plus).
impl<G: LieGroup<D>, const D: usize> ErrorState<D> for G {
    fn retract(&mut self, dx: &[f32; D]) {
        *self = self.rplus(*dx);
    }
}

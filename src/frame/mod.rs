//! Floor 2: canonical frames of sensor samples.
//!
//! Data flow: a sample (row-major `(N, channels)` f32) and its [`InputSchema`] ->
//! [`Moments`] (centroid and unnormalised scatter, robust far from the origin, optional
//! weights; [`SlidingWindow`] for streams) -> eigendecomposition ([`crate::geom`]) ->
//! [`FrameSet`] (all sign frames of the principal axes for O(3), SO(3), O(2), SO(2), with
//! eigenvalues, relative eigengap and a degeneracy flag; [`robust`] extras for repeated
//! eigenvalues) -> [`InputSchema::canonicalize`] applies a [`Frame`] to the sample.
//! Alternatives: one frame by the equivariant [`sign`] rule, or one random member per call
//! with [`FrameSampler`]. [`fixed`] is the same pipeline in fixed point for chips without an
//! FPU.
//!
//! Conventions: `Frame::axes[j]` is the j-th axis (column j of `F`) in sensor coordinates;
//! canonical coordinates are `F^T (x - c)`; axes are ordered by descending eigenvalue unless
//! [`AxisOrder::Ascending`] is chosen.

pub(crate) mod error;
#[allow(
    clippy::indexing_slicing,
    reason = "fixed-size matrix code: every index is a loop counter or constant bounded by the array's own const length; firmware/nopanic proves no panic path is linked"
)]
pub mod fixed;
pub(crate) mod group;
#[allow(
    clippy::indexing_slicing,
    reason = "not yet converted to iterators: indexes fixed-size arrays by bounded loop counters (README, Hardening)"
)]
mod moments;
pub mod robust;
mod sampler;
mod schema;
pub mod set;
pub mod sign;
mod transform;
mod window;

pub use crate::geom::AxisOrder;
pub use error::FrameError;
pub use group::{Group, Robust};
pub use moments::{Moments, MAX_POINTS};
pub use robust::{ICOSAHEDRAL_ROTATIONS, ROBUST_ROTATIONS};
pub use sampler::FrameSampler;
pub use schema::{Field, FieldKind, InputSchema, MAX_CHANNELS, MAX_FIELDS};
pub use set::{
    FrameOptions, FrameSet, O2FrameSet, O3FrameSet, So2FrameSet, So3FrameSet, Spectrum, MAX_FRAMES,
    PLAIN_FRAMES, ZERO_REL,
};
pub use sign::SIGN_TOL;
pub use transform::Frame;
pub use window::SlidingWindow;

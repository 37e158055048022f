//! Planar pose from a 2D lidar: range scan -> points -> SE(2) registration started from
//! canonical frames -> error-state filter; and relocalisation by an O(2)-invariant descriptor.
//!
//! ```text
//! RangeScan --Scan::fill--> Scan (points, normals)
//!   CanonicalFrame::of ----> rotation hypotheses (SO(2) frame pairs, eigengap)
//!   icp::register ---------> Match (motion, covariance, score) from the best start
//!   Se2Filter -------------> pose (prediction: wheel odometry or previous motion)
//!   Descriptor / KeyframeStore -> candidate keyframes after a kidnap
//!   reloc::best_candidate --> the candidate that registers best, and the pose in it
//! ```
//!
//! No heap and no panics on input; sizes are bounded by [`MAX_BEAMS`] and [`MAX_KEYFRAMES`].
//! Everything is `f32` with a fixed order of operations and `libm`, so a firmware computes
//! the same bits as the host (checked under QEMU).

// Small fixed-size matrix code reads best with explicit indices.
#![allow(clippy::needless_range_loop)]

pub mod canonical;
pub mod descriptor;
mod error;
pub mod filter;
pub mod icp;
pub mod odometry;
pub mod pose;
pub mod reloc;
pub mod scan;
pub mod sim;

pub use canonical::{hypotheses, CanonicalFrame};
pub use descriptor::{Descriptor, KeyframeStore};
pub use error::Scan2dError;
pub use filter::Se2Filter;
pub use icp::{register, Match, MatchOptions};
pub use odometry::{Odometry, OdometryOptions, StepReport};
pub use scan::{RangeScan, Scan};

/// Most beams per scan.
pub const MAX_BEAMS: usize = 720;
/// Most keyframes a [`KeyframeStore`] holds.
pub const MAX_KEYFRAMES: usize = 64;

//! Floor 3: state estimation on the Lie groups of [`lie`](crate::lie).
//!
//! - [`scan2d`]: planar pose from a 2D lidar -- range scans to points, SE(2) registration
//!   started from canonical-frame rotation hypotheses, an SE(2) error-state filter and an
//!   O(2)-invariant relocalisation descriptor. No heap; bounded by constants.

pub mod scan2d;

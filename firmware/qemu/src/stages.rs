//! The frame pipeline stages as run on the target and on the desktop, and the words their
//! results serialize to (f32 as raw bits, so comparisons are bit-for-bit). Shared with the
//! desktop generator (`host-gen`), which includes this file.

use equiframe::frame::{FrameError, FrameOptions, FrameSet, InputSchema, Moments};
use equiframe::geom::{sym_eigen3, AxisOrder, Eigen3};

use crate::cases::Kind;

/// Receives result words.
pub trait Sink {
    /// One 32-bit word.
    fn word(&mut self, w: u32);
    /// An f32 as its bit pattern.
    fn f32(&mut self, v: f32) {
        self.word(v.to_bits());
    }
}

/// The schema of a case kind: IMU (accel Vector @0, gyro Axial @3) or 3D points.
pub fn schema(kind: Kind, channels: usize) -> Result<InputSchema, FrameError> {
    match kind {
        Kind::Imu => Ok(InputSchema::imu()),
        Kind::Points => InputSchema::points(3, channels),
    }
}

/// Stage 1: moments of the frame source (centred for points, uncentred accel for IMU).
pub fn moments(s: &InputSchema, sample: &[f32]) -> Result<Moments, FrameError> {
    s.moments(sample, None)
}

/// Stage 2: eigendecomposition of the scatter matrix.
pub fn eigen(m: &Moments) -> Eigen3 {
    sym_eigen3(&m.scatter, AxisOrder::Descending)
}

/// Stage 3: the O(3) frame set (all sign frames; 8 frames in 3D) with default options.
pub fn frame_set(m: &Moments) -> Result<FrameSet, FrameError> {
    FrameSet::from_moments(m, &FrameOptions::default())
}

/// Writes the moments: weight, origin, scatter (13 words).
pub fn put_moments(m: &Moments, out: &mut impl Sink) {
    out.f32(m.weight);
    m.origin.iter().for_each(|&v| out.f32(v));
    m.scatter.iter().flatten().for_each(|&v| out.f32(v));
}

/// Writes the eigendecomposition: values, vectors (12 words).
pub fn put_eigen(e: &Eigen3, out: &mut impl Sink) {
    e.values.iter().for_each(|&v| out.f32(v));
    e.vectors.iter().flatten().for_each(|&v| out.f32(v));
}

/// Writes the frame set: count, eigenvalues, gap, degenerate flag, and per frame axes,
/// origin, det, weight.
pub fn put_set(set: &FrameSet, out: &mut impl Sink) {
    out.word(set.frames().len() as u32);
    set.eigenvalues().iter().for_each(|&v| out.f32(v));
    out.f32(set.rel_gap());
    out.word(u32::from(set.is_degenerate()));
    for f in set.frames() {
        f.axes.iter().flatten().for_each(|&v| out.f32(v));
        f.origin.iter().for_each(|&v| out.f32(v));
        out.f32(f.det);
        out.f32(f.weight);
    }
}

/// FNV-1a over the bit patterns of `values` (a compact check of a canonicalized sample).
pub fn fnv1a(values: &[f32]) -> u32 {
    values
        .iter()
        .flat_map(|v| v.to_bits().to_le_bytes())
        .fold(0x811c_9dc5u32, |h, b| {
            (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
        })
}

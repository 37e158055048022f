//! Centroid and scatter matrix of point sets given as strided f32 slices.
//!
//! # What is computed
//! For points `x_i` (the `dim` channels starting at `offset` of each row of a row-major
//! `(N, channels)` slice) and weights `w_i` (1 when none are given):
//! - `weight = sum w_i`,
//! - `origin = sum w_i x_i / weight` (centred form) or `0` (uncentred form, for vector fields
//!   such as an accelerometer where the mean -- gravity -- is the signal),
//! - `scatter = sum w_i (x_i - origin)(x_i - origin)^T`: the UNNORMALISED scatter matrix, as
//!   in both reference implementations of frame averaging. Divide by `weight` for the
//!   covariance; frames and the relative eigengap do not depend on the normalisation.
//!
//! # Accuracy far from the origin
//! The centred form accumulates `d_i = x_i - x_0` (shift by the first point), so the sums
//! carry the spread of the cloud, not its distance from the sensor; the centring correction
//! `scatter = S - s s^T / weight` then loses only `eps * (|x_0 - c| / spread)^2` relative.
//! A cloud translated by 1e4 gives the same scatter as at the origin whenever the translated
//! coordinates are representable (the f32 input itself is quantised to 1e-3 at 1e4).
//! Sums run over blocks of 512 rows in 8 lane accumulators (a fixed order, which the compiler
//! vectorises), block sums are added in order: error about `(64 + N / 512) * eps` relative.
//!
//! # Errors
//! Empty input, NaN/Inf coordinates (reported with row and channel, found by a second scan
//! only when the sums come out non-finite), overflow, more than [`MAX_POINTS`] rows, negative
//! or non-finite weights.

use super::error::FrameError;
use crate::geom::{Mat3, Vec3};

/// Largest number of points accepted (counts stay exact in f32).
pub const MAX_POINTS: usize = 1 << 24;

/// Rows per accumulation block.
const BLOCK: usize = 512;
/// Lane accumulators per quantity.
const LANES: usize = 8;

/// Zeroth, first and second moments of a point set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Moments {
    /// Spatial dimension (2 or 3).
    pub dim: usize,
    /// Total weight (the point count when unweighted).
    pub weight: f32,
    /// Centroid (centred form) or zero (uncentred form); 2D leaves `[2]` at zero.
    pub origin: Vec3,
    /// Unnormalised scatter `sum w (x - origin)(x - origin)^T`; 2D fills the upper-left 2x2.
    pub scatter: Mat3,
}

/// Raw sums over shifted points `d = x - shift`: `s = sum d`, `q = [dxx, dxy, dxz, dyy, dyz, dzz]`.
#[derive(Clone, Copy, Default)]
struct Sums {
    w: f32,
    s: [f32; 3],
    q: [f32; 6],
}

impl Sums {
    fn add(&mut self, o: &Sums) {
        self.w += o.w;
        for (a, b) in self.s.iter_mut().zip(&o.s) {
            *a += b;
        }
        for (a, b) in self.q.iter_mut().zip(&o.q) {
            *a += b;
        }
    }
    fn is_finite(&self) -> bool {
        self.w.is_finite()
            && self.s.iter().all(|v| v.is_finite())
            && self.q.iter().all(|v| v.is_finite())
    }
}

/// Unweighted sums over rows `[f32; C]` whose first `D` entries are the point.
#[inline(always)]
fn sums_rows<const D: usize, const C: usize>(rows: &[[f32; C]], shift: Vec3) -> Sums {
    let mut total = Sums::default();
    for block in rows.chunks(BLOCK) {
        let (lanes, rest) = block.as_chunks::<LANES>();
        let mut s = [[0.0f32; LANES]; 3];
        let mut q = [[0.0f32; LANES]; 6];
        for group in lanes {
            for l in 0..LANES {
                let row = &group[l];
                let dx = row[0] - shift[0];
                let dy = row[1] - shift[1];
                s[0][l] += dx;
                s[1][l] += dy;
                q[0][l] += dx * dx;
                q[1][l] += dx * dy;
                q[3][l] += dy * dy;
                if D == 3 {
                    let dz = row[2] - shift[2];
                    s[2][l] += dz;
                    q[2][l] += dx * dz;
                    q[4][l] += dy * dz;
                    q[5][l] += dz * dz;
                }
            }
        }
        // `take(LANES)`: the remainder is shorter anyway; stated so the bound is visible.
        for (l, row) in rest.iter().enumerate().take(LANES) {
            let dx = row[0] - shift[0];
            let dy = row[1] - shift[1];
            s[0][l] += dx;
            s[1][l] += dy;
            q[0][l] += dx * dx;
            q[1][l] += dx * dy;
            q[3][l] += dy * dy;
            if D == 3 {
                let dz = row[2] - shift[2];
                s[2][l] += dz;
                q[2][l] += dx * dz;
                q[4][l] += dy * dz;
                q[5][l] += dz * dz;
            }
        }
        let mut b = Sums {
            w: block.len() as f32,
            ..Sums::default()
        };
        for (t, lanes) in b.s.iter_mut().zip(&s) {
            *t = lanes.iter().sum();
        }
        for (t, lanes) in b.q.iter_mut().zip(&q) {
            *t = lanes.iter().sum();
        }
        total.add(&b);
    }
    total
}

/// Reads the `dim` coordinates at `offset` of a row, zero-padded to 3.
#[inline(always)]
fn point(row: &[f32], offset: usize, dim: usize) -> Vec3 {
    let mut p = [0.0; 3];
    for (k, v) in p.iter_mut().enumerate().take(dim) {
        *v = row.get(offset + k).copied().unwrap_or(0.0);
    }
    p
}

/// Any layout, optional weights; scalar loop in row order.
fn sums_generic(
    data: &[f32],
    channels: usize,
    offset: usize,
    dim: usize,
    weights: Option<&[f32]>,
    shift: Vec3,
) -> Sums {
    let mut total = Sums::default();
    let rows = data.chunks_exact(channels);
    let mut b = Sums::default();
    for (i, row) in rows.enumerate() {
        let w = match weights {
            Some(ws) => ws.get(i).copied().unwrap_or(0.0),
            None => 1.0,
        };
        let p = point(row, offset, dim);
        let d = [p[0] - shift[0], p[1] - shift[1], p[2] - shift[2]];
        let wd = [w * d[0], w * d[1], w * d[2]];
        b.w += w;
        for (t, v) in b.s.iter_mut().zip(wd) {
            *t += v;
        }
        b.q[0] += wd[0] * d[0];
        b.q[1] += wd[0] * d[1];
        b.q[2] += wd[0] * d[2];
        b.q[3] += wd[1] * d[1];
        b.q[4] += wd[1] * d[2];
        b.q[5] += wd[2] * d[2];
        if (i + 1) % BLOCK == 0 {
            total.add(&b);
            b = Sums::default();
        }
    }
    total.add(&b);
    total
}

/// Checks layout arguments; returns the number of rows.
fn check_layout(
    data: &[f32],
    channels: usize,
    offset: usize,
    dim: usize,
) -> Result<usize, FrameError> {
    if dim != 2 && dim != 3 {
        return Err(FrameError::BadDim { dim });
    }
    if channels == 0 {
        return Err(FrameError::BadChannels { channels });
    }
    if offset + dim > channels {
        return Err(FrameError::FieldOutOfRange {
            offset,
            span: dim,
            channels,
        });
    }
    if !data.len().is_multiple_of(channels) {
        return Err(FrameError::BadShape {
            len: data.len(),
            channels,
        });
    }
    let n = data.len() / channels;
    if n == 0 {
        return Err(FrameError::Empty);
    }
    if n > MAX_POINTS {
        return Err(FrameError::TooManyPoints {
            given: n,
            max: MAX_POINTS,
        });
    }
    Ok(n)
}

/// Finds the first non-finite coordinate (row, channel) used by the frame.
pub(crate) fn find_non_finite(
    data: &[f32],
    channels: usize,
    offset: usize,
    dim: usize,
) -> Option<(usize, usize)> {
    for (i, row) in data.chunks_exact(channels).enumerate() {
        for k in 0..dim {
            if let Some(v) = row.get(offset + k) {
                if !v.is_finite() {
                    return Some((i, offset + k));
                }
            }
        }
    }
    None
}

impl Moments {
    /// Centred moments of the points at channels `offset..offset + dim` of each row of the
    /// row-major `(N, channels)` slice `data`, with optional per-point `weights` (the centroid
    /// is the weighted mean then).
    pub fn of_points(
        data: &[f32],
        channels: usize,
        offset: usize,
        dim: usize,
        weights: Option<&[f32]>,
    ) -> Result<Self, FrameError> {
        Self::compute(data, channels, offset, dim, weights, true)
    }

    /// Uncentred second moment `sum w v v^T` (origin zero) of the vectors at channels
    /// `offset..offset + dim`: the frame source for vector fields (accelerometer: gravity is
    /// kept).
    pub fn of_vectors(
        data: &[f32],
        channels: usize,
        offset: usize,
        dim: usize,
        weights: Option<&[f32]>,
    ) -> Result<Self, FrameError> {
        Self::compute(data, channels, offset, dim, weights, false)
    }

    fn compute(
        data: &[f32],
        channels: usize,
        offset: usize,
        dim: usize,
        weights: Option<&[f32]>,
        centred: bool,
    ) -> Result<Self, FrameError> {
        let n = check_layout(data, channels, offset, dim)?;
        if let Some(ws) = weights {
            if ws.len() != n {
                return Err(FrameError::WeightsLength {
                    weights: ws.len(),
                    points: n,
                });
            }
            if let Some(index) = ws.iter().position(|w| !(w.is_finite() && *w >= 0.0)) {
                return Err(FrameError::BadWeight { index });
            }
        }
        let shift = if centred {
            point(data, offset, dim)
        } else {
            [0.0; 3]
        };
        let sums = match (weights, dim, channels, offset) {
            (None, 3, 3, 0) => sums_rows::<3, 3>(data.as_chunks::<3>().0, shift),
            (None, 2, 2, 0) => sums_rows::<2, 2>(data.as_chunks::<2>().0, shift),
            (None, 3, 4, 0) => sums_rows::<3, 4>(data.as_chunks::<4>().0, shift),
            (None, 3, 6, 0) => sums_rows::<3, 6>(data.as_chunks::<6>().0, shift),
            (None, 2, 3, 0) => sums_rows::<2, 3>(data.as_chunks::<3>().0, shift),
            _ => sums_generic(data, channels, offset, dim, weights, shift),
        };
        if !sums.is_finite() {
            return Err(match find_non_finite(data, channels, offset, dim) {
                Some((point, channel)) => FrameError::NonFinite { point, channel },
                None => FrameError::Overflow,
            });
        }
        Self::finish(&sums, dim, shift, centred)
    }

    fn finish(sums: &Sums, dim: usize, shift: Vec3, centred: bool) -> Result<Self, FrameError> {
        let w = sums.w;
        if w <= 0.0 {
            return Err(FrameError::Empty);
        }
        let q = sums.q;
        let mut a = [[q[0], q[1], q[2]], [q[1], q[3], q[4]], [q[2], q[4], q[5]]];
        let mut origin = [0.0; 3];
        if centred {
            let m = [sums.s[0] / w, sums.s[1] / w, sums.s[2] / w];
            for (i, row) in a.iter_mut().enumerate() {
                for (j, v) in row.iter_mut().enumerate() {
                    *v -= sums.s[i] * m[j];
                }
            }
            // Exact symmetry.
            a[1][0] = a[0][1];
            a[2][0] = a[0][2];
            a[2][1] = a[1][2];
            origin = [shift[0] + m[0], shift[1] + m[1], shift[2] + m[2]];
        }
        if dim == 2 {
            origin[2] = 0.0;
            a[0][2] = 0.0;
            a[1][2] = 0.0;
            a[2] = [0.0; 3];
        }
        if !a.iter().flatten().all(|v| v.is_finite()) {
            return Err(FrameError::Overflow);
        }
        Ok(Self {
            dim,
            weight: w,
            origin,
            scatter: a,
        })
    }
}

#[cfg(test)]
mod tests;

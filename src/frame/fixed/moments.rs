//! Exact integer moments of I16F16 point sets.

use super::I16F16;
use crate::frame::error::FrameError;

/// Most rows accepted by the fixed-point path (keeps `n * scatter` inside i128).
pub const MAX_FIXED_POINTS: usize = 1 << 16;

/// Moments of an I16F16 point set: the centroid and `n * scatter`, exact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedMoments {
    /// Spatial dimension (2 or 3).
    pub dim: usize,
    /// Number of points.
    pub count: usize,
    /// Centroid (rounded to nearest); 2D leaves `[2]` at zero.
    pub origin: [I16F16; 3],
    /// `n * sum (x - c)(x - c)^T` in units of 2^-32 (exact); 2D fills the upper-left 2x2.
    pub n_scatter: [[i128; 3]; 3],
}

/// Rounded `a / b` for `b > 0`.
fn div_round(a: i128, b: i128) -> i128 {
    if a >= 0 {
        (a + b / 2) / b
    } else {
        -((-a + b / 2) / b)
    }
}

impl FixedMoments {
    /// Centred moments of the `dim` coordinates at `offset` of each row of the row-major
    /// `(N, channels)` slice. Errors: as the f32 path, plus [`FrameError::TooManyPoints`]
    /// above [`MAX_FIXED_POINTS`] and [`FrameError::Overflow`] when a coordinate lies 32768
    /// or more from the first point's.
    pub fn of_points(
        data: &[I16F16],
        channels: usize,
        offset: usize,
        dim: usize,
    ) -> Result<Self, FrameError> {
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
        if n > MAX_FIXED_POINTS {
            return Err(FrameError::TooManyPoints {
                given: n,
                max: MAX_FIXED_POINTS,
            });
        }
        let coord = |row: &[I16F16], k: usize| -> i64 {
            if k < dim {
                row.get(offset + k).map_or(0, |v| v.to_bits() as i64)
            } else {
                0
            }
        };
        let first = data.get(..channels).unwrap_or(&[]);
        let x0 = [coord(first, 0), coord(first, 1), coord(first, 2)];
        let mut s = [0i64; 3];
        let mut q = [0i128; 6];
        for row in data.chunks_exact(channels) {
            let mut d = [0i32; 3];
            for (k, dk) in d.iter_mut().enumerate() {
                let v = coord(row, k) - x0[k];
                *dk = i32::try_from(v).map_err(|_| FrameError::Overflow)?;
            }
            let [dx, dy, dz] = d.map(i64::from);
            s[0] += dx;
            s[1] += dy;
            s[2] += dz;
            q[0] += (dx * dx) as i128;
            q[1] += (dx * dy) as i128;
            q[2] += (dx * dz) as i128;
            q[3] += (dy * dy) as i128;
            q[4] += (dy * dz) as i128;
            q[5] += (dz * dz) as i128;
        }
        let ni = n as i128;
        let si = s.map(i128::from);
        let at = |i: usize, j: usize, qv: i128| ni * qv - si[i] * si[j];
        let c01 = at(0, 1, q[1]);
        let c02 = at(0, 2, q[2]);
        let c12 = at(1, 2, q[4]);
        let mut m = [
            [at(0, 0, q[0]), c01, c02],
            [c01, at(1, 1, q[3]), c12],
            [c02, c12, at(2, 2, q[5])],
        ];
        let mut origin = [I16F16::ZERO; 3];
        for (k, o) in origin.iter_mut().enumerate().take(dim) {
            let c = x0[k] as i128 + div_round(si[k], ni);
            *o = I16F16::from_bits(i32::try_from(c).map_err(|_| FrameError::Overflow)?);
        }
        if dim == 2 {
            m[0][2] = 0;
            m[1][2] = 0;
            m[2] = [0; 3];
        }
        Ok(Self {
            dim,
            count: n,
            origin,
            n_scatter: m,
        })
    }
}

//! One frame: axes, origin, determinant, weight; maps between sensor and frame coordinates.

use crate::geom::{add, dot, scale, sub, Mat3, Vec3, IDENTITY3};

/// A frame `(F, c)`: `axes[j]` is the j-th axis (column j of `F`) in sensor coordinates,
/// `origin` is `c`. 2D frames use `axes[0..2]` with zero third components and
/// `axes[2] = [0, 0, 1]`, so `F` stays a 3x3 orthogonal matrix with the 2D determinant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Frame {
    /// Frame axes in sensor coordinates (columns of `F`); orthonormal.
    pub axes: [Vec3; 3],
    /// Origin `c` (centroid for position fields, zero for vector fields).
    pub origin: Vec3,
    /// `det F`, exactly +1.0 or -1.0.
    pub det: f32,
    /// Averaging weight of this frame in its set (weights of a set sum to 1).
    pub weight: f32,
}

impl Frame {
    /// The identity frame at the origin with weight 1.
    pub const IDENTITY: Frame = Frame {
        axes: IDENTITY3,
        origin: [0.0; 3],
        det: 1.0,
        weight: 1.0,
    };

    /// `F` as a row-major matrix (`m[i][j] = axes[j][i]`).
    pub fn matrix(&self) -> Mat3 {
        let a = &self.axes;
        [
            [a[0][0], a[1][0], a[2][0]],
            [a[0][1], a[1][1], a[2][1]],
            [a[0][2], a[1][2], a[2][2]],
        ]
    }

    /// Canonical coordinates of a vector: `F^T v`.
    #[inline]
    pub fn to_frame_vector(&self, v: Vec3) -> Vec3 {
        [
            dot(self.axes[0], v),
            dot(self.axes[1], v),
            dot(self.axes[2], v),
        ]
    }

    /// Canonical coordinates of a position: `F^T (x - c)`.
    #[inline]
    pub fn to_frame_position(&self, x: Vec3) -> Vec3 {
        self.to_frame_vector(sub(x, self.origin))
    }

    /// Canonical coordinates of an axial vector (angular rate): `det(F) F^T w`.
    #[inline]
    pub fn to_frame_axial(&self, w: Vec3) -> Vec3 {
        scale(self.to_frame_vector(w), self.det)
    }

    /// Back to sensor coordinates for a vector output: `F y`.
    #[inline]
    pub fn from_frame_vector(&self, y: Vec3) -> Vec3 {
        let a = &self.axes;
        add(add(scale(a[0], y[0]), scale(a[1], y[1])), scale(a[2], y[2]))
    }

    /// Back to sensor coordinates for a position output: `F y + c`.
    #[inline]
    pub fn from_frame_position(&self, y: Vec3) -> Vec3 {
        add(self.from_frame_vector(y), self.origin)
    }

    /// Back to sensor coordinates for an axial output: `det(F) F y`.
    #[inline]
    pub fn from_frame_axial(&self, y: Vec3) -> Vec3 {
        scale(self.from_frame_vector(y), self.det)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_axial_sign() {
        let s = core::f32::consts::FRAC_1_SQRT_2;
        let f = Frame {
            axes: [[s, s, 0.0], [-s, s, 0.0], [0.0, 0.0, -1.0]],
            origin: [1.0, 2.0, 3.0],
            det: -1.0,
            weight: 1.0,
        };
        let x = [0.5, -2.0, 4.0];
        let y = f.to_frame_position(x);
        let back = f.from_frame_position(y);
        for k in 0..3 {
            assert!((back[k] - x[k]).abs() < 1e-6);
        }
        assert_eq!(f.to_frame_axial(x), scale(f.to_frame_vector(x), -1.0));
        let b = f.from_frame_axial(f.to_frame_axial(x));
        for k in 0..3 {
            assert!((b[k] - x[k]).abs() < 1e-6);
        }
        assert_eq!(f.matrix()[0][1], -s);
        assert_eq!(Frame::IDENTITY.to_frame_position(x), x);
    }
}

//! An error-state Kalman filter on SE(2): the pose is the nominal state, a 3-vector on the
//! right tangent (`x_true = x * exp(d)`) with covariance `P` is the error state.
//!
//! - predict with a motion `u` (wheel odometry, or the previous motion when there is none):
//!   `x <- x * u`, `P <- Ad(u^-1) P Ad(u^-1)^T + Q`;
//! - update with a measured pose `z` (a keyframe's pose times a match) whose error `z * exp(v)`
//!   has covariance `R`: innovation `y = log(x^-1 z)`, `K = P (P + R)^-1`,
//!   `x <- x * exp(K y)`, `P <- (I - K) P` (first order in the error, Jacobian identity).

use super::pose::{adjoint, inv3, mat_vec3, minus, mul3, plus, sandwich, Mat3, ZERO3};
use crate::lie::Se2;

/// SE(2) pose with error-state covariance.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Se2Filter {
    /// Nominal pose (world frame).
    pub x: Se2,
    /// Covariance of the right error `[vx, vy, w]`.
    pub p: Mat3,
}

impl Se2Filter {
    /// A filter at `x` with covariance `p`.
    pub fn new(x: Se2, p: Mat3) -> Self {
        Self { x, p }
    }

    /// Moves by `u` (in the current pose's frame) with process noise `q` (on `u`'s tangent).
    pub fn predict(&mut self, u: &Se2, q: &Mat3) {
        self.x = renormalize(&self.x.compose(u));
        let f = adjoint(&u.inverse());
        let mut p = sandwich(&f, &self.p);
        for a in 0..3 {
            for b in 0..3 {
                p[a][b] += q[a][b];
            }
        }
        self.p = bounded(p);
    }

    /// Fuses a measured pose `z` with covariance `r` (right tangent of `z`). Returns false (and
    /// changes nothing) when `P + R` is singular.
    pub fn update_pose(&mut self, z: &Se2, r: &Mat3) -> bool {
        let y = minus(z, &self.x);
        let mut s = self.p;
        for a in 0..3 {
            for b in 0..3 {
                s[a][b] += r[a][b];
            }
        }
        let Some(si) = inv3(&s) else { return false };
        let k = mul3(&self.p, &si);
        let d = mat_vec3(&k, y);
        if !d.iter().all(|v| v.is_finite()) {
            return false;
        }
        self.x = renormalize(&plus(&self.x, d));
        let mut ikp = ZERO3;
        let kp = mul3(&k, &self.p);
        for a in 0..3 {
            for b in 0..3 {
                ikp[a][b] = self.p[a][b] - kp[a][b];
            }
        }
        // Keep P symmetric.
        for a in 0..3 {
            for b in 0..a {
                let m = 0.5 * (ikp[a][b] + ikp[b][a]);
                ikp[a][b] = m;
                ikp[b][a] = m;
            }
        }
        self.p = bounded(ikp);
        true
    }
}

/// Largest variance the filter keeps (m^2, rad^2): without updates it stops growing there.
pub const MAX_FILTER_VARIANCE: f32 = 1.0e4;

/// `x` with its rotation put back on the unit circle (composition drifts by rounding).
fn renormalize(x: &Se2) -> Se2 {
    let n = libm::sqrtf(x.rot.c * x.rot.c + x.rot.s * x.rot.s);
    if n.is_finite() && n > 0.0 && x.t.iter().all(|v| v.is_finite()) {
        Se2 {
            rot: crate::lie::So2 {
                c: x.rot.c / n,
                s: x.rot.s / n,
            },
            t: x.t,
        }
    } else {
        Se2::IDENTITY
    }
}

/// `p` with non-finite entries zeroed and variances capped at [`MAX_FILTER_VARIANCE`] (the
/// off-diagonal entries scaled to keep it positive semi-definite).
fn bounded(mut p: Mat3) -> Mat3 {
    for row in p.iter_mut() {
        for v in row.iter_mut() {
            if !v.is_finite() {
                *v = 0.0;
            }
        }
    }
    let mut s = [1.0f32; 3];
    for a in 0..3 {
        if p[a][a] > MAX_FILTER_VARIANCE {
            s[a] = libm::sqrtf(MAX_FILTER_VARIANCE / p[a][a]);
        } else if p[a][a] < 0.0 {
            p[a][a] = 0.0;
        }
    }
    for a in 0..3 {
        for b in 0..3 {
            p[a][b] *= s[a] * s[b];
        }
    }
    p
}

/// Covariance of a match's `(tx, ty, theta)` (reference frame) as a covariance on the right
/// tangent of the matched motion `m`: `G C G^T` with `G = diag(R^T, 1)`.
pub fn match_cov_to_tangent(m: &Se2, c: &Mat3) -> Mat3 {
    let (co, si) = (m.rot.c, m.rot.s);
    let g = [[co, si, 0.0], [-si, co, 0.0], [0.0, 0.0, 1.0]];
    sandwich(&g, c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::scan2d::pose::{pose, xyt};

    #[test]
    fn update_weighs_by_covariance() {
        let mut f = Se2Filter::new(
            Se2::IDENTITY,
            [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
        );
        f.predict(&pose(1.0, 0.0, 0.0), &ZERO3);
        // A precise measurement pulls the state almost all the way.
        let r = [[1e-4, 0.0, 0.0], [0.0, 1e-4, 0.0], [0.0, 0.0, 1e-4]];
        assert!(f.update_pose(&pose(1.2, 0.1, 0.05), &r));
        let x = xyt(&f.x);
        assert!(
            (x[0] - 1.2).abs() < 1e-3 && (x[1] - 0.1).abs() < 1e-3 && (x[2] - 0.05).abs() < 1e-3,
            "{x:?}"
        );
        assert!(f.p[0][0] < 2e-4);
        // A measurement with huge variance along x moves x not at all, y fully.
        let mut g = Se2Filter::new(
            Se2::IDENTITY,
            [[1e-2, 0.0, 0.0], [0.0, 1e-2, 0.0], [0.0, 0.0, 1e-2]],
        );
        let r = [[1e4, 0.0, 0.0], [0.0, 1e-6, 0.0], [0.0, 0.0, 1e-6]];
        assert!(g.update_pose(&pose(3.0, 0.2, 0.0), &r));
        let x = xyt(&g.x);
        assert!(x[0].abs() < 1e-3 && (x[1] - 0.2).abs() < 1e-3, "{x:?}");
    }
}

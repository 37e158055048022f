//! The SE(2) error-state filter of the odometry: [`Eskf`] on [`Se2`] (the generic filter of
//! [`crate::estimate::eskf`]), with the two models the scan pipeline needs.
//!
//! - predict with a motion `u` (wheel odometry, or the previous motion when there is none):
//!   `x <- x * u`, `F = Adj(u^-1)`, `P <- F P F^T + Q`, variances then capped at
//!   [`MAX_FILTER_VARIANCE`] (a long run without fused matches stops growing there);
//! - update with a measured pose `z` (a keyframe's pose times a match) whose right error
//!   `z * exp(v)` has covariance `R`: residual `y = z (-) x = log(x^-1 z)`, `H = I` (first
//!   order in the error), Joseph-form update and chi-square gate of [`Eskf::update`].

use crate::estimate::eskf::{Eskf, Gated};
use crate::estimate::EstimateError;
use crate::lie::mat::{self, Mat};
use crate::lie::{LieGroup, Se2};

/// A 3x3 row-major matrix (covariances on `[vx, vy, w]`).
pub type Mat3 = Mat<3, 3>;

/// The 3x3 zero matrix.
pub const ZERO3: Mat3 = [[0.0; 3]; 3];

/// SE(2) pose with the covariance of its right error `[vx, vy, w]`.
pub type Se2Filter = Eskf<Se2, 3>;

/// Largest variance the filter keeps (m^2, rad^2): without updates it stops growing there.
pub const MAX_FILTER_VARIANCE: f32 = 1.0e4;

/// Moves `f` by `u` (in the current pose's frame) with process noise `q` (on `u`'s tangent).
/// A non-finite `u` or `q` is refused and leaves the filter unchanged.
pub fn predict(f: &mut Se2Filter, u: &Se2, q: &Mat3) -> Result<(), EstimateError> {
    let next = f.state.compose(u);
    if let Some(index) = next.t.iter().position(|v| !v.is_finite()) {
        return Err(EstimateError::NonFinite { index });
    }
    f.predict(next.normalize(), &u.inverse().adjoint(), q)?;
    f.cov = bounded(f.cov);
    Ok(())
}

/// Fuses a measured pose `z` with covariance `r` (right tangent of `z`), gated at `gate` on
/// the normalized innovation squared (`f32::INFINITY`: no gate).
pub fn update_pose(
    f: &mut Se2Filter,
    z: &Se2,
    r: &Mat3,
    gate: f32,
) -> Result<Gated, EstimateError> {
    let y = z.rminus(&f.state);
    let g = f.update(&y, &mat::identity::<3>(), r, gate)?;
    f.state = f.state.normalize();
    Ok(g)
}

/// `p` with variances capped at [`MAX_FILTER_VARIANCE`] (the off-diagonal entries scaled to
/// keep it positive semi-definite) and negative variances zeroed.
fn bounded(mut p: Mat3) -> Mat3 {
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
    mat::mul_bt(&mat::mul(&g, c), &g)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::scan2d::pose::{pose, xyt};

    #[test]
    fn update_weighs_by_covariance() {
        let mut f = Se2Filter::new(Se2::IDENTITY, mat::identity());
        predict(&mut f, &pose(1.0, 0.0, 0.0), &ZERO3).unwrap();
        // A precise measurement pulls the state almost all the way.
        let r = mat::scale(&mat::identity(), 1e-4);
        let g = update_pose(&mut f, &pose(1.2, 0.1, 0.05), &r, f32::INFINITY).unwrap();
        assert!(matches!(g, Gated::Accepted { .. }));
        let x = xyt(&f.state);
        assert!(
            (x[0] - 1.2).abs() < 1e-3 && (x[1] - 0.1).abs() < 1e-3 && (x[2] - 0.05).abs() < 1e-3,
            "{x:?}"
        );
        assert!(f.cov[0][0] < 2e-4);
        // A measurement with huge variance along x moves x not at all, y fully.
        let mut g = Se2Filter::new(Se2::IDENTITY, mat::scale(&mat::identity(), 1e-2));
        let r = [[1e4, 0.0, 0.0], [0.0, 1e-6, 0.0], [0.0, 0.0, 1e-6]];
        update_pose(&mut g, &pose(3.0, 0.2, 0.0), &r, f32::INFINITY).unwrap();
        let x = xyt(&g.state);
        assert!(x[0].abs() < 1e-3 && (x[1] - 0.2).abs() < 1e-3, "{x:?}");
    }

    #[test]
    fn predict_caps_variance_and_refuses_non_finite() {
        let mut f = Se2Filter::new(Se2::IDENTITY, ZERO3);
        let q = mat::scale(&mat::identity(), 1e6);
        predict(&mut f, &pose(1.0, 0.0, 0.5), &q).unwrap();
        for a in 0..3 {
            assert!(f.cov[a][a] <= 1.0001 * MAX_FILTER_VARIANCE, "{:?}", f.cov);
        }
        let before = (f.state, f.cov);
        assert!(predict(&mut f, &pose(f32::NAN, 0.0, 0.0), &q).is_err());
        assert_eq!((f.state, f.cov), before);
        // The propagated covariance is Adj(u^-1) P Adj(u^-1)^T + Q.
        let mut h = Se2Filter::new(Se2::IDENTITY, mat::identity());
        let u = pose(0.5, -0.2, 0.3);
        predict(&mut h, &u, &ZERO3).unwrap();
        let a = u.inverse().adjoint();
        let want = mat::mul_bt(&a, &a);
        assert!(mat::max_abs_diff(&h.cov, &want) < 1e-6);
    }
}

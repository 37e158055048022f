//! SE(3): rigid motions `x -> R x + t`.

//!
//! Tangent vectors `[rho, theta]` (translation part first, as in manif).

use super::coeffs::{jinv_coeff, t_minus_sin_t3};
use super::group::{Action, LieGroup};
use super::mat::{self, Mat};
use super::so3::{orthonormality_error, rodrigues_coeffs, se3_q, so3_jr, so3_jr_inv};
use super::{hat, mat_mul, mat_vec, norm3, poly_hat, Mat3, So3};

/// A rigid motion `x -> R x + t`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Se3 {
    /// Rotation.
    pub rot: So3,
    /// Translation.
    pub t: [f32; 3],
}

/// `(t - sin t) / t^3` (series below 1, see `coeffs`).
fn c_coeff(t: f32) -> f32 {
    t_minus_sin_t3(t)
}

impl Se3 {
    /// The identity.
    pub const IDENTITY: Self = Self {
        rot: So3::IDENTITY,
        t: [0.0; 3],
    };

    /// `exp([rho, omega])` (translation part first): `R = exp(omega)`, `t = V rho` with
    /// `V = I + B [w]x + C [w]x^2`.
    pub fn exp(xi: [f32; 6]) -> Self {
        let rho = [xi[0], xi[1], xi[2]];
        let w = [xi[3], xi[4], xi[5]];
        let th = norm3(w);
        let (_, b) = rodrigues_coeffs(th);
        let v = poly_hat(w, 1.0, b, c_coeff(th));
        Self {
            rot: So3::exp(w),
            t: mat_vec(&v, rho),
        }
    }

    /// Inverse of [`Se3::exp`] (rotation angle in `[0, pi)`; within 1e-5 away from `pi`).
    pub fn log(&self) -> [f32; 6] {
        let w = self.rot.log();
        let th = norm3(w);
        let d = jinv_coeff(th);
        let vinv = poly_hat(w, 1.0, -0.5, d);
        let rho = mat_vec(&vinv, self.t);
        [rho[0], rho[1], rho[2], w[0], w[1], w[2]]
    }

    /// `self * other` (apply `other` first).
    pub fn compose(&self, o: &Self) -> Self {
        let t = self.rot.act(o.t);
        Self {
            rot: self.rot.compose(&o.rot),
            t: [t[0] + self.t[0], t[1] + self.t[1], t[2] + self.t[2]],
        }
    }
    /// The inverse motion `x -> R^T (x - t)`.
    pub fn inverse(&self) -> Self {
        let inv = self.rot.inverse();
        let t = inv.act(self.t);
        Self {
            rot: inv,
            t: [-t[0], -t[1], -t[2]],
        }
    }
    /// `R x + t`.
    pub fn act(&self, x: [f32; 3]) -> [f32; 3] {
        let y = self.rot.act(x);
        [y[0] + self.t[0], y[1] + self.t[1], y[2] + self.t[2]]
    }
    /// Chordal mean of the rotations, weighted mean of the translations (weights should sum
    /// to 1).
    pub fn chordal_mean(items: impl IntoIterator<Item = (Self, f32)> + Clone) -> Self {
        let rot = So3::chordal_mean(items.clone().into_iter().map(|(p, w)| (p.rot, w)));
        let mut t = [0.0f32; 3];
        for (p, w) in items {
            for k in 0..3 {
                t[k] += w * p.t[k];
            }
        }
        Self { rot, t }
    }
}

/// Splits a 6-vector into its two 3-vector halves.
pub(crate) fn halves(t: &[f32; 6]) -> ([f32; 3], [f32; 3]) {
    ([t[0], t[1], t[2]], [t[3], t[4], t[5]])
}

/// `-Ji Q Ji`, the off-diagonal block of a block-triangular Jacobian's inverse.
pub(crate) fn inv_offdiag(ji: &Mat3, q: &Mat3) -> Mat3 {
    mat::scale(&mat_mul(&mat_mul(ji, q), ji), -1.0)
}

impl LieGroup<6> for Se3 {
    fn identity() -> Self {
        Self::IDENTITY
    }
    fn compose(&self, o: &Self) -> Self {
        Se3::compose(self, o)
    }
    fn inverse(&self) -> Self {
        Se3::inverse(self)
    }
    fn exp(t: [f32; 6]) -> Self {
        Se3::exp(t)
    }
    fn log(&self) -> [f32; 6] {
        Se3::log(self)
    }
    /// `[[R, [t]x R], [0, R]]`.
    fn adjoint(&self) -> Mat<6, 6> {
        let mut a = [[0.0f32; 6]; 6];
        mat::set_block(&mut a, 0, 0, &self.rot.m);
        mat::set_block(&mut a, 3, 3, &self.rot.m);
        mat::set_block(&mut a, 0, 3, &mat_mul(&hat(self.t), &self.rot.m));
        a
    }
    /// `[[Jr, Q(-rho, -theta)], [0, Jr]]`.
    fn jr(t: [f32; 6]) -> Mat<6, 6> {
        let (rho, th) = halves(&t);
        let j = so3_jr(th);
        let mut a = [[0.0f32; 6]; 6];
        mat::set_block(&mut a, 0, 0, &j);
        mat::set_block(&mut a, 3, 3, &j);
        mat::set_block(&mut a, 0, 3, &se3_q(mat::neg_vec(&rho), mat::neg_vec(&th)));
        a
    }
    /// `[[Jr^-1, -Jr^-1 Q Jr^-1], [0, Jr^-1]]`.
    fn jr_inv(t: [f32; 6]) -> Mat<6, 6> {
        let (rho, th) = halves(&t);
        let ji = so3_jr_inv(th);
        let q = se3_q(mat::neg_vec(&rho), mat::neg_vec(&th));
        let mut a = [[0.0f32; 6]; 6];
        mat::set_block(&mut a, 0, 0, &ji);
        mat::set_block(&mut a, 3, 3, &ji);
        mat::set_block(&mut a, 0, 3, &inv_offdiag(&ji, &q));
        a
    }
    fn normalize(&self) -> Self {
        Self {
            rot: LieGroup::normalize(&self.rot),
            t: self.t,
        }
    }
    fn manifold_error(&self) -> f32 {
        if self.t.iter().all(|v| v.is_finite()) {
            orthonormality_error(&self.rot.m)
        } else {
            f32::INFINITY
        }
    }
}

impl Action<6, 3> for Se3 {
    fn act_on(&self, p: [f32; 3]) -> [f32; 3] {
        self.act(p)
    }
    /// `d(Rp + t)/dX = [R, -R [p]x]`, `d/dp = R`.
    fn act_jac(&self, p: [f32; 3]) -> ([f32; 3], Mat<3, 6>, Mat<3, 3>) {
        let mut j = [[0.0f32; 6]; 3];
        mat::set_block(&mut j, 0, 0, &self.rot.m);
        mat::set_block(
            &mut j,
            0,
            3,
            &mat::scale(&mat_mul(&self.rot.m, &hat(p)), -1.0),
        );
        (self.act(p), j, self.rot.m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn pure_translation_and_closed_form() {
        let g = Se3::exp([1.0, 2.0, 3.0, 0.0, 0.0, 0.0]);
        assert_eq!(g.t, [1.0, 2.0, 3.0]);
        // Screw motion about z by pi/2 with rho = (1, 0, 0): t = V rho = (sin/th, (1-cos)/th, 0).
        let th = core::f32::consts::FRAC_PI_2;
        let g = Se3::exp([1.0, 0.0, 0.0, 0.0, 0.0, th]);
        assert!((g.t[0] - 1.0 / th).abs() < 1e-6 && (g.t[1] - 1.0 / th).abs() < 1e-6);
    }

    proptest! {
        #[test]
        fn exp_log_round_trip(a in prop::array::uniform6(-1.5f32..1.5)) {
            let g = Se3::exp(a);
            let back = g.log();
            for k in 0..6 {
                prop_assert!((back[k] - a[k]).abs() < 5e-5, "{:?} -> {:?}", a, back);
            }
            let id = g.compose(&g.inverse());
            for k in 0..3 {
                prop_assert!(id.t[k].abs() < 1e-5);
            }
            let x = [0.3, -0.7, 1.1];
            let y = g.inverse().act(g.act(x));
            for k in 0..3 {
                prop_assert!((y[k] - x[k]).abs() < 1e-5);
            }
        }
    }
}

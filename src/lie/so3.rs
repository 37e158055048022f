//! SO(3): rotation matrices with Rodrigues exp, quaternion-based log, quaternion conversion.

use super::coeffs::{jinv_coeff, one_minus_cos_t2, q_coeff2, q_coeff3, sinc, t_minus_sin_t3};
use super::group::{Action, LieGroup};
use super::mat::Mat;
use super::{hat, mat_mul, mat_vec, norm3, poly_hat, so3_project, transpose, Mat3, IDENTITY3};

/// A 3D rotation, stored as a row-major orthonormal matrix with determinant +1.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct So3 {
    /// The rotation matrix.
    pub m: Mat3,
}

impl Default for So3 {
    fn default() -> Self {
        Self::IDENTITY
    }
}

/// `(sin t / t, (1 - cos t) / t^2)` (series for `t < 0.1`, half-angle form for the second:
/// relative error < 2e-6 at every angle, see `coeffs`).
pub(crate) fn rodrigues_coeffs(t: f32) -> (f32, f32) {
    (sinc(t), one_minus_cos_t2(t))
}

/// Right Jacobian of SO(3)'s `Exp`: `I - (1 - cos t)/t^2 [w]x + (t - sin t)/t^3 [w]x^2`.
pub fn so3_jr(w: [f32; 3]) -> Mat3 {
    let t = norm3(w);
    poly_hat(w, 1.0, -one_minus_cos_t2(t), t_minus_sin_t3(t))
}

/// Left Jacobian of SO(3)'s `Exp` (`Jl(w) = Jr(-w)`; also the `V` matrix of SE(3)'s `Exp`).
pub fn so3_jl(w: [f32; 3]) -> Mat3 {
    let t = norm3(w);
    poly_hat(w, 1.0, one_minus_cos_t2(t), t_minus_sin_t3(t))
}

/// `Jr^-1(w) = I + [w]x / 2 + (1/t^2 - cot(t/2) / (2t)) [w]x^2` (finite for `t < 2 pi`).
pub fn so3_jr_inv(w: [f32; 3]) -> Mat3 {
    poly_hat(w, 1.0, 0.5, jinv_coeff(norm3(w)))
}

/// `Jl^-1(w) = Jr^-1(-w)`.
pub fn so3_jl_inv(w: [f32; 3]) -> Mat3 {
    poly_hat(w, 1.0, -0.5, jinv_coeff(norm3(w)))
}

/// The off-diagonal block `Q(rho, theta)` of SE(3)'s left Jacobian (Barfoot's form; Sola et
/// al. eq. 180): `Jl_SE3 = [[Jl, Q], [0, Jl]]`, `Jr_SE3 = [[Jr, Q(-rho, -theta)], [0, Jr]]`.
pub fn se3_q(rho: [f32; 3], th: [f32; 3]) -> Mat3 {
    let t = norm3(th);
    let (c1, c2, c3) = (t_minus_sin_t3(t), q_coeff2(t), q_coeff3(t));
    let p = hat(rho);
    let w = hat(th);
    let wp = mat_mul(&w, &p);
    let pw = mat_mul(&p, &w);
    let wpw = mat_mul(&wp, &w);
    let wwp = mat_mul(&w, &wp);
    let pww = mat_mul(&pw, &w);
    let wpww = mat_mul(&wpw, &w);
    let wwpw = mat_mul(&w, &wpw);
    let mut q = [[0.0f32; 3]; 3];
    for i in 0..3 {
        for j in 0..3 {
            q[i][j] = 0.5 * p[i][j]
                + c1 * (wp[i][j] + pw[i][j] + wpw[i][j])
                + c2 * (wwp[i][j] + pww[i][j] - 3.0 * wpw[i][j])
                + c3 * (wpww[i][j] + wwpw[i][j]);
        }
    }
    q
}

impl So3 {
    /// The identity.
    pub const IDENTITY: Self = Self { m: IDENTITY3 };

    /// Rodrigues: rotation by `|w|` radians about `w / |w|`.
    pub fn exp(w: [f32; 3]) -> Self {
        let (a, b) = rodrigues_coeffs(norm3(w));
        Self {
            m: poly_hat(w, 1.0, a, b),
        }
    }

    /// Rotation vector `w` with `|w|` in `[0, pi]` (`exp(log(R)) = R`; accurate to about
    /// 1e-6 rad, including near `pi`, because it goes through the quaternion).
    pub fn log(&self) -> [f32; 3] {
        let q = self.to_quaternion(); // w >= 0
        let v = [q[1], q[2], q[3]];
        let s = norm3(v);
        let scale = if s < 1e-6 {
            // theta ~ 2 s / w: the first-order term.
            2.0 / q[0].max(1e-6)
        } else {
            2.0 * libm::atan2f(s, q[0]) / s
        };
        [scale * v[0], scale * v[1], scale * v[2]]
    }

    /// `self * other` (apply `other` first).
    pub fn compose(&self, o: &Self) -> Self {
        Self {
            m: mat_mul(&self.m, &o.m),
        }
    }
    /// The inverse (transpose).
    pub fn inverse(&self) -> Self {
        Self {
            m: transpose(&self.m),
        }
    }
    /// `R x`.
    pub fn act(&self, x: [f32; 3]) -> [f32; 3] {
        mat_vec(&self.m, x)
    }

    /// Unit quaternion `(w, x, y, z)` with `w >= 0` (Shepperd's method: divides by the largest
    /// of the four candidate magnitudes, so it is accurate for every rotation).
    pub fn to_quaternion(&self) -> [f32; 4] {
        let m = &self.m;
        let tr = m[0][0] + m[1][1] + m[2][2];
        let cands = [tr, m[0][0], m[1][1], m[2][2]];
        let mut best = 0;
        for (i, &c) in cands.iter().enumerate() {
            if c > cands[best] {
                best = i;
            }
        }
        let q = match best {
            0 => {
                let s = 2.0 * crate::math::sqrt((1.0 + tr).max(0.0));
                [
                    0.25 * s,
                    (m[2][1] - m[1][2]) / s,
                    (m[0][2] - m[2][0]) / s,
                    (m[1][0] - m[0][1]) / s,
                ]
            }
            1 => {
                let s = 2.0 * crate::math::sqrt((1.0 + m[0][0] - m[1][1] - m[2][2]).max(0.0));
                [
                    (m[2][1] - m[1][2]) / s,
                    0.25 * s,
                    (m[0][1] + m[1][0]) / s,
                    (m[0][2] + m[2][0]) / s,
                ]
            }
            2 => {
                let s = 2.0 * crate::math::sqrt((1.0 - m[0][0] + m[1][1] - m[2][2]).max(0.0));
                [
                    (m[0][2] - m[2][0]) / s,
                    (m[0][1] + m[1][0]) / s,
                    0.25 * s,
                    (m[1][2] + m[2][1]) / s,
                ]
            }
            _ => {
                let s = 2.0 * crate::math::sqrt((1.0 - m[0][0] - m[1][1] + m[2][2]).max(0.0));
                [
                    (m[1][0] - m[0][1]) / s,
                    (m[0][2] + m[2][0]) / s,
                    (m[1][2] + m[2][1]) / s,
                    0.25 * s,
                ]
            }
        };
        normalize_quaternion(q)
    }

    /// Rotation of the quaternion `(w, x, y, z)` (normalized first; a zero or non-finite
    /// quaternion gives the identity).
    pub fn from_quaternion(q: [f32; 4]) -> Self {
        let [w, x, y, z] = normalize_quaternion(q);
        Self {
            m: [
                [
                    1.0 - 2.0 * (y * y + z * z),
                    2.0 * (x * y - w * z),
                    2.0 * (x * z + w * y),
                ],
                [
                    2.0 * (x * y + w * z),
                    1.0 - 2.0 * (x * x + z * z),
                    2.0 * (y * z - w * x),
                ],
                [
                    2.0 * (x * z - w * y),
                    2.0 * (y * z + w * x),
                    1.0 - 2.0 * (x * x + y * y),
                ],
            ],
        }
    }

    /// Weighted chordal mean: the rotation nearest (Frobenius) to `sum w_i R_i`.
    pub fn chordal_mean(items: impl IntoIterator<Item = (Self, f32)>) -> Self {
        let mut acc = [[0.0f32; 3]; 3];
        for (r, w) in items {
            for (arow, rrow) in acc.iter_mut().zip(&r.m) {
                for (a, &x) in arow.iter_mut().zip(rrow) {
                    *a += w * x;
                }
            }
        }
        so3_project(&acc)
    }
}

impl LieGroup<3> for So3 {
    fn identity() -> Self {
        Self::IDENTITY
    }
    fn compose(&self, o: &Self) -> Self {
        So3::compose(self, o)
    }
    fn inverse(&self) -> Self {
        So3::inverse(self)
    }
    fn exp(t: [f32; 3]) -> Self {
        So3::exp(t)
    }
    fn log(&self) -> [f32; 3] {
        So3::log(self)
    }
    fn adjoint(&self) -> Mat<3, 3> {
        self.m
    }
    fn jr(t: [f32; 3]) -> Mat<3, 3> {
        so3_jr(t)
    }
    fn jr_inv(t: [f32; 3]) -> Mat<3, 3> {
        so3_jr_inv(t)
    }
    fn jl(t: [f32; 3]) -> Mat<3, 3> {
        so3_jl(t)
    }
    fn jl_inv(t: [f32; 3]) -> Mat<3, 3> {
        so3_jl_inv(t)
    }
    fn normalize(&self) -> Self {
        Self::from_quaternion(self.to_quaternion())
    }
    fn manifold_error(&self) -> f32 {
        orthonormality_error(&self.m)
    }
}

impl Action<3, 3> for So3 {
    fn act_on(&self, p: [f32; 3]) -> [f32; 3] {
        self.act(p)
    }
    /// `d(Rp)/dR = -R [p]x`, `d(Rp)/dp = R`.
    fn act_jac(&self, p: [f32; 3]) -> ([f32; 3], Mat<3, 3>, Mat<3, 3>) {
        let rp = mat_mul(&self.m, &hat(p));
        let mut jr = [[0.0f32; 3]; 3];
        for i in 0..3 {
            for j in 0..3 {
                jr[i][j] = -rp[i][j];
            }
        }
        (self.act(p), jr, self.m)
    }
}

/// Largest entry of `|R^T R - I|` (non-finite input gives infinity).
pub(crate) fn orthonormality_error(m: &Mat3) -> f32 {
    let mut e = 0.0f32;
    for i in 0..3 {
        for j in 0..3 {
            let d = m[0][i] * m[0][j] + m[1][i] * m[1][j] + m[2][i] * m[2][j]
                - if i == j { 1.0 } else { 0.0 };
            if !d.is_finite() {
                return f32::INFINITY;
            }
            e = e.max(d.abs());
        }
    }
    e
}

/// Unit quaternion with `w >= 0`; identity for zero / non-finite input.
pub(crate) fn normalize_quaternion(q: [f32; 4]) -> [f32; 4] {
    let n = crate::math::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
    if !(n.is_finite() && n > 0.0) {
        return [1.0, 0.0, 0.0, 0.0];
    }
    let s = if q[0] < 0.0 { -1.0 / n } else { 1.0 / n };
    [q[0] * s, q[1] * s, q[2] * s, q[3] * s]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn max_diff(a: &Mat3, b: &Mat3) -> f32 {
        let mut d = 0.0f32;
        for i in 0..3 {
            for j in 0..3 {
                d = d.max((a[i][j] - b[i][j]).abs());
            }
        }
        d
    }

    #[test]
    fn rodrigues_closed_form() {
        // 90 degrees about z maps x to y; 180 about x flips y and z.
        let r = So3::exp([0.0, 0.0, core::f32::consts::FRAC_PI_2]);
        let expect = [[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]];
        assert!(max_diff(&r.m, &expect) < 1e-6);
        let r = So3::exp([core::f32::consts::PI, 0.0, 0.0]);
        assert!(max_diff(&r.m, &[[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]]) < 1e-6);
        let w = r.log();
        assert!((w[0].abs() - core::f32::consts::PI).abs() < 1e-5 && w[1].abs() < 1e-5);
        // General axis: compare with R = cos t I + sin t [k]x + (1 - cos t) k k^T.
        let (t, k) = (1.1f32, [2.0f32 / 3.0, -1.0 / 3.0, 2.0 / 3.0]);
        let r = So3::exp([t * k[0], t * k[1], t * k[2]]);
        let (c, s) = (t.cos(), t.sin());
        let kx = super::super::hat(k);
        for i in 0..3 {
            for j in 0..3 {
                let e = if i == j { c } else { 0.0 } + s * kx[i][j] + (1.0 - c) * k[i] * k[j];
                assert!((r.m[i][j] - e).abs() < 1e-6);
            }
        }
    }

    #[test]
    fn quaternion_round_trip() {
        let q = [0.5f32, 0.5, -0.5, 0.5];
        let r = So3::from_quaternion(q);
        let back = r.to_quaternion();
        for k in 0..4 {
            assert!((back[k] - q[k]).abs() < 1e-6);
        }
        assert_eq!(So3::from_quaternion([0.0; 4]), So3::IDENTITY);
    }

    proptest! {
        #[test]
        fn exp_log_round_trip(x in -1.0f32..1.0, y in -1.0f32..1.0, z in -1.0f32..1.0, t in 0.0f32..3.1) {
            let n = (x * x + y * y + z * z).sqrt();
            prop_assume!(n > 1e-3);
            let w = [t * x / n, t * y / n, t * z / n];
            let r = So3::exp(w);
            let back = r.log();
            for k in 0..3 {
                prop_assert!((back[k] - w[k]).abs() < 2e-5, "{:?} -> {:?}", w, back);
            }
            let id = r.compose(&r.inverse());
            prop_assert!(max_diff(&id.m, &IDENTITY3) < 1e-5);
            let q = r.to_quaternion();
            prop_assert!(max_diff(&So3::from_quaternion(q).m, &r.m) < 1e-5);
        }

        #[test]
        fn chordal_mean_of_symmetric_pair_is_midpoint(t in 0.0f32..1.4) {
            let a = So3::exp([0.0, 0.0, 0.3 + t]);
            let b = So3::exp([0.0, 0.0, 0.3 - t]);
            let m = So3::chordal_mean([(a, 0.5), (b, 0.5)]);
            prop_assert!(max_diff(&m.m, &So3::exp([0.0, 0.0, 0.3]).m) < 1e-5);
        }
    }
}

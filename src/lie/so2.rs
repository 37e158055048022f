//! SO(2) and SE(2).
//!
//! Tangent vectors: SO(2) `[theta]`; SE(2) `[rho_x, rho_y, theta]` (translation first, as in
//! SE(3) and manif).

use super::coeffs::{one_minus_cos_t2, sinc, t_minus_sin_t3};
use super::group::{Action, LieGroup};
use super::mat::Mat;

/// A planar rotation by angle `theta`, stored as `(cos, sin)` (unit length).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct So2 {
    /// `cos theta`.
    pub c: f32,
    /// `sin theta`.
    pub s: f32,
}

impl Default for So2 {
    fn default() -> Self {
        Self::IDENTITY
    }
}

impl So2 {
    /// The identity.
    pub const IDENTITY: Self = Self { c: 1.0, s: 0.0 };

    /// Rotation by `theta` radians.
    pub fn exp(theta: f32) -> Self {
        Self {
            c: libm::cosf(theta),
            s: libm::sinf(theta),
        }
    }
    /// The angle in `(-pi, pi]`.
    pub fn log(&self) -> f32 {
        libm::atan2f(self.s, self.c)
    }
    /// `self * other` (apply `other` first).
    pub fn compose(&self, o: &Self) -> Self {
        Self {
            c: self.c * o.c - self.s * o.s,
            s: self.s * o.c + self.c * o.s,
        }
    }
    /// The inverse rotation.
    pub fn inverse(&self) -> Self {
        Self {
            c: self.c,
            s: -self.s,
        }
    }
    /// `R x`.
    pub fn act(&self, x: [f32; 2]) -> [f32; 2] {
        [self.c * x[0] - self.s * x[1], self.s * x[0] + self.c * x[1]]
    }
    /// Row-major matrix `[[c, -s], [s, c]]`.
    pub fn matrix(&self) -> [[f32; 2]; 2] {
        [[self.c, -self.s], [self.s, self.c]]
    }
    /// Weighted chordal mean: the rotation nearest to `sum w_i R_i` (identity if that sum is
    /// zero).
    pub fn chordal_mean(items: impl IntoIterator<Item = (Self, f32)>) -> Self {
        let (mut c, mut s) = (0.0f32, 0.0f32);
        for (r, w) in items {
            c += w * r.c;
            s += w * r.s;
        }
        super::so2_project(&[[c, -s], [s, c]])
    }
}

/// A planar rigid motion `x -> R x + t`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Se2 {
    /// Rotation.
    pub rot: So2,
    /// Translation.
    pub t: [f32; 2],
}

/// `(sin w / w, (1 - cos w) / w)` (series / half-angle forms, relative error < 2e-6).
fn v_coeffs(w: f32) -> (f32, f32) {
    (sinc(w), w * one_minus_cos_t2(w))
}

impl Se2 {
    /// The identity.
    pub const IDENTITY: Self = Self {
        rot: So2::IDENTITY,
        t: [0.0, 0.0],
    };

    /// `exp([vx, vy, w])`: rotation `w`, translation `V v`.
    pub fn exp(xi: [f32; 3]) -> Self {
        let (a, b) = v_coeffs(xi[2]);
        Self {
            rot: So2::exp(xi[2]),
            t: [a * xi[0] - b * xi[1], b * xi[0] + a * xi[1]],
        }
    }
    /// Inverse of [`Se2::exp`] for angles in `(-pi, pi]`.
    pub fn log(&self) -> [f32; 3] {
        let w = self.rot.log();
        let (a, b) = v_coeffs(w);
        let det = a * a + b * b; // > 0 for |w| <= pi
        let (x, y) = (self.t[0], self.t[1]);
        [(a * x + b * y) / det, (-b * x + a * y) / det, w]
    }
    /// `self * other`.
    pub fn compose(&self, o: &Self) -> Self {
        let t = self.rot.act(o.t);
        Self {
            rot: self.rot.compose(&o.rot),
            t: [t[0] + self.t[0], t[1] + self.t[1]],
        }
    }
    /// The inverse motion.
    pub fn inverse(&self) -> Self {
        let inv = self.rot.inverse();
        let t = inv.act(self.t);
        Self {
            rot: inv,
            t: [-t[0], -t[1]],
        }
    }
    /// `R x + t`.
    pub fn act(&self, x: [f32; 2]) -> [f32; 2] {
        let y = self.rot.act(x);
        [y[0] + self.t[0], y[1] + self.t[1]]
    }
    /// Chordal mean of the rotations, weighted mean of the translations (weights should sum
    /// to 1).
    pub fn chordal_mean(items: impl IntoIterator<Item = (Self, f32)> + Clone) -> Self {
        let rot = So2::chordal_mean(items.clone().into_iter().map(|(p, w)| (p.rot, w)));
        let mut t = [0.0f32; 2];
        for (p, w) in items {
            t[0] += w * p.t[0];
            t[1] += w * p.t[1];
        }
        Self { rot, t }
    }
}

impl LieGroup<1> for So2 {
    fn identity() -> Self {
        Self::IDENTITY
    }
    fn compose(&self, o: &Self) -> Self {
        So2::compose(self, o)
    }
    fn inverse(&self) -> Self {
        So2::inverse(self)
    }
    fn exp(t: [f32; 1]) -> Self {
        So2::exp(t[0])
    }
    fn log(&self) -> [f32; 1] {
        [So2::log(self)]
    }
    /// SO(2) is commutative: `Adj = 1`.
    fn adjoint(&self) -> Mat<1, 1> {
        [[1.0]]
    }
    fn jr(_t: [f32; 1]) -> Mat<1, 1> {
        [[1.0]]
    }
    fn jr_inv(_t: [f32; 1]) -> Mat<1, 1> {
        [[1.0]]
    }
    fn normalize(&self) -> Self {
        super::so2_project(&self.matrix())
    }
    fn manifold_error(&self) -> f32 {
        let e = (self.c * self.c + self.s * self.s - 1.0).abs();
        if e.is_finite() {
            e
        } else {
            f32::INFINITY
        }
    }
}

impl Action<1, 2> for So2 {
    fn act_on(&self, p: [f32; 2]) -> [f32; 2] {
        self.act(p)
    }
    /// `d(Rp)/dtheta = R [1]x p`, `d(Rp)/dp = R`.
    fn act_jac(&self, p: [f32; 2]) -> ([f32; 2], Mat<2, 1>, Mat<2, 2>) {
        let d = self.act([-p[1], p[0]]);
        (self.act(p), [[d[0]], [d[1]]], self.matrix())
    }
}

impl Se2 {
    /// `[[A, b], [0, 1]]` of the right Jacobian: `A = [[a, c], [-c, a]]`,
    /// `a = sin t / t`, `c = (1 - cos t) / t`.
    fn jr_parts(t: [f32; 3]) -> (f32, f32, [f32; 2]) {
        let (r1, r2, th) = (t[0], t[1], t[2]);
        let a1 = one_minus_cos_t2(th); // (1 - cos)/t^2
        let a2t = th * t_minus_sin_t3(th); // (t - sin)/t^2
        let a = sinc(th);
        let c = th * a1;
        (a, c, [r1 * a2t - r2 * a1, r1 * a1 + r2 * a2t])
    }
}

impl LieGroup<3> for Se2 {
    fn identity() -> Self {
        Self::IDENTITY
    }
    fn compose(&self, o: &Self) -> Self {
        Se2::compose(self, o)
    }
    fn inverse(&self) -> Self {
        Se2::inverse(self)
    }
    fn exp(t: [f32; 3]) -> Self {
        Se2::exp(t)
    }
    fn log(&self) -> [f32; 3] {
        Se2::log(self)
    }
    /// `[[R, -[1]x t], [0, 1]]`.
    fn adjoint(&self) -> Mat<3, 3> {
        let (c, s) = (self.rot.c, self.rot.s);
        [[c, -s, self.t[1]], [s, c, -self.t[0]], [0.0, 0.0, 1.0]]
    }
    /// Sola et al. eq. 163 (series below `|theta| < 1.5` for the third column).
    fn jr(t: [f32; 3]) -> Mat<3, 3> {
        let (a, c, b) = Self::jr_parts(t);
        [[a, c, b[0]], [-c, a, b[1]], [0.0, 0.0, 1.0]]
    }
    /// Block inverse of [`Se2::jr`]: `[[A^-1, -A^-1 b], [0, 1]]`, `det A = a^2 + c^2 > 0` for
    /// `|theta| < 2 pi`.
    fn jr_inv(t: [f32; 3]) -> Mat<3, 3> {
        let (a, c, b) = Self::jr_parts(t);
        let det = a * a + c * c;
        let (ia, ic) = (a / det, c / det);
        // A^-1 = [[ia, -ic], [ic, ia]].
        let x = -(ia * b[0] - ic * b[1]);
        let y = -(ic * b[0] + ia * b[1]);
        [[ia, -ic, x], [ic, ia, y], [0.0, 0.0, 1.0]]
    }
    fn normalize(&self) -> Self {
        Self {
            rot: self.rot.normalize(),
            t: self.t,
        }
    }
    fn manifold_error(&self) -> f32 {
        let e = self.rot.manifold_error();
        if self.t.iter().all(|v| v.is_finite()) {
            e
        } else {
            f32::INFINITY
        }
    }
}

impl Action<3, 2> for Se2 {
    fn act_on(&self, p: [f32; 2]) -> [f32; 2] {
        self.act(p)
    }
    /// `d(Rp + t)/dX = [R, R [1]x p]`, `d/dp = R`.
    fn act_jac(&self, p: [f32; 2]) -> ([f32; 2], Mat<2, 3>, Mat<2, 2>) {
        let r = self.rot.matrix();
        let d = self.rot.act([-p[1], p[0]]);
        (
            self.act(p),
            [[r[0][0], r[0][1], d[0]], [r[1][0], r[1][1], d[1]]],
            r,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::f32::consts::PI;

    fn close(a: f32, b: f32, tol: f32) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn so2_closed_forms() {
        let r = So2::exp(PI / 2.0);
        let y = r.act([1.0, 0.0]);
        assert!(close(y[0], 0.0, 1e-6) && close(y[1], 1.0, 1e-6));
        let a = So2::exp(0.3).compose(&So2::exp(0.5));
        assert!(close(a.log(), 0.8, 1e-6));
        let id = a.compose(&a.inverse());
        assert!(close(id.c, 1.0, 1e-6) && close(id.s, 0.0, 1e-6));
        let m = So2::chordal_mean([(So2::exp(0.2), 0.5), (So2::exp(0.6), 0.5)]);
        assert!(close(m.log(), 0.4, 1e-6));
    }

    #[test]
    fn se2_exp_log_round_trip_and_inverse() {
        for &xi in &[
            [0.3, -1.2, 0.7],
            [1.0, 2.0, 1e-5],
            [0.0, 0.0, 0.0],
            [-2.0, 0.5, 3.0],
        ] {
            let g = Se2::exp(xi);
            let back = g.log();
            for k in 0..3 {
                assert!(close(back[k], xi[k], 2e-5), "{xi:?} -> {back:?}");
            }
            let id = g.compose(&g.inverse());
            assert!(
                close(id.rot.log(), 0.0, 1e-6)
                    && close(id.t[0], 0.0, 1e-5)
                    && close(id.t[1], 0.0, 1e-5)
            );
        }
        // exp of a pure translation is that translation.
        let g = Se2::exp([1.5, -2.0, 0.0]);
        assert_eq!(g.t, [1.5, -2.0]);
        // act = rotate then translate.
        let g = Se2 {
            rot: So2::exp(PI / 2.0),
            t: [1.0, 0.0],
        };
        let y = g.act([1.0, 0.0]);
        assert!(close(y[0], 1.0, 1e-6) && close(y[1], 1.0, 1e-6));
    }
}

//! SE(3): rigid motions `x -> R x + t`.

use super::so3::rodrigues_coeffs;
use super::{mat_vec, norm3, poly_hat, So3};

/// A rigid motion `x -> R x + t`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Se3 {
    /// Rotation.
    pub rot: So3,
    /// Translation.
    pub t: [f32; 3],
}

/// `(t - sin t) / t^3` with its series near 0.
fn c_coeff(t: f32) -> f32 {
    if t < 1e-2 {
        1.0 / 6.0 - t * t / 120.0
    } else {
        (t - libm::sinf(t)) / (t * t * t)
    }
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
        let d = if th < 1e-2 {
            1.0 / 12.0 + th * th / 720.0
        } else {
            let (a, b) = rodrigues_coeffs(th);
            (1.0 - a / (2.0 * b)) / (th * th)
        };
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

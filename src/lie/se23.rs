//! SE_2(3), the extended pose: rotation `R`, position `p` and velocity `v`, composed as
//! `(R1, p1, v1)(R2, p2, v2) = (R1 R2, p1 + R1 p2, v1 + R1 v2)` (the 5x5 matrix group
//! `[[R, v, p], [0, 1, 0], [0, 0, 1]]`).
//!
//! Tangent vectors `[rho, theta, nu]` (position, rotation, velocity; SE(3)'s layout with the
//! velocity appended, as manif orders it). `Exp` maps `rho` and `nu` through SO(3)'s left
//! Jacobian, so every Jacobian is SE(3)'s with one more `Q` block.

use super::group::{Action, LieGroup};
use super::mat::{self, Mat};
use super::se3::inv_offdiag;
use super::so3::{orthonormality_error, se3_q, so3_jl, so3_jl_inv, so3_jr, so3_jr_inv};
use super::{hat, mat_mul, mat_vec, So3};

/// An extended pose: attitude, position and velocity of a body in a world frame.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Se23 {
    /// Rotation (body to world).
    pub rot: So3,
    /// Position.
    pub p: [f32; 3],
    /// Velocity.
    pub v: [f32; 3],
}

fn parts(t: &[f32; 9]) -> ([f32; 3], [f32; 3], [f32; 3]) {
    ([t[0], t[1], t[2]], [t[3], t[4], t[5]], [t[6], t[7], t[8]])
}

fn add3(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

impl Se23 {
    /// The identity.
    pub const IDENTITY: Self = Self {
        rot: So3::IDENTITY,
        p: [0.0; 3],
        v: [0.0; 3],
    };
}

impl LieGroup<9> for Se23 {
    fn identity() -> Self {
        Self::IDENTITY
    }
    fn compose(&self, o: &Self) -> Self {
        Self {
            rot: self.rot.compose(&o.rot),
            p: add3(self.p, self.rot.act(o.p)),
            v: add3(self.v, self.rot.act(o.v)),
        }
    }
    fn inverse(&self) -> Self {
        let ri = self.rot.inverse();
        Self {
            rot: ri,
            p: mat::neg_vec(&ri.act(self.p)),
            v: mat::neg_vec(&ri.act(self.v)),
        }
    }
    /// `R = Exp(theta)`, `p = Jl(theta) rho`, `v = Jl(theta) nu`.
    fn exp(t: [f32; 9]) -> Self {
        let (rho, th, nu) = parts(&t);
        let jl = so3_jl(th);
        Self {
            rot: So3::exp(th),
            p: mat_vec(&jl, rho),
            v: mat_vec(&jl, nu),
        }
    }
    fn log(&self) -> [f32; 9] {
        let th = self.rot.log();
        let ji = so3_jl_inv(th);
        let rho = mat_vec(&ji, self.p);
        let nu = mat_vec(&ji, self.v);
        [
            rho[0], rho[1], rho[2], th[0], th[1], th[2], nu[0], nu[1], nu[2],
        ]
    }
    /// `[[R, [p]x R, 0], [0, R, 0], [0, [v]x R, R]]`.
    fn adjoint(&self) -> Mat<9, 9> {
        let r = &self.rot.m;
        let mut a = [[0.0f32; 9]; 9];
        mat::set_block(&mut a, 0, 0, r);
        mat::set_block(&mut a, 3, 3, r);
        mat::set_block(&mut a, 6, 6, r);
        mat::set_block(&mut a, 0, 3, &mat_mul(&hat(self.p), r));
        mat::set_block(&mut a, 6, 3, &mat_mul(&hat(self.v), r));
        a
    }
    /// `[[Jr, Q(-rho, -theta), 0], [0, Jr, 0], [0, Q(-nu, -theta), Jr]]`.
    fn jr(t: [f32; 9]) -> Mat<9, 9> {
        let (rho, th, nu) = parts(&t);
        let j = so3_jr(th);
        let nth = mat::neg_vec(&th);
        let mut a = [[0.0f32; 9]; 9];
        mat::set_block(&mut a, 0, 0, &j);
        mat::set_block(&mut a, 3, 3, &j);
        mat::set_block(&mut a, 6, 6, &j);
        mat::set_block(&mut a, 0, 3, &se3_q(mat::neg_vec(&rho), nth));
        mat::set_block(&mut a, 6, 3, &se3_q(mat::neg_vec(&nu), nth));
        a
    }
    /// Block inverse of [`LieGroup::jr`]: diagonal `Jr^-1`, off-diagonal `-Jr^-1 Q Jr^-1`.
    fn jr_inv(t: [f32; 9]) -> Mat<9, 9> {
        let (rho, th, nu) = parts(&t);
        let ji = so3_jr_inv(th);
        let nth = mat::neg_vec(&th);
        let mut a = [[0.0f32; 9]; 9];
        mat::set_block(&mut a, 0, 0, &ji);
        mat::set_block(&mut a, 3, 3, &ji);
        mat::set_block(&mut a, 6, 6, &ji);
        let qr = se3_q(mat::neg_vec(&rho), nth);
        let qv = se3_q(mat::neg_vec(&nu), nth);
        mat::set_block(&mut a, 0, 3, &inv_offdiag(&ji, &qr));
        mat::set_block(&mut a, 6, 3, &inv_offdiag(&ji, &qv));
        a
    }
    fn normalize(&self) -> Self {
        Self {
            rot: LieGroup::normalize(&self.rot),
            ..*self
        }
    }
    fn manifold_error(&self) -> f32 {
        if self.p.iter().chain(&self.v).all(|x| x.is_finite()) {
            orthonormality_error(&self.rot.m)
        } else {
            f32::INFINITY
        }
    }
}

impl Action<9, 3> for Se23 {
    /// `R x + p` (the velocity does not act on points).
    fn act_on(&self, x: [f32; 3]) -> [f32; 3] {
        add3(self.rot.act(x), self.p)
    }
    /// `d/dX = [R, -R [x]x, 0]`, `d/dx = R`.
    fn act_jac(&self, x: [f32; 3]) -> ([f32; 3], Mat<3, 9>, Mat<3, 3>) {
        let mut j = [[0.0f32; 9]; 3];
        mat::set_block(&mut j, 0, 0, &self.rot.m);
        mat::set_block(
            &mut j,
            0,
            3,
            &mat::scale(&mat_mul(&self.rot.m, &hat(x)), -1.0),
        );
        (self.act_on(x), j, self.rot.m)
    }
}

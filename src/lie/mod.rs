//! Floor 2: small Lie groups for pose outputs and state estimation: SO(2), SE(2), SO(3),
//! SE(3) and SE_2(3) (extended pose).
//!
//! Every group implements [`LieGroup`] (micro Lie theory's operations: right/left plus and
//! minus, Adjoint, `Exp`/`Log` with right/left Jacobians and their inverses, and the
//! Jacobians of compose, inverse and between) and [`Action`] (acting on points, with its
//! Jacobians); see [`group`] for the conventions. Jacobians are [`mat::Mat`] arrays.
//!
//! The rotation groups also have `compose`, `inverse`, `act`, `exp`, `log` as inherent
//! methods and a weighted chordal mean (the
//! rotation nearest, in the Frobenius norm, to the weighted mean of the rotation matrices; for
//! SE(n) the translations are averaged arithmetically). Matrices are row-major
//! `m[row][col]`; rotations act on column vectors (`R x`). Everything is `f32`, allocation
//! free and panic free; tolerances are stated on each function.
//!
//! ```
//! use equiframe::lie::So3;
//! let r = So3::exp([0.0, 0.0, core::f32::consts::FRAC_PI_2]);
//! let y = r.act([1.0, 0.0, 0.0]);
//! assert!((y[0]).abs() < 1e-6 && (y[1] - 1.0).abs() < 1e-6);
//! let w = r.log();
//! assert!((w[2] - core::f32::consts::FRAC_PI_2).abs() < 1e-6);
//! ```

// Small fixed-size matrix code reads best with explicit indices.
#![allow(clippy::needless_range_loop)]

mod coeffs;
pub mod group;
pub mod mat;
mod project;
mod se23;
mod se3;
mod so2;
mod so3;

pub use group::{Action, LieGroup};
pub use project::{so2_project, so3_project};
pub use se23::Se23;
pub use se3::Se3;
pub use so2::{Se2, So2};
pub use so3::{se3_q, so3_jl, so3_jl_inv, so3_jr, so3_jr_inv, So3};

/// A 3x3 row-major matrix.
pub type Mat3 = [[f32; 3]; 3];

pub(crate) const IDENTITY3: Mat3 = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];

pub(crate) fn mat_mul(a: &Mat3, b: &Mat3) -> Mat3 {
    let mut out = [[0.0f32; 3]; 3];
    for (i, row) in out.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j];
        }
    }
    out
}

pub(crate) fn mat_vec(a: &Mat3, x: [f32; 3]) -> [f32; 3] {
    [
        a[0][0] * x[0] + a[0][1] * x[1] + a[0][2] * x[2],
        a[1][0] * x[0] + a[1][1] * x[1] + a[1][2] * x[2],
        a[2][0] * x[0] + a[2][1] * x[1] + a[2][2] * x[2],
    ]
}

pub(crate) fn transpose(a: &Mat3) -> Mat3 {
    [
        [a[0][0], a[1][0], a[2][0]],
        [a[0][1], a[1][1], a[2][1]],
        [a[0][2], a[1][2], a[2][2]],
    ]
}

/// `[w]_x`, the cross-product matrix: `hat(w) x = w x x`.
pub(crate) fn hat(w: [f32; 3]) -> Mat3 {
    [[0.0, -w[2], w[1]], [w[2], 0.0, -w[0]], [-w[1], w[0], 0.0]]
}

pub(crate) fn norm3(v: [f32; 3]) -> f32 {
    crate::math::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2])
}

/// `a I + b K + c K^2` with `K = hat(w)`.
pub(crate) fn poly_hat(w: [f32; 3], a: f32, b: f32, c: f32) -> Mat3 {
    let k = hat(w);
    let k2 = mat_mul(&k, &k);
    let mut out = [[0.0f32; 3]; 3];
    for i in 0..3 {
        for j in 0..3 {
            out[i][j] = b * k[i][j] + c * k2[i][j] + if i == j { a } else { 0.0 };
        }
    }
    out
}

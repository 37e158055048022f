//! Floor 1: small fixed-size vectors and matrices and the symmetric eigensolvers.
//!
//! Everything here is plain arrays (`[f32; 3]`, `[[f32; 3]; 3]`) so it costs nothing to pass
//! data in and out, works on every target without an FPU feature flag, and never panics.
//! Matrices are stored row-major (`m[row][col]`); an [`Eigen3`]'s `vectors[j]` is the j-th
//! eigenvector, i.e. column j of the eigenvector matrix.

#[allow(
    clippy::indexing_slicing,
    reason = "fixed-size matrix code: every index is a loop counter or constant bounded by the array's own const length; firmware/nopanic proves no panic path is linked"
)]
mod eigen;
mod vector;

pub use eigen::{sym_eigen2, sym_eigen3, AxisOrder, Eigen2, Eigen3, JACOBI_MAX_SWEEPS};
pub use vector::{
    add, cross, det2, det3, dot, mat_mul, mat_t_vec, mat_vec, norm, normalize, scale, sub,
    transpose, Mat2, Mat3, Vec2, Vec3, IDENTITY3,
};

//! Symmetric 3x3 and 2x2 eigendecomposition.
//!
//! # Method
//! 3x3: cyclic Jacobi on the matrix scaled to unit max-norm, in f32, with the rotation formulas
//! of Rutishauser (tan of the half-angle, `t = sgn(theta) / (|theta| + sqrt(theta^2 + 1))`) and
//! the Demmel-Veselic skip rule (`|a_pq| <= eps * sqrt(|a_pp a_qq|)`). Jacobi computes every
//! eigenvalue to a small multiple of `eps * |A|` *independently of the eigengap*, so it does not
//! lose the 3e-5 relative that a closed-form (Cardano) solver loses on near-isotropic matrices,
//! and its eigenvectors are orthonormal to a few ulps because they are a product of exact
//! rotations. It converges quadratically: 3 to 4 sweeps of 3 rotations for f32 in practice,
//! capped at [`JACOBI_MAX_SWEEPS`]. Measured at under 200 ns on a desktop core (see
//! `benches/frames.rs`), so no analytic fast path is used.
//!
//! Eigenvectors of a (near-)repeated eigenvalue are an arbitrary orthonormal basis of its
//! eigenspace: that is inherent to the problem, not to the solver; `frame` reports the gap and
//! offers a robust mode for it.
//!
//! 2x2: a single Jacobi rotation, which is exact up to rounding.

use super::vector::{Mat2, Mat3, Vec2, Vec3};

/// Upper bound on the number of Jacobi sweeps of [`sym_eigen3`].
pub const JACOBI_MAX_SWEEPS: usize = 12;

/// Order of eigenvalues (and so of frame axes).
///
/// `Descending` (largest first, FAENet's order) is the default; the original Frame Averaging
/// code used `Ascending`. A model must be run with the order it was trained with, so the value
/// is recorded in the model blob (`repr(u8)`).
#[repr(u8)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum AxisOrder {
    /// Largest eigenvalue first.
    #[default]
    Descending = 0,
    /// Smallest eigenvalue first.
    Ascending = 1,
}

impl TryFrom<u8> for AxisOrder {
    type Error = u8;
    /// Decodes the blob byte; gives the byte back when it is not a known order.
    fn try_from(v: u8) -> Result<Self, u8> {
        match v {
            0 => Ok(Self::Descending),
            1 => Ok(Self::Ascending),
            other => Err(other),
        }
    }
}

/// Eigendecomposition of a symmetric 3x3 matrix.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Eigen3 {
    /// Eigenvalues in the requested [`AxisOrder`].
    pub values: Vec3,
    /// `vectors[j]` is the unit eigenvector of `values[j]`; the three are orthonormal (the
    /// determinant of the matrix they form may be +1 or -1).
    pub vectors: [Vec3; 3],
}

/// Eigendecomposition of a symmetric 2x2 matrix.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Eigen2 {
    /// Eigenvalues in the requested [`AxisOrder`].
    pub values: Vec2,
    /// `vectors[j]` is the unit eigenvector of `values[j]`; orthonormal.
    pub vectors: [Vec2; 2],
}

/// One Jacobi rotation annihilating `a[p][q]` of the symmetric matrix `a` (r is the third
/// index), accumulated into the columns of `v`. Returns false when the element was already
/// negligible.
#[inline(always)]
fn rotate(a: &mut Mat3, v: &mut Mat3, p: usize, q: usize, r: usize) -> bool {
    let apq = a[p][q];
    let app = a[p][p];
    let aqq = a[q][q];
    if apq == 0.0 || apq.abs() <= f32::EPSILON * libm::sqrtf((app * aqq).abs()) {
        a[p][q] = 0.0;
        a[q][p] = 0.0;
        return false;
    }
    let theta = (aqq - app) / (2.0 * apq);
    // For huge theta, theta^2 overflows; t ~ 1 / (2 theta) there.
    let t = if theta.abs() > 1.0e18 {
        0.5 / theta
    } else {
        let t = 1.0 / (theta.abs() + libm::sqrtf(theta * theta + 1.0));
        if theta < 0.0 {
            -t
        } else {
            t
        }
    };
    let c = 1.0 / libm::sqrtf(t * t + 1.0);
    let s = t * c;
    a[p][p] = app - t * apq;
    a[q][q] = aqq + t * apq;
    a[p][q] = 0.0;
    a[q][p] = 0.0;
    let arp = a[r][p];
    let arq = a[r][q];
    let nrp = c * arp - s * arq;
    let nrq = s * arp + c * arq;
    a[r][p] = nrp;
    a[p][r] = nrp;
    a[r][q] = nrq;
    a[q][r] = nrq;
    for row in v.iter_mut() {
        let vp = row[p];
        let vq = row[q];
        row[p] = c * vp - s * vq;
        row[q] = s * vp + c * vq;
    }
    true
}

/// Eigendecomposition of the symmetric matrix `a` (only the upper triangle is read).
///
/// Never panics; a matrix with non-finite entries gives non-finite values and the identity
/// vectors (callers validate their input first). The zero matrix gives zero values and the
/// identity vectors.
pub fn sym_eigen3(a: &Mat3, order: AxisOrder) -> Eigen3 {
    let mut m = [
        [a[0][0], a[0][1], a[0][2]],
        [a[0][1], a[1][1], a[1][2]],
        [a[0][2], a[1][2], a[2][2]],
    ];
    let mut big = 0.0f32;
    for row in &m {
        for x in row {
            big = big.max(x.abs());
        }
    }
    let mut v = super::vector::IDENTITY3;
    if !big.is_finite() || m.iter().flatten().any(|x| x.is_nan()) {
        let nan = f32::NAN;
        return Eigen3 {
            values: [nan; 3],
            vectors: v,
        };
    }
    if big > 0.0 {
        let inv = 1.0 / big;
        for x in m.iter_mut().flatten() {
            *x *= inv;
        }
        for _ in 0..JACOBI_MAX_SWEEPS {
            let r01 = rotate(&mut m, &mut v, 0, 1, 2);
            let r02 = rotate(&mut m, &mut v, 0, 2, 1);
            let r12 = rotate(&mut m, &mut v, 1, 2, 0);
            if !(r01 || r02 || r12) {
                break;
            }
        }
    }
    let vals = [m[0][0] * big, m[1][1] * big, m[2][2] * big];
    // Sort indices (3-element network, stable for ties).
    let mut idx = [0usize, 1, 2];
    let before = |i: usize, j: usize| match order {
        AxisOrder::Descending => vals[i] > vals[j],
        AxisOrder::Ascending => vals[i] < vals[j],
    };
    if before(idx[1], idx[0]) {
        idx.swap(0, 1);
    }
    if before(idx[2], idx[1]) {
        idx.swap(1, 2);
    }
    if before(idx[1], idx[0]) {
        idx.swap(0, 1);
    }
    let col = |j: usize| [v[0][j], v[1][j], v[2][j]];
    Eigen3 {
        values: [vals[idx[0]], vals[idx[1]], vals[idx[2]]],
        vectors: [col(idx[0]), col(idx[1]), col(idx[2])],
    }
}

/// Eigendecomposition of the symmetric 2x2 matrix `a` (only `a[0][1]` of the off-diagonal is
/// read). One Jacobi rotation; same conventions as [`sym_eigen3`].
pub fn sym_eigen2(a: &Mat2, order: AxisOrder) -> Eigen2 {
    let (app, apq, aqq) = (a[0][0], a[0][1], a[1][1]);
    if !(app.is_finite() && apq.is_finite() && aqq.is_finite()) {
        return Eigen2 {
            values: [f32::NAN; 2],
            vectors: [[1.0, 0.0], [0.0, 1.0]],
        };
    }
    let (l0, l1, v0, v1) = if apq == 0.0 {
        (app, aqq, [1.0, 0.0], [0.0, 1.0])
    } else {
        let theta = (aqq - app) / (2.0 * apq);
        let t = if theta.abs() > 1.0e18 {
            0.5 / theta
        } else {
            let t = 1.0 / (theta.abs() + libm::sqrtf(theta * theta + 1.0));
            if theta < 0.0 {
                -t
            } else {
                t
            }
        };
        let c = 1.0 / libm::sqrtf(t * t + 1.0);
        let s = t * c;
        (app - t * apq, aqq + t * apq, [c, -s], [s, c])
    };
    let swap = match order {
        AxisOrder::Descending => l1 > l0,
        AxisOrder::Ascending => l1 < l0,
    };
    if swap {
        Eigen2 {
            values: [l1, l0],
            vectors: [v1, v0],
        }
    } else {
        Eigen2 {
            values: [l0, l1],
            vectors: [v0, v1],
        }
    }
}

#[cfg(test)]
mod tests;

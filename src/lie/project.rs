//! Projection of a 2x2 / 3x3 matrix onto the nearest rotation (Frobenius norm), used by the
//! chordal means and by the engine for averaged rotation outputs.
//!
//! 3D uses Horn's quaternion method: the nearest rotation to `M` maximizes `tr(R^T M)`, whose
//! maximizer is the unit eigenvector of the largest eigenvalue of a symmetric 4x4 matrix built
//! from `M`; that eigenvector is found with cyclic Jacobi rotations (at most 12 sweeps,
//! converging to f32 precision for every input). The result is a proper rotation even when `M`
//! has a negative determinant (then it is the nearest *proper* rotation).

use super::so3::So3;
use super::Mat3;

/// Nearest rotation (as `So2`) to a row-major 2x2 matrix: the rotation part of the polar
/// decomposition; identity for a matrix with `m00 + m11 = m10 - m01 = 0`.
pub fn so2_project(m: &[[f32; 2]; 2]) -> super::So2 {
    let c = m[0][0] + m[1][1];
    let s = m[1][0] - m[0][1];
    let n = crate::math::sqrt(c * c + s * s);
    if !(n.is_finite() && n > 0.0) {
        return super::So2::IDENTITY;
    }
    super::So2 { c: c / n, s: s / n }
}

/// Nearest proper rotation to a row-major 3x3 matrix (identity for the zero matrix or
/// non-finite input). Accurate to about 1e-6 on well-conditioned inputs.
pub fn so3_project(m: &Mat3) -> So3 {
    if m.iter().flatten().any(|v| !v.is_finite()) {
        return So3::IDENTITY;
    }
    // Horn's matrix N for tr(R^T M), quaternion order (w, x, y, z).
    let (sxx, sxy, sxz) = (m[0][0], m[0][1], m[0][2]);
    let (syx, syy, syz) = (m[1][0], m[1][1], m[1][2]);
    let (szx, szy, szz) = (m[2][0], m[2][1], m[2][2]);
    let mut a = [
        [sxx + syy + szz, szy - syz, sxz - szx, syx - sxy],
        [szy - syz, sxx - syy - szz, sxy + syx, sxz + szx],
        [sxz - szx, sxy + syx, -sxx + syy - szz, syz + szy],
        [syx - sxy, sxz + szx, syz + szy, -sxx - syy + szz],
    ];
    let mut v = [
        [1.0f32, 0.0, 0.0, 0.0],
        [0.0, 1.0, 0.0, 0.0],
        [0.0, 0.0, 1.0, 0.0],
        [0.0, 0.0, 0.0, 1.0],
    ];
    for _sweep in 0..12 {
        let mut off = 0.0f32;
        for p in 0..4 {
            for q in p + 1..4 {
                off += a[p][q] * a[p][q];
            }
        }
        if off < 1e-24 {
            break;
        }
        for p in 0..4 {
            for q in p + 1..4 {
                jacobi_rotate(&mut a, &mut v, p, q);
            }
        }
    }
    let mut best = 0;
    for i in 1..4 {
        if a[i][i] > a[best][best] {
            best = i;
        }
    }
    So3::from_quaternion([v[0][best], v[1][best], v[2][best], v[3][best]])
}

/// One Jacobi rotation zeroing `a[p][q]`; accumulates eigenvectors as columns of `v`.
fn jacobi_rotate(a: &mut [[f32; 4]; 4], v: &mut [[f32; 4]; 4], p: usize, q: usize) {
    let apq = a[p][q];
    if apq.abs() < 1e-30 {
        return;
    }
    let theta = (a[q][q] - a[p][p]) / (2.0 * apq);
    let t = theta.signum() / (theta.abs() + crate::math::sqrt(theta * theta + 1.0));
    let t = if theta == 0.0 { 1.0 } else { t };
    let c = 1.0 / crate::math::sqrt(t * t + 1.0);
    let s = t * c;
    for k in 0..4 {
        let (akp, akq) = (a[k][p], a[k][q]);
        a[k][p] = c * akp - s * akq;
        a[k][q] = s * akp + c * akq;
    }
    for k in 0..4 {
        let (apk, aqk) = (a[p][k], a[q][k]);
        a[p][k] = c * apk - s * aqk;
        a[q][k] = s * apk + c * aqk;
    }
    for row in v.iter_mut() {
        let (vp, vq) = (row[p], row[q]);
        row[p] = c * vp - s * vq;
        row[q] = s * vp + c * vq;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn projection_recovers_a_scaled_noisy_rotation(w in prop::array::uniform3(-1.5f32..1.5), s in 0.2f32..3.0, e in prop::array::uniform9(-0.01f32..0.01)) {
            let r = So3::exp(w);
            let mut m = r.m;
            for i in 0..3 { for j in 0..3 { m[i][j] *= s; } }
            let exact = so3_project(&m);
            for i in 0..3 { for j in 0..3 { prop_assert!((exact.m[i][j] - r.m[i][j]).abs() < 2e-5); } }
            for i in 0..3 { for j in 0..3 { m[i][j] += e[3 * i + j]; } }
            let p = so3_project(&m);
            // Orthonormal with det +1.
            let id = p.compose(&p.inverse());
            for i in 0..3 { for j in 0..3 {
                let want = if i == j { 1.0 } else { 0.0 };
                prop_assert!((id.m[i][j] - want).abs() < 1e-5);
            } }
            // Close to r (perturbation 1% of the scale at most).
            for i in 0..3 { for j in 0..3 { prop_assert!((p.m[i][j] - r.m[i][j]).abs() < 0.05 / s.min(1.0)); } }
        }
    }

    #[test]
    fn degenerate_inputs() {
        assert_eq!(so3_project(&[[0.0; 3]; 3]), So3::IDENTITY);
        assert_eq!(so3_project(&[[f32::NAN; 3]; 3]), So3::IDENTITY);
        // A reflection's nearest proper rotation has det +1.
        let p = so3_project(&[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, -1.0]]);
        let m = p.m;
        let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
        assert!((det - 1.0).abs() < 1e-5);
    }
}

//! Vector and matrix helpers on plain arrays.

/// A 3-vector.
pub type Vec3 = [f32; 3];
/// A 2-vector.
pub type Vec2 = [f32; 2];
/// A row-major 3x3 matrix (`m[row][col]`).
pub type Mat3 = [[f32; 3]; 3];
/// A row-major 2x2 matrix (`m[row][col]`).
pub type Mat2 = [[f32; 2]; 2];

/// The 3x3 identity matrix.
pub const IDENTITY3: Mat3 = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];

/// Dot product `a . b`, summed in index order.
#[inline]
pub fn dot(a: Vec3, b: Vec3) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// Cross product `a x b`.
#[inline]
pub fn cross(a: Vec3, b: Vec3) -> Vec3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// `a + b`.
#[inline]
pub fn add(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

/// `a - b`.
#[inline]
pub fn sub(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

/// `s * a`.
#[inline]
pub fn scale(a: Vec3, s: f32) -> Vec3 {
    [s * a[0], s * a[1], s * a[2]]
}

/// Euclidean norm.
#[inline]
pub fn norm(a: Vec3) -> f32 {
    libm::sqrtf(dot(a, a))
}

/// `a / |a|`; a zero (or non-finite) vector is returned unchanged.
#[inline]
pub fn normalize(a: Vec3) -> Vec3 {
    let n = norm(a);
    if n > 0.0 && n.is_finite() {
        scale(a, 1.0 / n)
    } else {
        a
    }
}

/// `m v`.
#[inline]
pub fn mat_vec(m: &Mat3, v: Vec3) -> Vec3 {
    [dot(m[0], v), dot(m[1], v), dot(m[2], v)]
}

/// `m^T v`.
#[inline]
pub fn mat_t_vec(m: &Mat3, v: Vec3) -> Vec3 {
    let mut out = [0.0; 3];
    for (vr, row) in v.iter().zip(m) {
        for (o, x) in out.iter_mut().zip(row) {
            *o += vr * x;
        }
    }
    out
}

/// `a b`.
pub fn mat_mul(a: &Mat3, b: &Mat3) -> Mat3 {
    let bt = transpose(b);
    [
        [dot(a[0], bt[0]), dot(a[0], bt[1]), dot(a[0], bt[2])],
        [dot(a[1], bt[0]), dot(a[1], bt[1]), dot(a[1], bt[2])],
        [dot(a[2], bt[0]), dot(a[2], bt[1]), dot(a[2], bt[2])],
    ]
}

/// `m^T`.
#[inline]
pub fn transpose(m: &Mat3) -> Mat3 {
    [
        [m[0][0], m[1][0], m[2][0]],
        [m[0][1], m[1][1], m[2][1]],
        [m[0][2], m[1][2], m[2][2]],
    ]
}

/// Determinant of a 3x3 matrix (`m[0] . (m[1] x m[2])`).
#[inline]
pub fn det3(m: &Mat3) -> f32 {
    dot(m[0], cross(m[1], m[2]))
}

/// Determinant of a 2x2 matrix.
#[inline]
pub fn det2(m: &Mat2) -> f32 {
    m[0][0] * m[1][1] - m[0][1] * m[1][0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_is_right_handed_and_orthogonal() {
        let x = [1.0, 0.0, 0.0];
        let y = [0.0, 1.0, 0.0];
        assert_eq!(cross(x, y), [0.0, 0.0, 1.0]);
        let a = [0.3, -1.2, 2.0];
        let b = [1.5, 0.25, -0.5];
        let c = cross(a, b);
        assert!(dot(a, c).abs() < 1e-6 && dot(b, c).abs() < 1e-6);
    }

    #[test]
    fn mat_helpers_agree() {
        let m = [[1.0, 2.0, 3.0], [0.0, 1.0, 4.0], [5.0, 6.0, 0.0]];
        assert_eq!(det3(&m), 1.0);
        let v = [1.0, -1.0, 2.0];
        assert_eq!(mat_t_vec(&m, v), mat_vec(&transpose(&m), v));
        assert_eq!(mat_mul(&m, &IDENTITY3), m);
        assert_eq!(det2(&[[2.0, 1.0], [1.0, 3.0]]), 5.0);
        assert_eq!(normalize([0.0; 3]), [0.0; 3]);
        assert!((norm(normalize([3.0, 4.0, 0.0])) - 1.0).abs() < 1e-7);
    }
}

//! Fixed-size row-major matrices for Jacobians: `Mat<R, C>` is `[[f32; C]; R]`.
//!
//! Plain loops in a fixed order (so results are reproducible on every target); no heap, no
//! panic. Used by the Lie groups for Adjoints and Jacobians and by `estimate` for covariances.

/// An `R x C` row-major matrix.
pub type Mat<const R: usize, const C: usize> = [[f32; C]; R];

/// The `N x N` identity.
pub fn identity<const N: usize>() -> Mat<N, N> {
    let mut m = [[0.0f32; N]; N];
    for (i, row) in m.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    m
}

/// `a b`.
pub fn mul<const R: usize, const K: usize, const C: usize>(
    a: &Mat<R, K>,
    b: &Mat<K, C>,
) -> Mat<R, C> {
    let mut out = [[0.0f32; C]; R];
    for i in 0..R {
        for k in 0..K {
            let aik = a[i][k];
            for j in 0..C {
                out[i][j] += aik * b[k][j];
            }
        }
    }
    out
}

/// `a b^T`.
pub fn mul_bt<const R: usize, const K: usize, const C: usize>(
    a: &Mat<R, K>,
    b: &Mat<C, K>,
) -> Mat<R, C> {
    let mut out = [[0.0f32; C]; R];
    for i in 0..R {
        for j in 0..C {
            let mut s = 0.0f32;
            for k in 0..K {
                s += a[i][k] * b[j][k];
            }
            out[i][j] = s;
        }
    }
    out
}

/// `a x`.
pub fn mul_vec<const R: usize, const C: usize>(a: &Mat<R, C>, x: &[f32; C]) -> [f32; R] {
    let mut out = [0.0f32; R];
    for i in 0..R {
        let mut s = 0.0f32;
        for j in 0..C {
            s += a[i][j] * x[j];
        }
        out[i] = s;
    }
    out
}

/// `a^T`.
pub fn transpose<const R: usize, const C: usize>(a: &Mat<R, C>) -> Mat<C, R> {
    let mut out = [[0.0f32; R]; C];
    for i in 0..R {
        for j in 0..C {
            out[j][i] = a[i][j];
        }
    }
    out
}

/// `s a`.
pub fn scale<const R: usize, const C: usize>(a: &Mat<R, C>, s: f32) -> Mat<R, C> {
    let mut out = *a;
    for v in out.iter_mut().flatten() {
        *v *= s;
    }
    out
}

/// `a + b`.
pub fn add<const R: usize, const C: usize>(a: &Mat<R, C>, b: &Mat<R, C>) -> Mat<R, C> {
    let mut out = *a;
    for (o, &x) in out.iter_mut().flatten().zip(b.iter().flatten()) {
        *o += x;
    }
    out
}

/// `a - b`.
pub fn sub<const R: usize, const C: usize>(a: &Mat<R, C>, b: &Mat<R, C>) -> Mat<R, C> {
    let mut out = *a;
    for (o, &x) in out.iter_mut().flatten().zip(b.iter().flatten()) {
        *o -= x;
    }
    out
}

/// `-x` for a vector.
pub fn neg_vec<const N: usize>(x: &[f32; N]) -> [f32; N] {
    let mut out = *x;
    for v in out.iter_mut() {
        *v = -*v;
    }
    out
}

/// Inverse by Gauss-Jordan elimination with partial pivoting; `None` when a pivot is below
/// `1e-20` in magnitude or not finite (singular or non-finite input).
pub fn inverse<const N: usize>(a: &Mat<N, N>) -> Option<Mat<N, N>> {
    let mut m = *a;
    let mut inv = identity::<N>();
    for c in 0..N {
        let mut p = c;
        for r in c + 1..N {
            if m[r][c].abs() > m[p][c].abs() {
                p = r;
            }
        }
        let piv = m[p][c];
        if !(piv.is_finite() && piv.abs() > 1e-20) {
            return None;
        }
        m.swap(p, c);
        inv.swap(p, c);
        let s = 1.0 / piv;
        for j in 0..N {
            m[c][j] *= s;
            inv[c][j] *= s;
        }
        for r in 0..N {
            if r != c {
                let f = m[r][c];
                if f != 0.0 {
                    for j in 0..N {
                        m[r][j] -= f * m[c][j];
                        inv[r][j] -= f * inv[c][j];
                    }
                }
            }
        }
    }
    Some(inv)
}

/// Copies the `BR x BC` block `b` into `m` at row `r0`, column `c0` (entries falling outside
/// `m` are dropped).
pub fn set_block<const R: usize, const C: usize, const BR: usize, const BC: usize>(
    m: &mut Mat<R, C>,
    r0: usize,
    c0: usize,
    b: &Mat<BR, BC>,
) {
    for (i, brow) in b.iter().enumerate() {
        if let Some(row) = m.get_mut(r0 + i) {
            for (j, &v) in brow.iter().enumerate() {
                if let Some(x) = row.get_mut(c0 + j) {
                    *x = v;
                }
            }
        }
    }
}

/// Largest absolute entry of `a - b`.
pub fn max_abs_diff<const R: usize, const C: usize>(a: &Mat<R, C>, b: &Mat<R, C>) -> f32 {
    let mut d = 0.0f32;
    for (x, y) in a.iter().flatten().zip(b.iter().flatten()) {
        d = d.max((x - y).abs());
    }
    d
}

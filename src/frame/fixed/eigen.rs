//! Cyclic Jacobi in I2F30 with integer square roots.

use super::I2F30;

/// Jacobi sweeps at most.
const SWEEPS: usize = 10;
const ONE: i64 = 1 << 30;

/// Eigendecomposition of a normalised symmetric matrix in I2F30.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedEigen {
    /// Eigenvalues (raw I2F30) in the requested order; 2D: third is 0.
    pub values: [I2F30; 3],
    /// `vectors[j]` is the unit eigenvector of `values[j]`; 2D: `[x, y, 0]`, `vectors[2] = e_z`.
    pub vectors: [[I2F30; 3]; 3],
}

/// `a * b` in I2F30 raw units, rounded to nearest.
#[inline]
fn mul(a: i64, b: i64) -> i64 {
    (a * b + (1 << 29)) >> 30
}

/// Floor square root of a u64.
pub(crate) fn isqrt(v: u64) -> u64 {
    if v < 2 {
        return v;
    }
    let mut x = v;
    let mut r = 0u64;
    let mut bit = 1u64 << ((63 - v.leading_zeros()) & !1);
    while bit != 0 {
        if x >= r + bit {
            x -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
        bit >>= 2;
    }
    r
}

/// One rotation zeroing `a[p][q]`; false when it was already zero.
fn rotate(
    a: &mut [[i64; 3]; 3],
    v: &mut [[i64; 3]; 3],
    p: usize,
    q: usize,
    r: usize,
    dim: usize,
) -> bool {
    let (app, aqq, apq) = (a[p][p], a[q][q], a[p][q]);
    if apq.abs() <= 1 {
        a[p][q] = 0;
        a[q][p] = 0;
        return false;
    }
    let dx = aqq - app;
    let dy = 2 * apq;
    // Entries stay below 1.5 (spectral norm of a matrix with entries <= 0.5): |dx|, |dy| <
    // 3 * 2^30, so the squares need 64 unsigned bits and their sum 65.
    let sum = (dx.unsigned_abs() as u128).pow(2) + (dy.unsigned_abs() as u128).pow(2);
    let rr = match u64::try_from(sum) {
        Ok(s64) => isqrt(s64),
        Err(_) => isqrt(u64::try_from(sum >> 2).unwrap_or(u64::MAX)) << 1,
    } as i64;
    if rr == 0 {
        return false;
    }
    let cos2 = (dx.abs() << 30) / rr;
    let sin2 = if dx < 0 {
        -((dy << 30) / rr)
    } else {
        (dy << 30) / rr
    };
    let c = isqrt((((ONE + cos2) / 2) << 30) as u64) as i64;
    if c == 0 {
        return false;
    }
    let s = (sin2 << 29) / c;
    let (cc, ss, cs) = (mul(c, c), mul(s, s), mul(c, s));
    let two_cs_apq = 2 * mul(cs, apq);
    a[p][p] = mul(cc, app) - two_cs_apq + mul(ss, aqq);
    a[q][q] = mul(ss, app) + two_cs_apq + mul(cc, aqq);
    a[p][q] = 0;
    a[q][p] = 0;
    if r < dim {
        let (arp, arq) = (a[r][p], a[r][q]);
        let nrp = mul(c, arp) - mul(s, arq);
        let nrq = mul(s, arp) + mul(c, arq);
        a[r][p] = nrp;
        a[p][r] = nrp;
        a[r][q] = nrq;
        a[q][r] = nrq;
    }
    for row in v.iter_mut() {
        let (vp, vq) = (row[p], row[q]);
        row[p] = mul(c, vp) - mul(s, vq);
        row[q] = mul(s, vp) + mul(c, vq);
    }
    true
}

/// Eigendecomposition of the symmetric `a` (upper triangle read) of dimension `dim` (2 or 3;
/// anything else is treated as 3), eigenvalues descending unless `ascending`.
///
/// Entries should be below 0.5 in magnitude (the fixed frame set normalises to `[0.25, 0.5)`);
/// larger ones are divided by 4 first and the eigenvalues multiplied back, saturating at the
/// I2F30 range.
pub fn fixed_sym_eigen(a: &[[I2F30; 3]; 3], dim: usize, ascending: bool) -> FixedEigen {
    let dim = if dim == 2 { 2 } else { 3 };
    let mut m = [[0i64; 3]; 3];
    for (i, row) in m.iter_mut().enumerate().take(dim) {
        for (j, x) in row.iter_mut().enumerate().take(dim) {
            let (r, c) = if i <= j { (i, j) } else { (j, i) };
            *x = a[r][c].to_bits() as i64;
        }
    }
    let big = m.iter().flatten().any(|x| x.abs() > 1 << 29);
    if big {
        for x in m.iter_mut().flatten() {
            *x >>= 2;
        }
    }
    let mut v = [[ONE, 0, 0], [0, ONE, 0], [0, 0, ONE]];
    for _ in 0..SWEEPS {
        let mut any = rotate(&mut m, &mut v, 0, 1, 2, dim);
        if dim == 3 {
            any |= rotate(&mut m, &mut v, 0, 2, 1, dim);
            any |= rotate(&mut m, &mut v, 1, 2, 0, dim);
        }
        if !any {
            break;
        }
    }
    let up = if big { 2 } else { 0 };
    let vals = [
        m[0][0] << up,
        m[1][1] << up,
        if dim == 3 { m[2][2] << up } else { i64::MIN },
    ];
    let mut idx = [0usize, 1, 2];
    let before = |i: usize, j: usize| {
        if ascending && dim == 3 {
            vals[i] < vals[j]
        } else if ascending {
            // 2D: keep the padding axis last.
            i != 2 && (j == 2 || vals[i] < vals[j])
        } else {
            vals[i] > vals[j]
        }
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
    let to = |x: i64| I2F30::from_bits(x.clamp(i32::MIN as i64, i32::MAX as i64) as i32);
    let col = |j: usize| [to(v[0][j]), to(v[1][j]), to(v[2][j])];
    let val = |j: usize| {
        if j == 2 && dim == 2 {
            to(0)
        } else {
            to(vals[j])
        }
    };
    FixedEigen {
        values: [val(idx[0]), val(idx[1]), val(idx[2])],
        vectors: [col(idx[0]), col(idx[1]), col(idx[2])],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isqrt_is_floor_sqrt() {
        for v in [
            0u64,
            1,
            2,
            3,
            4,
            15,
            16,
            17,
            1 << 40,
            (1 << 62) + 12345,
            u64::MAX,
        ] {
            let r = isqrt(v);
            assert!(
                r * r <= v && (r + 1).checked_mul(r + 1).is_none_or(|s| s > v),
                "{v}"
            );
        }
    }

    #[test]
    fn diagonalises_a_rotated_matrix() {
        // A = R diag(0.4, 0.25, 0.05) R^T for a fixed rotation, in I2F30.
        let (c, s) = (0.8f64, 0.6f64);
        let r = [
            [c, -s, 0.0],
            [s * 0.6, c * 0.6, -0.8],
            [s * 0.8, c * 0.8, 0.6],
        ];
        let l = [0.4, 0.25, 0.05];
        let mut a = [[I2F30::ZERO; 3]; 3];
        for i in 0..3 {
            for j in 0..3 {
                let v: f64 = (0..3).map(|k| r[i][k] * l[k] * r[j][k]).sum();
                a[i][j] = I2F30::from_num(v);
            }
        }
        let e = fixed_sym_eigen(&a, 3, false);
        for (j, want) in l.iter().enumerate() {
            assert!((e.values[j].to_num::<f64>() - want).abs() < 1e-8);
            let dot: f64 = (0..3)
                .map(|i| e.vectors[j][i].to_num::<f64>() * r[i][j])
                .sum();
            assert!((dot.abs() - 1.0).abs() < 1e-7);
        }
        let asc = fixed_sym_eigen(&a, 3, true);
        assert_eq!(asc.values[0], e.values[2]);
    }
}

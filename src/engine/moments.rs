//! Order-independent moments of the frame source: the frame of a shuffled point set is
//! bit-identical, which makes the int8 point-set path exactly permutation invariant.
//!
//! Coordinates are converted to integers on a power-of-two grid fixed by the largest magnitude
//! (an order-independent quantity): `2^-40` of it for the centroid sums and `2^-30` of the
//! largest centred magnitude for the scatter sums. Integer sums (in `i128`) do not depend on
//! the order of the rows, so neither do the centroid and scatter. The grid is far finer than
//! f32 itself (relative error of the scatter below `1e-8` of its largest entry, before the
//! final rounding to f32), and a cloud 1e4 away from the sensor keeps its spread.
//! Cost: one extra pass over the frame-source coordinates.

use crate::frame::{InputSchema, Moments};

/// `2^k` as f64 for `k` in a safe range.
fn pow2(k: i32) -> f64 {
    libm::ldexp(1.0, k)
}

/// Largest magnitude of `f(row, k)` over rows and the `dim` coordinates; `None` if non-finite.
fn max_abs(sample: &[f32], c: usize, o: usize, d: usize, origin: [f32; 3]) -> Option<f32> {
    let mut m = 0.0f32;
    for row in sample.chunks_exact(c) {
        for k in 0..d {
            let v = row.get(o + k)? - origin.get(k)?;
            if !v.is_finite() {
                return None;
            }
            m = m.max(v.abs());
        }
    }
    Some(m)
}

/// Grid scale `2^(bits - e)` with `max < 2^e`.
pub(crate) fn grid(max: f32, bits: i32) -> f64 {
    let (_, e) = libm::frexpf(max);
    pow2(bits - e)
}

/// The centroid from the integer coordinate sums on grid `s` of `n` rows.
pub(crate) fn finish_origin(sums: &[i128; 3], s: f64, n: usize, d: usize) -> [f32; 3] {
    let mut origin = [0.0f32; 3];
    for (o, &sum) in origin.iter_mut().zip(sums).take(d) {
        *o = (sum as f64 / s / n as f64) as f32;
    }
    origin
}

/// The scatter matrix from the integer product sums (upper triangle) on grid `s`; `None`
/// when an entry overflows f32.
pub(crate) fn finish_scatter(acc: &[[i128; 3]; 3], s: f64, d: usize) -> Option<[[f32; 3]; 3]> {
    let mut scatter = [[0.0f32; 3]; 3];
    let s2 = s * s;
    for i in 0..d {
        for j in i..d {
            let v = (acc[i][j] as f64 / s2) as f32;
            scatter[i][j] = v;
            scatter[j][i] = v;
        }
    }
    scatter
        .iter()
        .flatten()
        .all(|v| v.is_finite())
        .then_some(scatter)
}

/// Exact-order moments of `sample` for `schema`'s frame source (`None` when the sample is
/// empty, has no geometric field or non-finite / overflowing values: the caller then lets the
/// frame module report the error).
pub(crate) fn exact_moments(schema: &InputSchema, sample: &[f32]) -> Option<Moments> {
    let (field, centred) = schema.frame_source().ok()?;
    let (c, o, d) = (schema.channels(), usize::from(field.offset), schema.dim());
    let n = sample.len() / c;
    if n == 0 {
        return None;
    }
    let mut origin = [0.0f32; 3];
    if centred {
        let m = max_abs(sample, c, o, d, [0.0; 3])?;
        if m > 0.0 {
            let s = grid(m, 40);
            let mut sums = [0i128; 3];
            for row in sample.chunks_exact(c) {
                for (k, acc) in sums.iter_mut().enumerate().take(d) {
                    let v = f64::from(*row.get(o + k)?);
                    *acc += libm::round(v * s) as i64 as i128;
                }
            }
            origin = finish_origin(&sums, s, n, d);
        }
    }
    let mut scatter = [[0.0f32; 3]; 3];
    let m = max_abs(sample, c, o, d, origin)?;
    if m > 0.0 {
        let s = grid(m, 30);
        let mut acc = [[0i128; 3]; 3];
        for row in sample.chunks_exact(c) {
            let mut q = [0i64; 3];
            for (k, qk) in q.iter_mut().enumerate().take(d) {
                let v = f64::from(row.get(o + k)? - origin[k]);
                *qk = libm::round(v * s) as i64;
            }
            for i in 0..d {
                for j in i..d {
                    acc[i][j] += i128::from(q[i] * q[j]);
                }
            }
        }
        scatter = finish_scatter(&acc, s, d)?;
    }
    Some(Moments {
        dim: d,
        weight: n as f32,
        origin,
        scatter,
    })
}

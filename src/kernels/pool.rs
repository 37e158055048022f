//! Global pooling over points or time: `n x c` -> `c` (max, mean, sum), int8 and f32.
//!
//! All results are independent of the order of the `n` rows (integer sums and max are
//! order-free; the f32 mean and sum add rows in index order).

use super::Requant;

/// Validated `n x c` input and `c` output.
fn views<'i, 'o, T, U>(
    input: &'i [T],
    n: usize,
    c: usize,
    out: &'o mut [U],
) -> Option<(&'i [T], &'o mut [U])> {
    let x = input.get(..n.checked_mul(c)?)?;
    let o = out.get_mut(..c)?;
    if c == 0 || n == 0 {
        return None;
    }
    Some((x, o))
}

/// int8 max pooling over the `n` rows (same scale in and out, as TFLite Micro MAX_POOL_2D /
/// REDUCE_MAX). Writes nothing when `n == 0` or a slice is too short.
pub fn max_pool_i8(input: &[i8], n: usize, c: usize, out: &mut [i8]) {
    let Some((x, o)) = views(input, n, c, out) else {
        return;
    };
    o.fill(i8::MIN);
    for row in x.chunks_exact(c) {
        for (o, &v) in o.iter_mut().zip(row) {
            *o = (*o).max(v);
        }
    }
}

/// Columns processed per block of the int8 mean / sum (stack accumulator size).
const BLOCK: usize = 32;

/// Shared driver of mean / sum: per column block, integer column sums then `finish`.
fn reduce_i8(x: &[i8], c: usize, zp_in: i32, o: &mut [i8], finish: impl Fn(i32) -> i8) {
    let mut acc = [0i32; BLOCK];
    let mut c0 = 0;
    for ob in o.chunks_mut(BLOCK) {
        let w = ob.len();
        acc.fill(0);
        for row in x.chunks_exact(c) {
            let Some(seg) = row.get(c0..c0 + w) else {
                return;
            };
            for (a, &v) in acc.iter_mut().zip(seg) {
                *a = a.wrapping_add(i32::from(v));
            }
        }
        let n = (x.len() / c) as i32;
        for (o, &a) in ob.iter_mut().zip(&acc) {
            *o = finish(a.wrapping_sub(zp_in.wrapping_mul(n)));
        }
        c0 += w;
    }
}

/// int8 mean over the `n` rows, TFLite Micro's integer MEAN:
/// `acc = sum(x - zp_in)`, `acc = MBQM(acc, r.multiplier, r.shift)` (the `s_in / s_out`
/// rescale), then divided by `n` rounding half away from zero, `+ zp_out`, clamped to int8.
/// Writes nothing when `n == 0` or a slice is too short.
pub fn mean_pool_i8(input: &[i8], n: usize, c: usize, r: &Requant, out: &mut [i8]) {
    let Some((x, o)) = views(input, n, c, out) else {
        return;
    };
    let Ok(cnt) = i32::try_from(n) else {
        return;
    };
    reduce_i8(x, c, r.in_zero_point, o, |acc| {
        let a = crate::quant::multiply_by_quantized_multiplier(acc, r.multiplier, r.shift);
        let half = cnt / 2;
        let q = if a > 0 {
            a.wrapping_add(half) / cnt
        } else {
            a.wrapping_sub(half) / cnt
        };
        q.wrapping_add(r.out_zero_point).clamp(-128, 127) as i8
    });
}

/// int8 sum over the `n` rows: `clamp(MBQM(sum(x - zp_in), r.multiplier, r.shift) + zp_out)`
/// with the `s_in / s_out` rescale of `r`. Writes nothing when `n == 0` or a slice is too short.
pub fn sum_pool_i8(input: &[i8], n: usize, c: usize, r: &Requant, out: &mut [i8]) {
    let Some((x, o)) = views(input, n, c, out) else {
        return;
    };
    reduce_i8(x, c, r.in_zero_point, o, |acc| {
        r.scale_acc(acc).clamp(-128, 127) as i8
    });
}

/// f32 max pooling over the `n` rows.
pub fn max_pool_f32(input: &[f32], n: usize, c: usize, out: &mut [f32]) {
    let Some((x, o)) = views(input, n, c, out) else {
        return;
    };
    o.fill(f32::NEG_INFINITY);
    for row in x.chunks_exact(c) {
        for (o, &v) in o.iter_mut().zip(row) {
            *o = o.max(v);
        }
    }
}

/// f32 sum over the `n` rows (rows added in index order).
pub fn sum_pool_f32(input: &[f32], n: usize, c: usize, out: &mut [f32]) {
    let Some((x, o)) = views(input, n, c, out) else {
        return;
    };
    o.fill(0.0);
    for row in x.chunks_exact(c) {
        for (o, &v) in o.iter_mut().zip(row) {
            *o += v;
        }
    }
}

/// f32 mean over the `n` rows (sum in index order, divided by `n`).
pub fn mean_pool_f32(input: &[f32], n: usize, c: usize, out: &mut [f32]) {
    sum_pool_f32(input, n, c, out);
    if n > 0 {
        for o in out.iter_mut().take(c) {
            *o /= n as f32;
        }
    }
}

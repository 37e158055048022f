//! Order-independent moments of the frame source: the frame of a shuffled point set is
//! bit-identical, which makes the int8 point-set path exactly permutation invariant.
//!
//! Coordinates are converted to integers on a power-of-two grid fixed by the largest magnitude
//! (an order-independent quantity): `2^-40` of it for the centroid sums and `2^-30` of the
//! largest centred magnitude for the scatter sums. Integer sums (in `i128`) do not depend on
//! the order of the rows, so neither do the centroid and scatter. The grid is far finer than
//! f32 itself (relative error of the scatter below `1e-8` of its largest entry, before the
//! final rounding to f32), and a cloud 1e4 away from the sensor keeps its spread.
//!
//! Two forms compute the same integers. The reference form (`exact_moments_reference`) rounds
//! in f64 and sums in `i128` per row: 3,440 instructions per point on Cortex-M4F, whose FPU has
//! no f64. The fast form (3D sources) stays in f32 and 32/64-bit integers, exact at every step:
//! one pass for the per-coordinate extremes (as order keys of the bit patterns; the largest
//! centred magnitude follows from them because `fl(x - c)` is monotone in `x`), one for the
//! centroid sums (`x * 2^(24 - e)` split into its integer part and a rest rounded half away
//! from zero through a truncating conversion of twice its value), one for the scatter sums
//! (products of grid coordinates in `i64` over fixed tiles of seven rows, then `i128`): 124
//! instructions per point on Cortex-M4F (`firmware/qemu`, binary `frames`), where the extremes
//! and centroid loops and the tile products are assembly (`moments/smlal.rs`).

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
    for i in 0..d.min(3) {
        for j in i..d.min(3) {
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

/// The reference form of [`exact_moments`] (f64 rounding, `i128` sums): exact-order moments of `sample` for `schema`'s frame source (`None` when the sample is
/// empty, has no geometric field or non-finite / overflowing values: the caller then lets the
/// frame module report the error).
fn exact_moments_reference(schema: &InputSchema, sample: &[f32]) -> Option<Moments> {
    let (field, centred) = schema.frame_source().ok()?;
    let (c, o, d) = (schema.channels(), usize::from(field.offset), schema.dim());
    let n = sample.len().checked_div(c)?;
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

/// Largest centroid-grid shift: `|x| < 2^e` puts `x * 2^(40 - e)` below `2^40`.
const CENTROID_BITS: i32 = 40;
/// Scatter grid: centred coordinates are rounded to `2^-30` of their largest magnitude.
const SCATTER_BITS: i32 = 30;
/// Rows summed in `i64` before the sums move to `i128`: scatter products are below `2^60`,
/// seven of them below `2^63`.
const PRODUCT_BLOCK: usize = 7;
/// Rows summed in `i32` before the centroid sums move to `i128`: integer parts below `2^24`,
/// rounded rests at most `2^16`.
const CENTROID_BLOCK: usize = 127;

/// Order key of an f32 bit pattern: integer order equals float order on non-NaN values.
#[inline(always)]
fn key(bits: u32) -> i32 {
    (bits ^ ((((bits as i32) >> 31) as u32) >> 1)) as i32
}

/// The f32 whose [`key`] is `k`.
#[inline(always)]
fn from_key(k: i32) -> f32 {
    f32::from_bits(key(k as u32) as u32)
}

/// Half-away-from-zero rounding of `y` from `t = trunc(2 y)` (`|t| < 2^31`).
#[inline(always)]
fn halve_away(t: i32) -> i32 {
    (t >> 1) + (t & 1 & !(((t as u32) >> 31) as i32))
}

/// The `D` frame-source coordinates of every row (rows too short for them are skipped, as
/// [`exact_moments`] never sees one: the schema fixes the layout).
#[inline(always)]
fn points<const D: usize>(
    sample: &[f32],
    c: usize,
    o: usize,
) -> impl Iterator<Item = &[f32; D]> + Clone {
    sample
        .chunks_exact(c)
        .filter_map(move |row| row.get(o..o + D)?.try_into().ok())
}

/// Per-coordinate minimum and maximum (as order keys) and the largest magnitude's bit
/// pattern; `None` when a coordinate is not finite.
#[inline(never)]
fn extremes<const D: usize>(sample: &[f32], c: usize, o: usize) -> Option<([i32; D], [i32; D])> {
    let mut lo = [i32::MAX; D];
    let mut hi = [i32::MIN; D];
    #[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
    if D == 3 && o + 3 <= c && sample.len() >= c {
        let rows = sample.len() / c;
        // SAFETY: as for `centroid_block`: row `k < rows` reads below `rows * c`.
        let (l, h) = unsafe { smlal::extremes3(sample.as_ptr().wrapping_add(o), rows, c * 4) };
        for k in 0..D {
            lo[k] = l[k % 3];
            hi[k] = h[k % 3];
        }
        let finite = lo.iter().chain(&hi).all(|&k| from_key(k).is_finite());
        return finite.then_some((lo, hi));
    }
    for p in points::<D>(sample, c, o) {
        for k in 0..D {
            let v = key(p[k].to_bits());
            lo[k] = lo[k].min(v);
            hi[k] = hi[k].max(v);
        }
    }
    // Keys of NaN lie beyond those of the infinities, so finite extremes mean finite data.
    let finite = lo.iter().chain(&hi).all(|&k| from_key(k).is_finite());
    finite.then_some((lo, hi))
}

/// Integer coordinate sums on the centroid grid for `|x| < 2^e`: `round(x * 2^(40 - e))`
/// (half away from zero) per coordinate, as `hi * 2^16 + lo` with `hi = trunc(x * 2^(24 - e))`
/// and `lo` the rounded rest, both from exact f32 operations; `scale = 2^(24 - e)` as f32.
#[inline(never)]
fn centroid_sums<const D: usize>(sample: &[f32], c: usize, o: usize, scale: f32) -> [i128; 3] {
    let mut sums = [0i128; 3];
    for block in sample.chunks(c * CENTROID_BLOCK) {
        let (hi, lo) = centroid_block::<D>(block, c, o, scale);
        for k in 0..D {
            sums[k] += (i128::from(hi[k]) << 16) + i128::from(lo[k]);
        }
    }
    sums
}

/// [`centroid_sums`] of one block of at most `CENTROID_BLOCK` rows: `(sum hi, sum lo)` per
/// coordinate (assembly on hard-float Arm for 3D).
#[inline(always)]
fn centroid_block<const D: usize>(
    block: &[f32],
    c: usize,
    o: usize,
    scale: f32,
) -> ([i32; D], [i32; D]) {
    let mut hi = [0i32; D];
    let mut lo = [0i32; D];
    #[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
    if D == 3 && o + 3 <= c && block.len() >= c {
        let rows = block.len() / c;
        // SAFETY: row `k < rows` reads indices `k * c + o .. k * c + o + 3`, the last of which
        // is below `rows * c <= block.len()` because `o + 3 <= c`; `rows >= 1`.
        let (h, l) =
            unsafe { smlal::centroid_block3(block.as_ptr().wrapping_add(o), rows, c * 4, scale) };
        for k in 0..D {
            hi[k] = h[k % 3];
            lo[k] = l[k % 3];
        }
        return (hi, lo);
    }
    for p in points::<D>(block, c, o) {
        for k in 0..D {
            // Exact: power-of-two scaling below 2^24 (a subnormal product has hi = lo = 0
            // either way), the integer part fits f32, and the fraction is y's own low bits.
            let y = p[k] * scale;
            let h = y as i32;
            let t = ((y - h as f32) * 131_072.0) as i32;
            hi[k] += h;
            lo[k] += halve_away(t);
        }
    }
    (hi, lo)
}

/// Integer product sums (upper triangle) of the centred coordinates on the scatter grid;
/// `scale2 = 2^(31 - e)` (twice the grid scale) as f32.
#[inline(never)]
fn scatter_sums<const D: usize>(
    sample: &[f32],
    c: usize,
    o: usize,
    origin: [f32; 3],
    scale2: f32,
) -> [[i128; 3]; 3] {
    let mut acc = [[0i128; 3]; 3];
    // Grid coordinates of one tile of rows; rows past a short last tile stay zero and add
    // nothing. Fixed-length tiles let the product sums unroll into multiply-accumulates.
    let mut q = [[0i32; D]; PRODUCT_BLOCK];
    for block in sample.chunks(c * PRODUCT_BLOCK) {
        let mut len = 0;
        for (dst, p) in q.iter_mut().zip(points::<D>(block, c, o)) {
            for k in 0..D {
                // Exact: a power-of-two scale below 2^31 (a subnormal product truncates to 0
                // either way); `as` truncates toward zero.
                dst[k] = halve_away(((p[k] - origin[k]) * scale2) as i32);
            }
            len += 1;
        }
        for row in q.iter_mut().skip(len) {
            *row = [0; D];
        }
        let (diag, off) = tile_products(&q);
        for k in 0..D {
            acc[k][k] += i128::from(diag[k]);
        }
        acc[0][1] += i128::from(off[0]);
        acc[0][2] += i128::from(off[1]);
        acc[1][2] += i128::from(off[2]);
    }
    acc
}

/// Sums over a tile of the squares (`[xx, yy, zz]`, `D` of them) and of the pairwise products
/// (`[xy, xz, yz]`; only `xy` in 2D) of the grid coordinates: `SMLAL` on hard-float Arm for 3D.
#[inline(always)]
fn tile_products<const D: usize>(q: &[[i32; D]; PRODUCT_BLOCK]) -> ([i64; 3], [i64; 3]) {
    #[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
    if let Ok(flat) = <&[i32; 21]>::try_from(q.as_flattened()) {
        return smlal::tile_products3(flat);
    }
    let mut diag = [0i64; 3];
    for r in q {
        for k in 0..D {
            diag[k] += i64::from(r[k]) * i64::from(r[k]);
        }
    }
    let mut off = [0i64; 3];
    for r in q {
        off[0] += i64::from(r[0]) * i64::from(r[1 % D]);
        if D == 3 {
            off[1] += i64::from(r[0]) * i64::from(r[2 % D]);
            off[2] += i64::from(r[1 % D]) * i64::from(r[2 % D]);
        }
    }
    (diag, off)
}

/// The fast form of [`exact_moments_reference`] for `D` coordinates: the same integers, from
/// the f32 bit patterns and f32 power-of-two scaling instead of f64 rounding. Three passes:
/// extremes (the largest centred magnitude follows from them, `fl(x - c)` being monotone in
/// `x`), centroid sums, scatter sums.
fn exact_fast<const D: usize>(
    sample: &[f32],
    c: usize,
    o: usize,
    centred: bool,
    n: usize,
) -> Option<Moments> {
    let mut origin = [0.0f32; 3];
    let (lo, hi) = extremes::<D>(sample, c, o)?;
    let m = if centred {
        let m0 = lo
            .iter()
            .chain(&hi)
            .map(|&k| from_key(k).to_bits() & 0x7fff_ffff)
            .max()
            .map_or(0.0, f32::from_bits);
        if m0 > 0.0 {
            let (_, e) = libm::frexpf(m0);
            if !(-102..=150).contains(&e) {
                return None;
            }
            let sums = centroid_sums::<D>(sample, c, o, libm::ldexpf(1.0, 24 - e));
            origin = finish_origin(&sums, grid(m0, CENTROID_BITS), n, D);
        }
        let mut m = 0.0f32;
        for k in 0..D {
            for v in [from_key(lo[k]) - origin[k], from_key(hi[k]) - origin[k]] {
                if !v.is_finite() {
                    return None;
                }
                m = m.max(v.abs());
            }
        }
        m
    } else {
        // Uncentred: the largest magnitude is at an extreme.
        lo.iter()
            .chain(&hi)
            .map(|&k| from_key(k).abs())
            .fold(0.0f32, f32::max)
    };
    let mut scatter = [[0.0f32; 3]; 3];
    if m > 0.0 {
        let (_, e) = libm::frexpf(m);
        if !(-96..=157).contains(&e) {
            return None;
        }
        let scale2 = libm::ldexpf(1.0, 31 - e);
        let acc = scatter_sums::<D>(sample, c, o, origin, scale2);
        scatter = finish_scatter(&acc, grid(m, SCATTER_BITS), D)?;
    }
    Some(Moments {
        dim: D,
        weight: n as f32,
        origin,
        scatter,
    })
}

/// Exact-order moments of `sample` for `schema`'s frame source (`None` when the sample is
/// empty, has no geometric field or non-finite / overflowing values: the caller then lets the
/// frame module report the error). Bit-identical to [`exact_moments_reference`].
pub(crate) fn exact_moments(schema: &InputSchema, sample: &[f32]) -> Option<Moments> {
    let (field, centred) = schema.frame_source().ok()?;
    // `max(1)`: a validated schema has channels; no chunking by zero either way.
    let (c, o) = (schema.channels().max(1), usize::from(field.offset));
    let n = sample.len() / c;
    if n == 0 {
        return None;
    }
    // The fast form covers 3D sources (2D ones take the reference: one form fewer in flash);
    // it declines spreads below 2^-96 (its f32 scale would not be normal) and gives `None` on
    // bad input, where the reference gives `None` too.
    let fast = match schema.dim() {
        3 => exact_fast::<3>(sample, c, o, centred, n),
        _ => None,
    };
    fast.or_else(|| exact_moments_reference(schema, sample))
}

impl InputSchema {
    /// The exact-order moments the engine builds frame sets from: the centroid and scatter
    /// from integer sums on a power-of-two grid (see the module documentation of
    /// `engine::moments`), so a shuffled sample gives bit-identical moments. `None` when the
    /// sample is empty, has no geometric field, or holds non-finite or overflowing values
    /// ([`InputSchema::moments`] then names the problem).
    pub fn exact_moments(&self, sample: &[f32]) -> Option<Moments> {
        exact_moments(self, sample)
    }

    /// The reference form of [`InputSchema::exact_moments`] (f64 rounding and `i128` sums per
    /// row, about 20x slower on Cortex-M4F); the two are bit-identical.
    pub fn exact_moments_reference(&self, sample: &[f32]) -> Option<Moments> {
        exact_moments_reference(self, sample)
    }
}

#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
mod smlal;

#[cfg(test)]
mod tests;

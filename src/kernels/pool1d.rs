//! Windowed pooling over time (`n x c` -> `n_out x c`, window `k`, stride, padding): max and
//! average, int8 (TFLite Micro MAX_POOL_2D / AVERAGE_POOL_2D on a `1 x n` image) and f32.
//!
//! Padded positions are skipped, not zero-filled: the average divides by the number of valid
//! taps in the window, as TFLite Micro does.

use super::chunks::ChunksNz;

use super::Conv1dDims;

/// Shape of a windowed 1-D pooling: input `n x c`, output `n_out() x c`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Pool1dDims {
    /// Input length (time steps).
    pub n: usize,
    /// Channels.
    pub c: usize,
    /// Window size.
    pub k: usize,
    /// Stride (at least 1).
    pub stride: usize,
    /// Padding before the first step.
    pub pad_left: usize,
    /// Padding after the last step.
    pub pad_right: usize,
}

impl Pool1dDims {
    /// "VALID" pooling (no padding).
    pub fn valid(n: usize, c: usize, k: usize, stride: usize) -> Self {
        Self {
            n,
            c,
            k,
            stride,
            pad_left: 0,
            pad_right: 0,
        }
    }

    /// TensorFlow "SAME" padding (`n_out = ceil(n / stride)`).
    pub fn same(n: usize, c: usize, k: usize, stride: usize) -> Self {
        let d = Conv1dDims::same(n, c, c, k, stride);
        Self {
            n,
            c,
            k,
            stride,
            pad_left: d.pad_left,
            pad_right: d.pad_right,
        }
    }

    /// Output length, 0 when the padded input is shorter than the window or `k` / `stride`
    /// is 0.
    pub fn n_out(&self) -> usize {
        Conv1dDims {
            n: self.n,
            cin: self.c,
            cout: self.c,
            k: self.k,
            stride: self.stride,
            pad_left: self.pad_left,
            pad_right: self.pad_right,
        }
        .n_out()
    }

    /// Valid input rows `lo..hi` of output step `t` (may be empty).
    fn taps(&self, t: usize) -> (usize, usize) {
        let origin = (t * self.stride) as isize - self.pad_left as isize;
        let lo = origin.max(0) as usize;
        let hi = (origin + self.k as isize)
            .max(0)
            .min(self.n as isize)
            .max(0) as usize;
        (lo, hi.max(lo))
    }
}

/// Runs `f(window rows, out row)` for every output step with validated lengths.
fn each_window<T, U>(
    input: &[T],
    d: &Pool1dDims,
    out: &mut [U],
    mut f: impl FnMut(&[T], usize, &mut [U]),
) {
    let (Some(xl), Some(ol)) = (d.n.checked_mul(d.c), d.n_out().checked_mul(d.c)) else {
        return;
    };
    let (Some(x), Some(o)) = (input.get(..xl), out.get_mut(..ol)) else {
        return;
    };
    if d.c == 0 {
        return;
    }
    for (t, orow) in o.chunks_nz_mut(d.c).enumerate() {
        let (lo, hi) = d.taps(t);
        if let Some(win) = x.get(lo * d.c..hi * d.c) {
            f(win, hi - lo, orow);
        }
    }
}

/// int8 windowed max pooling over the valid taps (same scale in and out, TFLite Micro
/// MAX_POOL_2D), clamped to `act_min..=act_max`. Windows with no valid tap (only possible with
/// padding at least `k`) are left untouched; nothing is written when a slice is shorter than
/// `dims` says.
pub fn max_pool1d_i8(input: &[i8], dims: &Pool1dDims, act_min: i32, act_max: i32, out: &mut [i8]) {
    let lo = act_min.clamp(-128, 127);
    let hi = act_max.max(lo).min(127);
    each_window(input, dims, out, |win, cnt, orow| {
        if cnt == 0 {
            return;
        }
        orow.fill(i8::MIN);
        for row in win.chunks_nz(orow.len()) {
            for (o, &v) in orow.iter_mut().zip(row) {
                *o = (*o).max(v);
            }
        }
        for o in orow.iter_mut() {
            *o = i32::from(*o).max(lo).min(hi) as i8;
        }
    });
}

/// int8 windowed average pooling, TFLite Micro's AVERAGE_POOL_2D: integer sum of the valid
/// taps, divided by their count rounding half away from zero, clamped to
/// `act_min..=act_max` (same scale and zero point in and out). Windows with no valid tap are
/// left untouched.
pub fn avg_pool1d_i8(input: &[i8], dims: &Pool1dDims, act_min: i32, act_max: i32, out: &mut [i8]) {
    let lo = act_min.clamp(-128, 127);
    let hi = act_max.max(lo).min(127);
    const BLOCK: usize = 32;
    each_window(input, dims, out, |win, cnt, orow| {
        let Ok(cnt) = i32::try_from(cnt) else {
            return;
        };
        if cnt == 0 {
            return;
        }
        let c = orow.len();
        let mut c0 = 0;
        for ob in orow.chunks_mut(BLOCK) {
            let mut acc = [0i32; BLOCK];
            for row in win.chunks_nz(c) {
                if let Some(seg) = row.get(c0..c0 + ob.len()) {
                    for (a, &v) in acc.iter_mut().zip(seg) {
                        *a = a.wrapping_add(i32::from(v));
                    }
                }
            }
            for (o, &a) in ob.iter_mut().zip(&acc) {
                let q = if a > 0 {
                    (a + cnt / 2) / cnt
                } else {
                    (a - cnt / 2) / cnt
                };
                *o = q.max(lo).min(hi) as i8;
            }
            c0 += ob.len();
        }
    });
}

/// f32 windowed max pooling over the valid taps, clamped to `act_min..=act_max`.
pub fn max_pool1d_f32(
    input: &[f32],
    dims: &Pool1dDims,
    act_min: f32,
    act_max: f32,
    out: &mut [f32],
) {
    each_window(input, dims, out, |win, cnt, orow| {
        if cnt == 0 {
            return;
        }
        orow.fill(f32::NEG_INFINITY);
        for row in win.chunks_nz(orow.len()) {
            for (o, &v) in orow.iter_mut().zip(row) {
                *o = o.max(v);
            }
        }
        for o in orow.iter_mut() {
            *o = o.max(act_min).min(act_max);
        }
    });
}

/// f32 windowed average over the valid taps (summed in index order), clamped to
/// `act_min..=act_max`.
pub fn avg_pool1d_f32(
    input: &[f32],
    dims: &Pool1dDims,
    act_min: f32,
    act_max: f32,
    out: &mut [f32],
) {
    each_window(input, dims, out, |win, cnt, orow| {
        if cnt == 0 {
            return;
        }
        orow.fill(0.0);
        for row in win.chunks_nz(orow.len()) {
            for (o, &v) in orow.iter_mut().zip(row) {
                *o += v;
            }
        }
        for o in orow.iter_mut() {
            *o = (*o / cnt as f32).max(act_min).min(act_max);
        }
    });
}

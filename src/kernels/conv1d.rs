//! 1-D convolution over time (`n x cin` windows, e.g. IMU), kernel `k`, stride and zero
//! padding; int8 and f32.
//!
//! Padding and the folded zero point: TFLite Micro skips padded taps, i.e. they contribute
//! `0` to `sum((x - zp_in) * w)`. Our int8 kernels accumulate `sum(x * w)` on raw inputs with
//! `- zp_in * sum(w)` folded into the bias over *all* `k x cin` taps, so a padded tap must
//! contribute `zp_in * w`: padded inputs are emulated as `x = zp_in` (the quantized real zero),
//! which makes the result bit-exact with TFLite Micro. The f32 kernel pads with `0.0`.

use super::chunks::ChunksNz;

use super::dense::{dense_row, dense_row_f32};
use super::dot::{dot, dot_f32};
use super::qparams::requant;
use super::{FParams, QParams};

/// Shape of a 1-D convolution. Input `n x cin`, weights `cout x k x cin`, output
/// `n_out() x cout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Conv1dDims {
    /// Input length (time steps).
    pub n: usize,
    /// Input channels.
    pub cin: usize,
    /// Output channels.
    pub cout: usize,
    /// Kernel size (taps).
    pub k: usize,
    /// Stride (at least 1).
    pub stride: usize,
    /// Zero padding before the first step.
    pub pad_left: usize,
    /// Zero padding after the last step.
    pub pad_right: usize,
}

impl Conv1dDims {
    /// "VALID" convolution (no padding).
    pub fn valid(n: usize, cin: usize, cout: usize, k: usize, stride: usize) -> Self {
        Self {
            n,
            cin,
            cout,
            k,
            stride,
            pad_left: 0,
            pad_right: 0,
        }
    }

    /// TensorFlow "SAME" padding: `n_out = ceil(n / stride)`, the odd padding step after
    /// the input (as TFLite computes it).
    pub fn same(n: usize, cin: usize, cout: usize, k: usize, stride: usize) -> Self {
        let s = stride.max(1);
        let n_out = n.div_ceil(s);
        let total = (n_out.saturating_sub(1) * s + k).saturating_sub(n);
        Self {
            n,
            cin,
            cout,
            k,
            stride,
            pad_left: total / 2,
            pad_right: total - total / 2,
        }
    }

    /// Output length `(n + pad_left + pad_right - k) / stride + 1`, or 0 when the padded
    /// input is shorter than the kernel or `k` / `stride` is 0.
    pub fn n_out(&self) -> usize {
        let padded = self
            .n
            .saturating_add(self.pad_left)
            .saturating_add(self.pad_right);
        if self.k == 0 || self.stride == 0 || padded < self.k {
            return 0;
        }
        (padded - self.k) / self.stride + 1
    }

    /// Multiply-accumulates of one evaluation (`n_out * cout * k * cin`).
    pub fn macs(&self) -> usize {
        self.n_out()
            .saturating_mul(self.cout)
            .saturating_mul(self.k)
            .saturating_mul(self.cin)
    }

    /// Lengths of input, weights and output, `None` on overflow.
    fn lens(&self) -> Option<(usize, usize, usize)> {
        let x = self.n.checked_mul(self.cin)?;
        let w = self.cout.checked_mul(self.k)?.checked_mul(self.cin)?;
        let o = self.n_out().checked_mul(self.cout)?;
        Some((x, w, o))
    }
}

/// Where output step `t` reads: `Ok(first input step)` when every tap is inside the input,
/// `Err(signed first step)` when some taps fall in the padding.
fn window(d: &Conv1dDims, t: usize) -> Result<usize, isize> {
    let start = (t * d.stride) as isize - d.pad_left as isize;
    if start >= 0 && start as usize + d.k <= d.n {
        Ok(start as usize)
    } else {
        Err(start)
    }
}

/// int8 Conv1d, bit-exact with TFLite Micro's per-channel CONV_2D on a `1 x n` image (see the
/// module documentation for padding). `input_zero_point` is the zero point folded into
/// `q.bias`. Writes nothing when a slice is shorter than `dims` says.
pub fn conv1d_i8(
    input: &[i8],
    weights: &[i8],
    dims: &Conv1dDims,
    input_zero_point: i32,
    q: &QParams,
    out: &mut [i8],
) {
    let d = *dims;
    let Some((xl, wl, ol)) = d.lens() else {
        return;
    };
    let (Some(x), Some(w), Some(o)) = (input.get(..xl), weights.get(..wl), out.get_mut(..ol))
    else {
        return;
    };
    if !q.covers(d.cout) || d.cout == 0 || d.cin == 0 {
        if d.cin == 0 && d.cout > 0 && q.covers(d.cout) {
            for row in o.chunks_nz_mut(d.cout) {
                dense_row(&[], &[], q, row);
            }
        }
        return;
    }
    let (lo, hi) = q.clamp_bounds();
    let span = d.k * d.cin;
    for (t, orow) in o.chunks_nz_mut(d.cout).enumerate() {
        match window(&d, t) {
            Ok(s) => {
                if let Some(win) = x.get(s * d.cin..s * d.cin + span) {
                    dense_row(win, w, q, orow);
                }
            }
            Err(start) => {
                let params = q.bias.iter().zip(q.multiplier).zip(q.shift);
                for ((o, wrow), ((&b, &m), &s)) in
                    orow.iter_mut().zip(w.chunks_nz(span)).zip(params)
                {
                    let mut acc = 0i32;
                    for (j, tap) in wrow.chunks_nz(d.cin).enumerate() {
                        let pos = start + j as isize;
                        let xr = usize::try_from(pos)
                            .ok()
                            .and_then(|p| x.get(p * d.cin..(p + 1) * d.cin));
                        acc = acc.wrapping_add(match xr {
                            Some(xr) => dot(xr, tap),
                            None => tap
                                .iter()
                                .fold(0i32, |a, &v| a.wrapping_add(i32::from(v)))
                                .wrapping_mul(input_zero_point),
                        });
                    }
                    *o = requant(acc.wrapping_add(b), m, s, q.out_zero_point, lo, hi);
                }
            }
        }
    }
}

/// f32 Conv1d (padded taps are `0.0`), same layout as [`conv1d_i8`]; taps summed in
/// `(tap, channel)` order. Writes nothing when a slice is shorter than `dims` says.
pub fn conv1d_f32(input: &[f32], weights: &[f32], dims: &Conv1dDims, p: &FParams, out: &mut [f32]) {
    let d = *dims;
    let Some((xl, wl, ol)) = d.lens() else {
        return;
    };
    let (Some(x), Some(w), Some(o), Some(bias)) = (
        input.get(..xl),
        weights.get(..wl),
        out.get_mut(..ol),
        p.bias.get(..d.cout),
    ) else {
        return;
    };
    if d.cout == 0 {
        return;
    }
    if d.cin == 0 {
        for row in o.chunks_nz_mut(d.cout) {
            dense_row_f32(&[], &[], bias, p, row);
        }
        return;
    }
    let span = d.k * d.cin;
    for (t, orow) in o.chunks_nz_mut(d.cout).enumerate() {
        let start = (t * d.stride) as isize - d.pad_left as isize;
        for ((o, wrow), &b) in orow.iter_mut().zip(w.chunks_nz(span)).zip(bias) {
            let mut acc = 0.0f32;
            for (j, tap) in wrow.chunks_nz(d.cin).enumerate() {
                let xr = usize::try_from(start + j as isize)
                    .ok()
                    .and_then(|p| x.get(p * d.cin..(p + 1) * d.cin));
                if let Some(xr) = xr {
                    acc += dot_f32(xr, tap);
                }
            }
            *o = p.clamp(acc + b);
        }
    }
}

//! Grouped and dilated 1-D convolution (`groups = cin = cout / multiplier` is the depthwise
//! convolution, TFLite Micro DEPTHWISE_CONV_2D on a `1 x n` image), int8 and f32.
//!
//! Weights are `cout x k x (cin / groups)`; output channel `o` belongs to group
//! `o / (cout / groups)` and reads input channels `g * cin_g .. (g + 1) * cin_g`. Tap `j` of
//! output step `t` reads input step `t * stride - pad_left + j * dilation`. Padded taps act as
//! the input zero point, exactly as in [`conv1d_i8`](super::conv1d_i8), so the result is
//! bit-exact with TFLite Micro (which skips them and subtracts the zero point from the rest).

use super::chunks::ChunksNz;

use super::qparams::requant;
use super::{FParams, QParams};

/// Shape of a grouped / dilated 1-D convolution: input `n x cin`, weights
/// `cout x k x (cin / groups)`, output `n_out() x cout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GroupedConv1dDims {
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
    /// Distance between taps (at least 1).
    pub dilation: usize,
    /// Channel groups (divides `cin` and `cout`).
    pub groups: usize,
}

impl GroupedConv1dDims {
    /// Span of the dilated kernel, `dilation * (k - 1) + 1` (0 when `k` is 0).
    pub fn span(&self) -> usize {
        if self.k == 0 {
            return 0;
        }
        self.dilation.saturating_mul(self.k - 1).saturating_add(1)
    }

    /// Output length `(n + pad_left + pad_right - span) / stride + 1`, 0 when the padded
    /// input is shorter than the span or a parameter is 0.
    pub fn n_out(&self) -> usize {
        let padded = self
            .n
            .saturating_add(self.pad_left)
            .saturating_add(self.pad_right);
        let span = self.span();
        if self.k == 0 || self.stride == 0 || self.dilation == 0 || padded < span {
            return 0;
        }
        (padded - span) / self.stride + 1
    }

    /// Input channels per group, `None` when `groups` does not divide both channel counts.
    pub fn cin_per_group(&self) -> Option<usize> {
        let g = self.groups;
        (g > 0 && self.cin.is_multiple_of(g) && self.cout.is_multiple_of(g)).then(|| self.cin / g)
    }

    /// Multiply-accumulates of one evaluation (`n_out * cout * k * cin / groups`).
    pub fn macs(&self) -> usize {
        let cig = self.cin_per_group().unwrap_or(0);
        self.n_out()
            .saturating_mul(self.cout)
            .saturating_mul(self.k)
            .saturating_mul(cig)
    }

    /// Lengths of input, weights and output, and the channels per group in and out.
    fn lens(&self) -> Option<(usize, usize, usize, usize, usize)> {
        let cig = self.cin_per_group()?;
        let cog = self.cout / self.groups;
        let x = self.n.checked_mul(self.cin)?;
        let w = self.cout.checked_mul(self.k)?.checked_mul(cig)?;
        let o = self.n_out().checked_mul(self.cout)?;
        Some((x, w, o, cig, cog))
    }

    /// Input step of tap `j` of output step `t`, `None` in the padding.
    #[inline(always)]
    fn tap(&self, t: usize, j: usize) -> Option<usize> {
        let p = (t * self.stride + j * self.dilation).checked_sub(self.pad_left)?;
        (p < self.n).then_some(p)
    }
}

/// int8 grouped / dilated Conv1d, bit-exact with TFLite Micro's per-channel CONV_2D /
/// DEPTHWISE_CONV_2D on a `1 x n` image. `input_zero_point` is the zero point folded into
/// `q.bias` (over all `k x cin / groups` taps). Writes nothing when a slice is shorter than
/// `dims` says or `groups` does not divide the channels.
pub fn conv1d_grouped_i8(
    input: &[i8],
    weights: &[i8],
    dims: &GroupedConv1dDims,
    input_zero_point: i32,
    q: &QParams,
    out: &mut [i8],
) {
    let d = *dims;
    let Some((xl, wl, ol, cig, cog)) = d.lens() else {
        return;
    };
    let (Some(x), Some(w), Some(o)) = (input.get(..xl), weights.get(..wl), out.get_mut(..ol))
    else {
        return;
    };
    if !q.covers(d.cout) || d.cout == 0 || cog == 0 {
        return;
    }
    let (lo, hi) = q.clamp_bounds();
    let span = d.k * cig;
    let params = || q.bias.iter().zip(q.multiplier).zip(q.shift);
    for (t, orow) in o.chunks_nz_mut(d.cout).enumerate() {
        for (oc, ((o, wrow), ((&b, &m), &s))) in orow
            .iter_mut()
            .zip(w.chunks_nz(span.max(1)))
            .zip(params())
            .enumerate()
        {
            let c0 = (oc / cog) * cig;
            let mut acc = 0i32;
            for (j, tap) in wrow.chunks_nz(cig.max(1)).enumerate() {
                let xr = d
                    .tap(t, j)
                    .and_then(|p| x.get(p * d.cin + c0..p * d.cin + c0 + cig));
                // `r` and `tap` both hold `cig` values.
                match xr {
                    Some(r) => {
                        for (&wv, &xv) in tap.iter().zip(r) {
                            acc = acc.wrapping_add(i32::from(xv).wrapping_mul(i32::from(wv)));
                        }
                    }
                    None => {
                        for &wv in tap {
                            acc = acc.wrapping_add(input_zero_point.wrapping_mul(i32::from(wv)));
                        }
                    }
                }
            }
            *o = requant(acc.wrapping_add(b), m, s, q.out_zero_point, lo, hi);
        }
    }
}

/// f32 grouped / dilated Conv1d (padded taps are `0.0`), layout as [`conv1d_grouped_i8`];
/// taps summed in `(tap, channel)` order.
pub fn conv1d_grouped_f32(
    input: &[f32],
    weights: &[f32],
    dims: &GroupedConv1dDims,
    p: &FParams,
    out: &mut [f32],
) {
    let d = *dims;
    let Some((xl, wl, ol, cig, cog)) = d.lens() else {
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
    if d.cout == 0 || cog == 0 {
        return;
    }
    let span = d.k * cig;
    for (t, orow) in o.chunks_nz_mut(d.cout).enumerate() {
        for (oc, ((o, wrow), &b)) in orow
            .iter_mut()
            .zip(w.chunks_nz(span.max(1)))
            .zip(bias)
            .enumerate()
        {
            let c0 = (oc / cog) * cig;
            let mut acc = 0.0f32;
            for (j, tap) in wrow.chunks_nz(cig.max(1)).enumerate() {
                let xr = d
                    .tap(t, j)
                    .and_then(|p| x.get(p * d.cin + c0..p * d.cin + c0 + cig));
                if let Some(xr) = xr {
                    for (a, wv) in xr.iter().zip(tap) {
                        acc += a * wv;
                    }
                }
            }
            *o = p.clamp(acc + b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::{conv1d_i8, Conv1dDims};
    use crate::quant::Activation;

    fn dims(n: usize, cin: usize, cout: usize, k: usize, groups: usize) -> GroupedConv1dDims {
        GroupedConv1dDims {
            n,
            cin,
            cout,
            k,
            stride: 1,
            pad_left: 1,
            pad_right: 1,
            dilation: 1,
            groups,
        }
    }

    #[test]
    fn one_group_equals_conv1d() {
        let d = dims(7, 3, 4, 3, 1);
        let x: Vec<i8> = (0..21).map(|i| (i * 37 % 255 - 127) as i8).collect();
        let w: Vec<i8> = (0..36).map(|i| (i * 53 % 255 - 127) as i8).collect();
        let bias = [100, -2000, 3, 40];
        let (m, s) = ([1 << 30, 1 << 29, 1 << 30, 3 << 28], [-6, -5, -7, -6]);
        let q = QParams {
            bias: &bias,
            multiplier: &m,
            shift: &s,
            out_zero_point: -3,
            act_min: -128,
            act_max: 127,
        };
        let (mut a, mut b) = ([0i8; 28], [0i8; 28]);
        conv1d_grouped_i8(&x, &w, &d, 5, &q, &mut a);
        let c = Conv1dDims {
            n: 7,
            cin: 3,
            cout: 4,
            k: 3,
            stride: 1,
            pad_left: 1,
            pad_right: 1,
        };
        conv1d_i8(&x, &w, &c, 5, &q, &mut b);
        assert_eq!(a, b);
    }

    #[test]
    fn depthwise_dilated_by_hand() {
        // cin = cout = groups = 2, k = 2, dilation 2: y[t, c] = w[c, 0] x[t, c] + w[c, 1] x[t + 2, c] + b[c].
        let d = GroupedConv1dDims {
            pad_left: 0,
            pad_right: 0,
            dilation: 2,
            ..dims(5, 2, 2, 2, 2)
        };
        assert_eq!(d.n_out(), 3);
        assert_eq!(d.macs(), 3 * 2 * 2);
        let x = [1.0f32, 10.0, 2.0, 20.0, 3.0, 30.0, 4.0, 40.0, 5.0, 50.0];
        let w = [1.0f32, 100.0, -1.0, 0.5];
        let p = FParams::new(&[0.0, 1.0], Activation::None);
        let mut y = [0.0f32; 6];
        conv1d_grouped_f32(&x, &w, &d, &p, &mut y);
        assert_eq!(y, [301.0, 6.0, 402.0, 1.0, 503.0, -4.0]);
        // groups not dividing the channels: nothing written.
        let bad = GroupedConv1dDims { groups: 3, ..d };
        let mut z = [9.0f32; 6];
        conv1d_grouped_f32(&x, &w, &bad, &p, &mut z);
        assert_eq!(z, [9.0; 6]);
    }
}

//! Per-output-channel requantization parameters shared by the int8 layer kernels.

use crate::quant::multiply_by_quantized_multiplier;

/// Requantization of an int32 accumulator to int8, per output channel.
///
/// For output channel `c`: `out = clamp(MBQM(acc + bias[c], multiplier[c], shift[c]) +
/// out_zero_point, act_min, act_max)` where `acc = sum(x * w)` on the raw int8 input and
/// `bias[c]` already contains the folded input zero-point term `- zp_in * sum(w[c])`
/// (see [`fold_zero_point`](crate::quant::fold_zero_point)). `act_min..=act_max` is the fused
/// ReLU / ReLU6 clamp ([`activation_range`](crate::quant::activation_range)), within
/// `-128..=127`.
///
/// `bias`, `multiplier` and `shift` must hold at least `cout` entries; kernels given shorter
/// slices produce no output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QParams<'a> {
    /// int32 bias per output channel, input zero-point term folded in.
    pub bias: &'a [i32],
    /// Q31 multiplier per output channel (from `quantize_multiplier`).
    pub multiplier: &'a [i32],
    /// Power-of-two exponent per output channel (from `quantize_multiplier`).
    pub shift: &'a [i32],
    /// Output zero point.
    pub out_zero_point: i32,
    /// Lower clamp of the output (fused activation), at least -128.
    pub act_min: i32,
    /// Upper clamp of the output (fused activation), at most 127.
    pub act_max: i32,
}

impl QParams<'_> {
    /// `true` when every per-channel slice covers `cout` channels.
    #[inline]
    pub fn covers(&self, cout: usize) -> bool {
        self.bias.len() >= cout && self.multiplier.len() >= cout && self.shift.len() >= cout
    }

    /// The clamp bounds, made safe to cast to i8 (`-128 <= lo`, `hi <= 127`).
    #[inline]
    pub(crate) fn clamp_bounds(&self) -> (i32, i32) {
        let lo = self.act_min.clamp(-128, 127);
        let hi = self.act_max.clamp(-128, 127);
        (lo, hi.max(lo))
    }

    /// Requantizes a bias-free accumulator of channel `c` (0 when `c` is out of range).
    #[inline]
    pub fn requantize(&self, acc: i32, c: usize) -> i8 {
        let (lo, hi) = self.clamp_bounds();
        match (self.bias.get(c), self.multiplier.get(c), self.shift.get(c)) {
            (Some(&b), Some(&m), Some(&s)) => {
                requant(acc.wrapping_add(b), m, s, self.out_zero_point, lo, hi)
            }
            _ => 0,
        }
    }
}

/// The requantization step: `clamp(MBQM(acc, m, s) + zp, lo, hi)` as i8 (the `+ zp` wraps
/// like TFLite Micro's int32 addition). `lo..=hi` must lie
/// within `-128..=127` (callers pass [`QParams::clamp_bounds`]).
#[inline(always)]
pub(crate) fn requant(acc: i32, m: i32, s: i32, zp: i32, lo: i32, hi: i32) -> i8 {
    // `max(lo).min(hi)` is `clamp(lo, hi)` for `lo <= hi` (see `clamp_bounds`) without
    // clamp's assertion.
    multiply_by_quantized_multiplier(acc, m, s)
        .wrapping_add(zp)
        .max(lo)
        .min(hi) as i8
}

//! Element-wise addition (residual connections), TFLite Micro's int8 ADD and f32.

use crate::quant::{multiply_by_quantized_multiplier, try_quantize_multiplier, QuantError};

/// Left shift applied to both int8 inputs before rescaling (TFLite Micro: 20 for int8).
pub const ADD_LEFT_SHIFT: i32 = 20;

/// Parameters of the int8 ADD (TFLite Micro `OpDataAdd` / `ArithmeticParams`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AddParams {
    /// Zero point of input 1.
    pub zp1: i32,
    /// Zero point of input 2.
    pub zp2: i32,
    /// Output zero point.
    pub out_zero_point: i32,
    /// Left shift of both inputs ([`ADD_LEFT_SHIFT`]).
    pub left_shift: i32,
    /// Q31 multiplier of `s1 / (2 max(s1, s2))`.
    pub multiplier1: i32,
    /// Shift of `s1 / (2 max(s1, s2))`.
    pub shift1: i32,
    /// Q31 multiplier of `s2 / (2 max(s1, s2))`.
    pub multiplier2: i32,
    /// Shift of `s2 / (2 max(s1, s2))`.
    pub shift2: i32,
    /// Q31 multiplier of `2 max(s1, s2) / (2^left_shift s_out)`.
    pub out_multiplier: i32,
    /// Shift of the output multiplier.
    pub out_shift: i32,
    /// Fused activation clamp, lower bound.
    pub act_min: i32,
    /// Fused activation clamp, upper bound.
    pub act_max: i32,
}

impl AddParams {
    /// Conversion-time constructor, as TFLite Micro's `CalculateOpDataAdd` (in double).
    /// `(act_min, act_max)` from [`activation_range`](crate::quant::activation_range).
    pub fn from_scales(
        (s1, zp1): (f32, i32),
        (s2, zp2): (f32, i32),
        (s_out, zp_out): (f32, i32),
        (act_min, act_max): (i32, i32),
    ) -> Result<Self, QuantError> {
        for scale in [s1, s2, s_out] {
            if !(scale.is_finite() && scale > 0.0) {
                return Err(QuantError::BadScale { scale });
            }
        }
        let twice_max = 2.0 * f64::from(s1.max(s2));
        let (multiplier1, shift1) = try_quantize_multiplier(f64::from(s1) / twice_max)?;
        let (multiplier2, shift2) = try_quantize_multiplier(f64::from(s2) / twice_max)?;
        let real_out = twice_max / (f64::from(1i32 << ADD_LEFT_SHIFT) * f64::from(s_out));
        let (out_multiplier, out_shift) = try_quantize_multiplier(real_out)?;
        Ok(Self {
            zp1,
            zp2,
            out_zero_point: zp_out,
            left_shift: ADD_LEFT_SHIFT,
            multiplier1,
            shift1,
            multiplier2,
            shift2,
            out_multiplier,
            out_shift,
            act_min,
            act_max,
        })
    }

    /// One element of TFLite Micro's `AddFunc` for int8.
    #[inline(always)]
    pub fn add(&self, x: i8, y: i8) -> i8 {
        let (a, b) = self.scaled(x, y);
        self.finish(a.wrapping_add(b))
    }

    /// One element of TFLite Micro's int8 SUB (`SubFunc`: the ADD parameters, the scaled
    /// inputs subtracted).
    #[inline(always)]
    pub fn sub(&self, x: i8, y: i8) -> i8 {
        let (a, b) = self.scaled(x, y);
        self.finish(a.wrapping_sub(b))
    }

    /// Both inputs shifted left and rescaled to the common scale.
    #[inline(always)]
    fn scaled(&self, x: i8, y: i8) -> (i32, i32) {
        let ls = self.left_shift.clamp(0, 31) as u32;
        let a = i32::from(x).wrapping_sub(self.zp1).wrapping_shl(ls);
        let b = i32::from(y).wrapping_sub(self.zp2).wrapping_shl(ls);
        (
            multiply_by_quantized_multiplier(a, self.multiplier1, self.shift1),
            multiply_by_quantized_multiplier(b, self.multiplier2, self.shift2),
        )
    }

    /// Output rescale, zero point and clamp of a raw sum or difference.
    #[inline(always)]
    fn finish(&self, raw: i32) -> i8 {
        let raw = multiply_by_quantized_multiplier(raw, self.out_multiplier, self.out_shift)
            .wrapping_add(self.out_zero_point);
        let lo = self.act_min.clamp(-128, 127);
        let hi = self.act_max.clamp(lo, 127);
        raw.clamp(lo, hi) as i8
    }
}

/// int8 element-wise addition of two same-shaped tensors (over the common length).
pub fn add_i8(a: &[i8], b: &[i8], p: &AddParams, out: &mut [i8]) {
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        *o = p.add(x, y);
    }
}

/// f32 element-wise addition with a fused clamp `lo..=hi` (over the common length).
pub fn add_f32(a: &[f32], b: &[f32], lo: f32, hi: f32, out: &mut [f32]) {
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        *o = (x + y).max(lo).min(hi);
    }
}

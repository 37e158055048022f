//! Per-tensor int8 -> int8 requantization (TFLite Micro `Requantize`), used by QUANTIZE with an
//! int8 input, concat of differently scaled inputs and mean / sum pooling.

use crate::quant::{multiply_by_quantized_multiplier, try_quantize_multiplier, QuantError};

/// Per-tensor requantization from `(s_in, zp_in)` to `(s_out, zp_out)`:
/// `out = clamp(MBQM(x - zp_in, multiplier, shift) + zp_out, -128, 127)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Requant {
    /// Zero point of the input tensor.
    pub in_zero_point: i32,
    /// Q31 multiplier of `s_in / s_out`.
    pub multiplier: i32,
    /// Shift of `s_in / s_out`.
    pub shift: i32,
    /// Zero point of the output tensor.
    pub out_zero_point: i32,
}

impl Requant {
    /// The identity (same scale and zero point `zp`).
    pub const fn identity(zp: i32) -> Self {
        Self {
            in_zero_point: zp,
            multiplier: 1 << 30,
            shift: 1,
            out_zero_point: zp,
        }
    }

    /// Conversion-time constructor from the two tensors' scales and zero points
    /// (`QuantizeMultiplier(s_in / s_out)` in double precision, as TFLite Micro).
    pub fn from_scales(s_in: f32, zp_in: i32, s_out: f32, zp_out: i32) -> Result<Self, QuantError> {
        for scale in [s_in, s_out] {
            if !(scale.is_finite() && scale > 0.0) {
                return Err(QuantError::BadScale { scale });
            }
        }
        let (multiplier, shift) = try_quantize_multiplier(f64::from(s_in) / f64::from(s_out))?;
        Ok(Self {
            in_zero_point: zp_in,
            multiplier,
            shift,
            out_zero_point: zp_out,
        })
    }

    /// `MBQM(acc, multiplier, shift) + out_zero_point` before clamping (wrapping like int32).
    #[inline(always)]
    pub fn scale_acc(&self, acc: i32) -> i32 {
        multiply_by_quantized_multiplier(acc, self.multiplier, self.shift)
            .wrapping_add(self.out_zero_point)
    }

    /// Requantizes one value.
    #[inline(always)]
    pub fn apply(&self, x: i8) -> i8 {
        let acc = i32::from(x).wrapping_sub(self.in_zero_point);
        self.scale_acc(acc).clamp(-128, 127) as i8
    }
}

/// Requantizes `input` element-wise into `out` (over the common length).
pub fn requantize_i8(input: &[i8], r: &Requant, out: &mut [i8]) {
    for (o, &x) in out.iter_mut().zip(input) {
        *o = r.apply(x);
    }
}

/// Quantizes f32 values to int8 (`round(x * scale_inv) + zero_point`, saturated; see
/// [`quantize_f32`](crate::quant::quantize_f32)) over the common length.
pub fn quantize_slice(input: &[f32], scale_inv: f32, zero_point: i32, out: &mut [i8]) {
    for (o, &x) in out.iter_mut().zip(input) {
        *o = crate::quant::quantize_f32(x, scale_inv, zero_point);
    }
}

/// Dequantizes int8 values to f32 (`scale * (q - zero_point)`) over the common length.
pub fn dequantize_slice(input: &[i8], scale: f32, zero_point: i32, out: &mut [f32]) {
    for (o, &q) in out.iter_mut().zip(input) {
        *o = crate::quant::dequantize(q, scale, zero_point);
    }
}

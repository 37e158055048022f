//! Stand-alone activations: ReLU / ReLU6 as clamps, leaky ReLU (TFLite Micro int8 form).
//!
//! ReLU and ReLU6 after a layer are normally fused into its requantization
//! ([`QParams::act_min`](super::QParams) / `act_max`); these are for graphs where they stand
//! alone.

use crate::quant::{multiply_by_quantized_multiplier, try_quantize_multiplier, QuantError};

/// Clamps int8 values in place to `lo..=hi` (ReLU: `lo = zp`; ReLU6: `hi = zp + round(6/s)`).
pub fn clamp_i8(data: &mut [i8], lo: i8, hi: i8) {
    let hi = hi.max(lo);
    for v in data {
        *v = (*v).clamp(lo, hi);
    }
}

/// f32 ReLU in place.
pub fn relu_f32(data: &mut [f32]) {
    for v in data {
        *v = v.max(0.0);
    }
}

/// f32 ReLU6 in place.
pub fn relu6_f32(data: &mut [f32]) {
    for v in data {
        *v = v.clamp(0.0, 6.0);
    }
}

/// f32 leaky ReLU: `x` for `x >= 0`, `alpha * x` otherwise (over the common length).
pub fn leaky_relu_f32(input: &[f32], alpha: f32, out: &mut [f32]) {
    for (o, &x) in out.iter_mut().zip(input) {
        *o = if x >= 0.0 { x } else { alpha * x };
    }
}

/// Parameters of the int8 leaky ReLU (TFLite Micro `LeakyReluOpData`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct LeakyReluParams {
    /// Input zero point.
    pub in_zero_point: i32,
    /// Output zero point.
    pub out_zero_point: i32,
    /// Q31 multiplier of `s_in / s_out` (non-negative side).
    pub multiplier_identity: i32,
    /// Shift of `s_in / s_out`.
    pub shift_identity: i32,
    /// Q31 multiplier of `s_in * alpha / s_out` (negative side).
    pub multiplier_alpha: i32,
    /// Shift of `s_in * alpha / s_out`.
    pub shift_alpha: i32,
}

impl LeakyReluParams {
    /// Conversion-time constructor, as TFLite Micro's `LeakyReluPrepare` (the products are
    /// formed in f32 and then widened, as there).
    pub fn from_scales(
        s_in: f32,
        zp_in: i32,
        s_out: f32,
        zp_out: i32,
        alpha: f32,
    ) -> Result<Self, QuantError> {
        for scale in [s_in, s_out] {
            if !(scale.is_finite() && scale > 0.0) {
                return Err(QuantError::BadScale { scale });
            }
        }
        let (multiplier_alpha, shift_alpha) =
            try_quantize_multiplier(f64::from(s_in * alpha / s_out))?;
        let (multiplier_identity, shift_identity) =
            try_quantize_multiplier(f64::from(s_in / s_out))?;
        Ok(Self {
            in_zero_point: zp_in,
            out_zero_point: zp_out,
            multiplier_identity,
            shift_identity,
            multiplier_alpha,
            shift_alpha,
        })
    }
}

/// int8 leaky ReLU, TFLite Micro's `QuantizeLeakyRelu`: `v = x - zp_in`; `out = zp_out +
/// MBQM(v, identity)` for `v >= 0`, `zp_out + MBQM(v, alpha)` otherwise, clamped to int8.
pub fn leaky_relu_i8(input: &[i8], p: &LeakyReluParams, out: &mut [i8]) {
    for (o, &x) in out.iter_mut().zip(input) {
        let v = i32::from(x).wrapping_sub(p.in_zero_point);
        let (m, s) = if v >= 0 {
            (p.multiplier_identity, p.shift_identity)
        } else {
            (p.multiplier_alpha, p.shift_alpha)
        };
        let r = p
            .out_zero_point
            .wrapping_add(multiply_by_quantized_multiplier(v, m, s));
        *o = r.clamp(-128, 127) as i8;
    }
}

//! Affine quantization helpers: `real = scale * (q - zero_point)`.
//!
//! Conversion- and boundary-time helpers (they use `f32`): quantizing the network input,
//! dequantizing its output, computing fused-activation clamps and folding zero points into
//! the bias. None of them is on the integer kernel path.

use super::QuantError;

/// Quantizes `x` to int8 as TFLite Micro's QUANTIZE does (`round(x / scale) + zero_point`,
/// ties away from zero, saturated to `-128..=127`), with the division replaced by a multiply
/// by `scale_inv = 1 / scale` (a tie can therefore land one step differently from TFLite
/// Micro in rare cases). NaN maps to `zero_point` (saturated).
#[inline]
pub fn quantize_f32(x: f32, scale_inv: f32, zero_point: i32) -> i8 {
    // `as i32` saturates and maps NaN to 0.
    let r = libm::roundf(x * scale_inv) as i32;
    r.saturating_add(zero_point).clamp(-128, 127) as i8
}

/// Dequantizes one int8 value: `scale * (q - zero_point)`.
#[inline]
pub fn dequantize(q: i8, scale: f32, zero_point: i32) -> f32 {
    scale * (i32::from(q).wrapping_sub(zero_point)) as f32
}

/// A fused activation that becomes a clamp of the int8 output.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Activation {
    /// No clamp beyond the int8 range.
    #[default]
    None,
    /// `max(x, 0)`.
    Relu,
    /// `min(max(x, 0), 6)`.
    Relu6,
    /// `min(max(x, -1), 1)`.
    ReluN1To1,
}

/// TFLite Micro `CalculateActivationRangeQuantized` for an int8 output with `scale` and
/// `zero_point`: the `(act_min, act_max)` clamp of [`QParams`](crate::kernels::QParams).
pub fn activation_range(
    act: Activation,
    scale: f32,
    zero_point: i32,
) -> Result<(i32, i32), QuantError> {
    if !(scale.is_finite() && scale > 0.0) {
        return Err(QuantError::BadScale { scale });
    }
    let q = |f: f32| zero_point.saturating_add(libm::roundf(f / scale) as i32);
    let (lo, hi) = (-128i32, 127i32);
    Ok(match act {
        Activation::None => (lo, hi),
        Activation::Relu => (lo.max(q(0.0)), hi),
        Activation::Relu6 => (lo.max(q(0.0)), hi.min(q(6.0))),
        Activation::ReluN1To1 => (lo.max(q(-1.0)), hi.min(q(1.0))),
    })
}

/// Folds the input zero point into an int32 bias: `bias - zp_in * sum(weights_row)`
/// (wrapping, like the int32 accumulator it feeds), so the kernels can accumulate
/// `sum(x * w)` on raw int8 inputs.
pub fn fold_zero_point(bias: i32, zp_in: i32, weights_row: &[i8]) -> i32 {
    let sum = weights_row
        .iter()
        .fold(0i32, |s, &w| s.wrapping_add(i32::from(w)));
    bias.wrapping_sub(zp_in.wrapping_mul(sum))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantize_rounds_and_saturates() {
        assert_eq!(quantize_f32(0.25, 2.0, 0), 1); // 0.5 -> 1 (away from zero)
        assert_eq!(quantize_f32(-0.25, 2.0, 0), -1);
        assert_eq!(quantize_f32(1e9, 1.0, 0), 127);
        assert_eq!(quantize_f32(-1e9, 1.0, 5), -128);
        assert_eq!(quantize_f32(f32::NAN, 1.0, 3), 3);
        assert_eq!(dequantize(10, 0.5, 4), 3.0);
    }

    #[test]
    fn relu6_range() {
        assert_eq!(
            activation_range(Activation::Relu6, 0.05, -10),
            Ok((-10, 110))
        );
        assert_eq!(
            activation_range(Activation::Relu, 0.05, -128),
            Ok((-128, 127))
        );
        assert!(activation_range(Activation::Relu, 0.0, 0).is_err());
    }

    #[test]
    fn folding_matches_explicit_offset() {
        let w = [3i8, -7, 127, -127];
        let x = [10i8, -128, 127, 0];
        let zp = -5;
        let direct: i32 = 100
            + x.iter()
                .zip(&w)
                .map(|(&a, &b)| (i32::from(a) - zp) * i32::from(b))
                .sum::<i32>();
        let folded = fold_zero_point(100, zp, &w)
            + x.iter()
                .zip(&w)
                .map(|(&a, &b)| i32::from(a) * i32::from(b))
                .sum::<i32>();
        assert_eq!(direct, folded);
    }
}

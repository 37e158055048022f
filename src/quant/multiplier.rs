//! TFLite Micro `QuantizeMultiplier`: a real multiplier as a Q31 integer and a power of two.
//!
//! Conversion-time only (uses `f64`); the inference path consumes the resulting integers.

use super::QuantError;

/// TFLite Micro `QuantizeMultiplier(double, int32_t*, int*)`, returning `(multiplier, shift)`
/// with `real ~= multiplier * 2^shift / 2^31`.
///
/// Reproduces the frexp-based reference bit for bit, including its edge cases: `0.0` gives
/// `(0, 0)`; a mantissa that rounds up to `2^31` is halved and the shift incremented; a shift
/// below `-31` gives `(0, 0)` (every result would round to zero). Negative multipliers keep
/// their sign in the mantissa as in TFLite Micro. Non-finite input (undefined in TFLite Micro)
/// gives `(0, 0)`; use [`try_quantize_multiplier`] to reject it and too-large shifts.
pub fn quantize_multiplier(real: f64) -> (i32, i32) {
    if real == 0.0 || !real.is_finite() {
        return (0, 0);
    }
    let (q, mut shift) = libm::frexp(real);
    // TfLiteRound is std::round: halfway cases away from zero.
    let mut q_fixed = libm::round(q * (1i64 << 31) as f64) as i64;
    // Only the positive bound is renormalised (as in TFLite Micro); -2^31 fits in i32.
    if q_fixed == (1i64 << 31) {
        q_fixed /= 2;
        shift += 1;
    }
    if shift < -31 {
        return (0, 0);
    }
    // |q| < 1, so -2^31 <= q_fixed < 2^31 after the halving above: it fits in i32.
    (q_fixed as i32, shift)
}

/// [`quantize_multiplier`] that rejects non-finite multipliers and shifts above 31 (which
/// [`multiply_by_quantized_multiplier`](super::multiply_by_quantized_multiplier) cannot apply).
pub fn try_quantize_multiplier(real: f64) -> Result<(i32, i32), QuantError> {
    if !real.is_finite() {
        return Err(QuantError::NonFiniteMultiplier { value: real });
    }
    let (m, shift) = quantize_multiplier(real);
    if shift > 31 {
        return Err(QuantError::MultiplierTooLarge { value: real, shift });
    }
    Ok((m, shift))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(quantize_multiplier(0.0), (0, 0));
        assert_eq!(quantize_multiplier(1.0), (1 << 30, 1));
        assert_eq!(quantize_multiplier(0.5), (1 << 30, 0));
        assert_eq!(quantize_multiplier(0.25), (1 << 30, -1));
        assert_eq!(quantize_multiplier(-0.5), (-(1 << 30), 0));
        assert_eq!(quantize_multiplier(2.0f64.powi(-40)), (0, 0));
        // mantissa just below 1 rounds up to 2^31 and is renormalised
        let (m, s) = quantize_multiplier(1.0 - 1e-12);
        assert_eq!((m, s), (1 << 30, 1));
    }

    #[test]
    fn checked_twin_rejects() {
        assert!(try_quantize_multiplier(f64::NAN).is_err());
        assert!(try_quantize_multiplier(f64::INFINITY).is_err());
        assert!(try_quantize_multiplier(2.0f64.powi(40)).is_err());
        assert_eq!(try_quantize_multiplier(0.75), Ok(quantize_multiplier(0.75)));
    }
}

//! gemmlowp fixed-point primitives as used by TFLite Micro's reference kernels.
//!
//! All three functions are total: they never panic and never overflow in debug builds.
//! Where the C++ code has undefined behaviour (signed overflow of `x * (1 << left_shift)`,
//! shifts of 32 or more) these functions take the two's-complement wrapping result that every
//! TFLite Micro build produces in practice, and clamp shift amounts as documented.

/// gemmlowp `SaturatingRoundingDoublingHighMul`: `a * b / 2^31` rounded to nearest, positive
/// ties up and negative ties toward zero (the nudge is `2^30` or `1 - 2^30`, then the division
/// truncates), with the single overflow case `i32::MIN * i32::MIN` saturating to `i32::MAX`.
#[inline]
pub fn saturating_rounding_doubling_high_mul(a: i32, b: i32) -> i32 {
    if a == i32::MIN && b == i32::MIN {
        return i32::MAX;
    }
    let ab = i64::from(a) * i64::from(b);
    let nudge: i64 = if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
    // `/` truncates toward zero as in C++; the quotient fits in i32 because the only product
    // that would not (2^62) is excluded above.
    ((ab + nudge) / (1i64 << 31)) as i32
}

/// gemmlowp `RoundingDivideByPOT`: `x / 2^exponent` rounded to nearest, ties away from zero.
///
/// `exponent` must lie in `0..=31` (gemmlowp asserts this); values outside are clamped to
/// that range instead of panicking.
#[inline]
pub fn rounding_divide_by_pot(x: i32, exponent: i32) -> i32 {
    let e = exponent.clamp(0, 31) as u32;
    let mask: i32 = ((1i64 << e) - 1) as i32;
    let remainder = x & mask;
    let threshold = (mask >> 1) + i32::from(x < 0);
    (x >> e) + i32::from(remainder > threshold)
}

/// TFLite Micro `MultiplyByQuantizedMultiplier` (default, double-rounding variant):
/// `x * multiplier * 2^shift / 2^31`, where `multiplier` is a Q31 value and `shift` the
/// exponent returned by [`quantize_multiplier`](super::quantize_multiplier).
///
/// A positive `shift` left-shifts `x` first (wrapping on overflow exactly like the 32-bit C++
/// multiplication; clamped to 31), a negative one is a rounding right shift after the
/// high multiply (clamped to 31).
#[inline]
pub fn multiply_by_quantized_multiplier(x: i32, multiplier: i32, shift: i32) -> i32 {
    let left_shift = shift.clamp(0, 31) as u32;
    let right_shift = if shift > 0 { 0 } else { shift.saturating_neg() };
    let shifted = x.wrapping_mul(1i32.wrapping_shl(left_shift));
    rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(shifted, multiplier),
        right_shift,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn high_mul_saturates_only_at_min_min() {
        assert_eq!(
            saturating_rounding_doubling_high_mul(i32::MIN, i32::MIN),
            i32::MAX
        );
        assert_eq!(
            saturating_rounding_doubling_high_mul(i32::MIN, i32::MAX),
            -i32::MAX
        );
        assert_eq!(
            saturating_rounding_doubling_high_mul(i32::MAX, i32::MAX),
            i32::MAX - 1
        );
    }

    #[test]
    fn high_mul_nudge_is_asymmetric() {
        // gemmlowp: +0.5 -> 1, but -0.5 -> 0 and -1.5 -> -1 (the negative nudge is 1 - 2^30)
        assert_eq!(saturating_rounding_doubling_high_mul(1, 1 << 30), 1);
        assert_eq!(saturating_rounding_doubling_high_mul(-1, 1 << 30), 0);
        assert_eq!(saturating_rounding_doubling_high_mul(-3, 1 << 30), -1);
        assert_eq!(saturating_rounding_doubling_high_mul(-5, 1 << 29), -1);
        assert_eq!(saturating_rounding_doubling_high_mul(1, (1 << 30) - 1), 0);
    }

    #[test]
    fn divide_by_pot_rounds_half_away_from_zero() {
        assert_eq!(rounding_divide_by_pot(5, 1), 3);
        assert_eq!(rounding_divide_by_pot(-5, 1), -3);
        assert_eq!(rounding_divide_by_pot(-4, 1), -2);
        assert_eq!(rounding_divide_by_pot(7, 2), 2);
        assert_eq!(rounding_divide_by_pot(-6, 2), -2);
        assert_eq!(rounding_divide_by_pot(i32::MIN, 31), -1);
        assert_eq!(rounding_divide_by_pot(i32::MAX, 31), 1);
        assert_eq!(rounding_divide_by_pot(123, 0), 123);
        assert_eq!(rounding_divide_by_pot(123, -4), 123);
    }

    #[test]
    fn multiplier_of_one_is_identity() {
        // quantize_multiplier(1.0) = (2^30, 1)
        for x in [-1 << 29, -1000, -1, 0, 1, 77, 1 << 29] {
            assert_eq!(multiply_by_quantized_multiplier(x, 1 << 30, 1), x);
        }
    }
}

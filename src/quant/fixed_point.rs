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
    // gemmlowp adds the nudge 2^30 (ab >= 0) or 1 - 2^30 (ab < 0) and truncates toward zero;
    // for ab < 0, trunc((ab + 1 - 2^30) / 2^31) = floor((ab + 1 - 2^30 + 2^31 - 1) / 2^31), so
    // both signs reduce to floor((ab + 2^30) / 2^31): one add and an arithmetic shift, no
    // branch (the same form the SIMD backends use).
    let ab = i64::from(a) * i64::from(b);
    let r = ((ab + (1 << 30)) >> 31) as i32;
    // Only a = b = i32::MIN gives 2^31 here (wrapping to i32::MIN): saturate to i32::MAX.
    r.wrapping_sub(i32::from(r == i32::MIN))
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

/// Arm's `SMMLAR` (signed most-significant-word multiply-accumulate, rounded):
/// `(acc * 2^32 + a * b + 2^31) >> 32`, wrapping to 32 bits. The portable definition of the
/// one instruction [`multiply_by_quantized_multiplier_smmlar`] is built on.
#[inline]
pub fn smmlar(a: i32, b: i32, acc: i32) -> i32 {
    let p = (i64::from(acc) << 32)
        .wrapping_add(i64::from(a) * i64::from(b))
        .wrapping_add(1 << 31);
    (p >> 32) as i32
}

/// Largest `|x|` [`multiply_by_quantized_multiplier_smmlar`] accepts (exclusive): `2^30`.
pub const SMMLAR_X_LIMIT: u32 = 1 << 30;

/// True when [`multiply_by_quantized_multiplier_smmlar`] gives exactly
/// [`multiply_by_quantized_multiplier`] for every `|x| < SMMLAR_X_LIMIT`: a positive
/// multiplier and a right shift (`shift` in `-31..=-1`), which every channel of a converted
/// model with a real scale below one half has.
#[inline]
pub const fn smmlar_exact(multiplier: i32, shift: i32) -> bool {
    multiplier > 0 && shift <= -1 && shift >= -31
}

/// TFLite Micro's `MultiplyByQuantizedMultiplier(x, multiplier, shift)` (both roundings) as one
/// `SMMLAR` and one shift, for `smmlar_exact(multiplier, shift)` and `|x| < 2^30`
/// ([`SMMLAR_X_LIMIT`]); other arguments give an unspecified value (never a panic).
///
/// With `e = -shift` and `m = multiplier`:
/// - `SaturatingRoundingDoublingHighMul(x, m)` is `h = floor((x m + 2^30) / 2^31)` (see
///   [`saturating_rounding_doubling_high_mul`]; saturation needs `m = i32::MIN`), which is
///   `floor((2x m + 2^31) / 2^32)`: the high word of `SMMULR(2x, m)`, exact while `2x` fits
///   in 32 bits;
/// - `RoundingDivideByPOT(h, e)` (ties away from zero) is `floor((h + 2^(e-1) - [h < 0]) /
///   2^e)` for `e >= 1`. With `m > 0`, `h` has the sign of `x` or is 0, and at `h = 0` both
///   `[h < 0]` terms give 0 (`2^(e-1) - 1 < 2^e`), so the sign term may be `[x < 0]`:
///   `x >> 31` is `-[x < 0]`, known before the multiply;
/// - `SMMLAR(2x, m, 2^(e-1) + (x >> 31))` adds that constant to `h` in the same instruction
///   (`acc * 2^32` only moves the high word), and `|h| < 2^30`, `2^(e-1) <= 2^30` keep the sum
///   in 32 bits.
///
/// On Cortex-M4 that is `ADD` (with `ASR #31`), `LSL`, `SMMLAR`, `ASR`: four instructions
/// instead of the portable 64-bit multiply, nudge, saturation test and masked rounding.
/// `tests` checks it against [`multiply_by_quantized_multiplier`] on every shift, edge
/// multipliers and accumulators, and the values around every rounding boundary.
#[inline]
pub fn multiply_by_quantized_multiplier_smmlar(x: i32, multiplier: i32, shift: i32) -> i32 {
    let e = shift.wrapping_neg().clamp(1, 31) as u32;
    let ra = (1i32 << (e - 1)).wrapping_add(x >> 31);
    smmlar(x.wrapping_shl(1), multiplier, ra) >> e
}

/// The constant [`requantize_smmlar`] adds inside its `SMMLAR`: the rounding term `2^(e-1)` of
/// the right shift `e = -shift` and the output zero point moved before the shift,
/// `zp * 2^e` (exact: adding a multiple of `2^e` commutes with the floor of the shift). Wraps
/// where [`smmlar_requant_exact`] is false.
#[inline]
pub const fn smmlar_offset(shift: i32, zero_point: i32) -> i32 {
    let e = if shift <= -31 {
        31
    } else if shift >= -1 {
        1
    } else {
        -shift
    };
    (1i32 << (e - 1)).wrapping_add(zero_point.wrapping_shl(e as u32))
}

/// True when [`requantize_smmlar`] gives exactly
/// `multiply_by_quantized_multiplier(x, multiplier, shift) + zero_point` for every accumulator
/// `|x| <= x_bound`: [`smmlar_exact`], `x_bound < 2^30`, and no 32-bit overflow of
/// `h + 2^(e-1) - 1 + zp 2^e` with `|h| <= x_bound * multiplier / 2^31 + 1`.
#[inline]
pub const fn smmlar_requant_exact(
    multiplier: i32,
    shift: i32,
    zero_point: i32,
    x_bound: u32,
) -> bool {
    if !smmlar_exact(multiplier, shift) || x_bound >= SMMLAR_X_LIMIT {
        return false;
    }
    let e = -shift;
    let h = ((x_bound as i64 * multiplier as i64) >> 31) + 1;
    let z = (zero_point as i64).abs() << e;
    h + (1i64 << (e - 1)) + z < 1i64 << 31
}

/// TFLite Micro's requantization `MultiplyByQuantizedMultiplier(x, m, shift) + zero_point`
/// as `ADD` (sign term, `ASR #31`), `LSL`, `SMMLAR`, `ASR` (see
/// [`multiply_by_quantized_multiplier_smmlar`]), with `offset = smmlar_offset(shift,
/// zero_point)`; exact where [`smmlar_requant_exact`] holds.
#[inline]
pub fn requantize_smmlar(x: i32, multiplier: i32, e: u32, offset: i32) -> i32 {
    smmlar(x.wrapping_shl(1), multiplier, offset.wrapping_add(x >> 31)) >> (e & 31)
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

    /// gemmlowp's literal form (nudge by sign, truncating division).
    fn srdhm_literal(a: i32, b: i32) -> i32 {
        if a == i32::MIN && b == i32::MIN {
            return i32::MAX;
        }
        let ab = i64::from(a) * i64::from(b);
        let nudge: i64 = if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
        ((ab + nudge) / (1i64 << 31)) as i32
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "an integer sweep of millions of cases: too slow under Miri"
    )]
    fn branch_free_high_mul_equals_gemmlowp_literal() {
        let mut s = 0x2545_F491_4F6C_DD1Du64;
        let edges = [
            i32::MIN,
            i32::MIN + 1,
            -(1 << 30),
            -1,
            0,
            1,
            1 << 30,
            i32::MAX,
        ];
        for i in 0..1_000_000u32 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let (mut a, mut b) = (s as i32, (s >> 32) as i32);
            if i % 5 == 0 {
                a = edges[(s % 8) as usize];
            }
            if i % 7 == 0 {
                b = edges[((s >> 8) % 8) as usize];
            }
            if i % 3 == 0 {
                a >>= (s >> 40) % 31; // small magnitudes: exact ties are frequent
            }
            assert_eq!(
                saturating_rounding_doubling_high_mul(a, b),
                srdhm_literal(a, b),
                "{a} {b}"
            );
        }
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

    /// Accumulators that exercise both roundings for shift `e`: values near multiples of
    /// `2^31 / m * 2^e` boundaries, edges of the accepted range, and random ones.
    #[test]
    #[cfg_attr(
        miri,
        ignore = "an integer sweep of millions of cases: too slow under Miri"
    )]
    fn smmlar_form_equals_double_rounding() {
        let mut s = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        let lim = SMMLAR_X_LIMIT as i32;
        let mut checked = 0u64;
        for shift in -31..=-1 {
            let mults = [
                1 << 30,
                (1 << 30) + 1,
                i32::MAX,
                i32::MAX - 1,
                1,
                3,
                0x5555_5555,
            ];
            for k in 0..64 {
                let m = if k < mults.len() {
                    mults[k]
                } else {
                    (next() as i32 & i32::MAX).max(1)
                };
                assert!(smmlar_exact(m, shift));
                let e = -shift;
                let mut check = |x: i32| {
                    if x.unsigned_abs() < SMMLAR_X_LIMIT {
                        assert_eq!(
                            multiply_by_quantized_multiplier_smmlar(x, m, shift),
                            multiply_by_quantized_multiplier(x, m, shift),
                            "x={x} m={m} shift={shift}"
                        );
                        checked += 1;
                    }
                };
                for x in [0, 1, -1, 2, -2, lim - 1, -(lim - 1), lim / 2, -lim / 2] {
                    check(x);
                }
                // Around the points where h crosses a multiple of 2^(e-1) (second rounding)
                // and where x m crosses a half of 2^31 (first rounding).
                for _ in 0..200 {
                    let r = next();
                    let t = ((r >> 8) as i64 % (1i64 << 31)) - (1 << 30);
                    let h = (t >> (31 - e.min(30))) << (e - 1);
                    let x0 = ((h as i128) << 31) / m as i128;
                    for d in -3..=3 {
                        check((x0 + d).clamp(i32::MIN.into(), i32::MAX.into()) as i32);
                    }
                    check(r as i32 >> (r >> 59));
                }
            }
        }
        // Exhaustive over a window of small accumulators for every shift (the common range of
        // int8 layers) at one multiplier.
        for shift in -31..=-1 {
            for x in -70_000..70_000 {
                assert_eq!(
                    multiply_by_quantized_multiplier_smmlar(x, 0x4CCC_CCCD, shift),
                    multiply_by_quantized_multiplier(x, 0x4CCC_CCCD, shift)
                );
            }
        }
        assert!(checked > 400_000, "{checked}");
    }

    #[test]
    fn smmlar_is_arms_definition() {
        assert_eq!(smmlar(1 << 30, 1, 0), 0);
        assert_eq!(smmlar(1 << 30, 2, 0), 1);
        assert_eq!(smmlar(i32::MIN, i32::MIN, 0), 1 << 30);
        assert_eq!(smmlar(-1, 1, 5), 5);
        assert_eq!(smmlar(i32::MIN, 1, 0), 0);
        assert_eq!(smmlar(i32::MIN, 2, 0), -1);
        assert!(!smmlar_exact(1 << 30, 0) && !smmlar_exact(-5, -3) && smmlar_exact(5, -31));
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "an integer sweep of millions of cases: too slow under Miri"
    )]
    fn smmlar_requant_with_zero_point_equals_double_rounding() {
        let mut s = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        let (mut exact, mut refused) = (0u32, 0u32);
        for _ in 0..400_000 {
            let r = next();
            let shift = -1 - (r % 31) as i32;
            let m = (1 << 30) + ((r >> 8) as i32 & 0x3FFF_FFFF);
            let zp = ((r >> 40) % 256) as i32 - 128;
            let bound = [1u32 << 20, (1 << 30) - 1, 70_000][(r >> 50) as usize % 3];
            if !smmlar_requant_exact(m, shift, zp, bound) {
                refused += 1;
                continue;
            }
            let x = if r >> 62 == 0 {
                [bound as i32, -(bound as i32), 0, -1][(r >> 33) as usize % 4]
            } else {
                ((next() % (2 * u64::from(bound) + 1)) as i64 - i64::from(bound)) as i32
            };
            let want = multiply_by_quantized_multiplier(x, m, shift).wrapping_add(zp);
            let got = requantize_smmlar(x, m, (-shift) as u32, smmlar_offset(shift, zp));
            assert_eq!(got, want, "x={x} m={m} shift={shift} zp={zp}");
            exact += 1;
        }
        // Both sides of the precondition are exercised.
        assert!(exact > 100_000 && refused > 10_000, "{exact} {refused}");
        assert!(!smmlar_requant_exact(1 << 30, -31, 1, 1 << 20));
        assert!(smmlar_requant_exact(i32::MAX, -10, -128, (1 << 30) - 1));
    }
}

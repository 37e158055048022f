//! gemmlowp's fixed-point transcendental functions on raw `i32` values, as TFLite Micro's
//! integer LOGISTIC, TANH, SOFTMAX and LOG_SOFTMAX kernels use them.
//!
//! A value with `I` integer bits is the raw `i32` `r` meaning `r / 2^(31 - I)`. Products of
//! two values are [`saturating_rounding_doubling_high_mul`] (integer bits add up), sums wrap
//! like the C++ 32-bit additions do in every TFLite Micro build, and rescaling between integer
//! bit counts is [`mul_pot`]. Every function is total (no panics, no overflow traps).

use crate::quant::{rounding_divide_by_pot, saturating_rounding_doubling_high_mul as mul};

/// `1.0` in a value with 0 integer bits (gemmlowp `One()`: the largest raw value).
pub(crate) const ONE_Q0: i32 = i32::MAX;

/// gemmlowp `SaturatingRoundingMultiplyByPOT`: `x * 2^e` with saturation for `e > 0` and a
/// rounding right shift (ties away from zero) for `e < 0`; `e` is clamped to `-31..=31`.
#[inline]
pub(crate) fn mul_pot(x: i32, e: i32) -> i32 {
    match e {
        0 => x,
        1..=31 => {
            let threshold = ((1i64 << (31 - e)) - 1) as i32;
            if x > threshold {
                i32::MAX
            } else if x < -threshold {
                i32::MIN
            } else {
                x << e
            }
        }
        _ if e > 31 => mul_pot(x, 31),
        _ => rounding_divide_by_pot(x, -e),
    }
}

/// gemmlowp `Rescale`: a value with `from` integer bits re-expressed with `to`.
#[inline]
pub(crate) fn rescale(x: i32, from: i32, to: i32) -> i32 {
    mul_pot(x, from - to)
}

/// gemmlowp `RoundingHalfSum`: `(a + b) / 2`, rounded away from zero.
#[inline]
pub(crate) fn rounding_half_sum(a: i32, b: i32) -> i32 {
    let sum = i64::from(a) + i64::from(b);
    let sign = if sum >= 0 { 1 } else { -1 };
    ((sum + sign) / 2) as i32
}

/// `exp(a)` for `a` in `[-1/4, 0)`, 0 integer bits in and out (Taylor expansion around -1/8).
fn exp_on_interval_between_negative_one_quarter_and_0_excl(a: i32) -> i32 {
    const EXP_MINUS_ONE_EIGHTH: i32 = 1_895_147_668;
    const ONE_THIRD: i32 = 715_827_883;
    let x = a.wrapping_add(1 << 28);
    let x2 = mul(x, x);
    let x3 = mul(x2, x);
    let x4 = mul(x2, x2);
    let x4_over_4 = mul_pot(x4, -2);
    let poly = mul_pot(
        mul(x4_over_4.wrapping_add(x3), ONE_THIRD).wrapping_add(x2),
        -1,
    );
    EXP_MINUS_ONE_EIGHTH.wrapping_add(mul(EXP_MINUS_ONE_EIGHTH, x.wrapping_add(poly)))
}

/// gemmlowp `exp_on_negative_values`: `exp(a)` for `a <= 0` given with `int_bits` integer bits
/// (1..=12); the result has 0 integer bits (`exp(0)` is [`ONE_Q0`]).
pub(crate) fn exp_on_negative_values(a: i32, int_bits: i32) -> i32 {
    let frac = 31 - int_bits;
    let one_quarter = 1i32 << (frac - 2);
    let mask = one_quarter - 1;
    let a_mod_quarter_minus_one_quarter = (a & mask).wrapping_sub(one_quarter);
    let mut result = exp_on_interval_between_negative_one_quarter_and_0_excl(rescale(
        a_mod_quarter_minus_one_quarter,
        int_bits,
        0,
    ));
    let remainder = a_mod_quarter_minus_one_quarter.wrapping_sub(a);
    // exp(-2^e) in 0 integer bits, for the bits of the remainder above a quarter.
    const BARREL: [(i32, i32); 7] = [
        (-2, 1_672_461_947),
        (-1, 1_302_514_674),
        (0, 790_015_084),
        (1, 290_630_308),
        (2, 39_332_535),
        (3, 720_401),
        (4, 242),
    ];
    for (exponent, multiplier) in BARREL {
        if int_bits > exponent {
            let shift = frac + exponent;
            if (0..31).contains(&shift) && remainder & (1 << shift) != 0 {
                result = mul(result, multiplier);
            }
        }
    }
    if int_bits > 5 {
        let clamp = -(1i32 << (36 - int_bits).clamp(0, 30));
        if a < clamp {
            result = 0;
        }
    }
    if a == 0 {
        result = ONE_Q0;
    }
    result
}

/// Newton-Raphson reciprocal of `1 + half_denominator`-style denominators shared by
/// [`one_over_one_plus_x_for_x_in_0_1`] and [`one_minus_x_over_one_plus_x_for_x_in_0_1`]:
/// returns `x ~ 1 / ((1 + a) / 2)` with 2 integer bits.
fn reciprocal_half_denominator(a: i32) -> i32 {
    const C48_OVER_17: i32 = 1_515_870_810;
    const CNEG32_OVER_17: i32 = -1_010_580_540;
    const ONE_Q2: i32 = 1 << 29;
    let half_denominator = rounding_half_sum(a, ONE_Q0);
    let mut x = C48_OVER_17.wrapping_add(mul(half_denominator, CNEG32_OVER_17));
    for _ in 0..3 {
        let half_denominator_times_x = mul(half_denominator, x);
        let one_minus = ONE_Q2.wrapping_sub(half_denominator_times_x);
        x = x.wrapping_add(rescale(mul(x, one_minus), 4, 2));
    }
    x
}

/// gemmlowp `one_over_one_plus_x_for_x_in_0_1`: `1 / (1 + a)` for `a` in `[0, 1)`, 0
/// integer bits in and out.
pub(crate) fn one_over_one_plus_x_for_x_in_0_1(a: i32) -> i32 {
    // ExactMulByPot<-1> keeps the raw value and drops one integer bit: Q2 -> Q1 -> Q0.
    rescale(reciprocal_half_denominator(a), 1, 0)
}

/// gemmlowp `one_minus_x_over_one_plus_x_for_x_in_0_1`: `(1 - a) / (1 + a)` for `a` in
/// `[0, 1)`, 0 integer bits in and out.
pub(crate) fn one_minus_x_over_one_plus_x_for_x_in_0_1(a: i32) -> i32 {
    rescale(reciprocal_half_denominator(a).wrapping_sub(1 << 29), 2, 0)
}

/// gemmlowp `logistic` of a value with `int_bits` integer bits; result with 0 integer bits.
pub(crate) fn logistic(a: i32, int_bits: i32) -> i32 {
    if a == 0 {
        return 1 << 30;
    }
    let abs = if a > 0 { a } else { a.wrapping_neg() };
    let positive =
        one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(abs.wrapping_neg(), int_bits));
    if a > 0 {
        positive
    } else {
        ONE_Q0.wrapping_sub(positive)
    }
}

/// gemmlowp `tanh` of a value with `int_bits` integer bits; result with 0 integer bits.
pub(crate) fn tanh(a: i32, int_bits: i32) -> i32 {
    if a == 0 {
        return 0;
    }
    let n = if a < 0 { a } else { a.wrapping_neg() };
    // ExactMulByPot<1>: the raw value of n read with one more integer bit is 2n.
    let t = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(n, int_bits + 1));
    if a < 0 {
        t.wrapping_neg()
    } else {
        t
    }
}

/// Saturating 32-bit addition (TFLite `SaturatingAddNonGemmlowp`).
fn saturating_add(a: i32, b: i32) -> i32 {
    a.saturating_add(b)
}

/// TFLite `log_x_for_x_greater_than_or_equal_to_1_impl`: `ln(x)` for `x >= 1` given with
/// `in_bits` integer bits; the result has `out_bits` integer bits.
pub(crate) fn log_x_for_x_greater_than_or_equal_to_1(x: i32, in_bits: i32, out_bits: i32) -> i32 {
    const LOG_2: i32 = 1_488_522_236;
    const SQRT_SQRT_HALF: i32 = 1_805_811_301;
    const SQRT_HALF: i32 = 1_518_500_250;
    const ONE_QUARTER: i32 = 536_870_912;
    const ALPHA_N: i32 = 117_049_297;
    const ALPHA_D: i32 = 127_690_142;
    const ALPHA_I: i32 = 1_057_819_769;
    const ALPHA_F: i32 = 638_450_708;
    let acc_bits = out_bits + 1;
    let shifted_quarter = rescale(ONE_QUARTER, 0, acc_bits);
    let z_a = x;
    let z_a_headroom_plus_1 = (z_a as u32).leading_zeros() as i32;
    let r_a_tmp = mul_pot(z_a, z_a_headroom_plus_1 - 1);
    let r_a_raw = mul_pot(mul(r_a_tmp, SQRT_HALF), 1);
    let z_a_pow_2_adj = saturating_add(
        mul_pot(in_bits - z_a_headroom_plus_1, 31 - acc_bits),
        shifted_quarter,
    );
    let z_b = mul(z_a, SQRT_HALF);
    let z_b_headroom = (z_b as u32).leading_zeros() as i32 - 1;
    let r_b_raw = mul_pot(z_a, z_b_headroom);
    let z_b_pow_2_adj =
        mul_pot(in_bits - z_b_headroom, 31 - acc_bits).saturating_sub(shifted_quarter);
    let r = r_a_raw.min(r_b_raw);
    let z_pow_2_adj = z_a_pow_2_adj.max(z_b_pow_2_adj);
    let p = rounding_half_sum(r, SQRT_SQRT_HALF);
    let mut q = r.wrapping_sub(SQRT_SQRT_HALF);
    q = q.wrapping_add(q);
    let common_sq = mul(q, q);
    let num = mul(q, r).wrapping_add(mul(mul(q, common_sq), ALPHA_N));
    let denom_minus_one = mul(
        p,
        ALPHA_I
            .wrapping_add(q)
            .wrapping_add(mul(ALPHA_D, common_sq)),
    )
    .wrapping_add(mul(ALPHA_F, q));
    let recip_denom = one_over_one_plus_x_for_x_in_0_1(denom_minus_one);
    let num_scaled = rescale(num, 0, acc_bits);
    rescale(
        mul(z_pow_2_adj, LOG_2).wrapping_add(mul(num_scaled, recip_denom)),
        acc_bits,
        out_bits,
    )
}

/// TFLite `GetReciprocal`: `1 / x` for `x > 0` with `x_integer_digits` integer bits, as a
/// 0-integer-bit value and the number of bits `x` is above 1.0.
pub(crate) fn reciprocal(x: i32, x_integer_digits: i32) -> (i32, i32) {
    let headroom_plus_one = (x as u32).leading_zeros() as i32;
    let num_bits_over_unit = x_integer_digits - headroom_plus_one;
    let shifted_minus_one = (x as u32)
        .checked_shl(headroom_plus_one as u32)
        .unwrap_or(0)
        .wrapping_sub(1 << 31) as i32;
    (
        one_over_one_plus_x_for_x_in_0_1(shifted_minus_one),
        num_bits_over_unit,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(x: f64, int_bits: i32) -> i32 {
        (x * f64::from(1u32 << (31 - int_bits) as u32)).round() as i32
    }
    fn f(r: i32, int_bits: i32) -> f64 {
        f64::from(r) / (1u64 << (31 - int_bits)) as f64
    }

    #[test]
    fn exp_matches_libm_on_negative_inputs() {
        for i in 0..2000 {
            let x = -f64::from(i) / 100.0;
            let e = f(exp_on_negative_values(q(x, 5), 5), 0);
            assert!((e - libm::exp(x)).abs() < 5e-7, "{x}: {e}");
        }
        assert_eq!(exp_on_negative_values(0, 5), ONE_Q0);
    }

    #[test]
    fn logistic_and_tanh_match_libm() {
        for i in -799..800 {
            let x = f64::from(i) / 100.0;
            let s = f(logistic(q(x, 4), 4), 0);
            assert!((s - 1.0 / (1.0 + libm::exp(-x))).abs() < 1e-6, "{x}: {s}");
            let t = f(tanh(q(x, 4), 4), 0);
            assert!((t - libm::tanh(x)).abs() < 1e-6, "{x}: {t}");
        }
    }

    #[test]
    fn log_and_reciprocal_match_libm() {
        for i in 0..500 {
            let x = 1.0 + f64::from(i) * 7.9;
            let l = f(log_x_for_x_greater_than_or_equal_to_1(q(x, 12), 12, 5), 5);
            assert!((l - libm::log(x)).abs() < 1e-6, "{x}: {l}");
            let (r, bits) = reciprocal(q(x, 12), 12);
            let rv = f(r, 0) / f64::from(1u32 << bits.max(0) as u32);
            assert!((rv - 1.0 / x).abs() < 1e-6 / x, "{x}: {rv}");
        }
    }

    #[test]
    fn pot_saturates_and_rounds() {
        assert_eq!(mul_pot(1 << 29, 2), i32::MAX);
        assert_eq!(mul_pot(-(1 << 29) - 1, 2), i32::MIN);
        assert_eq!(mul_pot(3, 1), 6);
        assert_eq!(mul_pot(5, -1), 3);
        assert_eq!(mul_pot(-5, -1), -3);
        assert_eq!(rounding_half_sum(3, 4), 4);
        assert_eq!(rounding_half_sum(-3, -4), -4);
    }
}

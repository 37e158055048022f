//! SOFTMAX and LOG_SOFTMAX over the channels of each row: int8 bit-exact with TFLite Micro's
//! reference kernels (`reference_ops::Softmax` for int8 in and out, `LogSoftmaxQuantized`),
//! f32 with the row maximum subtracted first.
//!
//! int8 output quantization is the one TFLite mandates: SOFTMAX `(1/256, -128)`, LOG_SOFTMAX
//! `(16/256, 127)` ([`SOFTMAX_OUTPUT`], [`LOG_SOFTMAX_OUTPUT`]).

use super::gemmlowp::{
    exp_on_negative_values, log_x_for_x_greater_than_or_equal_to_1, reciprocal, rescale,
};
use super::sigmoid::input_radius;
use crate::quant::{
    multiply_by_quantized_multiplier, quantize_multiplier, rounding_divide_by_pot,
    saturating_rounding_doubling_high_mul, QuantError,
};

/// Output `(scale, zero_point)` of an int8 SOFTMAX (TFLite: 1/256, -128).
pub const SOFTMAX_OUTPUT: (f32, i32) = (1.0 / 256.0, -128);
/// Output `(scale, zero_point)` of an int8 LOG_SOFTMAX (TFLite: 16/256, 127).
pub const LOG_SOFTMAX_OUTPUT: (f32, i32) = (16.0 / 256.0, 127);

/// Integer bits of the scaled input differences (TFLite: Q5.26).
const DIFF_INTEGER_BITS: i32 = 5;
/// Integer bits of the sum of exponentials (TFLite: Q12.19).
const ACCUM_INTEGER_BITS: i32 = 12;

/// Prepare-time constants of an int8 SOFTMAX (TFLite `SoftmaxParams` for int8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SoftmaxParams {
    /// Q31 multiplier of `min(beta * s_in * 2^26, 2^31 - 1)`.
    pub multiplier: i32,
    /// Its left shift (>= 0).
    pub left_shift: i32,
    /// Differences `x - max` below this (negative) are treated as `exp = 0`.
    pub diff_min: i32,
}

/// TFLite `PreprocessSoftmaxScaling` (double rounding): the Q31 multiplier and left shift of
/// `min(beta * s_in * 2^(31 - int_bits), 2^31 - 1)`.
fn softmax_scaling(beta: f64, s_in: f64, int_bits: i32) -> Result<(i32, i32), QuantError> {
    let real = (beta * s_in * f64::from(1u32 << (31 - int_bits))).min((1u64 << 31) as f64 - 1.0);
    if !(real.is_finite() && real > 1.0) {
        // QuantizeMultiplierGreaterThanOne requires > 1 (TFLite aborts otherwise).
        return Err(QuantError::NonFiniteMultiplier { value: real });
    }
    Ok(quantize_multiplier(real))
}

impl SoftmaxParams {
    /// Conversion-time constructor, as TFLite Micro's `CalculateSoftmaxParams` for int8:
    /// `PreprocessSoftmaxScaling(beta, s_in, 5)`, `diff_min = -CalculateInputRadius(5, shift)`.
    /// Fails when `beta * s_in * 2^26 <= 1` (TFLite rejects such models) or is not finite.
    pub fn from_scale(beta: f32, s_in: f32) -> Result<Self, QuantError> {
        if !(s_in.is_finite() && s_in > 0.0) {
            return Err(QuantError::BadScale { scale: s_in });
        }
        let (multiplier, left_shift) =
            softmax_scaling(f64::from(beta), f64::from(s_in), DIFF_INTEGER_BITS)?;
        Ok(Self {
            multiplier,
            left_shift,
            diff_min: -input_radius(DIFF_INTEGER_BITS, left_shift),
        })
    }
}

/// TFLite `MultiplyByQuantizedMultiplierGreaterThanOne` (double rounding).
#[inline]
fn mul_greater_than_one(x: i32, multiplier: i32, left_shift: i32) -> i32 {
    let shifted = x.wrapping_mul(1i32.wrapping_shl(left_shift.clamp(0, 31) as u32));
    saturating_rounding_doubling_high_mul(shifted, multiplier)
}

/// Values from which the int8 kernels first tabulate `exp` of the 256 possible differences
/// `x - max` (1 KiB of stack, in a function of its own) instead of evaluating it twice per value;
/// the results are the same.
const TABLE_FROM: usize = 512;

/// `exp` of the scaled difference `diff` (<= 0), `None` below `diff_min`.
#[inline]
fn softmax_exp(diff: i32, p: &SoftmaxParams) -> Option<i32> {
    (diff >= p.diff_min).then(|| {
        exp_on_negative_values(
            mul_greater_than_one(diff, p.multiplier, p.left_shift),
            DIFF_INTEGER_BITS,
        )
    })
}

/// The softmax of each row with `exp(diff)` from `exp`.
#[inline(always)]
fn softmax_rows(x: &[i8], y: &mut [i8], channels: usize, exp: impl Fn(i32) -> Option<i32>) {
    for (x, y) in x.chunks_exact(channels).zip(y.chunks_exact_mut(channels)) {
        let max = i32::from(x.iter().copied().max().unwrap_or(i8::MIN));
        let mut sum = 0i32;
        for &v in x {
            if let Some(e) = exp(i32::from(v) - max) {
                sum = sum.wrapping_add(rescale(e, 0, ACCUM_INTEGER_BITS));
            }
        }
        let (scale, bits_over_unit) = reciprocal(sum, ACCUM_INTEGER_BITS);
        for (o, &v) in y.iter_mut().zip(x) {
            *o = match exp(i32::from(v) - max) {
                Some(e) => {
                    let unsat = rounding_divide_by_pot(
                        saturating_rounding_doubling_high_mul(scale, e),
                        bits_over_unit + 31 - 8,
                    );
                    (unsat - 128).clamp(-128, 127) as i8
                }
                None => i8::MIN,
            };
        }
    }
}

/// [`softmax_rows`] through a table of the 256 differences.
#[inline(never)]
fn softmax_rows_tabulated(x: &[i8], y: &mut [i8], channels: usize, p: &SoftmaxParams) {
    let table: [Option<i32>; 256] = core::array::from_fn(|d| softmax_exp(-(d as i32), p));
    softmax_rows(x, y, channels, |diff| {
        table.get(diff.unsigned_abs() as usize).copied().flatten()
    });
}

/// int8 SOFTMAX over each of the `rows` rows of `channels` values (row-major); output
/// `(1/256, -128)`. Returns without writing if a slice is shorter than `rows * channels`.
pub fn softmax_i8(input: &[i8], rows: usize, channels: usize, p: &SoftmaxParams, out: &mut [i8]) {
    let len = rows.saturating_mul(channels);
    let (Some(input), Some(out)) = (input.get(..len), out.get_mut(..len)) else {
        return;
    };
    if channels == 0 {
        return;
    }
    if len >= TABLE_FROM {
        softmax_rows_tabulated(input, out, channels, p);
    } else {
        softmax_rows(input, out, channels, |diff| softmax_exp(diff, p));
    }
}

/// f32 SOFTMAX of `beta * x` over each row: `exp(beta (x - max))` normalised by its sum
/// (libm `expf`, sums in channel order).
pub fn softmax_f32(input: &[f32], rows: usize, channels: usize, beta: f32, out: &mut [f32]) {
    let len = rows.saturating_mul(channels);
    let (Some(input), Some(out)) = (input.get(..len), out.get_mut(..len)) else {
        return;
    };
    if channels == 0 {
        return;
    }
    for (x, y) in input
        .chunks_exact(channels)
        .zip(out.chunks_exact_mut(channels))
    {
        let max = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0f32;
        for (o, &v) in y.iter_mut().zip(x) {
            *o = libm::expf(beta * (v - max));
            sum += *o;
        }
        let inv = 1.0 / sum;
        for o in y.iter_mut() {
            *o *= inv;
        }
    }
}

/// Prepare-time constants of an int8 LOG_SOFTMAX (TFLite Micro `LogSoftmaxOpData`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct LogSoftmaxParams {
    /// Q31 multiplier of `min(s_in * 2^26, 2^31 - 1)`.
    pub multiplier: i32,
    /// Its left shift (>= 0).
    pub left_shift: i32,
    /// Q31 multiplier of the reverse scaling `2^(31 - left_shift) / multiplier`.
    pub reverse_multiplier: i32,
    /// Its shift (<= 0), as `MultiplyByQuantizedMultiplier` takes it.
    pub reverse_shift: i32,
    /// Differences `x - max` below this (negative) are ignored.
    pub diff_min: i32,
}

impl LogSoftmaxParams {
    /// Conversion-time constructor, as TFLite Micro's LOG_SOFTMAX `CalculateOpData`
    /// (`PreprocessLogSoftmaxScalingExp(1.0, s_in, 5)`, `diff_min = -CalculateInputRadius`).
    pub fn from_scale(s_in: f32) -> Result<Self, QuantError> {
        if !(s_in.is_finite() && s_in > 0.0) {
            return Err(QuantError::BadScale { scale: s_in });
        }
        let (multiplier, left_shift) = softmax_scaling(1.0, f64::from(s_in), DIFF_INTEGER_BITS)?;
        let reverse = f64::from(1u32 << (31 - left_shift).clamp(0, 31)) / f64::from(multiplier);
        // QuantizeMultiplierSmallerThanOneExp: 0 < reverse < 1.
        let (reverse_multiplier, reverse_shift) = quantize_multiplier(reverse);
        Ok(Self {
            multiplier,
            left_shift,
            reverse_multiplier,
            reverse_shift,
            diff_min: -input_radius(DIFF_INTEGER_BITS, left_shift),
        })
    }
}

/// `Rescale<12>(exp)` of the scaled difference `diff` (<= 0), `None` below `diff_min`.
#[inline]
fn log_softmax_exp(diff: i32, p: &LogSoftmaxParams) -> Option<i32> {
    (diff >= p.diff_min).then(|| {
        let q5 = multiply_by_quantized_multiplier(diff, p.multiplier, p.left_shift);
        rescale(
            exp_on_negative_values(q5, DIFF_INTEGER_BITS),
            0,
            ACCUM_INTEGER_BITS,
        )
    })
}

/// The log-softmax of each row with the accumulated `exp(diff)` from `exp`.
#[inline(always)]
fn log_softmax_rows(
    x: &[i8],
    y: &mut [i8],
    channels: usize,
    p: &LogSoftmaxParams,
    exp: impl Fn(i32) -> Option<i32>,
) {
    for (x, y) in x.chunks_exact(channels).zip(y.chunks_exact_mut(channels)) {
        let max = i32::from(x.iter().copied().max().unwrap_or(i8::MIN));
        let mut sum = 0i32;
        for &v in x {
            if let Some(e) = exp(i32::from(v) - max) {
                sum = sum.wrapping_add(e);
            }
        }
        let log_sum =
            log_x_for_x_greater_than_or_equal_to_1(sum, ACCUM_INTEGER_BITS, DIFF_INTEGER_BITS);
        let shifted = log_sum.wrapping_add(i32::MIN);
        let adjusted_diff_min = (p.diff_min - 1).max(multiply_by_quantized_multiplier(
            shifted,
            p.reverse_multiplier,
            p.reverse_shift,
        ));
        for (o, &v) in y.iter_mut().zip(x) {
            let diff = i32::from(v) - max;
            *o = if diff > adjusted_diff_min {
                let q5 = multiply_by_quantized_multiplier(diff, p.multiplier, p.left_shift);
                let r = rounding_divide_by_pot(q5.wrapping_sub(log_sum), 31 - 5 - 4) + 127;
                r.clamp(-128, 127) as i8
            } else {
                i8::MIN
            };
        }
    }
}

/// [`log_softmax_rows`] through a table of the 256 differences.
#[inline(never)]
fn log_softmax_rows_tabulated(x: &[i8], y: &mut [i8], channels: usize, p: &LogSoftmaxParams) {
    let table: [Option<i32>; 256] = core::array::from_fn(|d| log_softmax_exp(-(d as i32), p));
    log_softmax_rows(x, y, channels, p, |diff| {
        table.get(diff.unsigned_abs() as usize).copied().flatten()
    });
}

/// int8 LOG_SOFTMAX over each row (output `(16/256, 127)`); returns without writing if a slice
/// is shorter than `rows * channels`.
pub fn log_softmax_i8(
    input: &[i8],
    rows: usize,
    channels: usize,
    p: &LogSoftmaxParams,
    out: &mut [i8],
) {
    let len = rows.saturating_mul(channels);
    let (Some(input), Some(out)) = (input.get(..len), out.get_mut(..len)) else {
        return;
    };
    if channels == 0 {
        return;
    }
    if len >= TABLE_FROM {
        log_softmax_rows_tabulated(input, out, channels, p);
    } else {
        log_softmax_rows(input, out, channels, p, |diff| log_softmax_exp(diff, p));
    }
}

/// f32 LOG_SOFTMAX over each row: `x - max - ln(sum exp(x - max))` (libm, channel order).
pub fn log_softmax_f32(input: &[f32], rows: usize, channels: usize, out: &mut [f32]) {
    let len = rows.saturating_mul(channels);
    let (Some(input), Some(out)) = (input.get(..len), out.get_mut(..len)) else {
        return;
    };
    if channels == 0 {
        return;
    }
    for (x, y) in input
        .chunks_exact(channels)
        .zip(out.chunks_exact_mut(channels))
    {
        let max = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let sum: f32 = x.iter().map(|&v| libm::expf(v - max)).sum();
        let log_sum = libm::logf(sum);
        for (o, &v) in y.iter_mut().zip(x) {
            *o = v - max - log_sum;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_int8_sums_to_one_and_follows_f32() {
        let p = SoftmaxParams::from_scale(1.0, 0.1).unwrap();
        let x: [i8; 10] = [-128, -50, 0, 3, 7, 20, 21, 60, 61, 127];
        let mut y = [0i8; 10];
        softmax_i8(&x, 2, 5, &p, &mut y);
        let xf: [f32; 10] = core::array::from_fn(|i| 0.1 * f32::from(x[i]));
        let mut yf = [0.0f32; 10];
        softmax_f32(&xf, 2, 5, 1.0, &mut yf);
        for r in 0..2 {
            let s: f32 = (0..5)
                .map(|c| (f32::from(y[r * 5 + c]) + 128.0) / 256.0)
                .sum();
            assert!((s - 1.0).abs() < 5.0 / 256.0, "{s}");
            for c in 0..5 {
                let q = (f32::from(y[r * 5 + c]) + 128.0) / 256.0;
                assert!((q - yf[r * 5 + c]).abs() <= 1.0 / 256.0 + 1e-6);
            }
        }
        // too-short slices: nothing written
        let mut z = [5i8; 3];
        softmax_i8(&x, 2, 5, &p, &mut z);
        assert_eq!(z, [5; 3]);
        assert!(SoftmaxParams::from_scale(1.0, 1e-9).is_err());
    }

    #[test]
    fn tabulated_rows_equal_the_direct_rows() {
        let x: [i8; 600] = core::array::from_fn(|i| ((i * 97 + i / 7) % 256) as u8 as i8);
        for (s, beta) in [(0.1f32, 1.0f32), (0.02, 2.0), (1.0, 0.5)] {
            let sp = SoftmaxParams::from_scale(beta, s).unwrap();
            let lp = LogSoftmaxParams::from_scale(s).unwrap();
            for c in [1usize, 3, 8, 100] {
                let n = 600 / c * c;
                let (mut a, mut b) = ([0i8; 600], [0i8; 600]);
                softmax_i8(&x[..n], n / c, c, &sp, &mut a[..n]);
                softmax_rows(&x[..n], &mut b[..n], c, |d| softmax_exp(d, &sp));
                assert_eq!(a, b);
                log_softmax_i8(&x[..n], n / c, c, &lp, &mut a[..n]);
                log_softmax_rows(&x[..n], &mut b[..n], c, &lp, |d| log_softmax_exp(d, &lp));
                assert_eq!(a, b);
            }
        }
    }

    #[test]
    fn log_softmax_int8_follows_f32() {
        let p = LogSoftmaxParams::from_scale(0.05).unwrap();
        let x: [i8; 8] = [-128, -100, -3, 0, 1, 50, 100, 127];
        let mut y = [0i8; 8];
        log_softmax_i8(&x, 1, 8, &p, &mut y);
        let xf: [f32; 8] = core::array::from_fn(|i| 0.05 * f32::from(x[i]));
        let mut yf = [0.0f32; 8];
        log_softmax_f32(&xf, 1, 8, &mut yf);
        for c in 0..8 {
            let q = (f32::from(y[c]) - 127.0) / 16.0;
            let want = yf[c].max(-255.0 / 16.0);
            assert!((q - want).abs() <= 1.0 / 16.0 + 1e-6, "{c}: {q} vs {want}");
        }
    }
}

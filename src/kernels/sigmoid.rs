//! LOGISTIC and TANH: int8 exactly as TFLite Micro's `reference_integer_ops::Logistic` /
//! `Tanh` (gemmlowp fixed point, no lookup table), f32 through libm.
//!
//! The int8 output quantization is the one TFLite mandates: LOGISTIC `(1/256, -128)`, TANH
//! `(1/128, 0)` ([`LOGISTIC_OUTPUT`], [`TANH_OUTPUT`]).

use super::gemmlowp;
use crate::quant::{multiply_by_quantized_multiplier, rounding_divide_by_pot, QuantError};

/// Output `(scale, zero_point)` of an int8 LOGISTIC (TFLite: 1/256, -128).
pub const LOGISTIC_OUTPUT: (f32, i32) = (1.0 / 256.0, -128);
/// Output `(scale, zero_point)` of an int8 TANH (TFLite: 1/128, 0).
pub const TANH_OUTPUT: (f32, i32) = (1.0 / 128.0, 0);

/// Integer bits of the fixed-point input both kernels evaluate on (TFLite Micro: Q4.27).
const INPUT_INTEGER_BITS: i32 = 4;

/// Prepare-time constants of an int8 LOGISTIC or TANH (TFLite Micro `OpDataLogistic`):
/// `x - zp` is rescaled to Q4.27 by `multiplier * 2^left_shift / 2^31`, and inputs at or beyond
/// `range_radius` saturate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SigmoidParams {
    /// Input zero point.
    pub in_zero_point: i32,
    /// Q31 multiplier of `s_in * 2^27`.
    pub multiplier: i32,
    /// Its exponent (`frexp`).
    pub left_shift: i32,
    /// `|x - zp|` at or above which the output saturates.
    pub range_radius: i32,
}

impl SigmoidParams {
    /// Conversion-time constructor from the input quantization, as TFLite Micro's
    /// `CalculateArithmeticOpDataLogistic` / tanh `CalculateArithmeticOpData` (f64 `frexp`,
    /// `round`, `CalculateInputRadius(4, left_shift, 31)`).
    pub fn from_scale(s_in: f32, zp_in: i32) -> Result<Self, QuantError> {
        if !(s_in.is_finite() && s_in > 0.0) {
            return Err(QuantError::BadScale { scale: s_in });
        }
        let real = f64::from(s_in) * f64::from(1u32 << (31 - INPUT_INTEGER_BITS));
        let (q, left_shift) = libm::frexp(real);
        // static_cast<int32_t>(round(q * 2^31)): q < 1, so only q rounding to 1.0 wraps.
        let multiplier = libm::round(q * (1i64 << 31) as f64) as i64 as i32;
        Ok(Self {
            in_zero_point: zp_in,
            multiplier,
            left_shift,
            range_radius: input_radius(INPUT_INTEGER_BITS, left_shift),
        })
    }
}

/// TFLite `CalculateInputRadius(int_bits, left_shift, 31)`: the largest `|x|` whose rescaled
/// value stays inside the fixed-point range (saturating to `i32` for tiny scales, 0 for huge).
pub(crate) fn input_radius(int_bits: i32, left_shift: i32) -> i32 {
    let max = f64::from((1i32 << int_bits) - 1) * (1u64 << (31 - int_bits)) as f64
        / libm::pow(2.0, f64::from(left_shift));
    let r = libm::floor(max);
    if r >= f64::from(i32::MAX) {
        i32::MAX
    } else if r <= 0.0 {
        0
    } else {
        r as i32
    }
}

/// The Q4.27 input of one element, or the saturated output when outside the radius.
#[inline]
fn rescaled(x: i8, p: &SigmoidParams) -> Result<i32, bool> {
    let input = i32::from(x) - p.in_zero_point;
    if input <= -p.range_radius {
        Err(false)
    } else if input >= p.range_radius {
        Err(true)
    } else {
        Ok(multiply_by_quantized_multiplier(
            input,
            p.multiplier,
            p.left_shift,
        ))
    }
}

/// Inputs from which the element-wise kernels first tabulate all 256 outputs (256 bytes of
/// stack) and then look them up: the same values, about 3 instead of ~285 instructions per
/// element on a Cortex-M4.
const TABLE_FROM: usize = 256;

/// Applies `f` over the common length, through a 256-entry table for long inputs.
#[inline]
fn map_i8(input: &[i8], out: &mut [i8], f: impl Fn(i8) -> i8) {
    if input.len().min(out.len()) >= TABLE_FROM {
        let table: [i8; 256] = core::array::from_fn(|i| f(i as u8 as i8));
        for (o, &x) in out.iter_mut().zip(input) {
            *o = table.get(usize::from(x as u8)).copied().unwrap_or(0);
        }
    } else {
        for (o, &x) in out.iter_mut().zip(input) {
            *o = f(x);
        }
    }
}

/// int8 LOGISTIC of one value (output `(1/256, -128)`).
#[inline]
pub fn logistic_one(x: i8, p: &SigmoidParams) -> i8 {
    match rescaled(x, p) {
        Err(true) => i8::MAX,
        Err(false) => i8::MIN,
        Ok(q4) => {
            let q0 = gemmlowp::logistic(q4, INPUT_INTEGER_BITS);
            (rounding_divide_by_pot(q0, 23) - 128).clamp(-128, 127) as i8
        }
    }
}

/// int8 TANH of one value (output `(1/128, 0)`).
#[inline]
pub fn tanh_one(x: i8, p: &SigmoidParams) -> i8 {
    match rescaled(x, p) {
        Err(true) => i8::MAX,
        Err(false) => i8::MIN,
        Ok(q4) => {
            let q0 = gemmlowp::tanh(q4, INPUT_INTEGER_BITS);
            rounding_divide_by_pot(q0, 24).clamp(-128, 127) as i8
        }
    }
}

/// int8 LOGISTIC (output `(1/256, -128)`) over the common length of `input` and `out`.
pub fn logistic_i8(input: &[i8], p: &SigmoidParams, out: &mut [i8]) {
    map_i8(input, out, |x| logistic_one(x, p));
}

/// int8 TANH (output `(1/128, 0)`) over the common length of `input` and `out`.
pub fn tanh_i8(input: &[i8], p: &SigmoidParams, out: &mut [i8]) {
    map_i8(input, out, |x| tanh_one(x, p));
}

/// `1 / (1 + e^-x)` in f32 (libm `expf`).
#[inline]
pub fn logistic(x: f32) -> f32 {
    1.0 / (1.0 + libm::expf(-x))
}

/// f32 LOGISTIC over the common length.
pub fn logistic_f32(input: &[f32], out: &mut [f32]) {
    for (o, &x) in out.iter_mut().zip(input) {
        *o = logistic(x);
    }
}

/// `tanh(x)` in f32 (libm `tanhf`).
#[inline]
pub fn tanh(x: f32) -> f32 {
    libm::tanhf(x)
}

/// f32 TANH (libm `tanhf`) over the common length.
pub fn tanh_f32(input: &[f32], out: &mut [f32]) {
    for (o, &x) in out.iter_mut().zip(input) {
        *o = tanh(x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_follow_frexp() {
        // s = 1/16: s * 2^27 = 2^23 -> frexp = (0.5, 24), radius floor(15 * 2^27 / 2^24) = 120
        let p = SigmoidParams::from_scale(1.0 / 16.0, 3).unwrap();
        assert_eq!(
            (p.multiplier, p.left_shift, p.range_radius),
            (1 << 30, 24, 120)
        );
        assert!(SigmoidParams::from_scale(0.0, 0).is_err());
        assert!(SigmoidParams::from_scale(f32::NAN, 0).is_err());
    }

    #[test]
    fn table_path_equals_the_direct_path() {
        let p = SigmoidParams::from_scale(0.07, -9).unwrap();
        let x: [i8; 600] = core::array::from_fn(|i| (i * 7 % 256) as u8 as i8);
        let (mut a, mut b) = ([0i8; 600], [0i8; 600]);
        logistic_i8(&x, &p, &mut a);
        tanh_i8(&x, &p, &mut b);
        for i in 0..600 {
            assert_eq!(a[i], logistic_one(x[i], &p));
            assert_eq!(b[i], tanh_one(x[i], &p));
        }
    }

    #[test]
    fn int8_follows_the_float_function_within_one_step() {
        for (s, zp) in [(0.05f32, 0), (0.1, -20), (1.0 / 32.0, 100)] {
            let p = SigmoidParams::from_scale(s, zp).unwrap();
            let x: [i8; 256] = core::array::from_fn(|i| (i as i32 - 128) as i8);
            let (mut a, mut b) = ([0i8; 256], [0i8; 256]);
            logistic_i8(&x, &p, &mut a);
            tanh_i8(&x, &p, &mut b);
            for i in 0..256 {
                let r = s * (f32::from(x[i]) - zp as f32);
                let la = (f32::from(a[i]) + 128.0) / 256.0;
                assert!((la - logistic(r).min(127.0 / 256.0 + 0.5)).abs() <= 1.0 / 256.0);
                let tb = f32::from(b[i]) / 128.0;
                assert!((tb - libm::tanhf(r).min(127.0 / 128.0)).abs() <= 1.0 / 128.0);
            }
            // monotone
            assert!(a.windows(2).all(|w| w[0] <= w[1]));
            assert!(b.windows(2).all(|w| w[0] <= w[1]));
        }
    }
}

//! Layer normalization over the channels of each row: `gamma (x - mean) / sqrt(var + eps) +
//! beta` (biased variance, as PyTorch `nn.LayerNorm` and ONNX `LayerNormalization`).
//!
//! f32: two passes in channel order, libm `sqrtf`.
//!
//! int8: integer mean and variance, no floating point at run time. Per row, with `x' = x - zp_in`,
//! `S1 = sum x'` and `S2 = sum x'^2` (exact, `i64`), `V = 256 (c S2 - S1^2) + eps_q8 c^2` is
//! `256 c^2 (var + eps)` in input steps; `r = isqrt(V 4^s)` with `s` chosen so that `r` carries
//! 31 significant bits, and one reciprocal `2^62 / r` per row turns `d = c x' - S1` into the
//! normalized value in Q16 (`n = round(d 2^(20 + s) / r)`, one multiply and shift per element).
//! Per channel `round(gamma / s_out n + beta / s_out)` is formed in 1/256 output steps
//! (`MultiplyByQuantizedMultiplier` by `gamma / (s_out 2^8)`, plus `round(256 beta / s_out)`) and
//! rounded once more to the output step.
//!
//! **Error against f32** (same dequantized input, before the int8 clamp): at most
//! `0.5 + 2/256` output steps from the rounding of the Q16 value, the multiplier, the bias and
//! the final rounding, plus the rounding of `eps` to `eps_q8 = round(256 eps / s_in^2)` (a
//! relative error of `1 / (512 (var + eps))` in `sqrt(var + eps)`, in input steps: negligible
//! unless a row is constant to within a step and `eps` is below `s_in^2`). `tests/
//! activations_layers.rs` holds the kernel to 0.52 steps on random rows.

use crate::quant::{multiply_by_quantized_multiplier, quantize_multiplier, rounding_divide_by_pot};

/// Prepare-time constants of an int8 layer normalization over `c` channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct LayerNormParams<'a> {
    /// Input zero point.
    pub in_zero_point: i32,
    /// Output zero point.
    pub out_zero_point: i32,
    /// `round(256 eps / s_in^2)`, >= 0 ([`layer_norm_eps_q8`]).
    pub eps_q8: i32,
    /// Per channel `[multiplier, shift, beta_q8]` ([`layer_norm_channel`]), `3 c` values.
    pub channels: &'a [i32],
}

/// `eps` in the units the int8 kernel adds it: `round(256 eps / s_in^2)`, saturated to
/// `0..=i32::MAX`.
pub fn layer_norm_eps_q8(eps: f32, s_in: f32) -> i32 {
    let v = libm::round(256.0 * f64::from(eps) / (f64::from(s_in) * f64::from(s_in)));
    if v.is_nan() {
        0
    } else {
        v.clamp(0.0, f64::from(i32::MAX)) as i32
    }
}

/// The int8 constants of one channel: `[multiplier, shift]` of `gamma / (s_out 2^8)`
/// (TFLite `QuantizeMultiplier`, sign kept in the multiplier) and `round(256 beta / s_out)`
/// saturated to `+-2^30`.
pub fn layer_norm_channel(gamma: f32, beta: f32, s_out: f32) -> [i32; 3] {
    let (m, s) = quantize_multiplier(f64::from(gamma) / f64::from(s_out) / 256.0);
    let (m, s) = if s > 30 { (0, 0) } else { (m, s) };
    let b = libm::round(256.0 * f64::from(beta) / f64::from(s_out));
    let b = if b.is_nan() {
        0
    } else {
        b.clamp(-f64::from(1 << 30), f64::from(1 << 30)) as i32
    };
    [m, s, b]
}

/// Integer square root (floor), digit by digit.
fn isqrt(n: u64) -> u64 {
    let (mut n, mut x, mut bit) = (n, 0u64, 1u64 << 62);
    while bit > n {
        bit >>= 2;
    }
    while bit != 0 {
        if n >= x + bit {
            n -= x + bit;
            x = (x >> 1) + bit;
        } else {
            x >>= 1;
        }
        bit >>= 2;
    }
    x
}

/// int8 layer normalization of each of the `rows` rows of `channels` values. Returns without
/// writing if a slice is shorter than `rows * channels` or `p.channels` than `3 * channels`.
pub fn layer_norm_i8(
    input: &[i8],
    rows: usize,
    channels: usize,
    p: &LayerNormParams<'_>,
    out: &mut [i8],
) {
    let len = rows.saturating_mul(channels);
    let (Some(input), Some(out), Some(ch)) = (
        input.get(..len),
        out.get_mut(..len),
        p.channels.get(..channels.saturating_mul(3)),
    ) else {
        return;
    };
    if channels == 0 {
        return;
    }
    let c = channels as i64;
    for (x, y) in input
        .chunks_exact(channels)
        .zip(out.chunks_exact_mut(channels))
    {
        let (mut s1, mut s2) = (0i64, 0i64);
        for &v in x {
            let d = i64::from(v) - i64::from(p.in_zero_point);
            s1 += d;
            s2 += d * d;
        }
        let var_c2 = (c * s2 - s1 * s1).max(0) as u64;
        let eps = (p.eps_q8.max(0) as u64).saturating_mul((c * c) as u64);
        let v = var_c2.saturating_mul(256).saturating_add(eps);
        // r = isqrt(v 4^s) ~ sqrt(v) 2^s with 31..32 significant bits; inv = 2^62 / r.
        let bits = 64 - v.leading_zeros() as i32;
        let s = ((62 - bits) / 2).max(0);
        let r = isqrt(v << (2 * s));
        let inv = (1u64 << 62).checked_div(r).unwrap_or(0) as i64;
        let sh = 42 - s;
        let half = 1i64 << (sh - 1);
        for ((o, &xv), cp) in y.iter_mut().zip(x).zip(ch.chunks_exact(3)) {
            let &[cm, cs, cz] = cp else { continue };
            let d = c * (i64::from(xv) - i64::from(p.in_zero_point)) - s1;
            let n = ((d * inv + half) >> sh).clamp(i64::from(i32::MIN), i64::from(i32::MAX));
            let t = multiply_by_quantized_multiplier(n as i32, cm, cs).saturating_add(cz);
            let q = rounding_divide_by_pot(t, 8).saturating_add(p.out_zero_point);
            *o = q.clamp(-128, 127) as i8;
        }
    }
}

/// f32 layer normalization of each row; `gamma` and `beta` hold one value per channel.
/// A row with `var + eps == 0` gives `beta`.
pub fn layer_norm_f32(
    input: &[f32],
    rows: usize,
    channels: usize,
    eps: f32,
    gamma: &[f32],
    beta: &[f32],
    out: &mut [f32],
) {
    let len = rows.saturating_mul(channels);
    let (Some(input), Some(out), Some(gamma), Some(beta)) = (
        input.get(..len),
        out.get_mut(..len),
        gamma.get(..channels),
        beta.get(..channels),
    ) else {
        return;
    };
    if channels == 0 {
        return;
    }
    let c = channels as f32;
    for (x, y) in input
        .chunks_exact(channels)
        .zip(out.chunks_exact_mut(channels))
    {
        let mean = x.iter().sum::<f32>() / c;
        let var = x.iter().map(|&v| (v - mean) * (v - mean)).sum::<f32>() / c;
        let den = libm::sqrtf(var + eps);
        let inv = if den > 0.0 { 1.0 / den } else { 0.0 };
        for (((o, &v), &g), &b) in y.iter_mut().zip(x).zip(gamma).zip(beta) {
            *o = (v - mean) * inv * g + b;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isqrt_is_the_floor() {
        for n in [
            0u64,
            1,
            2,
            3,
            4,
            15,
            16,
            17,
            1 << 40,
            (1 << 62) - 1,
            u64::MAX,
        ] {
            let r = isqrt(n);
            assert!(u128::from(r) * u128::from(r) <= u128::from(n));
            assert!(u128::from(r + 1) * u128::from(r + 1) > u128::from(n));
        }
    }

    #[test]
    fn int8_follows_f32_within_the_stated_bound() {
        let (s_in, zp_in, s_out, zp_out) = (0.05f32, -10, 0.02f32, 3);
        let c = 7;
        let gamma: [f32; 7] = [1.0, 0.5, -0.8, 1.3, 0.1, 2.0, -1.0];
        let beta: [f32; 7] = [0.0, 0.1, -0.2, 0.3, 0.05, -0.5, 0.7];
        let eps = 1e-5;
        let mut ch = [0i32; 21];
        for i in 0..c {
            ch[3 * i..3 * i + 3].copy_from_slice(&layer_norm_channel(gamma[i], beta[i], s_out));
        }
        let p = LayerNormParams {
            in_zero_point: zp_in,
            out_zero_point: zp_out,
            eps_q8: layer_norm_eps_q8(eps, s_in),
            channels: &ch,
        };
        let x: [i8; 21] = core::array::from_fn(|i| ((i * 37 % 256) as i32 - 128) as i8);
        let mut y = [0i8; 21];
        layer_norm_i8(&x, 3, c, &p, &mut y);
        let xf: [f32; 21] = core::array::from_fn(|i| s_in * (f32::from(x[i]) - zp_in as f32));
        let mut yf = [0.0f32; 21];
        layer_norm_f32(&xf, 3, c, eps, &gamma, &beta, &mut yf);
        for i in 0..21 {
            let want = (yf[i] / s_out + zp_out as f32).clamp(-128.0, 127.0);
            assert!(
                (f32::from(y[i]) - want).abs() <= 0.52,
                "{i}: {} vs {want}",
                y[i]
            );
        }
    }
}

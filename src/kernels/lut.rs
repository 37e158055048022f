//! Element-wise functions without a dedicated integer kernel (GELU, SiLU, ELU, HardSwish, ...):
//! int8 through a 256-entry lookup table built at conversion time from the float function
//! ([`build_table`], as TFLite Micro's `LUTPopulate`), f32 by evaluating the function
//! ([`ElementFn::apply`], libm `erff` / `tanhf` / `expf`).

/// An element-wise float function with its parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ElementFn {
    /// GELU, exact form: `x * (1 + erf(x / sqrt 2)) / 2`.
    Gelu,
    /// GELU, tanh approximation: `x * (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2`.
    GeluTanh,
    /// SiLU (swish): `x * sigmoid(x)`.
    Silu,
    /// ELU: `x` for `x > 0`, `alpha (e^x - 1)` otherwise.
    Elu {
        /// Scale of the negative branch.
        alpha: f32,
    },
    /// SELU: `scale * elu_alpha(x)` (PyTorch: alpha 1.6732632, scale 1.0507010).
    Selu {
        /// ELU alpha.
        alpha: f32,
        /// Output scale.
        scale: f32,
    },
    /// HardSwish: `x * clamp(x + 3, 0, 6) / 6`.
    HardSwish,
    /// HardSigmoid: `clamp(alpha x + beta, 0, 1)` (ONNX default alpha 0.2, beta 0.5; PyTorch
    /// `nn.Hardsigmoid` is alpha 1/6, beta 0.5).
    HardSigmoid {
        /// Slope.
        alpha: f32,
        /// Offset.
        beta: f32,
    },
    /// Leaky ReLU / PReLU with one slope: `x` for `x >= 0`, `alpha x` otherwise.
    LeakyRelu {
        /// Slope for negative inputs.
        alpha: f32,
    },
    /// Softplus: `ln(1 + e^x)` (stable form).
    Softplus,
    /// Mish: `x * tanh(softplus(x))`.
    Mish,
}

impl ElementFn {
    /// Evaluates the function in f32 (libm).
    pub fn apply(self, x: f32) -> f32 {
        match self {
            Self::Gelu => 0.5 * x * (1.0 + libm::erff(x * core::f32::consts::FRAC_1_SQRT_2)),
            Self::GeluTanh => {
                const SQRT_2_OVER_PI: f32 = 0.797_884_6;
                0.5 * x * (1.0 + libm::tanhf(SQRT_2_OVER_PI * (x + 0.044_715 * x * x * x)))
            }
            Self::Silu => x * super::sigmoid::logistic(x),
            Self::Elu { alpha } => elu(x, alpha),
            Self::Selu { alpha, scale } => scale * elu(x, alpha),
            Self::HardSwish => x * (x + 3.0).clamp(0.0, 6.0) / 6.0,
            Self::HardSigmoid { alpha, beta } => (alpha * x + beta).clamp(0.0, 1.0),
            Self::LeakyRelu { alpha } => {
                if x >= 0.0 {
                    x
                } else {
                    alpha * x
                }
            }
            Self::Softplus => softplus(x),
            Self::Mish => x * libm::tanhf(softplus(x)),
        }
    }

    /// Whether `self` is defined for every input: parameters finite (the table and the f32
    /// evaluation are then finite for finite input).
    pub fn is_valid(self) -> bool {
        match self {
            Self::Elu { alpha } | Self::LeakyRelu { alpha } => alpha.is_finite(),
            Self::Selu { alpha, scale } => alpha.is_finite() && scale.is_finite(),
            Self::HardSigmoid { alpha, beta } => alpha.is_finite() && beta.is_finite(),
            _ => true,
        }
    }
}

fn elu(x: f32, alpha: f32) -> f32 {
    if x > 0.0 {
        x
    } else {
        alpha * libm::expm1f(x)
    }
}

fn softplus(x: f32) -> f32 {
    // ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|)
    x.max(0.0) + libm::log1pf(libm::expf(-x.abs()))
}

/// The int8 table of `f` from input `(s_in, zp_in)` to output `(s_out, zp_out)`, as TFLite
/// Micro's `LUTPopulateInt8`: entry `i` holds the output for the input `i as u8 as i8`
/// (`[0, 1, .., 127, -128, .., -1]`), `clamp(round(f(s_in (q - zp_in)) / s_out) + zp_out)`
/// with the reciprocal of `s_out` formed in f32 and rounding half away from zero.
pub fn build_table(f: ElementFn, s_in: f32, zp_in: i32, s_out: f32, zp_out: i32) -> [i8; 256] {
    let inverse_scale = 1.0 / s_out;
    let mut table = [0i8; 256];
    for q in -128i32..=127 {
        let real = s_in * (q - zp_in) as f32;
        let rescaled = libm::roundf(f.apply(real) * inverse_scale);
        // NaN (not produced by valid functions) maps to the zero point.
        let v = if rescaled.is_nan() {
            zp_out
        } else {
            (rescaled.clamp(-1e9, 1e9) as i32).saturating_add(zp_out)
        };
        if let Some(t) = table.get_mut(usize::from(q as i8 as u8)) {
            *t = v.clamp(-128, 127) as i8;
        }
    }
    table
}

/// int8 table lookup over the common length (`table` as built by [`build_table`]).
#[inline]
pub fn lut_i8(input: &[i8], table: &[i8; 256], out: &mut [i8]) {
    for (o, &x) in out.iter_mut().zip(input) {
        // A u8 index into 256 entries: `get` compiles to the plain load.
        *o = table.get(usize::from(x as u8)).copied().unwrap_or(0);
    }
}

/// f32 element-wise `f` over the common length.
pub fn element_fn_f32(input: &[f32], f: ElementFn, out: &mut [f32]) {
    for (o, &x) in out.iter_mut().zip(input) {
        *o = f.apply(x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_at_known_points() {
        let close = |a: f32, b: f32| (a - b).abs() < 1e-5;
        assert!(close(ElementFn::Gelu.apply(1.0), 0.841_344_7));
        assert!(close(ElementFn::GeluTanh.apply(1.0), 0.841_192));
        assert!(close(ElementFn::Silu.apply(1.0), 0.731_058_6));
        assert!(close(
            ElementFn::Elu { alpha: 1.0 }.apply(-1.0),
            -0.632_120_6
        ));
        assert!(close(ElementFn::HardSwish.apply(1.0), 4.0 / 6.0));
        assert!(close(ElementFn::HardSwish.apply(-4.0), 0.0));
        let hs = ElementFn::HardSigmoid {
            alpha: 0.2,
            beta: 0.5,
        };
        assert!(close(hs.apply(1.0), 0.7) && close(hs.apply(10.0), 1.0));
        assert!(close(ElementFn::LeakyRelu { alpha: 0.1 }.apply(-2.0), -0.2));
        assert!(close(
            ElementFn::Softplus.apply(0.0),
            core::f32::consts::LN_2
        ));
        assert!(close(ElementFn::Softplus.apply(100.0), 100.0));
        assert!(close(ElementFn::Mish.apply(1.0), 0.865_098_4));
        assert!(!ElementFn::Elu { alpha: f32::NAN }.is_valid());
    }

    #[test]
    fn table_is_indexed_by_the_byte_and_rounds_away_from_zero() {
        // identity-like LeakyRelu(1) from (0.5, 0) to (1.0, 0): q -> round(q / 2)
        let t = build_table(ElementFn::LeakyRelu { alpha: 1.0 }, 0.5, 0, 1.0, 0);
        assert_eq!(t[1], 1); // 0.5 -> 1 (away from zero)
        assert_eq!(t[0xff], -1); // -1 -> -0.5 -> -1
        assert_eq!(t[0x80], -64);
        let x = [0i8, 1, -1, -128, 127];
        let mut y = [0i8; 5];
        lut_i8(&x, &t, &mut y);
        assert_eq!(y, [0, 1, -1, -64, 64]);
    }
}

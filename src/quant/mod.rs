//! Floor 1: integer requantization with TFLite Micro's double rounding.
//!
//! Everything on the inference path here is integer arithmetic that reproduces TFLite Micro
//! (and gemmlowp) bit for bit: [`saturating_rounding_doubling_high_mul`],
//! [`rounding_divide_by_pot`] and [`multiply_by_quantized_multiplier`]. The conversion-time
//! helpers ([`quantize_multiplier`], [`quantize_f32`], [`activation_range`]) use floating point
//! and are meant for the host tool and for tests; no kernel calls them.

mod affine;
mod error;
mod fixed_point;
mod multiplier;

pub use affine::{activation_range, dequantize, fold_zero_point, quantize_f32, Activation};
pub use error::QuantError;
pub use fixed_point::{
    multiply_by_quantized_multiplier, multiply_by_quantized_multiplier_smmlar, requantize_smmlar,
    rounding_divide_by_pot, saturating_rounding_doubling_high_mul, smmlar, smmlar_exact,
    smmlar_offset, smmlar_requant_exact, SMMLAR_X_LIMIT,
};
pub use multiplier::{quantize_multiplier, try_quantize_multiplier};

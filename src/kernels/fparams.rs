//! Parameters of the f32 reference kernels.

use crate::quant::Activation;

/// Bias and fused clamp of an f32 layer: `out[c] = clamp(acc + bias[c], act_min, act_max)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FParams<'a> {
    /// Bias per output channel (at least `cout` entries).
    pub bias: &'a [f32],
    /// Lower clamp (`-inf` for none, `0` for ReLU / ReLU6).
    pub act_min: f32,
    /// Upper clamp (`+inf` for none, `6` for ReLU6).
    pub act_max: f32,
}

impl<'a> FParams<'a> {
    /// Parameters for `bias` and a fused activation.
    pub fn new(bias: &'a [f32], act: Activation) -> Self {
        let (act_min, act_max) = clamp_range_f32(act);
        Self {
            bias,
            act_min,
            act_max,
        }
    }

    /// Applies the fused clamp (`max` then `min`, as TFLite's `ActivationFunctionWithMinMax`).
    #[inline(always)]
    pub fn clamp(&self, x: f32) -> f32 {
        x.max(self.act_min).min(self.act_max)
    }
}

/// The f32 clamp range of a fused activation.
pub fn clamp_range_f32(act: Activation) -> (f32, f32) {
    match act {
        Activation::Relu => (0.0, f32::INFINITY),
        Activation::Relu6 => (0.0, 6.0),
        Activation::ReluN1To1 => (-1.0, 1.0),
        _ => (f32::NEG_INFINITY, f32::INFINITY),
    }
}

//! Floor 2: int8 and f32 layer kernels (dense, pointwise, conv1d (grouped, dilated), pooling,
//! activations, broadcasting add / sub / mul, row norms, row selection, concat,
//! (de)quantization; LOGISTIC / TANH, SOFTMAX / LOG_SOFTMAX, lookup-table functions, layer
//! normalization).
//!
//! int8 kernels are bit-exact with TFLite Micro's reference kernels under the quantization
//! contract of `ARCHITECTURE.md`: weights symmetric per output channel, activations asymmetric
//! per tensor, int32 bias with the input zero-point term folded in, double-rounding
//! requantization ([`QParams`]). Every f32 kernel mirrors an int8 one with the same layout
//! (row-major, channels last) and sums in a fixed order.
//!
//! Kernels take slices plus dimensions and never panic: the engine validates shapes once;
//! a kernel handed slices shorter than its dimensions returns without writing.
//!
//! ```
//! use equiframe::kernels::{dense_i8, QParams};
//! use equiframe::quant::{activation_range, fold_zero_point, quantize_multiplier, Activation};
//!
//! // conversion time: 2 inputs -> 2 outputs, scales s_in = 0.02, s_w = [0.01, 0.005], s_out = 0.05
//! let (s_in, zp_in, s_out, zp_out) = (0.02f32, -4, 0.05f32, 3);
//! let w: [i8; 4] = [100, -50, 20, 127];
//! let bias = [fold_zero_point(250, zp_in, &w[..2]), fold_zero_point(-40, zp_in, &w[2..])];
//! let (m0, s0) = quantize_multiplier(f64::from(s_in) * 0.01 / f64::from(s_out));
//! let (m1, s1) = quantize_multiplier(f64::from(s_in) * 0.005 / f64::from(s_out));
//! let (act_min, act_max) = activation_range(Activation::Relu, s_out, zp_out).unwrap();
//! let q = QParams {
//!     bias: &bias, multiplier: &[m0, m1], shift: &[s0, s1],
//!     out_zero_point: zp_out, act_min, act_max,
//! };
//! // run time: integers only
//! let mut y = [0i8; 2];
//! dense_i8(&[60, -30], &w, 2, 2, &q, &mut y);
//! // real: x = [1.28, -0.52]; y0 = 1.28*1 + (-0.52)*(-0.5) + 0.05 = 1.59 -> 3 + 32 = 35 (s_out 0.05)
//! assert_eq!(y[0], 35);
//! assert!(y[1] >= zp_out as i8); // ReLU clamp at the output zero point
//! ```

mod activation;
mod add;
pub(crate) mod chunks;
mod concat;
mod conv1d;
mod conv1d_grouped;
mod dense;
mod dot;
#[cfg(all(feature = "dsp", target_arch = "arm"))]
#[allow(
    clippy::indexing_slicing,
    reason = "not yet converted to iterators: indexes fixed-size arrays by bounded loop counters (README, Hardening)"
)]
pub mod dsp;
mod elementwise;
mod fparams;
mod gemmlowp;
mod layer_norm;
mod lut;
mod norm;
mod pointwise;
mod pool;
mod pool1d;
mod qparams;
mod requant;
mod rows;
mod sigmoid;
mod softmax;

pub use activation::{
    clamp_i8, leaky_relu_f32, leaky_relu_i8, relu6_f32, relu_f32, LeakyReluParams,
};
pub use add::{add_f32, add_i8, AddParams, ADD_LEFT_SHIFT};
pub use concat::{concat_f32, concat_i8, ConcatPart};
pub use conv1d::{conv1d_f32, conv1d_i8, Conv1dDims};
pub use conv1d_grouped::{conv1d_grouped_f32, conv1d_grouped_i8, GroupedConv1dDims};
pub use dense::{dense_f32, dense_i8, dense_i8_portable};
pub use elementwise::{
    broadcast_map, elementwise_f32, elementwise_i8, Broadcast, Elementwise, ElementwiseF32,
    MulParams,
};
pub use fparams::{clamp_range_f32, FParams};
pub use layer_norm::{
    layer_norm_channel, layer_norm_eps_q8, layer_norm_f32, layer_norm_i8, LayerNormParams,
};
pub use lut::{build_table, element_fn_f32, lut_i8, ElementFn};
pub use norm::{
    isqrt_u64, row_norm_f32, row_norm_i8, row_squared_norm_f32, row_squared_norm_i8, NormDims,
    NORM_FRACTION_BITS,
};
pub use pointwise::{
    pointwise_f32, pointwise_i8, pointwise_i8_portable, pointwise_max_f32, pointwise_max_i8,
    pointwise_max_i8_portable,
};
pub use pool::{max_pool_f32, max_pool_i8, mean_pool_f32, mean_pool_i8, sum_pool_f32, sum_pool_i8};
pub use pool1d::{avg_pool1d_f32, avg_pool1d_i8, max_pool1d_f32, max_pool1d_i8, Pool1dDims};
pub use qparams::QParams;
pub use requant::{dequantize_slice, quantize_slice, requantize_i8, Requant};
pub use rows::slice_rows;
pub use sigmoid::{
    logistic, logistic_f32, logistic_i8, logistic_one, tanh, tanh_f32, tanh_i8, tanh_one,
    SigmoidParams, LOGISTIC_OUTPUT, TANH_OUTPUT,
};
pub use softmax::{
    log_softmax_f32, log_softmax_i8, softmax_f32, softmax_i8, LogSoftmaxParams, SoftmaxParams,
    LOG_SOFTMAX_OUTPUT, SOFTMAX_OUTPUT,
};

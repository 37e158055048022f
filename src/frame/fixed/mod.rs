//! Fixed-point twin of the frame pipeline, for chips without an FPU (Cortex-M0+, RV32IMAC).
//!
//! Same steps as the f32 path -- moments (shifted by the first point), cyclic Jacobi on the
//! 3x3 / 2x2 scatter matrix, sign frames for O(3), SO(3), O(2), SO(2) -- in integers only:
//!
//! - input coordinates are [`I16F16`] (range +-32768, resolution 2^-16 = 1.5e-5), rows of
//!   `channels` values, `dim` coordinates from `offset`, at most [`MAX_FIXED_POINTS`] rows,
//!   every coordinate within 32768 of the first point's;
//! - `n * scatter` is accumulated EXACTLY (i32 x i32 -> i64 products summed in i128), then
//!   scaled by a power of two so that its largest entry lies in `[0.25, 0.5)` and rounded to
//!   [`I2F30`] (eigenvalues of the scaled PSD matrix then stay below 1.5);
//! - Jacobi rotations use the half-angle formulas with an integer square root (i64
//!   intermediates, rounding to nearest): no division by small numbers, no overflow;
//! - axes are unit vectors in [`I2F30`], origins [`I16F16`], the relative eigengap an
//!   [`I2F30`] fraction.
//!
//! Robust mode is not available in fixed point: degeneracy is reported
//! ([`FixedFrameSet::is_degenerate`]) and the caller falls back as it sees fit.
//!
//! # Error bound against f32
//! For points exactly representable in both formats (multiples of 2^-16 below 256 in
//! magnitude) and `N <= 65536`, with `g` the relative eigengap, every fixed frame is matched
//! (as sets, member by member) by an f32 frame of [`FrameSet`](super::FrameSet) with
//!
//! `max |axis component difference| <= 1e-5 + 2e-6 / g`,
//!
//! normalised eigenvalues within `1e-5` of the f32 ones divided by the largest, and origins
//! within `2^-15` (one ulp of I16F16, plus f32 rounding). The fixed path itself is more precise
//! than f32 (30 fractional bits); the bound is dominated by the f32 eigensolver. Held by
//! `tests/frames_fixed.rs`.
//!
//! # No float instructions
//! Checked with
//! `cargo rustc --release --lib --target thumbv6m-none-eabi -- --emit asm`, splitting
//! `target/thumbv6m-none-eabi/release/deps/equiframe-*.s` at symbol labels and listing the
//! `bl` targets of every function whose symbol contains `5frame5fixed` (all 7 of them:
//! moments, eigen, rotate, frame set, frame mapping): only integer helpers appear
//! (`__aeabi_lmul`, `__aeabi_ldivmod`, `__aeabi_uldivmod`, `__aeabi_uidiv(mod)`,
//! `__aeabi_llsl`, `__clzsi2`, `memcpy`/`memclr`), no `__aeabi_f*` / `__aeabi_d*`, while the
//! same file holds about 2,000 `__aeabi_f*` calls from the f32 path.

mod eigen;
mod moments;
mod set;

pub use eigen::{fixed_sym_eigen, FixedEigen};
pub use fixed::types::{I16F16, I2F30};
pub use moments::{FixedMoments, MAX_FIXED_POINTS};
pub use set::{FixedFrame, FixedFrameSet};

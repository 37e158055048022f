#![doc = include_str!("../README.md")]
#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![deny(missing_docs)]
#![forbid(unsafe_op_in_unsafe_fn)]
// The core never panics on input: no unwrap/expect/panic and no unchecked indexing outside
// the modules whose `mod` line states why (tests are exempt).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

#[cfg(target_endian = "big")]
compile_error!(
    "equiframe reads little-endian model blobs in place and supports little-endian targets only"
);

pub mod geom;
pub mod quant;

pub mod frame;
pub mod kernels;
#[allow(
    clippy::indexing_slicing,
    reason = "fixed-size matrix code: every index is a loop counter or constant bounded by the array's own const length; firmware/nopanic proves no panic path is linked"
)]
pub mod lie;
pub mod math;
pub mod model;

pub mod engine;
pub mod estimate;

#[cfg(feature = "std")]
#[allow(
    clippy::indexing_slicing,
    reason = "host-only (std) code, not part of the no_std firmware core: indices bounded by the batch plan"
)]
pub mod batch;

#![doc = include_str!("../README.md")]
#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![deny(missing_docs)]
#![forbid(unsafe_op_in_unsafe_fn)]

#[cfg(target_endian = "big")]
compile_error!(
    "equiframe reads little-endian model blobs in place and supports little-endian targets only"
);

pub mod geom;
pub mod quant;

pub mod frame;
pub mod kernels;
pub mod lie;
pub mod math;
pub mod model;

pub mod engine;
pub mod estimate;

#[cfg(feature = "std")]
pub mod batch;

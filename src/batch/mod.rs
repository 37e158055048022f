//! Floor 4 (feature `std`): batch evaluation of a model over many samples -- the same numbers
//! as [`engine::run`](crate::engine::run) on every sample (int8 outputs bit for bit), faster.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use equiframe::batch::{Backend, Batch, Threads};
//! use equiframe::model::{AlignedBlob, Model};
//! static BLOB: AlignedBlob<[u8; include_bytes!("../../tests/data/tiny_f32.eqf").len()]> =
//!     AlignedBlob(*include_bytes!("../../tests/data/tiny_f32.eqf"));
//! let model = Model::from_bytes(BLOB.as_bytes())?;
//! // Two samples of 4 points x 3 channels: (B, N, C) row-major.
//! let inputs = [
//!     0.0, 0.0, 0.0, 1.0, 0.2, 0.0, 0.3, 2.0, 0.1, -0.5, 0.4, 0.9f32,
//!     1.0, 0.0, 0.5, 0.0, 3.0, 0.2, 0.3, 0.1, 0.0, 2.0, 0.4, -0.9,
//! ];
//! let batch = Batch::new(model, Backend::simd())?;
//! let mut outputs = vec![0.0f32; 2 * model.output_len()];
//! let report = batch.run(&inputs, 2, Threads::All, &mut outputs)?;
//! assert_eq!(report.frames_evaluated, 16);
//! # Ok(()) }
//! ```
//!
//! Choosing a backend ([`Backend`]):
//! - [`Backend::Scalar`]: the portable scalar kernels of [`crate::kernels`] (what a
//!   microcontroller without DSP runs);
//! - [`Backend::Simd`]: pointwise layers on x86-64 AVX2 or AVX-512 VNNI ([`simd::Backend`],
//!   detected at run time; [`Backend::simd`] picks the fastest), f32 pointwise layers
//!   vectorised over output channels in the scalar summation order; other CPUs (aarch64
//!   included) fall back to the scalar kernels, which the compiler vectorises for NEON;
//! - [`Backend::Cuda`]: an NVIDIA GPU (feature `cuda`, int8 blobs; see `cuda`).
//!
//! and the worker threads ([`Threads`]; more than one needs the feature `rayon`, samples are
//! distributed over a rayon pool, each worker keeps its own scratch for all its samples).
//! A command line maps `--backend scalar|simd|cuda` to `Backend::Scalar`, [`Backend::simd()`]
//! and `Backend::Cuda`, and `--threads N` to `Threads::Count(N)` (none given: `Threads::All`);
//! [`Backend::name`] names what actually ran.
//!
//! Work reused: weights are packed and requantization constants prepared once per [`Batch`]
//! (not per sample or frame; the AVX-512 VNNI kernel runs four points x 64 channels per
//! register block and requantizes from the registers); each
//! worker's tensors and scratch are allocated once; per sample the canonical coordinates in
//! the first frame are computed (and quantized for both signs) once, and every frame that
//! differs from it only by axis signs -- all frames of a plain set -- is written by sign
//! selection (`fold.rs`). Integer results are bit-identical across backends and to
//! [`engine::run`](crate::engine::run) (tested on random models and inputs in
//! `host-tools/tests/batch_exact.rs`); f32 results are equal value for value (the f32 kernels
//! keep the scalar summation order), up to the sign of an exact zero.

mod fkern;
mod fold;
mod packed;
#[cfg(target_arch = "x86_64")]
mod requant_avx2;
mod run;
mod sample;
pub mod simd;
#[cfg(target_arch = "x86_64")]
mod simd_avx2;
#[cfg(target_arch = "x86_64")]
mod simd_vnni;

#[cfg(feature = "cuda")]
pub mod cuda;

pub use run::{Backend, Batch, BatchError, BatchReport, Threads};

//! Floor 4 (std only): batch evaluation over many samples (SIMD, threads, CUDA).

pub mod simd;
#[cfg(target_arch = "x86_64")]
mod simd_avx2;
#[cfg(target_arch = "x86_64")]
mod simd_vnni;

//! Floor 4 (std only): batch evaluation over many samples (SIMD, threads, CUDA).

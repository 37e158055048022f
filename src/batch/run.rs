//! The public batch API: [`Batch`] (a model prepared for one backend), [`Backend`],
//! [`Threads`], [`BatchReport`] and [`BatchError`].

use core::fmt;

use super::sample::{eval, Plan, Work};
use super::simd;
use crate::engine::{RunError, RunReport};
use crate::model::Model;

/// Where a batch runs.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The scalar kernels of [`crate::kernels`] (every target).
    Scalar,
    /// SIMD pointwise layers with the given kernels (x86-64 AVX2 / AVX-512 VNNI).
    Simd(simd::Backend),
    /// An NVIDIA GPU through CUDA (feature `cuda`, int8 blobs).
    Cuda,
}

impl Backend {
    /// The fastest SIMD kernels of this CPU (scalar kernels where there are none).
    pub fn simd() -> Self {
        Backend::Simd(simd::Backend::detect())
    }

    /// Short name: `scalar`, `avx2`, `avx512-vnni`, `cuda`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Scalar | Backend::Simd(simd::Backend::Scalar) => "scalar",
            Backend::Simd(simd::Backend::Avx2) => "avx2",
            Backend::Simd(simd::Backend::Avx512Vnni) => "avx512-vnni",
            Backend::Cuda => "cuda",
        }
    }
}

/// How many worker threads a batch uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threads {
    /// The calling thread only.
    One,
    /// One worker per logical CPU (feature `rayon`; otherwise the calling thread).
    All,
    /// This many workers (feature `rayon`; otherwise the calling thread).
    Count(usize),
}

/// What a batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BatchReport {
    /// Samples evaluated.
    pub samples: usize,
    /// Backbone passes over all samples.
    pub frames_evaluated: usize,
    /// Samples whose frame set was degenerate (eigengap below the blob's threshold).
    pub degenerate: usize,
    /// Samples in canonical mode that fell back to the full set.
    pub canonical_fallbacks: usize,
    /// Worker threads used.
    pub threads: usize,
}

impl BatchReport {
    fn add(&mut self, r: &RunReport) {
        self.samples += 1;
        self.frames_evaluated += r.frames_evaluated;
        self.degenerate += usize::from(r.degenerate);
        self.canonical_fallbacks += usize::from(r.canonical_fallback);
    }
    #[cfg_attr(not(feature = "rayon"), allow(dead_code))]
    fn merge(mut self, o: Self) -> Self {
        self.samples += o.samples;
        self.frames_evaluated += o.frames_evaluated;
        self.degenerate += o.degenerate;
        self.canonical_fallbacks += o.canonical_fallbacks;
        self
    }
}

/// Why a batch produced no output.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub enum BatchError {
    /// `inputs.len()` is not `batch` samples of whole rows of the model's channels.
    InputShape {
        /// Input length (f32 values).
        len: usize,
        /// Samples announced.
        batch: usize,
        /// Channels per row.
        channels: usize,
    },
    /// `outputs` does not hold `batch * model.output_len()` values.
    OutputLength {
        /// Values needed.
        needed: usize,
        /// Values given.
        given: usize,
    },
    /// One sample was refused by the engine's checks.
    Sample {
        /// Index of the sample in the batch.
        index: usize,
        /// Why.
        error: RunError,
    },
    /// This build or machine cannot run the backend.
    BackendUnavailable {
        /// The backend asked for.
        backend: Backend,
        /// Why not.
        reason: String,
    },
    /// The worker pool could not be started.
    Threads(String),
    /// The CUDA driver reported an error.
    Cuda(String),
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InputShape {
                len,
                batch,
                channels,
            } => write!(
                f,
                "input of {len} values is not {batch} samples of rows of {channels} channels"
            ),
            Self::OutputLength { needed, given } => {
                write!(f, "output holds {given} values, the batch needs {needed}")
            }
            Self::Sample { index, error } => write!(f, "sample {index}: {error}"),
            Self::BackendUnavailable { backend, reason } => {
                write!(f, "backend {} is not available: {reason}", backend.name())
            }
            Self::Threads(e) => write!(f, "cannot start the worker threads: {e}"),
            Self::Cuda(e) => write!(f, "CUDA: {e}"),
        }
    }
}

impl std::error::Error for BatchError {}

/// A model prepared for one backend: weights packed once, reused by every [`Batch::run`].
pub struct Batch<'m> {
    plan: Plan<'m>,
    backend: Backend,
    #[cfg(feature = "cuda")]
    gpu: Option<super::cuda::Gpu>,
}

impl<'m> Batch<'m> {
    /// Prepares `model` for `backend`; [`BatchError::BackendUnavailable`] when this CPU or
    /// build cannot run it (e.g. AVX-512 VNNI on an AVX2-only CPU, CUDA without a device).
    pub fn new(model: Model<'m>, backend: Backend) -> Result<Self, BatchError> {
        let kernels = match backend {
            Backend::Scalar | Backend::Cuda => simd::Backend::Scalar,
            Backend::Simd(k) => k,
        };
        if !kernels.is_available() {
            return Err(BatchError::BackendUnavailable {
                backend,
                reason: "this CPU lacks the instructions".into(),
            });
        }
        #[cfg(feature = "cuda")]
        let gpu = match backend {
            Backend::Cuda => Some(super::cuda::Gpu::new(&model)?),
            _ => None,
        };
        #[cfg(not(feature = "cuda"))]
        if backend == Backend::Cuda {
            return Err(BatchError::BackendUnavailable {
                backend,
                reason: "built without the `cuda` feature".into(),
            });
        }
        Ok(Self {
            plan: Plan::new(model, kernels),
            backend,
            #[cfg(feature = "cuda")]
            gpu,
        })
    }

    /// The backend this batch runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The model.
    pub fn model(&self) -> &Model<'m> {
        &self.plan.model
    }

    /// Evaluates `batch` samples: `inputs` is `(batch, N, C)` raw f32, row-major, `outputs`
    /// receives `(batch, K)` averaged outputs (`K = model.output_len()`). Equal to
    /// [`engine::run`](crate::engine::run) per sample. On an error nothing useful is in
    /// `outputs`.
    pub fn run(
        &self,
        inputs: &[f32],
        batch: usize,
        threads: Threads,
        outputs: &mut [f32],
    ) -> Result<BatchReport, BatchError> {
        let model = &self.plan.model;
        let (c, k) = (model.input_channels(), model.output_len());
        let per = inputs.len().checked_div(batch).unwrap_or(0);
        if batch == 0 || inputs.len() != per * batch || per == 0 || !per.is_multiple_of(c) {
            return Err(BatchError::InputShape {
                len: inputs.len(),
                batch,
                channels: c,
            });
        }
        if outputs.len() != batch * k {
            return Err(BatchError::OutputLength {
                needed: batch * k,
                given: outputs.len(),
            });
        }
        #[cfg(feature = "cuda")]
        if let Some(gpu) = &self.gpu {
            return gpu.run(model, inputs, batch, outputs);
        }
        let workers = workers(threads);
        if workers <= 1 {
            let mut work = Work::default();
            let mut rep = BatchReport {
                threads: 1,
                ..BatchReport::default()
            };
            for (i, (x, y)) in inputs
                .chunks_exact(per)
                .zip(outputs.chunks_exact_mut(k))
                .enumerate()
            {
                let r = eval(&self.plan, x, &mut work, y)
                    .map_err(|error| BatchError::Sample { index: i, error })?;
                rep.add(&r);
            }
            return Ok(rep);
        }
        self.run_parallel(inputs, per, workers, outputs)
    }

    #[cfg(feature = "rayon")]
    fn run_parallel(
        &self,
        inputs: &[f32],
        per: usize,
        workers: usize,
        outputs: &mut [f32],
    ) -> Result<BatchReport, BatchError> {
        use rayon::prelude::*;
        let k = self.plan.model.output_len();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(workers)
            .build()
            .map_err(|e| BatchError::Threads(e.to_string()))?;
        // Contiguous blocks of samples per task: scratch stays warm, output lines separate.
        let block = (inputs.len() / per).div_ceil(workers * 8).max(1);
        let rep = pool.install(|| {
            inputs
                .par_chunks(per * block)
                .zip(outputs.par_chunks_mut(k * block))
                .enumerate()
                .map_init(Work::default, |work, (b, (xs, ys))| {
                    let mut rep = BatchReport::default();
                    for (i, (x, y)) in xs.chunks_exact(per).zip(ys.chunks_exact_mut(k)).enumerate()
                    {
                        let r =
                            eval(&self.plan, x, work, y).map_err(|error| BatchError::Sample {
                                index: b * block + i,
                                error,
                            })?;
                        rep.add(&r);
                    }
                    Ok(rep)
                })
                .try_reduce(BatchReport::default, |a, b| Ok(a.merge(b)))
        })?;
        Ok(BatchReport {
            threads: workers,
            ..rep
        })
    }

    #[cfg(not(feature = "rayon"))]
    fn run_parallel(
        &self,
        inputs: &[f32],
        _per: usize,
        _workers: usize,
        outputs: &mut [f32],
    ) -> Result<BatchReport, BatchError> {
        let batch = outputs.len() / self.plan.model.output_len().max(1);
        self.run(inputs, batch, Threads::One, outputs)
    }
}

/// Worker count for `threads` in this build.
fn workers(threads: Threads) -> usize {
    if !cfg!(feature = "rayon") {
        return 1;
    }
    match threads {
        Threads::One => 1,
        Threads::Count(n) => n.max(1),
        Threads::All => std::thread::available_parallelism().map_or(1, |n| n.get()),
    }
}

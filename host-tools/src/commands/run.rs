//! `equiframe run`: a blob evaluated on a batch of raw inputs, one engine call per sample
//! (samples spread over threads), outputs after frame averaging and dequantization.

use std::path::Path;

use anyhow::{anyhow, bail, Context};
use rayon::prelude::*;

use super::origin;

use super::print_stdout;
use super::samples::{self, Expect, Samples};
use crate::blob::AlignedBuf;
use crate::cli::{BackendArg, RunArgs};
use crate::npy::{Dtype, NpyArray};
use equiframe::batch::{Backend, Batch, BatchError, Threads};
use equiframe::frame::FieldKind;
use equiframe::model::{FrameMode, Model, PointsMode, Precision};
use equiframe::quant::{dequantize, quantize_f32};

/// Reads and validates a blob file (kept aligned in memory).
pub fn load_blob(path: &Path) -> anyhow::Result<AlignedBuf> {
    let bytes = std::fs::read(path).with_context(|| format!("{}", path.display()))?;
    let buf = AlignedBuf::from_slice(&bytes);
    Model::from_bytes(buf.as_bytes())
        .map_err(|e| anyhow!("{}: not a valid model blob: {e}", path.display()))?;
    Ok(buf)
}

/// What `model` accepts as input.
pub fn expect(model: &Model<'_>) -> Expect {
    Expect {
        channels: model.input_channels(),
        fixed: (model.points_mode() == PointsMode::Fixed).then(|| model.max_points()),
        max: model.max_points(),
    }
}

/// Runs the engine on every sample; `threads` = worker count (`None`: all cores).
pub fn run_batch(
    model: &Model<'_>,
    x: &Samples,
    threads: Option<usize>,
    quiet: bool,
) -> anyhow::Result<Vec<f32>> {
    let k = model.output_len();
    let mut out = vec![0.0f32; x.batch * k];
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .context("starting the worker threads")?;
    let pb = crate::progress::bar(x.batch as u64, "run", quiet || x.batch < 64);
    let res: anyhow::Result<()> = pool.install(|| {
        out.par_chunks_mut(k).enumerate().try_for_each_init(
            || AlignedBuf::from_slice(&vec![0u8; model.arena_bytes()]),
            |arena, (b, y)| {
                model
                    .run(x.sample(b), arena.as_bytes_mut(), y)
                    .map_err(|e| anyhow!("sample {b}: {e}"))?;
                pb.inc(1);
                Ok(())
            },
        )
    });
    pb.finish_and_clear();
    res?;
    Ok(out)
}

/// The batch backend of a command-line backend (`scalar` maps to the scalar batch kernels;
/// `run --backend scalar` itself calls the engine per sample).
pub fn batch_backend(b: BackendArg) -> Backend {
    match b {
        BackendArg::Scalar => Backend::Scalar,
        BackendArg::Simd => Backend::simd(),
        BackendArg::Cuda => Backend::Cuda,
    }
}

/// Runs the batch API (`equiframe::batch`) with `backend` over every sample, in chunks so
/// the progress bar moves; int8 outputs are bit-identical to [`run_batch`].
pub fn run_backend(
    model: Model<'_>,
    backend: Backend,
    x: &Samples,
    threads: Option<usize>,
    quiet: bool,
) -> anyhow::Result<Vec<f32>> {
    let k = model.output_len();
    let batch =
        Batch::new(model, backend).map_err(|e| anyhow!("backend {}: {e}", backend.name()))?;
    let threads = threads.map_or(Threads::All, Threads::Count);
    let mut out = vec![0.0f32; x.batch * k];
    let per = x.points * x.channels;
    let chunk = 256;
    let pb = crate::progress::bar(x.batch as u64, "run", quiet || x.batch < 64);
    for (i, y) in out.chunks_mut(chunk * k).enumerate() {
        let b0 = i * chunk;
        let nb = y.len() / k;
        let xs = x
            .data
            .get(b0 * per..(b0 + nb) * per)
            .ok_or_else(|| anyhow!("input shorter than its shape"))?;
        batch.run(xs, nb, threads, y).map_err(|e| match e {
            BatchError::Sample { index, error } => anyhow!("sample {}: {error}", b0 + index),
            other => anyhow!("backend {}: {other}", backend.name()),
        })?;
        pb.inc(nb as u64);
    }
    pb.finish_and_clear();
    Ok(out)
}

/// int8 input (B,N,C) or (N,C): the backbone's already quantized input tensor, as TFLite
/// Micro takes it. Each value is dequantized with the blob's input quantization; the engine's
/// own quantization maps it back to the same integer exactly (|q - zp| <= 255, so the f32
/// round trip is far from a rounding boundary).
fn int8_samples(model: &Model<'_>, arr: NpyArray, path: &Path) -> anyhow::Result<Samples> {
    let p = path.display();
    if model.precision() != Precision::Int8 {
        bail!("--input {p}: int8 input needs an int8 model blob; this one is f32");
    }
    if model.frame_mode() != FrameMode::None {
        bail!("--input {p}: int8 input is the backbone's quantized tensor, but this blob averages over frames (--frames); give float32 raw inputs");
    }
    let e = expect(model);
    let (batch, points, channels) = match arr.shape[..] {
        [n, c] => (1, n, c),
        [b, n, c] => (b, n, c),
        _ => bail!(
            "--input {p}: shape {:?} given, expected (B,N,{})",
            arr.shape,
            e.channels
        ),
    };
    let bad_n = match e.fixed {
        Some(f) => points != f,
        None => points == 0 || points > e.max,
    };
    if channels != e.channels || bad_n || batch == 0 {
        bail!(
            "--input {p}: shape {:?} given, expected (B,{},{})",
            arr.shape,
            e.fixed.map_or_else(|| "N".to_string(), |n| n.to_string()),
            e.channels
        );
    }
    let (scale, zp) = model.input_quant();
    let data = arr
        .to_f32()
        .into_iter()
        .map(|q| dequantize(q as i8, scale, zp))
        .collect();
    Ok(Samples {
        batch,
        points,
        channels,
        data,
    })
}

/// The int8 output tensor behind dequantized outputs of a model without frames (checked to
/// lie exactly on the output's int8 grid).
fn int8_outputs(model: &Model<'_>, y: &[f32]) -> anyhow::Result<Vec<i8>> {
    let (scale, zp) = model.output_quant();
    let inv = 1.0 / scale;
    y.iter()
        .enumerate()
        .map(|(i, &v)| {
            let q = quantize_f32(v, inv, zp);
            if dequantize(q, scale, zp).to_bits() != v.to_bits() {
                bail!("output {i} = {v} is not an int8 value of the output quantization");
            }
            Ok(q)
        })
        .collect()
}

/// Runs `run`.
pub fn run(args: &RunArgs, quiet: bool) -> anyhow::Result<()> {
    if args.threads == Some(0) {
        bail!("--threads must be at least 1");
    }
    let buf = load_blob(&args.model)?;
    let model = Model::from_bytes(buf.as_bytes()).map_err(|e| anyhow!("{e}"))?;
    let arr =
        NpyArray::read(&args.input).with_context(|| format!("--input {}", args.input.display()))?;
    let int8 = arr.dtype() == Dtype::I8;
    let mut coarse = None;
    let x = if int8 {
        int8_samples(&model, arr, &args.input)?
    } else {
        let mut x = samples::read(&args.input, "--input", expect(&model))?;
        if let Some((p, invariant)) = positions(&model) {
            if arr.dtype() == Dtype::F64 {
                if invariant {
                    x.data = origin::to_f32_centred(&arr, x.points, &p).0;
                }
            } else {
                coarse = origin::coarse_spacing(&x.data, x.points, &p);
            }
        }
        x
    };
    if let Some((set, ratio)) = coarse {
        eprintln!(
            "{}",
            origin::coarse_warning(&format!("--input {}", args.input.display()), set, ratio)
        );
    }
    let k = model.output_len();
    let y = match args.backend {
        BackendArg::Scalar => run_batch(&model, &x, args.threads, quiet)?,
        other => run_backend(model, batch_backend(other), &x, args.threads, quiet)?,
    };
    let out = if int8 {
        NpyArray::from_i8(vec![x.batch, k], int8_outputs(&model, &y)?)
    } else {
        NpyArray::from_f32(vec![x.batch, k], y)
    };
    out.map_err(|e| anyhow!("{e}"))?
        .write(&args.output)
        .with_context(|| format!("writing {}", args.output.display()))?;
    print_stdout(&format!(
        "wrote {}: ({}, {}) outputs of {} samples of ({}, {}){}",
        args.output.display(),
        x.batch,
        k,
        x.batch,
        x.points,
        x.channels,
        if coarse.is_some() {
            "; coarse float32 coordinates flagged"
        } else {
            ""
        }
    ))
}

/// The position fields of the model's input and whether its outputs are translation
/// invariant (frames centred on the source field's centroid), so that float64 input may be
/// centred before narrowing. `None` without position fields.
fn positions(model: &Model<'_>) -> Option<(origin::Positions, bool)> {
    let schema = model.schema();
    let fields: Vec<usize> = schema
        .fields()
        .iter()
        .filter(|f| f.kind == FieldKind::Position)
        .map(|f| usize::from(f.offset))
        .collect();
    let first = *fields.first()?;
    let (source, centred) = match schema.frame_source() {
        Ok((f, centred)) if f.kind == FieldKind::Position => (usize::from(f.offset), centred),
        _ => (first, false),
    };
    let invariant = centred && model.frame_mode() != FrameMode::None;
    Some((
        origin::Positions {
            channels: schema.channels(),
            dim: schema.dim(),
            fields,
            source,
        },
        invariant,
    ))
}

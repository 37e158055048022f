//! The CUDA backend (feature `cuda`): int8 blobs evaluated on an NVIDIA GPU through `cudarc`
//! (the driver and NVRTC are loaded at run time, so the crate builds and runs without CUDA;
//! [`Gpu::new`] then reports "no CUDA device").
//!
//! Division of work, chosen so that every output is bit-identical to the CPU integer path by
//! construction (the same integer operations; the few float operations in the CPU's order and
//! rounding, no contraction, see `kernels.rs`):
//! - GPU: the frame source's moments of every sample as exact integer grid sums (the engine's
//!   order-independent moments: coordinate maxima, centroid sums, 128-bit scatter sums);
//! - host: the grid scales and the conversion of those integers to the centroid and scatter
//!   with the engine's own code, then the 3x3 eigensolver and the frame set per sample (a few
//!   hundred operations per sample, kept on the host so the frames are the engine's bits);
//! - GPU: the canonical input of every (sample, frame) pair, quantized; every int8 layer
//!   (pointwise, pointwise + max pooling, dense, max pooling) with the TFLite Micro
//!   requantization in integer arithmetic;
//! - host: dequantization and the frame averaging with the engine's code.
//!
//! Supported: int8 blobs, full averaging or no frames, plain frame sets (robust mode off),
//! pointwise / pointwise-max / dense / max-pool layers (other layers: `BackendUnavailable`).
//! Status: compiled and tested on machines without a GPU only (where the tests report
//! themselves skipped); not yet run on a device -- `scripts/gpu-check.sh` runs the tests and
//! the benchmark on one.

mod kernels;

use std::sync::Arc;

use cudarc::driver::{
    CudaContext, CudaFunction, CudaSlice, CudaStream, LaunchConfig, PushKernelArg,
};
use cudarc::nvrtc::{compile_ptx_with_opts, CompileOptions};

use super::run::{Backend, BatchError, BatchReport};
use crate::engine::moments::{finish_origin, finish_scatter, grid};
use crate::engine::{average, frames, RunError, RunReport};
use crate::frame::{FieldKind, Frame, FrameSet, Moments, Robust};
use crate::model::{FrameMode, Model, Op, Precision};
use crate::quant::dequantize;

/// Samples per GPU pass (bounds device memory: about 140 MB per 1024 FA-PointNet samples).
const CHUNK: usize = 2048;
const THREADS: u32 = 256;

fn cuda_err(e: impl std::fmt::Debug) -> BatchError {
    BatchError::Cuda(format!("{e:?}"))
}

fn unavailable(reason: impl Into<String>) -> BatchError {
    BatchError::BackendUnavailable {
        backend: Backend::Cuda,
        reason: reason.into(),
    }
}

/// One int8 layer's parameters on the device.
struct GpuLayer {
    op: Op,
    input: usize,
    output: usize,
    cin: usize,
    cout: usize,
    zp: i32,
    lo: i32,
    hi: i32,
    w: Option<CudaSlice<i8>>,
    bias: Option<CudaSlice<i32>>,
    mult: Option<CudaSlice<i32>>,
    shift: Option<CudaSlice<i32>>,
    /// Per channel, for fused max pooling: requantize the extreme accumulator once.
    trick: Option<CudaSlice<i32>>,
}

/// The compiled kernels and the model's weights on one GPU.
pub struct Gpu {
    stream: Arc<CudaStream>,
    f_max_abs: CudaFunction,
    f_grid_sums: CudaFunction,
    f_canon: CudaFunction,
    f_dense: CudaFunction,
    f_pwmax: CudaFunction,
    f_pool: CudaFunction,
    layers: Vec<GpuLayer>,
    name: String,
}

/// Whether the CUDA driver and NVRTC libraries can be loaded here.
pub fn libraries_present() -> bool {
    // SAFETY: these only try to open the shared libraries by name (libloading); nothing is
    // called from them.
    unsafe { cudarc::driver::sys::is_culib_present() && cudarc::nvrtc::sys::is_culib_present() }
}

impl Gpu {
    /// Compiles the kernels on GPU 0 and uploads `model`'s weights; `BackendUnavailable` when
    /// there is no CUDA device or the model uses something this backend lacks.
    pub fn new(model: &Model<'_>) -> Result<Self, BatchError> {
        check_model(model)?;
        if !libraries_present() {
            return Err(unavailable(
                "no CUDA device (driver or NVRTC library not found)",
            ));
        }
        let ctx =
            CudaContext::new(0).map_err(|e| unavailable(format!("no CUDA device ({e:?})")))?;
        let name = ctx.name().unwrap_or_else(|_| "CUDA device".into());
        let stream = ctx.default_stream();
        let opts = CompileOptions {
            fmad: Some(false),
            ..CompileOptions::default()
        };
        let ptx = compile_ptx_with_opts(kernels::SOURCE, opts).map_err(cuda_err)?;
        let module = ctx.load_module(ptx).map_err(cuda_err)?;
        let f = |n: &str| module.load_function(n).map_err(cuda_err);
        let mut layers = Vec::new();
        for l in model.layers() {
            let bad = || BatchError::Cuda("tensor table".into());
            let (ti, to) = (
                model.tensor(l.input).ok_or_else(bad)?,
                model.tensor(l.output).ok_or_else(bad)?,
            );
            let (cin, cout) = (ti.cols as usize, to.cols as usize);
            let q = crate::engine::backbone::qparams(&l, to.zero_point);
            let (lo, hi) = (q.act_min.clamp(-128, 127), q.act_max.clamp(-128, 127));
            let up_i32 = |v: &[i32]| -> Result<Option<CudaSlice<i32>>, BatchError> {
                if v.is_empty() {
                    return Ok(None);
                }
                stream.clone_htod(v).map(Some).map_err(cuda_err)
            };
            let w = if l.weights_i8.is_empty() {
                None
            } else {
                Some(stream.clone_htod(l.weights_i8).map_err(cuda_err)?)
            };
            // the scalar kernel's rule: a whole group of four with shifts <= 0, or (past the
            // last group) the channel itself
            let trick: Vec<i32> = match l.shift.get(..cout) {
                Some(sh) if l.op == Op::PointwiseMax => (0..cout)
                    .map(|c| {
                        let g = if c < cout / 4 * 4 {
                            &sh[c / 4 * 4..c / 4 * 4 + 4]
                        } else {
                            &sh[c..=c]
                        };
                        i32::from(g.iter().all(|&v| v <= 0))
                    })
                    .collect(),
                _ => Vec::new(),
            };
            layers.push(GpuLayer {
                op: l.op,
                input: usize::from(l.input),
                output: usize::from(l.output),
                cin,
                cout,
                zp: to.zero_point,
                lo,
                hi: hi.max(lo),
                w,
                bias: up_i32(l.bias_i32)?,
                mult: up_i32(l.multiplier)?,
                shift: up_i32(l.shift)?,
                trick: up_i32(&trick)?,
            });
        }
        Ok(Self {
            f_max_abs: f("max_abs")?,
            f_grid_sums: f("grid_sums")?,
            f_canon: f("canon_quant")?,
            f_dense: f("dense_rows")?,
            f_pwmax: f("pointwise_max")?,
            f_pool: f("max_pool")?,
            stream,
            layers,
            name,
        })
    }

    /// The device's name.
    pub fn device_name(&self) -> &str {
        &self.name
    }

    /// Evaluates `batch` samples (already shape-checked by the caller).
    pub(crate) fn run(
        &self,
        model: &Model<'_>,
        inputs: &[f32],
        batch: usize,
        outputs: &mut [f32],
    ) -> Result<BatchReport, BatchError> {
        let per = inputs.len() / batch;
        let k = model.output_len();
        let mut rep = BatchReport {
            threads: 1,
            ..BatchReport::default()
        };
        for (ci, (xs, ys)) in inputs
            .chunks(per * CHUNK)
            .zip(outputs.chunks_mut(k * CHUNK))
            .enumerate()
        {
            self.run_chunk(model, xs, per, ci * CHUNK, ys, &mut rep)?;
        }
        Ok(rep)
    }

    fn launch1(&self, total: usize) -> LaunchConfig {
        LaunchConfig {
            grid_dim: (total.div_ceil(THREADS as usize) as u32, 1, 1),
            block_dim: (THREADS, 1, 1),
            shared_mem_bytes: 0,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn run_chunk(
        &self,
        model: &Model<'_>,
        xs: &[f32],
        per: usize,
        first: usize,
        ys: &mut [f32],
        rep: &mut BatchReport,
    ) -> Result<(), BatchError> {
        let s = &self.stream;
        let c = model.input_channels();
        let n = per / c;
        let b = xs.len() / per;
        for (i, x) in xs.chunks_exact(per).enumerate() {
            crate::engine::check_rows(model, x).map_err(|error| BatchError::Sample {
                index: first + i,
                error,
            })?;
        }
        let dx = s.clone_htod(xs).map_err(cuda_err)?;
        let sets = self.frame_sets(model, &dx, xs, per, first)?;
        let f = sets.first().map_or(1, |v| v.len());
        let mut fr = Vec::with_capacity(b * f * 13);
        for (i, set) in sets.iter().enumerate() {
            if set.len() != f {
                return Err(BatchError::Cuda(format!(
                    "sample {}: {} frames, the batch has {f} per sample",
                    first + i,
                    set.len()
                )));
            }
            for fm in set {
                fr.extend(fm.axes.iter().flatten());
                fr.extend(fm.origin);
                fr.push(fm.det);
            }
        }
        let rows = b * f;
        // tensor 0: canonical quantized inputs of every (sample, frame)
        let schema = model.schema();
        let fields: Vec<_> = schema
            .fields()
            .iter()
            .filter_map(|fl| {
                let kind = match fl.kind {
                    FieldKind::Position => 0i32,
                    FieldKind::Vector => 1,
                    FieldKind::Axial => 2,
                    _ => return None,
                };
                Some((kind, i32::from(fl.offset)))
            })
            .collect();
        let kinds: Vec<i32> = fields.iter().map(|f| f.0).collect();
        let offs: Vec<i32> = fields.iter().map(|f| f.1).collect();
        let dk = s.clone_htod(&pad(&kinds)).map_err(cuda_err)?;
        let doff = s.clone_htod(&pad(&offs)).map_err(cuda_err)?;
        let dfr = s.clone_htod(&fr).map_err(cuda_err)?;
        let (scale, zp) = model.input_quant();
        let inv = 1.0f32 / scale;
        let mut tensors: Vec<Option<CudaSlice<i8>>> =
            (0..model.tensor_count()).map(|_| None).collect();
        let mut t0 = s.alloc_zeros::<i8>(rows * n * c).map_err(cuda_err)?;
        {
            let (ni, ci, di, fi, nf, ri) = (
                n as i32,
                c as i32,
                schema.dim() as i32,
                f as i32,
                kinds.len() as i32,
                rows as i32,
            );
            let mut l = s.launch_builder(&self.f_canon);
            l.arg(&dx)
                .arg(&ni)
                .arg(&ci)
                .arg(&di)
                .arg(&fi)
                .arg(&nf)
                .arg(&dk)
                .arg(&doff);
            l.arg(&dfr).arg(&inv).arg(&zp).arg(&mut t0).arg(&ri);
            // SAFETY: argument types and order match `canon_quant`; every buffer holds the
            // lengths the kernel indexes (rows * n * c inputs per frame row, rows * 13 frame
            // values, nf field entries).
            unsafe { l.launch(self.launch1(rows * n)) }.map_err(cuda_err)?;
        }
        if let Some(slot) = tensors.first_mut() {
            *slot = Some(t0);
        }
        for (li, l) in self.layers.iter().enumerate() {
            let ti = model
                .tensor(l.input as u16)
                .ok_or_else(|| BatchError::Cuda(format!("layer {li}")))?;
            let rin = ti.rows_for(n);
            let to = model
                .tensor(l.output as u16)
                .ok_or_else(|| BatchError::Cuda(format!("layer {li}")))?;
            let rout = to.rows_for(n);
            let mut y = s
                .alloc_zeros::<i8>(rows * rout * l.cout)
                .map_err(cuda_err)?;
            let x = tensors
                .get(l.input)
                .and_then(Option::as_ref)
                .ok_or_else(|| BatchError::Cuda(format!("layer {li}: input not computed")))?;
            self.layer(l, x, rows, rin, &mut y)?;
            if let Some(slot) = tensors.get_mut(l.output) {
                *slot = Some(y);
            }
        }
        let out_t = tensors
            .get(usize::from(model.output_tensor_id()))
            .and_then(Option::as_ref)
            .ok_or_else(|| BatchError::Cuda("output tensor not computed".into()))?;
        let yq: Vec<i8> = s.clone_dtoh(out_t).map_err(cuda_err)?;
        let yrow = yq.len() / rows.max(1);
        let (oscale, ozp) = model.output_quant();
        let mut acc = vec![0.0f32; model.accumulator_len()];
        let k = model.output_len();
        for (i, (set, out)) in sets.iter().zip(ys.chunks_exact_mut(k)).enumerate() {
            acc.fill(0.0);
            for (j, fm) in set.iter().enumerate() {
                let y = &yq[(i * f + j) * yrow..(i * f + j) * yrow + k.min(yrow)];
                average::accumulate(
                    model,
                    fm,
                    |q| y.get(q).map_or(0.0, |&v| dequantize(v, oscale, ozp)),
                    &mut acc,
                );
            }
            average::finish(model, &acc, out);
            rep.samples += 1;
            rep.frames_evaluated += f;
        }
        Ok(())
    }

    fn layer(
        &self,
        l: &GpuLayer,
        x: &CudaSlice<i8>,
        rows: usize,
        rin: usize,
        y: &mut CudaSlice<i8>,
    ) -> Result<(), BatchError> {
        let s = &self.stream;
        let (cin, cout) = (l.cin as i32, l.cout as i32);
        let missing = || BatchError::Cuda("layer parameters missing".into());
        match l.op {
            Op::MaxPool => {
                let (fr, ni) = (rows as i32, rin as i32);
                let mut b = s.launch_builder(&self.f_pool);
                b.arg(x).arg(&fr).arg(&ni).arg(&cin).arg(y);
                // SAFETY: matches `max_pool`; x holds rows * rin * cin values, y rows * cin.
                unsafe { b.launch(self.launch1(rows * l.cin)) }.map_err(cuda_err)?;
            }
            Op::Pointwise | Op::Dense | Op::PointwiseMax => {
                let (w, bias, mult, shift) = (
                    l.w.as_ref().ok_or_else(missing)?,
                    l.bias.as_ref().ok_or_else(missing)?,
                    l.mult.as_ref().ok_or_else(missing)?,
                    l.shift.as_ref().ok_or_else(missing)?,
                );
                if l.op == Op::PointwiseMax {
                    let trick = l.trick.as_ref().ok_or_else(missing)?;
                    let (fr, ni) = (rows as i32, rin as i32);
                    let mut b = s.launch_builder(&self.f_pwmax);
                    b.arg(x)
                        .arg(&fr)
                        .arg(&ni)
                        .arg(&cin)
                        .arg(&cout)
                        .arg(w)
                        .arg(bias);
                    b.arg(mult)
                        .arg(shift)
                        .arg(trick)
                        .arg(&l.zp)
                        .arg(&l.lo)
                        .arg(&l.hi)
                        .arg(y);
                    // SAFETY: matches `pointwise_max`; x holds rows * rin * cin values, the
                    // weights cout * cin, the per-channel arrays (trick included) cout, y
                    // rows * cout.
                    unsafe { b.launch(self.launch1(rows * l.cout)) }.map_err(cuda_err)?;
                } else {
                    if l.op == Op::Dense && rin != 1 {
                        return Err(unavailable("dense layers on more than one row"));
                    }
                    let r = if l.op == Op::Dense { rows } else { rows * rin };
                    let ri = r as i32;
                    let mut b = s.launch_builder(&self.f_dense);
                    b.arg(x).arg(&ri).arg(&cin).arg(&cout).arg(w).arg(bias);
                    b.arg(mult)
                        .arg(shift)
                        .arg(&l.zp)
                        .arg(&l.lo)
                        .arg(&l.hi)
                        .arg(y);
                    // SAFETY: matches `dense_rows`; x holds r * cin values (dense inputs are
                    // one row per frame), the weights cout * cin, y r * cout.
                    unsafe { b.launch(self.launch1(r * l.cout)) }.map_err(cuda_err)?;
                }
            }
            other => return Err(unavailable(format!("{other:?} layers are not on the GPU"))),
        }
        Ok(())
    }

    /// The frame set of every sample: exact moments on the GPU, eigen + frames on the host.
    fn frame_sets(
        &self,
        model: &Model<'_>,
        dx: &CudaSlice<f32>,
        xs: &[f32],
        per: usize,
        first: usize,
    ) -> Result<Vec<Vec<Frame>>, BatchError> {
        let b = xs.len() / per;
        if model.frame_mode() == FrameMode::None {
            return Ok(vec![vec![Frame::IDENTITY]; b]);
        }
        let schema = model.schema();
        let Ok((field, centred)) = schema.frame_source() else {
            return Err(unavailable("no geometric field"));
        };
        let (c, o, d) = (schema.channels(), i32::from(field.offset), schema.dim());
        let n = per / c;
        let zeros = vec![0.0f32; b * 3];
        let (max1, bad1) = self.max_abs(dx, n, c, o, d, &zeros, b)?;
        let mut origins = vec![[0.0f32; 3]; b];
        if centred {
            let scale: Vec<f64> = max1
                .iter()
                .map(|&m| if m > 0.0 { grid(m, 40) } else { 0.0 })
                .collect();
            let sums = self.grid_sums(dx, n, c, o, d, &zeros, &scale, 0, b * 3)?;
            for (i, org) in origins.iter_mut().enumerate() {
                if max1[i] > 0.0 {
                    let s3 = [
                        i128::from(sums[i * 3]),
                        i128::from(sums[i * 3 + 1]),
                        i128::from(sums[i * 3 + 2]),
                    ];
                    *org = finish_origin(&s3, scale[i], n, d);
                }
            }
        }
        let flat: Vec<f32> = origins.iter().flatten().copied().collect();
        let (max2, bad2) = self.max_abs(dx, n, c, o, d, &flat, b)?;
        let scale: Vec<f64> = max2
            .iter()
            .map(|&m| if m > 0.0 { grid(m, 30) } else { 0.0 })
            .collect();
        let acc = self.grid_sums(dx, n, c, o, d, &flat, &scale, 1, b * 12)?;
        let opts = model.frame_options();
        let mut sets = Vec::with_capacity(b);
        for (i, x) in xs.chunks_exact(per).enumerate() {
            let idx = [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)];
            let mut a = [[0i128; 3]; 3];
            for (e, &(p, q)) in idx.iter().enumerate() {
                let hi = i128::from(acc[i * 12 + 2 * e]);
                let lo = i128::from(acc[i * 12 + 2 * e + 1] as u64);
                a[p][q] = (hi << 64) | lo;
            }
            let scatter = if max2[i] > 0.0 {
                finish_scatter(&a, scale[i], d)
            } else {
                Some([[0.0; 3]; 3])
            };
            let m = match (bad1[i] | bad2[i], scatter) {
                (0, Some(scatter)) => Some(Moments {
                    dim: d,
                    weight: n as f32,
                    origin: origins[i],
                    scatter,
                }),
                _ => None,
            };
            let mut report = RunReport::default();
            let set: Result<Vec<Frame>, RunError> = match m {
                Some(m) => <FrameSet>::from_moments(&m, &opts)
                    .map(|s| s.frames().to_vec())
                    .map_err(RunError::from),
                // the CPU path decides (and names the problem: non-finite input, ...)
                None => frames(model, x, &mut report).map(|f| f.as_slice().to_vec()),
            };
            sets.push(set.map_err(|error| BatchError::Sample {
                index: first + i,
                error,
            })?);
        }
        Ok(sets)
    }

    #[allow(clippy::too_many_arguments)]
    fn max_abs(
        &self,
        dx: &CudaSlice<f32>,
        n: usize,
        c: usize,
        o: i32,
        d: usize,
        origin: &[f32],
        b: usize,
    ) -> Result<(Vec<f32>, Vec<i32>), BatchError> {
        let s = &self.stream;
        let dorg = s.clone_htod(origin).map_err(cuda_err)?;
        let mut out = s.alloc_zeros::<f32>(b).map_err(cuda_err)?;
        let mut bad = s.alloc_zeros::<i32>(b).map_err(cuda_err)?;
        let (ni, ci, di) = (n as i32, c as i32, d as i32);
        let mut l = s.launch_builder(&self.f_max_abs);
        l.arg(dx)
            .arg(&ni)
            .arg(&ci)
            .arg(&o)
            .arg(&di)
            .arg(&dorg)
            .arg(&mut out)
            .arg(&mut bad);
        let cfg = LaunchConfig {
            grid_dim: (b as u32, 1, 1),
            block_dim: (THREADS, 1, 1),
            shared_mem_bytes: 0,
        };
        // SAFETY: matches `max_abs`; one block per sample over b * n * c inputs, 3 origin
        // values and one output per sample.
        unsafe { l.launch(cfg) }.map_err(cuda_err)?;
        Ok((
            s.clone_dtoh(&out).map_err(cuda_err)?,
            s.clone_dtoh(&bad).map_err(cuda_err)?,
        ))
    }

    #[allow(clippy::too_many_arguments)]
    fn grid_sums(
        &self,
        dx: &CudaSlice<f32>,
        n: usize,
        c: usize,
        o: i32,
        d: usize,
        origin: &[f32],
        scale: &[f64],
        mode: i32,
        len: usize,
    ) -> Result<Vec<i64>, BatchError> {
        let s = &self.stream;
        let b = scale.len();
        let dorg = s.clone_htod(origin).map_err(cuda_err)?;
        let dsc = s.clone_htod(scale).map_err(cuda_err)?;
        let mut out = s.alloc_zeros::<i64>(len).map_err(cuda_err)?;
        let (ni, ci, di) = (n as i32, c as i32, d as i32);
        let mut l = s.launch_builder(&self.f_grid_sums);
        l.arg(dx)
            .arg(&ni)
            .arg(&ci)
            .arg(&o)
            .arg(&di)
            .arg(&dorg)
            .arg(&dsc)
            .arg(&mode)
            .arg(&mut out);
        let cfg = LaunchConfig {
            grid_dim: (b as u32, 1, 1),
            block_dim: (THREADS, 1, 1),
            shared_mem_bytes: 0,
        };
        // SAFETY: matches `grid_sums`; one block per sample, 3 origin values and one scale per
        // sample, 3 (mode 0) or 12 (mode 1) outputs per sample.
        unsafe { l.launch(cfg) }.map_err(cuda_err)?;
        s.clone_dtoh(&out).map_err(cuda_err)
    }
}

/// At least one element, so an empty field list still uploads a valid buffer.
fn pad(v: &[i32]) -> Vec<i32> {
    if v.is_empty() {
        vec![0]
    } else {
        v.to_vec()
    }
}

/// What this backend supports.
fn check_model(model: &Model<'_>) -> Result<(), BatchError> {
    if model.precision() != Precision::Int8 {
        return Err(unavailable("the GPU backend runs int8 blobs"));
    }
    if !matches!(model.frame_mode(), FrameMode::Average | FrameMode::None) {
        return Err(unavailable("canonical frame mode is not on the GPU"));
    }
    if model.robust() != Robust::Off {
        return Err(unavailable("robust frames are not on the GPU"));
    }
    let on_gpu = |op| {
        matches!(
            op,
            Op::Pointwise | Op::PointwiseMax | Op::Dense | Op::MaxPool
        )
    };
    if let Some(l) = model.layers().find(|l| !on_gpu(l.op)) {
        return Err(unavailable(format!("{:?} layers are not on the GPU", l.op)));
    }
    Ok(())
}

//! `equiframe verify`: a blob against onnxruntime on the same raw inputs. The frames of each
//! sample are computed here (the core's frame module, as the engine does), every sample is
//! expressed in each of its frames, onnxruntime runs the ONNX backbone on those canonical
//! inputs (host-tools/python/ort_run.py in the venv), and its outputs are mapped back and
//! averaged with the frame weights exactly like the engine's outputs. Per layer, the blob's
//! tensors are compared with the float reference of the same ONNX file (where the layer lists
//! line up); per output channel range, the blob's outputs with the averaged onnxruntime ones.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{anyhow, bail, Context};

use super::convert::load_lowered;
use super::print_stdout;
use super::run::{expect, load_blob, run_batch};
use super::samples;
use crate::blob::{self, AlignedBuf, BlobModel, OutputSpec, Precision, Quant};
use crate::cli::VerifyArgs;
use crate::npy::NpyArray;
use crate::quantize::{frames::canonical_inputs, trace};
use equiframe::engine::trace::average_outputs;
use equiframe::frame::Frame;
use equiframe::model::{Model, PointsMode};

/// Default threshold of f32 blobs: `|blob - ort| / (1 + |ort|)`.
pub const F32_THRESHOLD: f32 = 1e-5;
/// Default threshold of int8 blobs: `max |blob - ort| / max |ort|`.
pub const INT8_THRESHOLD: f32 = 0.05;
/// Canonical inputs the per-layer comparison uses.
const LAYER_INPUTS: usize = 64;

/// The Python interpreter: `$EQUIFRAME_PYTHON`, else the nearest `.venv/bin/python` above the
/// current directory, else `python3`.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("EQUIFRAME_PYTHON") {
        return p.into();
    }
    let mut dir = std::env::current_dir().ok();
    while let Some(d) = dir {
        let p = d.join(".venv/bin/python");
        if p.exists() {
            return p;
        }
        dir = d.parent().map(Path::to_path_buf);
    }
    "python3".into()
}

/// onnxruntime outputs `(M, K)` of `onnx` on the canonical inputs `x` (`M x N x C`).
fn ort(
    onnx: &Path,
    x: Vec<f32>,
    shape: [usize; 3],
    channels_first: bool,
) -> anyhow::Result<(Vec<f32>, usize)> {
    let dir = std::env::temp_dir().join(format!("equiframe-verify-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (xp, yp) = (dir.join("x.npy"), dir.join("y.npy"));
    NpyArray::from_f32(shape.to_vec(), x)
        .map_err(|e| anyhow!("{e}"))?
        .write(&xp)?;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/ort_run.py");
    let py = python();
    let mut cmd = Command::new(&py);
    cmd.arg(script).arg(onnx).arg(&xp).arg(&yp);
    if channels_first {
        cmd.arg("--channels-first");
    }
    let out = cmd.output().with_context(|| {
        format!(
            "starting {} (set EQUIFRAME_PYTHON to a Python with onnxruntime)",
            py.display()
        )
    })?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let all: Vec<&str> = err.split_whitespace().collect();
        let msg = if all.is_empty() {
            "no message".to_string()
        } else {
            all.join(" ")
        };
        let _ = std::fs::remove_dir_all(&dir);
        bail!("onnxruntime failed on {}: {msg}", onnx.display());
    }
    let y = NpyArray::read(&yp)?;
    let _ = std::fs::remove_dir_all(&dir);
    let k = y.shape.get(1).copied().unwrap_or(0);
    Ok((y.to_f32(), k))
}

/// Max and mean of `|a - b|`, and the max of `|a - b| / (1 + |b|)`.
fn errors(a: &[f32], b: &[f32]) -> (f32, f32, f32) {
    let (mut mx, mut sum, mut rel) = (0.0f32, 0.0f64, 0.0f32);
    for (&x, &y) in a.iter().zip(b) {
        let e = (x - y).abs();
        mx = mx.max(e);
        sum += f64::from(e);
        rel = rel.max(e / (1.0 + y.abs()));
    }
    (mx, (sum / a.len().max(1) as f64) as f32, rel)
}

/// The f32 blob model of `onnx` with the frame settings of `m` (the float reference), its
/// layer names, and whether the ONNX input is channels first.
fn float_reference(m: &Model<'_>, onnx: &Path) -> anyhow::Result<(BlobModel, Vec<String>, bool)> {
    let (imported, low) = load_lowered(onnx)?;
    let channels_first = imported.input_layout == crate::onnx::InputLayout::ChannelsFirst;
    if low.channels != m.input_channels() || low.outputs != m.output_len() {
        bail!(
            "{} takes {} channels and outputs {}, the blob takes {} and outputs {}",
            onnx.display(),
            low.channels,
            low.outputs,
            m.input_channels(),
            m.output_len()
        );
    }
    let model = BlobModel {
        precision: Precision::F32,
        frame_mode: m.frame_mode(),
        group: m.group(),
        axis_order: m.axis_order(),
        robust: m.robust(),
        degenerate_gap: m.degenerate_gap(),
        dim: m.dim() as u8,
        channels: m.input_channels() as u16,
        fields: m.schema().fields().to_vec(),
        max_points: m.max_points() as u32,
        fixed_points: m.points_mode() == PointsMode::Fixed,
        input_quant: Quant::default(),
        outputs: m
            .output_ranges()
            .map(|r| OutputSpec::new(r.kind, r.len))
            .collect(),
        layers: low.layers,
    };
    Ok((model, low.names, channels_first))
}

/// Per-layer `(max, mean)` error of the blob against the float reference on `inputs`, or why
/// the layers are not comparable.
fn layer_errors(
    m: &Model<'_>,
    fm: &Model<'_>,
    inputs: &[Vec<f32>],
    n: usize,
) -> Result<Vec<(f32, f32, f32)>, String> {
    if m.tensor_count() != fm.tensor_count()
        || (0..m.tensor_count()).any(|t| {
            let (a, b) = (m.tensor(t as u16), fm.tensor(t as u16));
            a.map(|a| (a.rows, a.cols)) != b.map(|b| (b.rows, b.cols))
        })
    {
        return Err("the blob's layers do not line up with this ONNX file's".into());
    }
    let nt = m.tensor_count();
    let mut acc = vec![(0.0f32, 0.0f64, 0u64, 0.0f32); nt];
    let (s0, z0) = m.input_quant();
    for x in inputs {
        let tf = trace::trace_f32(fm, x, n).map_err(|e| e.to_string())?;
        let tb: Vec<Vec<f32>> = match m.precision() {
            Precision::F32 => trace::trace_f32(m, x, n).map_err(|e| e.to_string())?,
            Precision::Int8 => {
                let xq: Vec<i8> = x
                    .iter()
                    .map(|&v| equiframe::quant::quantize_f32(v, 1.0 / s0, z0))
                    .collect();
                trace::trace_i8(m, &xq, n)
                    .map_err(|e| e.to_string())?
                    .into_iter()
                    .enumerate()
                    .map(|(t, v)| {
                        let q = m.tensor(t as u16).unwrap_or_default();
                        v.iter()
                            .map(|&e| equiframe::quant::dequantize(e, q.scale, q.zero_point))
                            .collect()
                    })
                    .collect()
            }
        };
        for t in 0..nt {
            for (&a, &b) in tb[t].iter().zip(&tf[t]) {
                let e = (a - b).abs();
                acc[t].0 = acc[t].0.max(e);
                acc[t].1 += f64::from(e);
                acc[t].3 = acc[t].3.max(b.abs());
            }
            acc[t].2 += tf[t].len() as u64;
        }
    }
    Ok(acc
        .iter()
        .map(|&(mx, s, c, r)| (mx, (s / c.max(1) as f64) as f32, r))
        .collect())
}

/// Runs `verify`.
pub fn run(args: &VerifyArgs, quiet: bool) -> anyhow::Result<()> {
    let buf = load_blob(&args.model)?;
    let m = Model::from_bytes(buf.as_bytes()).map_err(|e| anyhow!("{e}"))?;
    let x = samples::read(&args.input, "--input", expect(&m))?;
    let (fmodel, names, channels_first) = float_reference(&m, &args.onnx)?;
    let fbytes = blob::write(&fmodel).map_err(|e| anyhow!("float reference: {e}"))?;
    let fbuf = AlignedBuf::from_slice(&fbytes);
    let fm = Model::from_bytes(fbuf.as_bytes()).map_err(|e| anyhow!("{e}"))?;
    // Frames and canonical inputs of every sample.
    let schema = m.schema();
    let mut frames: Vec<Vec<Frame>> = Vec::with_capacity(x.batch);
    let mut stack = Vec::new();
    for b in 0..x.batch {
        let v = canonical_inputs(&schema, m.frame_mode(), &m.frame_options(), x.sample(b))
            .map_err(|e| anyhow!("--input sample {b}: {e}"))?;
        frames.push(v.iter().map(|(f, _)| *f).collect());
        stack.extend(v.into_iter().map(|(_, c)| c));
    }
    let total = stack.len();
    let per_layer = layer_errors(&m, &fm, &stack[..total.min(LAYER_INPUTS)], x.points);
    let flat: Vec<f32> = stack.concat();
    let (yo, k) = ort(
        &args.onnx,
        flat,
        [total, x.points, x.channels],
        channels_first,
    )?;
    if k != m.output_len() {
        bail!(
            "onnxruntime outputs {k} channels per sample, the blob {}",
            m.output_len()
        );
    }
    let mut reference = Vec::with_capacity(x.batch * k);
    let mut at = 0;
    for f in &frames {
        let ys: Vec<&[f32]> = (0..f.len())
            .map(|i| &yo[(at + i) * k..(at + i + 1) * k])
            .collect();
        reference.extend(average_outputs(&m, f, &ys));
        at += f.len();
    }
    let blob_out = run_batch(&m, &x, None, quiet)?;
    // Report.
    let mut s = format!(
        "{} samples, {} canonical inputs ({} frames each at most); blob {} vs onnxruntime\n",
        x.batch,
        total,
        frames.iter().map(Vec::len).max().unwrap_or(0),
        if m.precision() == Precision::Int8 {
            "int8"
        } else {
            "f32"
        }
    );
    match &per_layer {
        Ok(errs) => {
            s.push_str(
                "per layer (blob vs float reference of the ONNX file, first canonical inputs):\n",
            );
            for (t, (mx, mean, r)) in errs.iter().enumerate() {
                let name = t
                    .checked_sub(1)
                    .and_then(|i| names.get(i))
                    .map_or("input", String::as_str);
                let op = t
                    .checked_sub(1)
                    .and_then(|i| m.layer(i))
                    .map_or("-".to_string(), |l| format!("{:?}", l.op));
                s.push_str(&format!(
                    "  {:>3} {:<13} {:<28} max {:.3e}  mean {:.3e}  ({:.2}% of max |ref|)\n",
                    t.checked_sub(1).map_or("in".into(), |i| i.to_string()),
                    op,
                    name,
                    mx,
                    mean,
                    100.0 * mx / r.max(1e-30)
                ));
            }
        }
        Err(why) => s.push_str(&format!("per layer: not comparable ({why})\n")),
    }
    s.push_str("per output (blob vs frame-averaged onnxruntime):\n");
    let mut worst = 0.0f32;
    let ref_max = reference.iter().fold(0.0f32, |a, v| a.max(v.abs()));
    for r in m.output_ranges() {
        let pick = |v: &[f32]| -> Vec<f32> {
            v.chunks_exact(k)
                .flat_map(|row| row[r.start..r.start + r.len].to_vec())
                .collect()
        };
        let (mx, mean, rel) = errors(&pick(&blob_out), &pick(&reference));
        let metric = match m.precision() {
            Precision::F32 => rel,
            Precision::Int8 => mx / ref_max.max(1e-30),
        };
        worst = worst.max(metric);
        s.push_str(&format!(
            "  {:?} {}..{}: max {:.3e}  mean {:.3e}  max relative {:.3e}\n",
            r.kind,
            r.start,
            r.start + r.len,
            mx,
            mean,
            rel
        ));
    }
    let (threshold, what) = match (args.threshold, m.precision()) {
        (Some(t), Precision::F32) => (t, "max |blob - ort| / (1 + |ort|)"),
        (Some(t), Precision::Int8) => (t, "max |blob - ort| / max |ort|"),
        (None, Precision::F32) => (F32_THRESHOLD, "max |blob - ort| / (1 + |ort|)"),
        (None, Precision::Int8) => (INT8_THRESHOLD, "max |blob - ort| / max |ort|"),
    };
    s.push_str(&format!(
        "{what} = {worst:.3e}, threshold {threshold:.1e}: "
    ));
    let pass = worst <= threshold;
    s.push_str(if pass { "PASS" } else { "FAIL" });
    print_stdout(&s)?;
    if !pass {
        bail!("verify: error {worst:.3e} is above the threshold {threshold:.1e}");
    }
    Ok(())
}

//! `equiframe bench`: times equiframe's batch backends (scalar, SIMD, CUDA; one thread and all
//! threads) on one model and the same inputs, optionally onnxruntime on the same backbone with
//! frame averaging around it (`host-tools/python/ort_bench.py`), and prints throughput, the
//! ratios side by side and the bit-exactness check between equiframe's backends.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context};
use equiframe::batch::{Backend, Batch, Threads};
use equiframe::frame::Group;
use equiframe::model::{FrameMode, Model, OutputKind, Precision};

use super::bench_onnx::backbone_onnx;
use super::print_stdout;
use crate::blob::synth::{quantize, random_pointnet, SynthRng};
use crate::blob::{write, AlignedBuf, OutputSpec};
use crate::cli::{BackendArg, BenchArgs};
use crate::npy::NpyArray;

/// The onnxruntime timing script, written next to the inputs at run time.
const ORT_SCRIPT: &str = include_str!("../../python/ort_bench.py");

/// One timed configuration.
struct Row {
    name: String,
    threads: usize,
    sets_per_s: f64,
}

/// Runs `equiframe bench`.
pub fn run(args: &BenchArgs, quiet: bool) -> anyhow::Result<()> {
    if let Some(dir) = &args.make_synthetic {
        make_synthetic(dir)?;
        if args.model.is_none() {
            return Ok(());
        }
    }
    let Some(path) = &args.model else {
        bail!("give a model blob (or --make-synthetic DIR)");
    };
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let buf = AlignedBuf::from_slice(&bytes);
    let model = Model::from_bytes(buf.as_bytes())
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let all = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if args.vs.is_some() && args.onnx.is_none() && model.precision() != Precision::F32 {
        bail!("--vs onnxruntime on an int8 blob needs --onnx with its f32 backbone");
    }
    let inputs = inputs(args, &model)?;
    let b = inputs.len() / (model.max_points() * model.input_channels());
    let note = |s: &str| {
        if !quiet {
            eprintln!("{s}");
        }
    };
    print_stdout(&header(&model, b, all))?;
    let mut rows = Vec::new();
    let mut outputs: Vec<(String, Vec<f32>)> = Vec::new();
    let backends = if args.backend.is_empty() {
        vec![BackendArg::Scalar, BackendArg::Simd]
    } else {
        args.backend.clone()
    };
    for arg in backends {
        let backend = super::run::batch_backend(arg);
        let batch = Batch::new(model, backend).map_err(|e| anyhow::anyhow!("{e}"))?;
        let counts: Vec<usize> = if backend == Backend::Cuda {
            vec![1]
        } else if all > 1 {
            vec![1, all]
        } else {
            vec![1]
        };
        for t in counts {
            let threads = if t == 1 {
                Threads::One
            } else {
                Threads::Count(t)
            };
            let (rate, out) = time_batch(&batch, &inputs, b, threads, args.repeat)?;
            // f32 blobs run the vectorised f32 kernels, not the int8 instruction set
            let name = match (backend, model.precision()) {
                (Backend::Simd(_), Precision::F32) => "simd-f32".to_string(),
                _ => backend.name().to_string(),
            };
            note(&format!("  {name:<12} {t:>3} threads: {rate:>10.1} sets/s"));
            rows.push(Row {
                name: name.clone(),
                threads: t,
                sets_per_s: rate,
            });
            outputs.push((format!("{name}/{t}t"), out));
        }
    }
    let mut ort = Vec::new();
    let mut ort_out = None;
    if args.vs.is_some() {
        let (r, y) = onnxruntime(args, &model, &inputs, b, all, quiet)?;
        ort = r;
        ort_out = y;
    }
    print_stdout(&table(&rows, &ort))?;
    print_stdout(&exactness(&model, &outputs))?;
    if let (Some(y), Some((_, first))) = (ort_out, outputs.first()) {
        print_stdout(&ort_agreement(&model, &y, first))?;
    }
    Ok(())
}

fn header(model: &Model<'_>, b: usize, all: usize) -> String {
    let prec = match model.precision() {
        Precision::Int8 => "int8",
        _ => "f32",
    };
    let frames = match model.frame_mode() {
        FrameMode::None => "no frames".to_string(),
        _ => format!("{:?} frames", model.group()),
    };
    format!(
        "model: {prec}, {frames}, N = {}, C = {}, K = {}, {} MACs per frame; batch {b}; \
         all threads = {all}",
        model.max_points(),
        model.input_channels(),
        model.output_len(),
        model.macs_per_frame()
    )
}

/// The FA-PointNet inputs: anisotropic clouds (spread 3, 1.7, 0.6 along random axes, offset),
/// or the `--input` file.
fn inputs(args: &BenchArgs, model: &Model<'_>) -> anyhow::Result<Vec<f32>> {
    let (n, c) = (model.max_points(), model.input_channels());
    if let Some(p) = &args.input {
        let a = NpyArray::read(p).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
        let ok = a.shape.len() == 3 && a.shape[1] == n && a.shape[2] == c;
        if !ok {
            bail!(
                "{}: shape {:?}, the model needs (B, {n}, {c})",
                p.display(),
                a.shape
            );
        }
        return Ok(a.to_f32());
    }
    Ok(clouds(args.batch, n, c, 7))
}

/// `b` random anisotropic point sets of `n` rows x `c` channels (positions in channels 0..3).
pub fn clouds(b: usize, n: usize, c: usize, seed: u64) -> Vec<f32> {
    let mut r = SynthRng(seed);
    let mut v = Vec::with_capacity(b * n * c);
    for _ in 0..b {
        let (a, t) = (r.uniform() * 3.1, r.uniform() * 3.1);
        let (ca, sa, ct, st) = (a.cos(), a.sin(), t.cos(), t.sin());
        let off = [r.uniform() * 5.0, r.uniform() * 5.0, r.uniform() * 5.0];
        for _ in 0..n {
            let p = [3.0 * r.uniform(), 1.7 * r.uniform(), 0.6 * r.uniform()];
            // rotate about z by a, then about x by t
            let q = [ca * p[0] - sa * p[1], sa * p[0] + ca * p[1], p[2]];
            let q = [q[0], ct * q[1] - st * q[2], st * q[1] + ct * q[2]];
            for ch in 0..c {
                v.push(if ch < 3 { q[ch] + off[ch] } else { r.uniform() });
            }
        }
    }
    v
}

/// Best sets/s over `repeat` timed runs (after a short warm-up) and the outputs.
fn time_batch(
    batch: &Batch<'_>,
    inputs: &[f32],
    b: usize,
    threads: Threads,
    repeat: usize,
) -> anyhow::Result<(f64, Vec<f32>)> {
    let k = batch.model().output_len();
    let per = inputs.len() / b;
    let warm = b.min(32);
    let mut out = vec![0.0f32; b * k];
    batch
        .run(&inputs[..warm * per], warm, threads, &mut out[..warm * k])
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut best = f64::INFINITY;
    for _ in 0..repeat.max(1) {
        let t0 = Instant::now();
        batch
            .run(inputs, b, threads, &mut out)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        best = best.min(t0.elapsed().as_secs_f64());
    }
    Ok((b as f64 / best, out))
}

fn table(rows: &[Row], ort: &[Row]) -> String {
    let ort1 = ort.iter().find(|r| r.threads == 1).map(|r| r.sets_per_s);
    let ortn = ort
        .iter()
        .rev()
        .find(|r| r.threads > 1)
        .map(|r| r.sets_per_s);
    let ratio = |v: f64, d: Option<f64>| d.map_or("-".to_string(), |d| format!("{:.2}x", v / d));
    let mut s = format!(
        "{:<14} {:>7} {:>12} {:>12} {:>12}\n",
        "backend", "threads", "sets/s", "vs ort 1t", "vs ort all"
    );
    for r in rows.iter().chain(ort) {
        s += &format!(
            "{:<14} {:>7} {:>12.1} {:>12} {:>12}\n",
            r.name,
            r.threads,
            r.sets_per_s,
            ratio(r.sets_per_s, ort1),
            ratio(r.sets_per_s, ortn)
        );
    }
    s.trim_end().to_string()
}

/// Bit-exactness of every equiframe backend against the first one.
fn exactness(model: &Model<'_>, outputs: &[(String, Vec<f32>)]) -> String {
    let Some((first, base)) = outputs.first() else {
        return String::new();
    };
    let mut lines = Vec::new();
    for (name, o) in &outputs[1..] {
        let diff = o
            .iter()
            .zip(base)
            .filter(|(a, b)| a.to_bits() != b.to_bits())
            .count();
        lines.push(if diff == 0 {
            format!("{name}: identical")
        } else {
            format!("{name}: {diff} of {} values differ", base.len())
        });
    }
    let kind = if model.precision() == Precision::Int8 {
        "bit-exact"
    } else {
        "f32 bits"
    };
    let all_same = lines.iter().all(|l| l.ends_with("identical"));
    format!(
        "{kind} check against {first} ({} outputs): {} [{}]",
        base.len(),
        if all_same { "PASS" } else { "DIFFERENT" },
        lines.join(", ")
    )
}

fn ort_agreement(model: &Model<'_>, ort: &[f32], ours: &[f32]) -> String {
    let invariant = model
        .output_ranges()
        .all(|r| r.kind == OutputKind::Invariant);
    if !invariant || ort.len() != ours.len() {
        return "onnxruntime outputs: not compared (non-invariant outputs)".into();
    }
    let range = ours.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-12);
    let max = ort
        .iter()
        .zip(ours)
        .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
    format!(
        "onnxruntime vs equiframe outputs: max |diff| {max:.3e} ({:.2e} of the largest output)",
        max / range
    )
}

/// The Python interpreter: --python, $EQUIFRAME_PYTHON, ./.venv, the workspace's .venv,
/// python3.
fn python(args: &BenchArgs) -> PathBuf {
    if let Some(p) = &args.python {
        return p.clone();
    }
    if let Some(p) = std::env::var_os("EQUIFRAME_PYTHON") {
        return p.into();
    }
    let local = PathBuf::from(".venv/bin/python");
    if local.exists() {
        return local;
    }
    let ws = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    if ws.exists() {
        return ws;
    }
    "python3".into()
}

type OrtResult = (Vec<Row>, Option<Vec<f32>>);

fn onnxruntime(
    args: &BenchArgs,
    model: &Model<'_>,
    inputs: &[f32],
    b: usize,
    all: usize,
    quiet: bool,
) -> anyhow::Result<OrtResult> {
    let group = match (model.frame_mode(), model.group()) {
        (FrameMode::None, _) => "none",
        (_, Group::O3) => "o3",
        (_, Group::SO3) => "so3",
        (_, g) => bail!("--vs onnxruntime supports O(3), SO(3) and no frames, not {g:?}"),
    };
    let dir = std::env::temp_dir().join(format!("equiframe-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let result = (|| {
        let onnx = match &args.onnx {
            Some(p) => p.clone(),
            None => {
                let p = dir.join("backbone.onnx");
                std::fs::write(&p, backbone_onnx(model)?)?;
                p
            }
        };
        let (n, c) = (model.max_points(), model.input_channels());
        let x = dir.join("x.npy");
        NpyArray::from_f32(vec![b, n, c], inputs.to_vec())
            .and_then(|a| a.write(&x))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let script = dir.join("ort_bench.py");
        std::fs::write(&script, ORT_SCRIPT)?;
        let y = dir.join("y.npy");
        let py = python(args);
        let mut cmd = Command::new(&py);
        cmd.arg(&script)
            .arg("--onnx")
            .arg(&onnx)
            .arg("--input")
            .arg(&x)
            .args(["--group", group, "--threads", "1"])
            .arg("--repeat")
            .arg(args.repeat.max(1).to_string())
            .arg("--out")
            .arg(&y);
        if all > 1 {
            cmd.args(["--threads", &all.to_string()]);
        }
        let out = cmd
            .output()
            .with_context(|| format!("cannot start {}", py.display()))?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            let last = err.lines().last().unwrap_or("").trim().to_string();
            bail!("onnxruntime script failed ({}): {last}", py.display());
        }
        let mut rows = Vec::new();
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let v: serde_json::Value = serde_json::from_str(line)
                .with_context(|| format!("unexpected line from the onnxruntime script: {line}"))?;
            let (Some(t), Some(r)) = (v["threads"].as_u64(), v["sets_per_s"].as_f64()) else {
                bail!("unexpected line from the onnxruntime script: {line}");
            };
            if !quiet {
                eprintln!("  {:<12} {t:>3} threads: {r:>10.1} sets/s", "onnxruntime");
            }
            rows.push(Row {
                name: "onnxruntime".into(),
                threads: t as usize,
                sets_per_s: r,
            });
        }
        let y = NpyArray::read(&y).ok().map(|a| a.to_f32());
        Ok((rows, y))
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Writes the synthetic FA-PointNet (N = 256, shared MLP 3-64-64-128, max pool, head
/// 128-64-8, O(3), 8 invariant outputs): `fa_pointnet_f32.eqf`, `fa_pointnet_int8.eqf`
/// (calibrated on 32 clouds) and `fa_pointnet.onnx` (the f32 backbone).
fn make_synthetic(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let outs = vec![OutputSpec::new(OutputKind::Invariant, 8)];
    let f = random_pointnet(&[3, 64, 64, 128], &[64, 8], 256, outs, 2024);
    let cal: Vec<Vec<f32>> = clouds(32, 256, 3, 99)
        .chunks(256 * 3)
        .map(<[f32]>::to_vec)
        .collect();
    let q = quantize(&f, &cal);
    let fb = write(&f).map_err(|e| anyhow::anyhow!("{e}"))?;
    let qb = write(&q).map_err(|e| anyhow::anyhow!("{e}"))?;
    let fbuf = AlignedBuf::from_slice(&fb);
    let fm = Model::from_bytes(fbuf.as_bytes()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let onnx = backbone_onnx(&fm)?;
    for (name, bytes) in [
        ("fa_pointnet_f32.eqf", &fb),
        ("fa_pointnet_int8.eqf", &qb),
        ("fa_pointnet.onnx", &onnx),
    ] {
        let p = dir.join(name);
        std::fs::write(&p, bytes).with_context(|| format!("cannot write {}", p.display()))?;
        print_stdout(&format!("wrote {}", p.display()))?;
    }
    Ok(())
}

//! Demo section 3: the shipped models. Every folder under the models root that holds an
//! `.eqf` blob, `test_x.npy` (raw inputs, `(B,N,C)`) and `test_y.npy` is run: 1-D labels are
//! scored as classification accuracy (argmax of the outputs), `(B,3)` targets as the mean
//! angle between the output vector and the target. Invariance: the blob is run again on every
//! window under a random rotation (and reflection for O(n) groups), and for point sets a
//! translation and a permutation of the points; the table shows the share of unchanged predictions (classification) or the
//! worst change of the angle error.

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use equiframe::frame::{FieldKind, Group};
use equiframe::model::{Model, Precision};

use super::motion::{permute_rows, Motion};
use super::pointnet::Runner;
use super::ModelRow;
use crate::blob::synth::SynthRng;
use crate::commands::run::load_blob;
use crate::npy::NpyArray;

/// What section 3 measured.
#[derive(Clone, Debug, Default)]
pub struct ShippedResult {
    /// One row per shipped model.
    pub rows: Vec<ModelRow>,
    /// Sentences printed under the table.
    pub notes: Vec<String>,
}

/// The shipped model folders under `root`, sorted: `(name, blob path)`.
pub fn find(root: &Path) -> Vec<(String, PathBuf)> {
    let Ok(dirs) = std::fs::read_dir(root) else {
        return vec![];
    };
    let mut out = vec![];
    for d in dirs.flatten() {
        let dir = d.path();
        if !dir.join("test_x.npy").is_file() || !dir.join("test_y.npy").is_file() {
            continue;
        }
        let Ok(files) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut blobs: Vec<PathBuf> = files
            .flatten()
            .map(|f| f.path())
            .filter(|p| p.extension().is_some_and(|e| e == "eqf"))
            .collect();
        blobs.sort();
        if let Some(b) = blobs.into_iter().next() {
            let name = d.file_name().to_string_lossy().into_owned();
            out.push((name, b));
        }
    }
    out.sort();
    out
}

fn angle_deg(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(p, q)| p * q).sum();
    let na = a.iter().map(|v| v * v).sum::<f32>().sqrt();
    let nb = b.iter().map(|v| v * v).sum::<f32>().sqrt();
    (dot / (na * nb).max(1e-12))
        .clamp(-1.0, 1.0)
        .acos()
        .to_degrees()
}

fn argmax(v: &[f32]) -> usize {
    (0..v.len()).fold(0, |b, i| if v[i] > v[b] { i } else { b })
}

/// Runs one shipped model; `draws` rotated copies of every window.
pub fn run_one(name: &str, blob_path: &Path, draws: usize) -> anyhow::Result<ModelRow> {
    let dir = blob_path.parent().unwrap_or(Path::new("."));
    let blob = load_blob(blob_path)?;
    let model =
        Model::from_bytes(blob.as_bytes()).map_err(|e| anyhow!("{}: {e}", blob_path.display()))?;
    let mut runner = Runner::new(model);
    let x = NpyArray::read(&dir.join("test_x.npy")).map_err(|e| anyhow!("{name}: {e}"))?;
    let y = NpyArray::read(&dir.join("test_y.npy")).map_err(|e| anyhow!("{name}: {e}"))?;
    if x.shape.len() != 3 || x.shape[2] != model.input_channels() {
        return Err(anyhow!(
            "{name}: test_x.npy has shape {:?}, expected (B, N, {})",
            x.shape,
            model.input_channels()
        ));
    }
    let (b, per) = (x.shape[0], x.shape[1] * x.shape[2]);
    let xs = x.to_f32();
    let ys = y.to_f32();
    let classify = y.shape.len() == 1;
    if y.shape[0] != b || (!classify && y.shape != [b, 3]) {
        return Err(anyhow!(
            "{name}: test_y.npy has shape {:?}, expected ({b},) labels or ({b}, 3) vectors",
            y.shape
        ));
    }
    let schema = model.schema();
    let reflect = matches!(model.group(), Group::O3 | Group::O2);
    // Rows of a point set have no order; rows of an IMU window are time steps (no
    // positions): those are rotated only.
    let point_set = schema
        .fields()
        .iter()
        .any(|f| f.kind == FieldKind::Position);
    let mut rng = SynthRng(1234);
    let (mut score, mut same, mut total, mut worst) = (0.0f64, 0usize, 0usize, 0.0f32);
    for i in 0..b {
        let sample = &xs[i * per..(i + 1) * per];
        let out = runner.eval(sample)?;
        let err = if classify {
            f32::from(argmax(&out) == ys[i] as usize)
        } else {
            angle_deg(&out[..3], &ys[i * 3..i * 3 + 3])
        };
        score += f64::from(err);
        for _ in 0..draws {
            let m = Motion::random(&mut rng, reflect, 10.0);
            let mut moved = m.apply(&schema, sample);
            if point_set {
                moved = permute_rows(&mut rng, &moved, schema.channels());
            }
            let o2 = runner.eval(&moved)?;
            total += 1;
            if classify {
                same += usize::from(argmax(&o2) == argmax(&out));
            } else {
                // The target moves with the sensor: compare with the rotated target.
                let t = m.map(FieldKind::Vector, [ys[i * 3], ys[i * 3 + 1], ys[i * 3 + 2]]);
                worst = worst.max((angle_deg(&o2[..3], &t) - err).abs());
            }
        }
    }
    let score = score / b as f64;
    let frames = match (model.frame_mode(), model.group()) {
        (equiframe::model::FrameMode::Average, g) => g.frame_count() as u64,
        _ => 1,
    };
    Ok(ModelRow {
        name: name.into(),
        kind: format!(
            "{} {} x{frames}",
            if model.precision() == Precision::Int8 {
                "int8"
            } else {
                "f32"
            },
            group_name(model.group())
        ),
        metric_name: if classify {
            "test accuracy".into()
        } else {
            "mean angle error".into()
        },
        metric: if classify {
            format!("{:.1}% of {b}", 100.0 * score)
        } else {
            format!("{score:.2} deg over {b}")
        },
        invariance: if classify {
            format!("{:.1}% same", 100.0 * same as f64 / total.max(1) as f64)
        } else {
            format!("{worst:.2e} deg")
        },
        flash: blob.as_bytes().len(),
        arena: model.arena_bytes(),
        macs: model.macs_per_frame() * frames,
        per_second: runner.speed(&xs[..per], 50)?,
    })
}

/// Runs every shipped model under `root`.
pub fn run(root: &Path, quick: bool) -> anyhow::Result<ShippedResult> {
    let mut res = ShippedResult::default();
    let found = find(root);
    if found.is_empty() {
        res.notes
            .push(format!("No shipped models found under {}.", root.display()));
    }
    for (name, blob) in found {
        res.rows
            .push(run_one(&name, &blob, if quick { 1 } else { 5 })?);
    }
    Ok(res)
}

/// `O(3)`, `SO(3)`, `O(2)`, `SO(2)`.
pub fn group_name(g: Group) -> &'static str {
    match g {
        Group::O3 => "O(3)",
        Group::SO3 => "SO(3)",
        Group::O2 => "O(2)",
        Group::SO2 => "SO(2)",
    }
}

//! The shipped models (host-tools/models/*): real `torch.onnx.export` backbones.
//!
//! For each model: the committed int8 blob, run by the engine on the committed test windows,
//! reproduces the committed golden outputs bit for bit; a fresh f32 conversion of the ONNX
//! backbone reproduces the float frame-averaged reference of the training script
//! (`expected.npy`: onnxruntime on numpy frames) within 1e-4 of the largest output; a fresh int8
//! conversion with the committed calibration windows gives the committed blob byte for byte.
//! The convert flags are those of host-tools/models/build.sh.

mod cli_common;

use std::path::{Path, PathBuf};

use cli_common::equiframe;
use equiframe_cli::npy::NpyArray;

fn models_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models")
}

/// `(name, convert flags)` as in build.sh.
const MODELS: &[(&str, &[&str])] = &[
    (
        "basicmotions",
        &[
            "--frames",
            "so3",
            "--schema",
            "imu",
            "--outputs",
            "invariant:4",
        ],
    ),
    (
        "lidar",
        &[
            "--frames",
            "o3",
            "--schema",
            "points",
            "--outputs",
            "invariant:5",
        ],
    ),
    (
        "inclination",
        &[
            "--frames",
            "so3",
            "--schema",
            "imu",
            "--outputs",
            "vector:3",
        ],
    ),
];

fn read(p: &Path) -> NpyArray {
    NpyArray::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn run(blob: &Path, x: &Path, out: &Path) -> Vec<f32> {
    let (rc, _, err) = equiframe(&[
        "run",
        blob.to_str().unwrap(),
        "--input",
        x.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(rc, 0, "{err}");
    read(out).to_f32()
}

fn convert(dir: &Path, out: &Path, flags: &[&str], extra: &[&str]) {
    let onnx = dir.join("model.onnx");
    let mut args = vec![
        "convert",
        onnx.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "-q",
    ];
    args.extend_from_slice(flags);
    args.extend_from_slice(extra);
    let (rc, _, err) = equiframe(&args);
    assert_eq!(rc, 0, "convert {args:?}: {err}");
}

#[test]
fn shipped_models_reproduce_their_references() {
    let tmp = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for (name, flags) in MODELS {
        let dir = models_dir().join(name);
        let x = dir.join("test_x.npy");
        if !dir.join("model.onnx").is_file() || !x.is_file() {
            println!("skipped: {name} (no model.onnx / test_x.npy)");
            continue;
        }
        // f32 conversion against the training script's float reference.
        let f32_blob = tmp.path().join(format!("{name}_f32.eqf"));
        convert(&dir, &f32_blob, flags, &["--precision", "f32"]);
        let y = run(&f32_blob, &x, &tmp.path().join(format!("{name}_f32.npy")));
        let expected = read(&dir.join("expected.npy")).to_f32();
        assert_eq!(y.len(), expected.len(), "{name}");
        let scale = expected.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let worst = y
            .iter()
            .zip(&expected)
            .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
        assert!(
            worst <= 1e-4 * scale,
            "{name}: f32 blob vs float reference {worst} > 1e-4 x {scale}"
        );
        println!(
            "{name}: f32 blob vs float reference: max {worst:.2e} (largest output {scale:.2})"
        );
        // The committed int8 blob and its golden outputs.
        let blob = dir.join("model.eqf");
        if !blob.is_file() {
            println!("skipped: {name} int8 (no model.eqf)");
            checked += 1;
            continue;
        }
        let golden = read(&dir.join("golden.npy")).to_f32();
        let y8 = run(&blob, &x, &tmp.path().join(format!("{name}_i8.npy")));
        assert!(
            y8.iter()
                .zip(&golden)
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "{name}: int8 outputs differ from golden.npy"
        );
        let again = tmp.path().join(format!("{name}_i8.eqf"));
        let cal = dir.join("calib.npy");
        convert(
            &dir,
            &again,
            flags,
            &["--calibration", cal.to_str().unwrap()],
        );
        assert!(
            std::fs::read(&again).unwrap() == std::fs::read(&blob).unwrap(),
            "{name}: converting again does not give the committed model.eqf"
        );
        checked += 1;
    }
    assert!(
        checked > 0,
        "no shipped model found under {}",
        models_dir().display()
    );
}

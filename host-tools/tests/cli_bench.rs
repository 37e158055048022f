//! `equiframe bench`: the synthetic FA-PointNet files (and that `benches/data` holds them), the timing table, the bit-exactness
//! line, the exported ONNX backbone run by onnxruntime (skipped, by name, without the venv),
//! and one-line errors.

mod cli_common;

use cli_common::{assert_one_line_error, equiframe};
use std::path::Path;

fn synthetic(dir: &Path) -> (String, String, String) {
    let d = dir.to_str().unwrap();
    let (rc, out, err) = equiframe(&["bench", "--make-synthetic", d]);
    assert_eq!(rc, 0, "{err}");
    assert_eq!(out.lines().filter(|l| l.starts_with("wrote ")).count(), 3);
    let p = |n: &str| dir.join(n).to_str().unwrap().to_string();
    (
        p("fa_pointnet_int8.eqf"),
        p("fa_pointnet_f32.eqf"),
        p("fa_pointnet.onnx"),
    )
}

#[test]
fn bench_times_every_backend_and_checks_bits() {
    let dir = tempfile::tempdir().unwrap();
    let (int8, _, _) = synthetic(dir.path());
    let (rc, out, err) = equiframe(&[
        "-q",
        "bench",
        &int8,
        "--batch",
        "6",
        "--repeat",
        "1",
        "--threads",
        "2",
    ]);
    assert_eq!(rc, 0, "{err}");
    assert!(out.contains("model: int8, O3 frames, N = 256"), "{out}");
    for row in ["scalar               1", "scalar               2"] {
        assert!(out.contains(row), "{out}");
    }
    assert!(
        out.contains("bit-exact check against scalar/1t (48 outputs): PASS"),
        "{out}"
    );
}

fn venv_python() -> Option<String> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    p.exists().then(|| p.to_str().unwrap().to_string())
}

#[test]
fn onnxruntime_runs_the_exported_backbone_with_the_same_outputs() {
    let Some(py) = venv_python() else {
        eprintln!(
            "skipped: onnxruntime_runs_the_exported_backbone_with_the_same_outputs (no .venv)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (_, f32_blob, _) = synthetic(dir.path());
    let (rc, out, err) = equiframe(&[
        "-q",
        "bench",
        &f32_blob,
        "--batch",
        "8",
        "--repeat",
        "1",
        "--threads",
        "1",
        "--backend",
        "simd",
        "--vs",
        "onnxruntime",
        "--python",
        &py,
    ]);
    assert_eq!(rc, 0, "{err}");
    assert!(out.contains("onnxruntime          1"), "{out}");
    let line = out
        .lines()
        .find(|l| l.starts_with("onnxruntime vs equiframe outputs"))
        .unwrap_or_else(|| panic!("{out}"));
    let rel: f32 = line
        .rsplit('(')
        .next()
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!(rel < 1e-4, "f32 backbone under onnxruntime differs: {line}");
}

#[test]
fn bench_errors_are_one_line() {
    assert_one_line_error(&["bench", "/nonexistent.eqf"], 1, &["/nonexistent.eqf"]);
    assert_one_line_error(&["bench"], 1, &["model blob"]);
    let dir = tempfile::tempdir().unwrap();
    let (int8, _, _) = synthetic(dir.path());
    assert_one_line_error(
        &[
            "bench",
            &int8,
            "--batch",
            "2",
            "--vs",
            "onnxruntime",
            "--backend",
            "scalar",
        ],
        1,
        &["--onnx"],
    );
}

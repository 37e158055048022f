//! `convert`, `run`, `inspect` and `verify` on the committed ONNX fixtures
//! (host-tools/python/make_fixtures.py): f32 blobs equal onnxruntime within 1e-5 relative;
//! frame-averaged outputs equal the same averaging done around the float reference (and around
//! onnxruntime through `verify`, when the venv exists); int8 outputs stay within the error
//! bound `convert` predicts.

mod cli_common;

use std::path::{Path, PathBuf};

use cli_common::{equiframe, write_f32, Rng};
use equiframe::engine::trace::average_outputs as average;
use equiframe::model::Model;
use equiframe_cli::blob::AlignedBuf;
use equiframe_cli::ir::{eval, fuse_pointwise_max};
use equiframe_cli::npy::NpyArray;
use equiframe_cli::quantize::frames::canonical_inputs;

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn ok(args: &[&str]) -> String {
    let (rc, out, err) = equiframe(args);
    assert_eq!(rc, 0, "{args:?}: {err}");
    out
}

fn read(p: &Path) -> (Vec<usize>, Vec<f32>) {
    let a = NpyArray::read(p).unwrap();
    (a.shape.clone(), a.to_f32())
}

/// Frame averaging around the float IR of `onnx` (equal to onnxruntime within 1e-5, see
/// onnx_import.rs), with the blob's frame settings.
fn averaged_reference(blob: &Path, onnx: &str, x: &[f32], n: usize, c: usize) -> Vec<f32> {
    let buf = AlignedBuf::from_slice(&std::fs::read(blob).unwrap());
    let m = Model::from_bytes(buf.as_bytes()).unwrap();
    let mut g = equiframe_cli::onnx::load(Path::new(onnx)).unwrap().graph;
    fuse_pointwise_max(&mut g);
    let mut out = Vec::new();
    for s in x.chunks_exact(n * c) {
        let v = canonical_inputs(&m.schema(), m.frame_mode(), &m.frame_options(), s).unwrap();
        let ys: Vec<Vec<f32>> = v.iter().map(|(_, xc)| eval(&g, xc, n).unwrap()).collect();
        let frames: Vec<_> = v.iter().map(|(f, _)| *f).collect();
        let refs: Vec<&[f32]> = ys.iter().map(Vec::as_slice).collect();
        out.extend(average(&m, &frames, &refs));
    }
    out
}

fn max_rel(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() / (1.0 + y.abs()))
        .fold(0.0, f32::max)
}

const GOOD: [(&str, &str, &str); 6] = [
    ("pointnet_conv", "o3", "points"),
    ("imu_pooled", "so3", "imu"),
    ("pointnet_matmul", "so3", "points"),
    ("imu_conv", "so3", "imu"),
    ("branches", "o3", "points"),
    ("reduce_sum", "o2", "pos:0,scalar:2"),
];

#[test]
fn f32_blobs_equal_onnxruntime_and_frame_averaging_around_it() {
    let dir = tempfile::tempdir().unwrap();
    for (name, group, schema) in GOOD {
        let onnx = fixture(&format!("{name}.onnx"));
        let input = fixture(&format!("{name}.input.npy"));
        let (xs, x) = read(Path::new(&input));
        let (_, expected) = read(Path::new(&fixture(&format!("{name}.output.npy"))));
        // No frames: the blob is the backbone itself, compared with onnxruntime's outputs.
        let plain = dir.path().join(format!("{name}.eqf"));
        let y = dir.path().join(format!("{name}.y.npy"));
        ok(&[
            "convert",
            &onnx,
            "-o",
            plain.to_str().unwrap(),
            "--frames",
            "none",
            "--precision",
            "f32",
            "--max-points",
            &xs[1].to_string(),
        ]);
        ok(&[
            "run",
            plain.to_str().unwrap(),
            "--input",
            &input,
            "-o",
            y.to_str().unwrap(),
        ]);
        let (ys, got) = read(&y);
        assert_eq!(ys, vec![xs[0], expected.len() / xs[0]], "{name}");
        let err = max_rel(&got, &expected);
        assert!(err <= 1e-5, "{name}: f32 blob vs onnxruntime {err}");
        // With frames: equal to the same averaging done around the float backbone.
        let fa = dir.path().join(format!("{name}.fa.eqf"));
        ok(&[
            "convert",
            &onnx,
            "-o",
            fa.to_str().unwrap(),
            "--frames",
            group,
            "--schema",
            schema,
            "--precision",
            "f32",
            "--max-points",
            &xs[1].to_string(),
        ]);
        ok(&[
            "run",
            fa.to_str().unwrap(),
            "--input",
            &input,
            "-o",
            y.to_str().unwrap(),
            "--threads",
            "2",
        ]);
        let (_, got) = read(&y);
        let reference = averaged_reference(&fa, &onnx, &x, xs[1], xs[2]);
        let err = max_rel(&got, &reference);
        assert!(
            err <= 1e-5,
            "{name} ({group}): averaged blob vs averaged reference {err}"
        );
        // The averaging is not the plain backbone (the test can fail).
        assert!(
            max_rel(&got, &expected) > 1e-4,
            "{name}: frames changed nothing"
        );
    }
}

#[test]
fn int8_outputs_stay_within_the_predicted_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x5eed_1234_abcd_0042);
    for (name, group, schema) in GOOD {
        let onnx = fixture(&format!("{name}.onnx"));
        let (xs, _) = read(Path::new(&fixture(&format!("{name}.input.npy"))));
        let (n, c) = (xs[1], xs[2]);
        let cal = write_f32(
            dir.path(),
            "cal.npy",
            &[24, n, c],
            rng.vec(24 * n * c).iter().map(|v| 2.0 * v).collect(),
        );
        let test: Vec<f32> = rng.vec(8 * n * c).iter().map(|v| 2.0 * v).collect();
        let xt = write_f32(dir.path(), "x.npy", &[8, n, c], test.clone());
        let q = dir.path().join(format!("{name}.q.eqf"));
        let y = dir.path().join("y.npy");
        let out = ok(&[
            "convert",
            &onnx,
            "-o",
            q.to_str().unwrap(),
            "--frames",
            group,
            "--schema",
            schema,
            "--calibration",
            &cal,
        ]);
        assert!(out.contains("float vs int8 per layer"), "{out}");
        let predicted: f32 = out
            .split("predicted bound on the averaged outputs: ")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("{name}: no prediction in {out}"));
        ok(&[
            "run",
            q.to_str().unwrap(),
            "--input",
            &xt,
            "-o",
            y.to_str().unwrap(),
        ]);
        let (_, got) = read(&y);
        let reference = averaged_reference(&q, &onnx, &test, n, c);
        let err = got
            .iter()
            .zip(&reference)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        let span = reference.iter().fold(0.0f32, |a, v| a.max(v.abs()));
        assert!(
            err <= predicted,
            "{name}: int8 error {err} above the predicted {predicted}"
        );
        assert!(
            err > 0.0 && predicted < 0.5 * span.max(1.0),
            "{name}: err {err}, predicted {predicted}, span {span}"
        );
        // inspect reports what convert wrote.
        let info = ok(&["inspect", q.to_str().unwrap(), "--json"]);
        let v: serde_json::Value = serde_json::from_str(&info).unwrap();
        assert_eq!(v["precision"], "int8");
        assert_eq!(
            v["flash_bytes"].as_u64().unwrap(),
            std::fs::metadata(&q).unwrap().len()
        );
        let frames = v["frames_per_inference"].as_u64().unwrap();
        assert_eq!(
            frames,
            if group == "o3" {
                8
            } else if group == "o2" || group == "so3" {
                4
            } else {
                2
            }
        );
        assert_eq!(
            v["macs_per_inference"].as_u64().unwrap(),
            frames * v["macs_per_frame"].as_u64().unwrap()
        );
        let text = ok(&["inspect", q.to_str().unwrap()]);
        assert!(
            text.contains("arena") && text.contains("axis order descending"),
            "{text}"
        );
    }
}

#[test]
fn verify_against_onnxruntime_when_the_venv_exists() {
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    if !venv.exists() {
        println!("skipped: no .venv with onnxruntime (bash .ci/run creates it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let onnx = fixture("branches.onnx");
    let input = fixture("branches.input.npy");
    let blob = dir.path().join("b.eqf");
    ok(&[
        "convert",
        &onnx,
        "-o",
        blob.to_str().unwrap(),
        "--frames",
        "o3",
        "--precision",
        "f32",
        "--max-points",
        "24",
    ]);
    let (rc, out, err) = equiframe(&[
        "verify",
        blob.to_str().unwrap(),
        "--onnx",
        &onnx,
        "--input",
        &input,
    ]);
    assert_eq!(rc, 0, "{out}{err}");
    assert!(
        out.contains("PASS") && out.contains("per layer") && out.contains("Concat"),
        "{out}"
    );
    // int8 with a threshold it cannot meet: non-zero exit, one error line.
    ok(&[
        "convert",
        &onnx,
        "-o",
        blob.to_str().unwrap(),
        "--frames",
        "o3",
        "--calibration",
        &input,
    ]);
    let (rc, out, err) = equiframe(&[
        "verify",
        blob.to_str().unwrap(),
        "--onnx",
        &onnx,
        "--input",
        &input,
        "--threshold",
        "1e-6",
    ]);
    assert_eq!(rc, 1, "{out}");
    assert!(
        out.contains("FAIL") && err.contains("above the threshold"),
        "{out}{err}"
    );
}

#[test]
fn range_outliers_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(99);
    // 64 ordinary samples and one far larger: the input range is set by one sample.
    let mut v: Vec<f32> = rng.vec(65 * 32 * 3);
    for x in &mut v[64 * 32 * 3..] {
        *x *= 200.0;
    }
    let cal = write_f32(dir.path(), "cal.npy", &[65, 32, 3], v);
    let q = dir.path().join("q.eqf");
    let out = ok(&[
        "convert",
        &fixture("pointnet_conv.onnx"),
        "-o",
        q.to_str().unwrap(),
        "--frames",
        "o3",
        "--calibration",
        &cal,
    ]);
    let warn: Vec<&str> = out.lines().filter(|l| l.starts_with("warning:")).collect();
    assert!(
        warn.iter()
            .any(|l| l.contains("layer 0") && l.contains("range outliers")),
        "{out}"
    );
}

#[test]
fn canonical_mode_equals_one_frame_around_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    let onnx = fixture("branches.onnx");
    let input = fixture("branches.input.npy");
    let (xs, x) = read(Path::new(&input));
    let blob = dir.path().join("c.eqf");
    let y = dir.path().join("y.npy");
    ok(&[
        "convert",
        &onnx,
        "-o",
        blob.to_str().unwrap(),
        "--frames",
        "o3",
        "--mode",
        "canonical",
        "--precision",
        "f32",
        "--axis-order",
        "ascending",
        "--max-points",
        "24",
    ]);
    let info = ok(&["inspect", blob.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_str(&info).unwrap();
    assert_eq!(
        (v["frame_mode"].as_str(), v["axis_order"].as_str()),
        (Some("canonical"), Some("ascending"))
    );
    assert_eq!(v["frames_per_inference"], 1);
    ok(&[
        "run",
        blob.to_str().unwrap(),
        "--input",
        &input,
        "-o",
        y.to_str().unwrap(),
    ]);
    let (_, got) = read(&y);
    let reference = averaged_reference(&blob, &onnx, &x, xs[1], xs[2]);
    let err = max_rel(&got, &reference);
    assert!(err <= 1e-5, "canonical: {err}");
}

#[test]
fn the_layer_trace_is_bit_identical_to_the_engine() {
    // The per-layer errors and the prediction come from the host-side trace; it must compute
    // exactly what the engine computes.
    let dir = tempfile::tempdir().unwrap();
    for (name, _, _) in GOOD {
        let onnx = fixture(&format!("{name}.onnx"));
        let input = fixture(&format!("{name}.input.npy"));
        let (xs, x) = read(Path::new(&input));
        let q = dir.path().join(format!("{name}.eqf"));
        ok(&[
            "convert",
            &onnx,
            "-o",
            q.to_str().unwrap(),
            "--frames",
            "none",
            "--calibration",
            &input,
        ]);
        let buf = AlignedBuf::from_slice(&std::fs::read(&q).unwrap());
        let m = Model::from_bytes(buf.as_bytes()).unwrap();
        let (s0, z0) = m.input_quant();
        let (so, zo) = m.output_quant();
        let mut arena = AlignedBuf::from_slice(&vec![0u8; m.arena_bytes()]);
        for sample in x.chunks_exact(xs[1] * xs[2]) {
            let mut y = vec![0.0f32; m.output_len()];
            m.run(sample, arena.as_bytes_mut(), &mut y).unwrap();
            let xq: Vec<i8> = sample
                .iter()
                .map(|&v| equiframe::quant::quantize_f32(v, 1.0 / s0, z0))
                .collect();
            let t = equiframe_cli::quantize::trace::trace_i8(&m, &xq, xs[1]).unwrap();
            let last: Vec<f32> = t[t.len() - 1]
                .iter()
                .map(|&v| equiframe::quant::dequantize(v, so, zo))
                .collect();
            assert_eq!(y, last, "{name}");
        }
    }
}

#[test]
fn vector_outputs_and_robust_frames_match_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    let onnx = fixture("branches.onnx");
    let input = fixture("branches.input.npy");
    let (xs, x) = read(Path::new(&input));
    let blob = dir.path().join("v.eqf");
    let y = dir.path().join("y.npy");
    ok(&[
        "convert",
        &onnx,
        "-o",
        blob.to_str().unwrap(),
        "--frames",
        "o3",
        "--precision",
        "f32",
        "--outputs",
        "invariant:3,vector",
        "--robust",
        "--max-points",
        "24",
    ]);
    let info = ok(&["inspect", blob.to_str().unwrap(), "--json"]);
    assert!(info.contains("\"vector\""), "{info}");
    assert!(info.contains("\"robust\": true"), "{info}");
    ok(&[
        "run",
        blob.to_str().unwrap(),
        "--input",
        &input,
        "-o",
        y.to_str().unwrap(),
    ]);
    let (_, got) = read(&y);
    let reference = averaged_reference(&blob, &onnx, &x, xs[1], xs[2]);
    let err = max_rel(&got, &reference);
    assert!(err <= 1e-5, "vector outputs: {err}");
}

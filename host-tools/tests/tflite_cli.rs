//! One-line errors of `convert MODEL.tflite` (unsupported op, float-only, hybrid, malformed
//! files) and of `run` with int8 input on a blob that averages over frames.

mod cli_common;

use std::path::PathBuf;

use cli_common::{assert_one_line_error, equiframe, write_bytes};

fn data(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/tflite")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn convert_fails(model: &str, needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.eqf");
    assert_one_line_error(
        &[
            "convert",
            model,
            "-o",
            out.to_str().unwrap(),
            "--frames",
            "none",
        ],
        1,
        needles,
    );
    assert!(!out.exists(), "no blob written for {model}");
}

#[test]
fn unsupported_op_is_named() {
    convert_fails(
        &data("bad_op.tflite"),
        &["unsupported op ABS", "operator 1", "FULLY_CONNECTED"],
    );
}

#[test]
fn float_only_model_is_refused() {
    convert_fails(
        &data("float_only.tflite"),
        &["float-only model", "full-integer quantization"],
    );
}

#[test]
fn hybrid_model_is_refused() {
    convert_fails(
        &data("hybrid.tflite"),
        &["hybrid model", "FULLY_CONNECTED", "dynamic-range"],
    );
}

#[test]
fn malformed_files_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(data("sine.tflite")).unwrap();
    let truncated = write_bytes(dir.path(), "t.tflite", &good[..good.len() / 2]);
    convert_fails(&truncated, &["malformed .tflite"]);
    let mut bad_id = good.clone();
    bad_id[4..8].copy_from_slice(b"XXXX");
    convert_fails(
        &write_bytes(dir.path(), "id.tflite", &bad_id),
        &["file identifier", "TFL3"],
    );
    convert_fails(
        &write_bytes(dir.path(), "e.tflite", &[]),
        &["malformed .tflite"],
    );
}

#[test]
fn precision_f32_and_calibration_are_refused_for_tflite() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.eqf");
    let o = out.to_str().unwrap();
    let m = data("sine.tflite");
    assert_one_line_error(
        &[
            "convert",
            &m,
            "-o",
            o,
            "--frames",
            "none",
            "--precision",
            "f32",
        ],
        1,
        &["--precision f32"],
    );
    assert_one_line_error(
        &[
            "convert",
            &m,
            "-o",
            o,
            "--frames",
            "none",
            "--calibration",
            &data("sine_in.npy"),
        ],
        1,
        &["already quantized"],
    );
}

#[test]
fn int8_input_on_a_frame_averaged_blob_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let eqf = dir.path().join("p.eqf");
    let e = eqf.to_str().unwrap();
    let (rc, _, err) = equiframe(&[
        "convert",
        &data("pointnet.tflite"),
        "-o",
        e,
        "--frames",
        "o3",
        "--schema",
        "points",
    ]);
    assert_eq!(rc, 0, "{err}");
    let y = dir.path().join("y.npy");
    assert_one_line_error(
        &[
            "run",
            e,
            "--input",
            &data("pointnet_in.npy"),
            "-o",
            y.to_str().unwrap(),
        ],
        1,
        &["int8 input", "frames"],
    );
}

#[test]
fn inspect_shows_the_graph_with_its_quantization_and_the_engine_layers() {
    let (rc, out, err) = equiframe(&["inspect", &data("sine.tflite")]);
    assert_eq!(rc, 0, "{err}");
    assert!(out.contains("FULLY_CONNECTED"), "{out}");
    assert!(out.contains("per-channel (axis 0) 16 scales"), "{out}");
    assert!(out.contains("engine layers (3)"), "{out}");
    let (rc, out, _) = equiframe(&["inspect", &data("imu_conv.tflite"), "--json"]);
    assert_eq!(rc, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["error"].is_null(), "{}", v["error"]);
    let ops: Vec<&str> = v["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["op"].as_str().unwrap())
        .collect();
    assert!(
        ops.contains(&"Conv1d") && ops.contains(&"Softmax") && ops.contains(&"MeanPool"),
        "{ops:?}"
    );
    let (rc, out, _) = equiframe(&["inspect", &data("bad_op.tflite")]);
    assert_eq!(rc, 0);
    assert!(out.contains("not mapped: unsupported op ABS"), "{out}");
}

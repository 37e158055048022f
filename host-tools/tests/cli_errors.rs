//! Every error path of convert / run / inspect / verify with a real bad file: one line,
//! non-zero exit, naming the offending value.

mod cli_common;

use std::path::PathBuf;

use cli_common::{assert_one_line_error, equiframe, write_bytes, write_f32, Rng};

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

#[test]
fn convert_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.eqf");
    let out = out.to_str().unwrap();
    assert_one_line_error(
        &[
            "convert",
            &fixture("bad_unsupported.onnx"),
            "-o",
            out,
            "--frames",
            "o3",
            "--precision",
            "f32",
        ],
        1,
        &[
            "layer 'spin'",
            "ONNX op Cos",
            "'/spin/Cos'",
            "convert --help",
        ],
    );
    assert_one_line_error(
        &[
            "convert",
            &fixture("bad_ceil.onnx"),
            "-o",
            out,
            "--frames",
            "o3",
            "--precision",
            "f32",
        ],
        1,
        &["'pool'", "MaxPool", "ceil_mode"],
    );
    assert_one_line_error(
        &[
            "convert",
            &fixture("pointnet_conv.onnx"),
            "-o",
            out,
            "--frames",
            "o3",
        ],
        1,
        &["--calibration", "int8"],
    );
    assert_one_line_error(
        &[
            "convert",
            &fixture("per_point.onnx"),
            "-o",
            out,
            "--frames",
            "o3",
            "--precision",
            "f32",
        ],
        1,
        &["per point", "(B,K)"],
    );
    let mut rng = Rng(7);
    let cal = write_f32(dir.path(), "cal.npy", &[2, 16, 4], rng.vec(128));
    assert_one_line_error(
        &[
            "convert",
            &fixture("pointnet_conv.onnx"),
            "-o",
            out,
            "--frames",
            "o3",
            "--calibration",
            &cal,
        ],
        1,
        &["(2,16,4)", "(B,N,3)"],
    );
    let mut bad = rng.vec(96);
    bad[50] = f32::NAN;
    let cal = write_f32(dir.path(), "nan.npy", &[2, 16, 3], bad);
    assert_one_line_error(
        &[
            "convert",
            &fixture("pointnet_conv.onnx"),
            "-o",
            out,
            "--frames",
            "o3",
            "--calibration",
            &cal,
        ],
        1,
        &["NaN", "sample 1", "row 0", "channel 2"],
    );
    assert_one_line_error(
        &[
            "convert",
            &fixture("pointnet_conv.onnx"),
            "-o",
            out,
            "--frames",
            "o3",
            "--precision",
            "f32",
            "--outputs",
            "vector:2",
        ],
        1,
        &["vector", "3 channels"],
    );
    assert_one_line_error(
        &[
            "convert",
            &fixture("imu_conv.onnx"),
            "-o",
            out,
            "--frames",
            "o3",
            "--precision",
            "f32",
            "--schema",
            "pos:5",
        ],
        1,
        &["--schema"],
    );
    let garbage = write_bytes(dir.path(), "g.onnx", b"not a protobuf \xff\xff\xff");
    assert_one_line_error(
        &[
            "convert",
            &garbage,
            "-o",
            out,
            "--frames",
            "o3",
            "--precision",
            "f32",
        ],
        1,
        &["not an ONNX model"],
    );
}

#[test]
fn run_inspect_and_verify_errors() {
    let dir = tempfile::tempdir().unwrap();
    let blob = dir.path().join("m.eqf");
    let b = blob.to_str().unwrap();
    let (rc, _, err) = equiframe(&[
        "convert",
        &fixture("imu_conv.onnx"),
        "-o",
        b,
        "--frames",
        "so3",
        "--schema",
        "imu",
        "--precision",
        "f32",
    ]);
    assert_eq!(rc, 0, "{err}");
    let y = dir.path().join("y.npy");
    let y = y.to_str().unwrap();
    let mut rng = Rng(11);
    // Wrong shape: names the expected and the given shape.
    let x = write_f32(dir.path(), "x.npy", &[2, 31, 6], rng.vec(2 * 31 * 6));
    assert_one_line_error(
        &["run", b, "--input", &x, "-o", y],
        1,
        &["(2,31,6)", "(B,32,6)"],
    );
    // NaN input: names where.
    let mut v = rng.vec(2 * 32 * 6);
    v[32 * 6 + 7] = f32::NAN;
    let x = write_f32(dir.path(), "nan.npy", &[2, 32, 6], v);
    assert_one_line_error(
        &["run", b, "--input", &x, "-o", y],
        1,
        &["sample 1", "row 1", "channel 1"],
    );
    // A backend this build does not have (no `cuda` feature) or this machine lacks.
    let x = write_f32(dir.path(), "ok.npy", &[2, 32, 6], rng.vec(2 * 32 * 6));
    if !cfg!(feature = "cuda") {
        assert_one_line_error(
            &["run", b, "--input", &x, "-o", y, "--backend", "cuda"],
            1,
            &["cuda"],
        );
    }
    // A truncated blob and a flipped byte.
    let bytes = std::fs::read(&blob).unwrap();
    let cut = write_bytes(dir.path(), "cut.eqf", &bytes[..bytes.len() / 2]);
    for cmd in ["run", "inspect"] {
        let mut args = vec![cmd, cut.as_str()];
        if cmd == "run" {
            args.extend(["--input", x.as_str(), "-o", y]);
        }
        assert_one_line_error(&args, 1, &["cut.eqf", "too short"]);
    }
    let mut flipped = bytes.clone();
    flipped[200] ^= 0x10;
    let bad = write_bytes(dir.path(), "flip.eqf", &flipped);
    assert_one_line_error(&["inspect", &bad], 1, &["CRC"]);
    // verify with an ONNX file that does not match the blob.
    assert_one_line_error(
        &[
            "verify",
            b,
            "--onnx",
            &fixture("branches.onnx"),
            "--input",
            &x,
        ],
        1,
        &["channels"],
    );
}

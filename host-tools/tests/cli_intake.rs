//! The intake's command-line messages and `.npy` variants: `convert --help` lists the
//! supported ONNX ops (errors do not); warnings for `--frames` on 6 or 9 channels without
//! `--schema` and for `--calibration` with `--precision f32`; the `--max-points` hint; no doubled
//! causes; `verify` on a batch-1 dynamo export (external data) and a channels-first export;
//! `inspect` listing the output ranges of a two-output model; Fortran-order, big-endian,
//! float16 and int16/int32 `.npy` inputs converted on load.

mod cli_common;

use std::path::PathBuf;

use cli_common::{assert_one_line_error, equiframe, write_bytes, write_f32, Rng};
use equiframe_cli::npy::NpyArray;

fn torch(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/torch")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn venv() -> bool {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../.venv/bin/python")
        .exists()
        || std::env::var_os("EQUIFRAME_PYTHON").is_some()
}

#[test]
fn help_lists_ops_once_and_errors_do_not() {
    let (rc, out, _) = equiframe(&["convert", "--help"]);
    assert_eq!(rc, 0);
    assert!(out.contains("Supported ONNX ops"), "{out}");
    for op in ["BatchNormalization", "MatMul", "Gemm", "Conv", "MaxPool"] {
        assert!(out.contains(op), "--help should list {op}");
    }
    let dir = tempfile::tempdir().unwrap();
    let o = dir.path().join("m.eqf");
    let (rc, _, err) = equiframe(&[
        "convert",
        &PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/bad_unsupported.onnx")
            .to_string_lossy(),
        "-o",
        o.to_str().unwrap(),
        "--frames",
        "none",
        "--precision",
        "f32",
    ]);
    assert_eq!(rc, 1);
    assert!(
        err.contains("layer 'spin'") && err.contains("ONNX op Cos"),
        "{err}"
    );
    assert!(!err.contains("MatMul, "), "no op list in errors: {err}");
    // A missing file: the cause once, not twice.
    let missing = dir.path().join("nope.onnx");
    let (rc, _, err) = equiframe(&[
        "convert",
        missing.to_str().unwrap(),
        "-o",
        o.to_str().unwrap(),
        "--frames",
        "none",
        "--precision",
        "f32",
    ]);
    assert_eq!(rc, 1);
    assert_eq!(err.matches("os error 2").count(), 1, "{err}");
    assert_eq!(err.matches("nope.onnx").count(), 1, "{err}");
    let (_, _, err) = equiframe(&[
        "run",
        o.to_str().unwrap(),
        "--input",
        missing.to_str().unwrap(),
        "-o",
        o.to_str().unwrap(),
    ]);
    assert!(err.matches("os error 2").count() <= 1, "{err}");
}

#[test]
fn warnings_and_max_points_hint() {
    let dir = tempfile::tempdir().unwrap();
    let o = dir.path().join("m.eqf");
    let o = o.to_str().unwrap();
    let cal = torch("imu_conv_bn.input.npy");
    let (rc, _, err) = equiframe(&[
        "convert",
        &torch("imu_conv_bn.ts.onnx"),
        "-o",
        o,
        "--frames",
        "so3",
        "--precision",
        "f32",
        "--calibration",
        &cal,
    ]);
    assert_eq!(rc, 0, "{err}");
    assert!(
        err.contains("warning: --frames without --schema") && err.contains("--schema imu"),
        "{err}"
    );
    assert!(
        err.contains("warning: --calibration is not used with --precision f32"),
        "{err}"
    );
    let (rc, _, err) = equiframe(&[
        "convert",
        &torch("imu_conv_bn.ts.onnx"),
        "-o",
        o,
        "--frames",
        "so3",
        "--schema",
        "imu",
        "--precision",
        "f32",
    ]);
    assert_eq!(rc, 0);
    assert!(!err.contains("warning"), "{err}");
    // A point set larger than the model is planned for: the hint names --max-points.
    let variable_n =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pointnet_conv.onnx");
    let (rc, _, err) = equiframe(&[
        "convert",
        variable_n.to_str().unwrap(),
        "-o",
        o,
        "--frames",
        "o3",
        "--precision",
        "f32",
        "--max-points",
        "16",
    ]);
    assert_eq!(rc, 0, "{err}");
    let x = write_f32(dir.path(), "x.npy", &[1, 40, 3], Rng(3).vec(120));
    assert_one_line_error(
        &["run", o, "--input", &x, "-o", o],
        1,
        &["40 rows", "at most 16", "--max-points 40"],
    );
}

#[test]
fn verify_batch1_dynamo_and_channels_first_exports() {
    if !venv() {
        println!("skipped verify_batch1_dynamo_and_channels_first_exports: no .venv Python");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (net, variant) in [
        ("pn_linear_bn", "dy"),
        ("pn_conv_bn_cf", "ts1"),
        ("two_heads", "dy"),
    ] {
        let onnx = torch(&format!("{net}.{variant}.onnx"));
        let input = torch(&format!("{net}.input.npy"));
        let o = dir.path().join(format!("{net}.eqf"));
        let o = o.to_str().unwrap();
        let (rc, out, err) = equiframe(&[
            "convert",
            &onnx,
            "-o",
            o,
            "--frames",
            "o3",
            "--precision",
            "f32",
        ]);
        assert_eq!(rc, 0, "{net}: {err}");
        if net == "pn_conv_bn_cf" {
            assert!(out.contains("absorbed the transpose"), "{out}");
            let (_, info, _) = equiframe(&["inspect", o, "--onnx", &onnx]);
            assert!(
                info.contains("(B,C,N) (channels first: the converter absorbed the transpose"),
                "{info}"
            );
        }
        let (rc, out, err) = equiframe(&["verify", o, "--onnx", &onnx, "--input", &input]);
        assert_eq!(rc, 0, "{net}.{variant}: {out} {err}");
        assert!(out.contains("PASS"), "{out}");
        if net == "two_heads" {
            let (_, info, _) = equiframe(&["inspect", o]);
            assert!(
                info.contains("outputs: [invariant 0..4, invariant 4..7]"),
                "{info}"
            );
        }
    }
    // onnxruntime's own error, whole: a model whose input does not fit the blob.
    let o = dir.path().join("pn.eqf");
    let (rc, _, err) = equiframe(&[
        "convert",
        &torch("pn_linear_bn.dy.onnx"),
        "-o",
        o.to_str().unwrap(),
        "--frames",
        "none",
        "--precision",
        "f32",
        "--max-points",
        "32",
    ]);
    assert_eq!(rc, 0, "{err}");
    let bad = write_bytes(dir.path(), "bad.onnx", b"\x08\x07\x12\x00");
    let (rc, _, err) = equiframe(&[
        "verify",
        o.to_str().unwrap(),
        "--onnx",
        &bad,
        "--input",
        &torch("pn_linear_bn.input.npy"),
    ]);
    assert_eq!(rc, 1);
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// A `.npy` file with header `descr`, `fortran` and `shape`, and body `data`.
fn npy(descr: &str, fortran: bool, shape: &[usize], data: &[u8]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    let mut h = format!(
        "{{'descr': '{descr}', 'fortran_order': {}, 'shape': ({}{}), }}",
        if fortran { "True" } else { "False" },
        dims.join(", "),
        if shape.len() == 1 { "," } else { "" }
    );
    while (10 + h.len() + 1) % 64 != 0 {
        h.push(' ');
    }
    h.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(h.len() as u16).to_le_bytes());
    out.extend_from_slice(h.as_bytes());
    out.extend_from_slice(data);
    out
}

#[test]
fn npy_variants_convert_on_load() {
    // (2, 3) values 0..6 in C order: [[0,1,2],[3,4,5]].
    let c_order: Vec<f32> = (0..6).map(|v| v as f32).collect();
    // The same array in Fortran order is stored column by column: 0,3,1,4,2,5.
    let f_vals = [0.0f32, 3.0, 1.0, 4.0, 2.0, 5.0];
    let le: Vec<u8> = f_vals.iter().flat_map(|v| v.to_le_bytes()).collect();
    let be: Vec<u8> = c_order.iter().flat_map(|v| v.to_be_bytes()).collect();
    let f16: Vec<u8> = [0x0000u16, 0x3c00, 0x4000, 0x4200, 0x4400, 0x4500]
        .iter()
        .flat_map(|h| h.to_le_bytes())
        .collect();
    let i16s: Vec<u8> = (0..6i16).flat_map(|v| v.to_le_bytes()).collect();
    let i32be: Vec<u8> = (0..6i32).flat_map(|v| v.to_be_bytes()).collect();
    let f64f: Vec<u8> = f_vals
        .iter()
        .flat_map(|&v| f64::from(v).to_le_bytes())
        .collect();
    for (what, bytes) in [
        ("fortran <f4", npy("<f4", true, &[2, 3], &le)),
        ("big-endian >f4", npy(">f4", false, &[2, 3], &be)),
        ("float16 <f2", npy("<f2", false, &[2, 3], &f16)),
        ("int16 <i2", npy("<i2", false, &[2, 3], &i16s)),
        ("int32 >i4", npy(">i4", false, &[2, 3], &i32be)),
        ("fortran <f8", npy("<f8", true, &[2, 3], &f64f)),
    ] {
        let a = NpyArray::parse(&bytes).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(a.shape, [2, 3], "{what}");
        assert_eq!(a.to_f32(), c_order, "{what}");
    }
    // Fortran order in 3-D (as np.stack(...).T writes): element (b, n, c) at b + 2 n + 8 c.
    let (b, n, c) = (2usize, 32usize, 3usize);
    let mut fdata = vec![0f32; b * n * c];
    for bi in 0..b {
        for ni in 0..n {
            for ci in 0..c {
                fdata[bi + b * ni + b * n * ci] = (100 * bi + 10 * ni + ci) as f32;
            }
        }
    }
    let bytes: Vec<u8> = fdata.iter().flat_map(|v| v.to_le_bytes()).collect();
    let a = NpyArray::parse(&npy("<f4", true, &[b, n, c], &bytes)).unwrap();
    let v = a.to_f32();
    // Elements (b, n, c) = (1, 2, 1) and (0, 3, 2).
    assert_eq!(v[(n + 2) * c + 1], 121.0);
    assert_eq!(v[3 * c + 2], 32.0);
    // And the tool takes such a file as --input.
    let dir = tempfile::tempdir().unwrap();
    let o = dir.path().join("m.eqf");
    let (rc, _, err) = equiframe(&[
        "convert",
        &torch("pn_linear_bn.ts.onnx"),
        "-o",
        o.to_str().unwrap(),
        "--frames",
        "o3",
        "--precision",
        "f32",
    ]);
    assert_eq!(rc, 0, "{err}");
    let x = write_bytes(dir.path(), "f.npy", &npy("<f4", true, &[b, n, c], &bytes));
    let y = dir.path().join("y.npy");
    let (rc, _, err) = equiframe(&[
        "run",
        o.to_str().unwrap(),
        "--input",
        &x,
        "-o",
        y.to_str().unwrap(),
    ]);
    assert_eq!(rc, 0, "{err}");
}

#[test]
fn norm_features_inside_a_frame_averaged_model_stay_invariant() {
    // norm_feature: per-point norms concatenated to the positions inside the model
    // (ReduceL2), converted with O(3) frames: outputs equal under rotations, reflections and
    // translations of the input (f32, within 1e-4 of the output's size).
    let dir = tempfile::tempdir().unwrap();
    let o = dir.path().join("m.eqf");
    let o = o.to_str().unwrap();
    let (rc, _, err) = equiframe(&[
        "convert",
        &torch("norm_feature.dy.onnx"),
        "-o",
        o,
        "--frames",
        "o3",
        "--precision",
        "f32",
    ]);
    assert_eq!(rc, 0, "{err}");
    let x = NpyArray::read(std::path::Path::new(&torch("norm_feature.input.npy"))).unwrap();
    let xs = x.to_f32();
    // A rotation about an oblique axis composed with a reflection, and a shift.
    let (c, s) = (0.6f32, 0.8f32);
    let r = [[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, -1.0]];
    let t = [3.0f32, -2.0, 0.5];
    let moved: Vec<f32> = xs
        .chunks_exact(3)
        .flat_map(|p| (0..3).map(move |i| r[i][0] * p[0] + r[i][1] * p[1] + r[i][2] * p[2] + t[i]))
        .collect();
    let a = write_f32(dir.path(), "a.npy", &x.shape, xs);
    let b = write_f32(dir.path(), "b.npy", &x.shape, moved);
    let ya = dir.path().join("ya.npy");
    let yb = dir.path().join("yb.npy");
    for (i, y) in [(&a, &ya), (&b, &yb)] {
        let (rc, _, err) = equiframe(&["run", o, "--input", i, "-o", y.to_str().unwrap()]);
        assert_eq!(rc, 0, "{err}");
    }
    let (ya, yb) = (
        NpyArray::read(&ya).unwrap().to_f32(),
        NpyArray::read(&yb).unwrap().to_f32(),
    );
    let scale = ya.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let worst = ya
        .iter()
        .zip(&yb)
        .fold(0.0f32, |m, (p, q)| m.max((p - q).abs()));
    assert!(
        worst <= 1e-4 * (1.0 + scale),
        "invariance error {worst} (outputs up to {scale})"
    );
}

//! `equiframe frames` on real files: every bad input exits non-zero with one line naming the
//! problem; good inputs give orthogonal frames that reconstruct the points.

mod cli_common;

use cli_common::{assert_one_line_error, equiframe, replace, write_bytes, write_f32, Rng};
use equiframe_cli::npy::NpyArray;

#[test]
fn bad_inputs_name_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = d.join("out.npy").to_string_lossy().into_owned();
    let mut rng = Rng(7);
    let mut nan = rng.vec(2 * 5 * 3);
    nan[5 * 3 + 2 * 3 + 1] = f32::NAN;
    let nan = write_f32(d, "nan.npy", &[2, 5, 3], nan);
    let mut inf = rng.vec(5 * 3);
    inf[4] = f32::NEG_INFINITY;
    let inf = write_f32(d, "inf.npy", &[5, 3], inf);
    let empty = write_f32(d, "empty.npy", &[2, 0, 3], vec![]);
    let no_sets = write_f32(d, "nosets.npy", &[0, 4, 3], vec![]);
    let wide = write_f32(d, "wide.npy", &[4, 4], rng.vec(16));
    let flat = write_f32(d, "flat.npy", &[12], rng.vec(12));
    let int8 = NpyArray::from_i8(vec![4, 3], vec![1; 12]).unwrap();
    let int8_path = d.join("int8.npy");
    int8.write(&int8_path).unwrap();
    let int8 = int8_path.to_string_lossy().into_owned();
    let good = NpyArray::from_f32(vec![4, 3], rng.vec(12))
        .unwrap()
        .to_bytes();
    // Complex numbers are refused; int32 and Fortran order are converted on load.
    let i4 = write_bytes(d, "i4.npy", &replace(&good, b"<f4", b"<c8"));
    let fortran = write_bytes(d, "fortran.npy", &replace(&good, b"False", b"True "));
    let truncated = write_bytes(d, "trunc.npy", &good[..good.len() - 5]);
    let text = write_bytes(d, "text.npy", b"x,y,z\n1,2,3\n");
    let f64_big = NpyArray {
        shape: vec![2, 3],
        data: equiframe_cli::npy::NpyData::F64(vec![0.0, 1.0, 2.0, 1e300, 0.0, 0.0]),
    };
    let big_path = d.join("big.npy");
    f64_big.write(&big_path).unwrap();
    let big = big_path.to_string_lossy().into_owned();
    let missing = d.join("missing.npy").to_string_lossy().into_owned();
    let dir_path = d.to_string_lossy().into_owned();

    let cases: Vec<(&str, &str, Vec<&str>)> = vec![
        (&nan, "o3", vec!["set 1, point 2, coordinate 1", "NaN"]),
        (&inf, "o3", vec!["set 0, point 1, coordinate 1", "infinite"]),
        (
            &big,
            "o3",
            vec!["set 0, point 1, coordinate 0", "too large for float32"],
        ),
        (&empty, "o3", vec!["empty point set", "(2,0,3)"]),
        (&no_sets, "o3", vec!["no point sets", "(0,4,3)"]),
        (&wide, "o3", vec!["group o3 needs 3 coordinates", "(4,4)"]),
        (&wide, "so2", vec!["group so2 needs 2 coordinates", "(4,4)"]),
        (
            &flat,
            "o3",
            vec!["expected shape (N,3) or (B,N,3)", "(12,)"],
        ),
        (&int8, "o3", vec!["int8", "float32 or float64"]),
        (&i4, "o3", vec!["unsupported dtype `<c8`"]),
        (
            &truncated,
            "o3",
            vec!["truncated", "needs 48 bytes", "has 43"],
        ),
        (&text, "o3", vec!["not a .npy file"]),
        (&missing, "o3", vec!["missing.npy", "No such file"]),
        (&dir_path, "o3", vec!["cannot read"]),
    ];
    for (input, group, needles) in cases {
        assert_one_line_error(
            &["frames", input, "-o", &out, "--group", group],
            1,
            &needles,
        );
    }
    assert!(!d.join("out.npy").exists(), "no output is written on error");
    let ints = write_bytes(d, "int32.npy", &replace(&good, b"<f4", b"<i4"));
    for ok in [&fortran, &ints] {
        let (rc, _, err) = cli_common::equiframe(&["frames", ok, "-o", &out, "--group", "o3"]);
        assert_eq!(rc, 0, "{ok}: {err}");
    }
}

#[test]
fn usage_errors_exit_2_on_one_line() {
    assert_one_line_error(
        &["frames", "x.npy", "-o", "y.npy", "--group", "o4"],
        2,
        &["'o4'", "--group"],
    );
    assert_one_line_error(&["frames", "x.npy"], 2, &["--output", "--group"]);
    assert_one_line_error(
        &[
            "frames",
            "x.npy",
            "-o",
            "y.npy",
            "--group",
            "o3",
            "--axis-order",
            "up",
        ],
        2,
        &["'up'"],
    );
}

#[test]
fn help_has_examples() {
    let (rc, out, _) = equiframe(&["frames", "--help"]);
    assert_eq!(rc, 0);
    assert!(
        out.contains("Examples:") && out.contains("(B,K,d+1,d)"),
        "{out}"
    );
    let (rc, out, _) = equiframe(&["--help"]);
    assert_eq!(rc, 0);
    for cmd in [
        "convert", "inspect", "verify", "run", "frames", "bench", "demo",
    ] {
        assert!(out.contains(cmd), "{cmd} listed");
    }
}

/// Runs `frames` on `x` (B,N,d) and returns OUT's shape and data.
fn frames_of(
    dir: &std::path::Path,
    x: &[f32],
    shape: &[usize],
    group: &str,
    order: &str,
) -> (Vec<usize>, Vec<f32>) {
    let input = write_f32(dir, &format!("x_{group}_{order}.npy"), shape, x.to_vec());
    let out = dir.join(format!("f_{group}_{order}.npy"));
    let (rc, _, err) = equiframe(&[
        "frames",
        &input,
        "-o",
        out.to_str().unwrap(),
        "--group",
        group,
        "--axis-order",
        order,
        "-q",
    ]);
    assert_eq!(rc, 0, "{err}");
    let a = NpyArray::read(&out).unwrap();
    (a.shape.clone(), a.to_f32())
}

/// Anisotropic clouds with distinct spreads 3, 2, 1 (or 3, 1.5 in 2D), rotated and shifted.
fn clouds(rng: &mut Rng, b: usize, n: usize, d: usize) -> Vec<f32> {
    let mut x = Vec::with_capacity(b * n * d);
    for s in 0..b {
        let t = 0.3 + s as f32;
        let (c, si) = (t.cos(), t.sin());
        for _ in 0..n {
            let p: Vec<f32> = (0..d)
                .map(|k| rng.next_f32() * [3.0, 1.5, 0.7][k])
                .collect();
            // rotate in the x-y plane, shift by (5, -2, 1)
            let q = [
                c * p[0] - si * p[1] + 5.0,
                si * p[0] + c * p[1] - 2.0,
                if d == 3 { p[2] + 1.0 } else { 0.0 },
            ];
            x.extend_from_slice(&q[..d]);
        }
    }
    x
}

#[test]
fn frames_are_orthogonal_eigenbases_that_reconstruct_the_points() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(99);
    for (group, d, k, special) in [
        ("o3", 3, 8, false),
        ("so3", 3, 4, true),
        ("o2", 2, 4, false),
        ("so2", 2, 2, true),
    ] {
        let (b, n) = (3, 60);
        let x = clouds(&mut rng, b, n, d);
        for order in ["descending", "ascending"] {
            let (shape, f) = frames_of(dir.path(), &x, &[b, n, d], group, order);
            assert_eq!(shape, vec![b, k, d + 1, d], "{group}");
            for s in 0..b {
                let pts = &x[s * n * d..(s + 1) * n * d];
                let mean: Vec<f32> = (0..d)
                    .map(|j| pts.iter().skip(j).step_by(d).sum::<f32>() / n as f32)
                    .collect();
                let frames: Vec<&[f32]> = f[s * k * (d + 1) * d..(s + 1) * k * (d + 1) * d]
                    .chunks_exact((d + 1) * d)
                    .collect();
                let mut sign_patterns = Vec::new();
                for fr in &frames {
                    let m = |i: usize, j: usize| fr[i * d + j];
                    // origin = mean
                    for j in 0..d {
                        assert!((fr[d * d + j] - mean[j]).abs() < 1e-4, "{group} origin");
                    }
                    // F^T F = I
                    for a in 0..d {
                        for bb in 0..d {
                            let dot: f32 = (0..d).map(|i| m(i, a) * m(i, bb)).sum();
                            assert!(
                                (dot - if a == bb { 1.0 } else { 0.0 }).abs() < 1e-5,
                                "{group} orthogonality {dot}"
                            );
                        }
                    }
                    let det = if d == 3 {
                        m(0, 0) * (m(1, 1) * m(2, 2) - m(1, 2) * m(2, 1))
                            - m(0, 1) * (m(1, 0) * m(2, 2) - m(1, 2) * m(2, 0))
                            + m(0, 2) * (m(1, 0) * m(2, 1) - m(1, 1) * m(2, 0))
                    } else {
                        m(0, 0) * m(1, 1) - m(0, 1) * m(1, 0)
                    };
                    if special {
                        assert!((det - 1.0).abs() < 1e-5, "{group} det {det}");
                    }
                    // Canonical coordinates y = (x - c) @ F: uncorrelated, variances ordered.
                    let mean = &mean;
                    let y: Vec<f32> = pts
                        .chunks_exact(d)
                        .flat_map(|p| {
                            (0..d).map(move |j| {
                                (0..d).map(|i| (p[i] - mean[i]) * m(i, j)).sum::<f32>()
                            })
                        })
                        .collect();
                    let cov =
                        |a: usize, bb: usize| y.chunks_exact(d).map(|r| r[a] * r[bb]).sum::<f32>();
                    for a in 0..d {
                        for bb in a + 1..d {
                            assert!(
                                cov(a, bb).abs() < 1e-3 * cov(0, 0).max(cov(d - 1, d - 1)),
                                "{group} decorrelated"
                            );
                        }
                        if a + 1 < d {
                            let ordered = if order == "descending" {
                                cov(a, a) > cov(a + 1, a + 1)
                            } else {
                                cov(a, a) < cov(a + 1, a + 1)
                            };
                            assert!(ordered, "{group} {order}");
                        }
                    }
                    // Reconstruction x = y F^T + c.
                    for (p, r) in pts.chunks_exact(d).zip(y.chunks_exact(d)) {
                        for i in 0..d {
                            let back: f32 = (0..d).map(|j| r[j] * m(i, j)).sum::<f32>() + mean[i];
                            assert!((back - p[i]).abs() < 1e-4, "{group} reconstruction");
                        }
                    }
                    // Sign pattern relative to the first frame (column j = s_j * column j of F_0).
                    let f0 = frames[0];
                    let signs: Vec<i8> = (0..d)
                        .map(|j| {
                            let dot: f32 = (0..d).map(|i| m(i, j) * f0[i * d + j]).sum();
                            assert!(
                                (dot.abs() - 1.0).abs() < 1e-5,
                                "{group}: same axes up to sign"
                            );
                            if dot > 0.0 {
                                1
                            } else {
                                -1
                            }
                        })
                        .collect();
                    sign_patterns.push(signs);
                }
                sign_patterns.sort();
                sign_patterns.dedup();
                assert_eq!(sign_patterns.len(), k, "{group}: {k} distinct frames");
            }
        }
    }
}

#[test]
fn frames_match_numpy_eigh() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let py = root.join(".venv/bin/python");
    if !py.exists() {
        println!("skipped: frames_match_numpy_eigh: .venv/bin/python absent");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(5);
    let x = clouds(&mut rng, 4, 100, 3);
    let (_, f) = frames_of(dir.path(), &x, &[4, 100, 3], "o3", "descending");
    let script = r#"
import sys, numpy as np
x = np.load(sys.argv[1]).astype(np.float64); f = np.load(sys.argv[2])
worst = 0.0
for s in range(x.shape[0]):
    c = x[s].mean(0); d = x[s] - c
    w, v = np.linalg.eigh(d.T @ d); v = v[:, ::-1]
    for k in range(f.shape[1]):
        F = f[s, k, :3, :]
        worst = max(worst, np.abs(np.abs(F.T @ v) - np.eye(3)).max(), np.abs(f[s, k, 3] - c).max())
print(worst)
"#;
    let input = dir.path().join("x_o3_descending.npy");
    let fpath = dir.path().join("f_o3_descending.npy");
    let out = std::process::Command::new(py)
        .arg("-c")
        .arg(script)
        .arg(&input)
        .arg(&fpath)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let worst: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    assert!(worst < 1e-4, "frames differ from numpy eigh by {worst}");
    assert_eq!(f.len(), 4 * 8 * 4 * 3);
}

#[test]
fn json_reports_quality_and_robust_mode_pads() {
    let dir = tempfile::tempdir().unwrap();
    let cube: Vec<f32> = (0..8)
        .flat_map(|i| [(i & 1) as f32, ((i >> 1) & 1) as f32, ((i >> 2) & 1) as f32])
        .collect();
    let mut rng = Rng(3);
    let mut x = clouds(&mut rng, 1, 8, 3);
    x.extend_from_slice(&cube);
    let input = write_f32(dir.path(), "two.npy", &[2, 8, 3], x);
    let out = dir.path().join("o.npy");
    for robust in [false, true] {
        let mut args = vec![
            "frames",
            &input,
            "-o",
            out.to_str().unwrap(),
            "--group",
            "o3",
            "--json",
        ];
        if robust {
            args.push("--robust");
        }
        let (rc, stdout, err) = equiframe(&args);
        assert_eq!(rc, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let sets = v["sets"].as_array().unwrap();
        assert_eq!(sets.len(), 2);
        assert_eq!(sets[0]["degenerate"], false);
        assert_eq!(sets[1]["degenerate"], true, "the cube is degenerate");
        assert_eq!(sets[0]["eigenvalues"].as_array().unwrap().len(), 3);
        assert!(sets[1]["rel_gap"].as_f64().unwrap() < 0.01);
        let k = NpyArray::read(&out).unwrap().shape[1];
        assert_eq!(sets[0]["frames"], 8);
        if robust {
            assert!(
                sets[1]["frames"].as_u64().unwrap() > 8,
                "robust mode adds frames"
            );
            assert_eq!(k as u64, sets[1]["frames"].as_u64().unwrap());
        } else {
            assert_eq!(k, 8);
        }
    }
}

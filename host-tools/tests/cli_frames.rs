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
    let i4 = write_bytes(d, "i4.npy", &replace(&good, b"<f4", b"<i4"));
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
        (&i4, "o3", vec!["unsupported dtype `<i4`"]),
        (&fortran, "o3", vec!["Fortran"]),
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

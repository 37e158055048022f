//! `equiframe attitude`: the file contract ((N, 6) / (N, 9) in, (N, 4) unit quaternions out,
//! sensor to world z-up), accuracy on a synthetic trajectory with a known orientation, the
//! learned model on and off, and one-line errors.

mod cli_common;

use cli_common::{assert_one_line_error, equiframe, write_f32};
use equiframe::lie::So3;
use equiframe_cli::npy::NpyArray;

const RATE: f32 = 200.0;

/// (N, 9) rows and the true sensor-to-world rotations: 3 s at rest, then rotation.
fn trajectory(n: usize) -> (Vec<f32>, Vec<So3>) {
    let dt = 1.0 / RATE;
    let mut r = So3::exp([0.4, -0.3, 1.0]);
    let (mut rows, mut truth) = (Vec::new(), Vec::new());
    let field = [20.0f32, 0.0, -40.0];
    for k in 0..n {
        let t = k as f32 * dt;
        let w = if t > 3.0 {
            [0.7 * (0.9 * t).sin(), 0.5 * (1.3 * t).cos(), 0.4]
        } else {
            [0.0; 3]
        };
        let a = r.inverse().act([0.0, 0.0, 9.81]);
        let m = r.inverse().act(field);
        rows.extend_from_slice(&[
            w[0] + 0.01,
            w[1],
            w[2] - 0.01,
            a[0],
            a[1],
            a[2],
            m[0],
            m[1],
            m[2],
        ]);
        truth.push(r);
        r = r.compose(&So3::exp([w[0] * dt, w[1] * dt, w[2] * dt]));
    }
    (rows, truth)
}

fn tilt_deg(q: &[f32], truth: &So3) -> f32 {
    let e = So3::from_quaternion([q[0], q[1], q[2], q[3]]).m[2];
    let t = truth.m[2];
    (e[0] * t[0] + e[1] * t[1] + e[2] * t[2])
        .clamp(-1.0, 1.0)
        .acos()
        .to_degrees()
}

#[test]
fn six_and_nine_columns_track_the_true_tilt() {
    let dir = tempfile::tempdir().unwrap();
    let n = 6000;
    let (rows9, truth) = trajectory(n);
    let rows6: Vec<f32> = rows9.chunks(9).flat_map(|r| r[..6].to_vec()).collect();
    let x6 = write_f32(dir.path(), "imu6.npy", &[n, 6], rows6);
    let x9 = write_f32(dir.path(), "imu9.npy", &[n, 9], rows9);
    for (x, extra) in [
        (&x6, vec!["--no-model"]),
        (&x6, vec![]),
        (&x9, vec!["--mag", "--no-model"]),
    ] {
        let q = dir.path().join("q.npy");
        let mut args = vec![
            "-q",
            "attitude",
            x.as_str(),
            "--rate",
            "200",
            "-o",
            q.to_str().unwrap(),
        ];
        args.extend(extra.iter().copied());
        let (rc, _, err) = equiframe(&args);
        assert_eq!(rc, 0, "{args:?}: {err}");
        let a = NpyArray::read(&q).unwrap();
        assert_eq!(a.shape, vec![n, 4]);
        let v = a.to_f32();
        let mut worst = 0.0f32;
        for (k, qk) in v.chunks(4).enumerate() {
            let norm = qk.iter().map(|x| x * x).sum::<f32>().sqrt();
            assert!((norm - 1.0).abs() < 1e-5);
            if k > 2000 {
                worst = worst.max(tilt_deg(qk, &truth[k]));
            }
        }
        assert!(worst < 1.0, "{extra:?}: worst tilt {worst} deg");
    }
}

#[test]
fn errors_are_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let x5 = write_f32(dir.path(), "x5.npy", &[10, 5], vec![0.0; 50]);
    let x6 = write_f32(dir.path(), "x6.npy", &[10, 6], vec![0.0; 60]);
    let mut bad = vec![0.0f32; 60];
    bad[13] = f32::NAN;
    let xn = write_f32(dir.path(), "xn.npy", &[10, 6], bad);
    let q = dir.path().join("q.npy");
    let q = q.to_str().unwrap();
    assert_one_line_error(
        &["attitude", &x5, "--rate", "100", "-o", q],
        1,
        &["(N, 6) or (N, 9)", "[10, 5]"],
    );
    assert_one_line_error(
        &["attitude", &x6, "--rate", "100", "-o", q, "--mag"],
        1,
        &["--mag", "6"],
    );
    assert_one_line_error(&["attitude", &x6, "--rate", "0", "-o", q], 1, &["--rate 0"]);
    assert_one_line_error(
        &["attitude", &xn, "--rate", "100", "-o", q],
        1,
        &["row 2", "column 1"],
    );
    let missing = dir.path().join("missing.eqf");
    assert_one_line_error(
        &[
            "attitude",
            &x6,
            "--rate",
            "100",
            "-o",
            q,
            "--model",
            missing.to_str().unwrap(),
        ],
        1,
        &["missing.eqf"],
    );
}

//! SO(3) `Exp`/`Log` and the quaternion conversion against scipy's `Rotation`
//! (`tests/golden/so3_scipy.txt`, made by `host-tools/python/lie_golden.py`): 100 rotations
//! from angle 0 through tiny angles (1e-7) to 3.14 rad.
//!
//! Tolerances (f32 against f64 references): matrix entries 1e-6; rotation vectors 1e-5
//! absolute below 3 rad and 5e-5 above (near pi the rotation vector is ill-conditioned in the
//! matrix: `d theta ~ eps / sin(theta / 2)` grows); quaternions 1e-6.

use equiframe::lie::So3;

fn rows() -> Vec<Vec<f64>> {
    include_str!("golden/so3_scipy.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            l.split_whitespace()
                .map(|v| v.parse().expect("number"))
                .collect()
        })
        .collect()
}

#[test]
fn exp_log_and_quaternion_match_scipy() {
    let rows = rows();
    assert_eq!(rows.len(), 100);
    let (mut worst_m, mut worst_w, mut worst_q) = (0.0f64, 0.0f64, 0.0f64);
    for r in &rows {
        let w = [r[0] as f32, r[1] as f32, r[2] as f32];
        let angle = (r[0] * r[0] + r[1] * r[1] + r[2] * r[2]).sqrt();
        let got = So3::exp(w);
        for i in 0..3 {
            for j in 0..3 {
                let e = (got.m[i][j] as f64 - r[3 + 3 * i + j]).abs();
                worst_m = worst_m.max(e);
                assert!(e < 1e-6, "exp({w:?})[{i}][{j}] off by {e}");
            }
        }
        // Log of scipy's own matrix (rounded to f32).
        let mut m = [[0.0f32; 3]; 3];
        for i in 0..3 {
            for j in 0..3 {
                m[i][j] = r[3 + 3 * i + j] as f32;
            }
        }
        let back = So3 { m }.log();
        let tol = if angle < 3.0 { 1e-5 } else { 5e-5 };
        for k in 0..3 {
            let e = (back[k] as f64 - r[k]).abs();
            worst_w = worst_w.max(e);
            assert!(e < tol, "log at angle {angle}: {back:?} vs {:?}", &r[..3]);
        }
        let q = So3 { m }.to_quaternion();
        for k in 0..4 {
            let e = (q[k] as f64 - r[12 + k]).abs();
            worst_q = worst_q.max(e);
            assert!(
                e < 1e-6,
                "quaternion at angle {angle}: {q:?} vs {:?}",
                &r[12..]
            );
        }
    }
    println!(
        "worst: matrix {worst_m:.2e}, rotation vector {worst_w:.2e}, quaternion {worst_q:.2e}"
    );
}

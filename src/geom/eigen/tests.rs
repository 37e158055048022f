//! Eigensolver tests against constructed `Q diag(l) Q^T` (built in f64, rounded to f32).
#![allow(clippy::needless_range_loop)]

use super::*;

/// Rotation matrix (f64) from a non-normalised quaternion.
fn rot(q: [f64; 4]) -> [[f64; 3]; 3] {
    let n = (q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]).sqrt();
    let [w, x, y, z] = [q[0] / n, q[1] / n, q[2] / n, q[3] / n];
    [
        [
            1.0 - 2.0 * (y * y + z * z),
            2.0 * (x * y - w * z),
            2.0 * (x * z + w * y),
        ],
        [
            2.0 * (x * y + w * z),
            1.0 - 2.0 * (x * x + z * z),
            2.0 * (y * z - w * x),
        ],
        [
            2.0 * (x * z - w * y),
            2.0 * (y * z + w * x),
            1.0 - 2.0 * (x * x + y * y),
        ],
    ]
}

fn build(q: [f64; 4], l: [f64; 3]) -> Mat3 {
    let r = rot(q);
    let mut a = [[0.0f32; 3]; 3];
    for i in 0..3 {
        for j in 0..3 {
            let s: f64 = (0..3).map(|k| r[i][k] * l[k] * r[j][k]).sum();
            a[i][j] = s as f32;
        }
    }
    a
}

fn check(a: &Mat3, expect: [f64; 3], order: AxisOrder) {
    let e = sym_eigen3(a, order);
    let big = a
        .iter()
        .flatten()
        .fold(0.0f32, |m, x| m.max(x.abs()))
        .max(1e-30);
    let mut sorted = expect;
    sorted.sort_by(|x, y| y.partial_cmp(x).unwrap());
    if order == AxisOrder::Ascending {
        sorted.reverse();
    }
    for j in 0..3 {
        // Eigenvalues: absolute error a few eps |A|, whatever the gap.
        let err = (e.values[j] as f64 - sorted[j]).abs();
        assert!(
            err <= 8e-7 * big as f64,
            "value {j}: {} vs {} (A = {a:?})",
            e.values[j],
            sorted[j]
        );
        // Unit vectors, orthogonal.
        for k in 0..3 {
            let d: f32 = (0..3).map(|i| e.vectors[j][i] * e.vectors[k][i]).sum();
            let want = if j == k { 1.0 } else { 0.0 };
            assert!((d - want).abs() < 1e-6, "orthonormality {j},{k}: {d}");
        }
        // Residual |A v - l v| small relative to |A|.
        for i in 0..3 {
            let av: f32 = (0..3).map(|k| a[i][k] * e.vectors[j][k]).sum();
            assert!(
                (av - e.values[j] * e.vectors[j][i]).abs() <= 2e-6 * big,
                "residual {j}"
            );
        }
    }
    for j in 0..2 {
        match order {
            AxisOrder::Descending => assert!(e.values[j] >= e.values[j + 1]),
            AxisOrder::Ascending => assert!(e.values[j] <= e.values[j + 1]),
        }
    }
}

const QS: [[f64; 4]; 6] = [
    [1.0, 0.0, 0.0, 0.0],
    [0.3, -0.5, 0.7, 0.1],
    [-0.9, 0.2, 0.25, -0.6],
    [0.01, 1.0, -0.02, 0.003],
    [0.5, 0.5, 0.5, 0.5],
    [0.12, -0.33, -0.81, 0.44],
];

#[test]
fn distinct_repeated_near_repeated_and_zero() {
    let spectra: [[f64; 3]; 12] = [
        [3.0, 2.0, 1.0],
        [1.0, 1.0, 1.0],
        [2.0, 2.0, 1.0],
        [2.0, 1.0, 1.0],
        [1.0, 1.0 + 1e-6, 1.0 - 1e-6],
        [0.3329, 0.3345, 0.3371],
        [1.0, 0.0, 0.0],
        [1.0, 1.0, 0.0],
        [0.0, 0.0, 0.0],
        [5.0, -2.0, 1.0e-3],
        [1.0e6, 1.0, 1.0e-6],
        [4.0e-20, 3.0e-20, 1.0e-20],
    ];
    for q in QS {
        for l in spectra {
            for order in [AxisOrder::Descending, AxisOrder::Ascending] {
                check(&build(q, l), l, order);
            }
        }
    }
}

#[test]
fn separated_eigenvectors_match_construction() {
    let l = [3.0, 2.0, 1.0];
    for q in QS {
        let r = rot(q);
        let e = sym_eigen3(&build(q, l), AxisOrder::Descending);
        for j in 0..3 {
            let d: f64 = (0..3).map(|i| r[i][j] * e.vectors[j][i] as f64).sum();
            assert!(
                (d.abs() - 1.0).abs() < 1e-6,
                "axis {j}: |cos| = {}",
                d.abs()
            );
        }
    }
}

#[test]
fn non_finite_and_zero_do_not_panic() {
    let e = sym_eigen3(&[[f32::NAN; 3]; 3], AxisOrder::Descending);
    assert!(e.values.iter().all(|v| v.is_nan()));
    let e = sym_eigen3(&[[0.0; 3]; 3], AxisOrder::Descending);
    assert_eq!(e.values, [0.0; 3]);
    let e = sym_eigen3(&[[f32::MAX; 3]; 3], AxisOrder::Descending);
    assert!(e.values.iter().all(|v| !v.is_nan()));
    let e = sym_eigen2(&[[f32::INFINITY, 0.0], [0.0, 1.0]], AxisOrder::Descending);
    assert!(e.values[0].is_nan());
}

#[test]
fn eigen2_matches_construction() {
    for (k, l) in [
        [2.0f64, 1.0],
        [1.0, 1.0],
        [1.0, 1.0 + 1e-6],
        [1.0, 0.0],
        [0.0, 0.0],
        [-3.0, 7.0],
    ]
    .into_iter()
    .enumerate()
    {
        for t in 0..12 {
            let th = 0.37 * t as f64 + 0.1 * k as f64;
            let (c, s) = (th.cos(), th.sin());
            let a00 = c * c * l[0] + s * s * l[1];
            let a01 = c * s * (l[0] - l[1]);
            let a11 = s * s * l[0] + c * c * l[1];
            let a = [[a00 as f32, a01 as f32], [a01 as f32, a11 as f32]];
            let big = a
                .iter()
                .flatten()
                .fold(0.0f32, |m, x| m.max(x.abs()))
                .max(1e-30);
            for order in [AxisOrder::Descending, AxisOrder::Ascending] {
                let e = sym_eigen2(&a, order);
                let (hi, lo) = (l[0].max(l[1]), l[0].min(l[1]));
                let want = if order == AxisOrder::Descending {
                    [hi, lo]
                } else {
                    [lo, hi]
                };
                for j in 0..2 {
                    assert!((e.values[j] as f64 - want[j]).abs() <= 6e-7 * big as f64);
                    let n = e.vectors[j][0].hypot(e.vectors[j][1]);
                    assert!((n - 1.0).abs() < 1e-6);
                    for i in 0..2 {
                        let av = a[i][0] * e.vectors[j][0] + a[i][1] * e.vectors[j][1];
                        assert!((av - e.values[j] * e.vectors[j][i]).abs() <= 2e-6 * big);
                    }
                }
                let d = e.vectors[0][0] * e.vectors[1][0] + e.vectors[0][1] * e.vectors[1][1];
                assert!(d.abs() < 1e-6);
            }
        }
    }
}

#[test]
fn axis_order_round_trips() {
    assert_eq!(AxisOrder::try_from(0), Ok(AxisOrder::Descending));
    assert_eq!(AxisOrder::try_from(1), Ok(AxisOrder::Ascending));
    assert_eq!(AxisOrder::try_from(9), Err(9));
    assert_eq!(AxisOrder::default(), AxisOrder::Descending);
}

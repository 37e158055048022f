//! The per-sample rotation increment `Exp(w)` and its right Jacobian `Jr(w)`, sharing `[w]x`
//! and `[w]x^2 = w w^T - |w|^2 I`.
//!
//! At the IMU rate `|w|` (the angle turned in one sample) is small: below `0.1` rad the
//! coefficients are the Taylor series in `t^2 = |w|^2` (no square root, no sine; truncation
//! error below `1e-9`), above it [`So3::exp`] and [`so3_jr`] are used as they are.

use crate::lie::{so3_jr, So3};

use super::cov::Mat3;

/// Largest `|w|^2` of the series branch.
const SERIES_T2: f32 = 0.01;

/// `(sin t / t, (1 - cos t) / t^2, (t - sin t) / t^3)` from `x = t^2 < 0.01`.
fn series(x: f32) -> (f32, f32, f32) {
    let sinc = |x: f32| 1.0 - x / 6.0 * (1.0 - x / 20.0 * (1.0 - x / 42.0));
    let s = sinc(0.25 * x);
    (
        sinc(x),
        0.5 * s * s,
        1.0 / 6.0 - x * (1.0 / 120.0 - x * (1.0 / 5040.0)),
    )
}

/// `a I + b [w]x + c [w]x^2` with `[w]x^2 = w w^T - x I`, `x = |w|^2`.
fn poly(w: [f32; 3], x: f32, a: f32, b: f32, c: f32) -> Mat3 {
    let d = a - c * x;
    [
        [
            d + c * w[0] * w[0],
            -b * w[2] + c * w[0] * w[1],
            b * w[1] + c * w[0] * w[2],
        ],
        [
            b * w[2] + c * w[1] * w[0],
            d + c * w[1] * w[1],
            -b * w[0] + c * w[1] * w[2],
        ],
        [
            -b * w[1] + c * w[2] * w[0],
            b * w[0] + c * w[2] * w[1],
            d + c * w[2] * w[2],
        ],
    ]
}

/// `Exp(w)`.
pub fn exp(w: [f32; 3]) -> So3 {
    let x = w[0] * w[0] + w[1] * w[1] + w[2] * w[2];
    if x < SERIES_T2 {
        let (a, b, _) = series(x);
        So3 {
            m: poly(w, x, 1.0, a, b),
        }
    } else {
        So3::exp(w)
    }
}

/// `(Exp(w), Jr(w))`.
pub fn exp_jr(w: [f32; 3]) -> (So3, Mat3) {
    let x = w[0] * w[0] + w[1] * w[1] + w[2] * w[2];
    if x < SERIES_T2 {
        let (a, b, c) = series(x);
        (
            So3 {
                m: poly(w, x, 1.0, a, b),
            },
            poly(w, x, 1.0, -b, c),
        )
    } else {
        (So3::exp(w), so3_jr(w))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_closed_forms() {
        for (k, w) in [
            [0.0, 0.0, 0.0],
            [1e-4, -2e-4, 3e-5],
            [0.03, 0.05, -0.07],
            [0.0, 0.0, 0.0999],
            [0.06, -0.06, 0.06],
            [0.3, 0.2, -1.0],
        ]
        .into_iter()
        .enumerate()
        {
            let (r, jr) = exp_jr(w);
            let (r0, jr0) = (So3::exp(w), so3_jr(w));
            let e = exp(w);
            for i in 0..3 {
                for j in 0..3 {
                    assert!((r.m[i][j] - r0.m[i][j]).abs() < 1e-6, "{k}: exp");
                    assert!((jr[i][j] - jr0[i][j]).abs() < 1e-6, "{k}: jr");
                    assert_eq!(e.m[i][j], r.m[i][j]);
                }
            }
        }
    }
}

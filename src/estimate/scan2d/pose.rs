//! What the scan pipeline needs beside [`Se2`] and [`LieGroup`](crate::lie::LieGroup) (which
//! give compose, between, right plus / minus, the Adjoint and the Jacobians): `(x, y, theta)`
//! conversion, angle wrapping and a bounded-error `atan2`.

use crate::lie::{Se2, So2};
use core::f32::consts::{FRAC_PI_2, PI};

/// Wraps an angle to `(-pi, pi]`.
pub fn wrap(a: f32) -> f32 {
    if !a.is_finite() {
        return 0.0;
    }
    let mut a = a % (2.0 * PI);
    if a > PI {
        a -= 2.0 * PI;
    } else if a <= -PI {
        a += 2.0 * PI;
    }
    a
}

/// The pose with translation `(x, y)` and heading `theta`.
pub fn pose(x: f32, y: f32, theta: f32) -> Se2 {
    Se2 {
        rot: So2::exp(theta),
        t: [x, y],
    }
}

/// `(x, y, theta)` of a pose, `theta` in `(-pi, pi]`.
pub fn xyt(p: &Se2) -> [f32; 3] {
    [p.t[0], p.t[1], p.rot.log()]
}

/// `atan2(y, x)` by a 7th-order minimax polynomial: absolute error below 2.5e-4 rad (held by a
/// test against `libm::atan2f`), about a fifth of its cost; 0 for `(0, 0)`. Used to find the
/// beam a point falls on, where a beam is 1e-2 rad wide.
pub fn fast_atan2(y: f32, x: f32) -> f32 {
    let (ax, ay) = (x.abs(), y.abs());
    let (mn, mx) = if ax < ay { (ax, ay) } else { (ay, ax) };
    if mx == 0.0 || !mx.is_finite() {
        return 0.0;
    }
    let a = mn / mx;
    let s = a * a;
    let mut r = ((-0.046_496_473 * s + 0.159_314_22) * s - 0.327_622_76) * s * a + a;
    if ay > ax {
        r = FRAC_PI_2 - r;
    }
    if x < 0.0 {
        r = PI - r;
    }
    if y < 0.0 {
        r = -r;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_atan2_error_bound() {
        let mut worst = 0.0f32;
        for i in 0..3600 {
            let a = i as f32 * 0.1f32.to_radians() - PI;
            for &r in &[0.01f32, 1.0, 80.0] {
                let (y, x) = (r * libm::sinf(a), r * libm::cosf(a));
                let e = wrap(fast_atan2(y, x) - libm::atan2f(y, x)).abs();
                worst = worst.max(e);
            }
        }
        assert!(worst < 2.5e-4, "worst {worst}");
        assert_eq!(fast_atan2(0.0, 0.0), 0.0);
    }

    #[test]
    fn wrap_and_xyt() {
        assert!((wrap(3.0 * PI) - PI).abs() < 1e-6 && (wrap(-PI) - PI).abs() < 1e-6);
        assert_eq!(wrap(f32::NAN), 0.0);
        let x = xyt(&pose(1.0, -2.0, 2.5));
        assert!(x[0] == 1.0 && x[1] == -2.0 && (x[2] - 2.5).abs() < 1e-6);
    }
}

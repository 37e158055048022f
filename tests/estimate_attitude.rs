//! The attitude estimator on synthetic IMU data with a known orientation: tilt converges,
//! the gyroscope bias is re-estimated at rest, linear acceleration is down-weighted, the
//! output stays a unit quaternion, bad input is refused.

use equiframe::estimate::attitude::{Attitude, AttitudeConfig, GRAVITY};
use equiframe::estimate::EstimateError;
use equiframe::lie::So3;

/// Angle between the estimated and true up directions in the sensor frame, degrees.
fn tilt_error_deg(est: &So3, truth: &So3) -> f32 {
    let a = est.m[2];
    let b = truth.m[2];
    let c = (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]).clamp(-1.0, 1.0);
    c.acos().to_degrees()
}

/// Gyro, accel and true rotation per sample: 5 s at rest, then smooth rotation; `lin` adds a
/// horizontal shaking acceleration (m/s^2) during motion.
fn trajectory(n: usize, dt: f32, bias: [f32; 3], lin: f32) -> Vec<([f32; 3], [f32; 3], So3)> {
    let mut r = So3::exp([0.3, -0.2, 0.5]);
    let mut out = Vec::with_capacity(n);
    for k in 0..n {
        let t = k as f32 * dt;
        let moving = t > 5.0;
        let w = if moving {
            [0.8 * (0.7 * t).sin(), 0.6 * (1.1 * t).cos(), 0.3]
        } else {
            [0.0; 3]
        };
        // Specific force in the world: gravity up plus linear acceleration.
        let aw = if moving {
            [lin * (9.0 * t).sin(), lin * (7.0 * t).cos(), GRAVITY]
        } else {
            [0.0, 0.0, GRAVITY]
        };
        let accel = r.inverse().act(aw);
        let gyro = [w[0] + bias[0], w[1] + bias[1], w[2] + bias[2]];
        out.push((gyro, accel, r));
        r = r.compose(&So3::exp([w[0] * dt, w[1] * dt, w[2] * dt]));
    }
    out
}

#[test]
fn converges_and_estimates_bias() {
    let dt = 1.0 / 200.0;
    let bias = [0.01, -0.02, 0.015];
    let data = trajectory(12_000, dt, bias, 0.0);
    let mut f = Attitude::new(AttitudeConfig::default());
    let mut worst_late = 0.0f32;
    let mut bias_after_rest = [0.0f32; 3];
    for (k, (g, a, r)) in data.iter().enumerate() {
        f.update(*g, *a, dt).unwrap();
        if k == 999 {
            bias_after_rest = f.bias();
        }
        if k > 6000 {
            worst_late = worst_late.max(tilt_error_deg(&f.rotation(), r));
        }
        let q = f.quaternion();
        let n = q.iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!((n - 1.0).abs() < 1e-5);
    }
    for k in 0..3 {
        assert!(
            (bias_after_rest[k] - bias[k]).abs() < 2e-3,
            "bias after 5 s rest {bias_after_rest:?} vs {bias:?}"
        );
    }
    println!(
        "worst tilt error after 30 s: {worst_late:.3} deg, bias {:?}",
        f.bias()
    );
    assert!(worst_late < 0.5, "tilt error {worst_late} deg");
}

#[test]
fn shaking_is_down_weighted() {
    let dt = 1.0 / 200.0;
    let data = trajectory(12_000, dt, [0.0; 3], 3.0);
    let mut adaptive = Attitude::new(AttitudeConfig::default());
    // Each raw sample fused with a fixed noise: no low-pass, no down-weighting.
    let mut plain = Attitude::new(AttitudeConfig {
        k_norm: 0.0,
        k_dev: 0.0,
        accel_tau: 0.0,
        ..AttitudeConfig::default()
    });
    let (mut ea, mut ep) = (0.0f32, 0.0f32);
    for (k, (g, a, r)) in data.iter().enumerate() {
        adaptive.update(*g, *a, dt).unwrap();
        plain.update(*g, *a, dt).unwrap();
        if k > 2000 {
            ea += tilt_error_deg(&adaptive.rotation(), r).powi(2);
            ep += tilt_error_deg(&plain.rotation(), r).powi(2);
        }
    }
    let (ea, ep) = ((ea / 10_000.0).sqrt(), (ep / 10_000.0).sqrt());
    println!("tilt RMSE under 3 m/s^2 shaking: adaptive {ea:.2} deg, fixed noise {ep:.2} deg");
    assert!(ea < 0.7 * ep, "adaptive {ea} vs fixed {ep}");
}

#[test]
fn bad_input_is_refused() {
    let mut f = Attitude::new(AttitudeConfig::default());
    f.update([0.0; 3], [0.0, 0.0, GRAVITY], 0.01).unwrap();
    let before = f.quaternion();
    assert_eq!(
        f.update([f32::NAN, 0.0, 0.0], [0.0, 0.0, GRAVITY], 0.01),
        Err(EstimateError::NonFinite { index: 0 })
    );
    assert_eq!(
        f.update([0.0; 3], [0.0, 0.0, f32::INFINITY], 0.01),
        Err(EstimateError::NonFinite { index: 5 })
    );
    assert_eq!(
        f.update([0.0; 3], [0.0, 0.0, GRAVITY], 0.0),
        Err(EstimateError::BadTimeStep { dt: 0.0 })
    );
    assert_eq!(f.quaternion(), before);
    // Free fall (zero specific force) skips the gravity update without failing.
    assert!(f.update([0.1, 0.0, 0.0], [0.0; 3], 0.01).is_ok());
}

#[test]
fn magnetometer_fixes_heading() {
    let dt = 1.0 / 200.0;
    let data = trajectory(8_000, dt, [0.0; 3], 0.0);
    let field_w = [20.0f32, 0.0, -40.0]; // north along x, dipping down
    let mut f = Attitude::new(AttitudeConfig::default());
    let mut worst = 0.0f32;
    for (k, (g, a, r)) in data.iter().enumerate() {
        f.update(*g, *a, dt).unwrap();
        f.update_mag(r.inverse().act(field_w)).unwrap();
        if k > 4000 {
            // Full rotation error (heading included).
            let e = f.rotation().inverse().compose(r).log();
            worst = worst.max(
                (e[0] * e[0] + e[1] * e[1] + e[2] * e[2])
                    .sqrt()
                    .to_degrees(),
            );
        }
    }
    println!("worst full rotation error with magnetometer: {worst:.3} deg");
    assert!(worst < 1.0, "{worst} deg");
}

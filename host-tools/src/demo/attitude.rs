//! Demo section 4: the attitude estimator (`equiframe::estimate::attitude`) on a generated IMU
//! recording with known orientation, with and without the learned gravity measurement.
//!
//! The recording (200 Hz, 60 s, seeded): 3 s at rest, 12 s of slow rotation (up to about
//! 0.6 rad/s), 12 s of fast rotation (up to about 3 rad/s), 18 s of fast translation (a
//! horizontal linear acceleration of 4 m/s^2 at 0.7 Hz while turning slowly) and 15 s of
//! vibration (3 m/s^2 of white linear acceleration while turning slowly); a constant
//! gyroscope bias of (0.01, -0.02, 0.005) rad/s, gyroscope noise 0.005 rad/s and accelerometer
//! noise 0.05 m/s^2 per sample. Error: the inclination error (angle between the true and
//! the estimated up direction in the sensor frame, heading-free), RMSE after the rest phase
//! and over the translation segment. Cost: host time per sample and per network run, measured
//! here; the Cortex-M4F instruction counts come from `cd firmware/qemu && cargo run --release
//! --bin attitude`.

use std::time::Instant;

use equiframe::estimate::attitude::AttitudeConfig;
use equiframe::lie::So3;

use super::table::render;
use crate::blob::synth::SynthRng;
use crate::blob::AlignedBuf;
use crate::commands::attitude::{estimate, Options, SHIPPED_GRAVITY};

/// Sample rate of the generated recording, Hz.
pub const RATE: f32 = 200.0;
const SECONDS: f32 = 60.0;
const REST_END: f32 = 3.0;
const TRANSLATION: (f32, f32) = (27.0, 45.0);

/// What section 4 measured.
#[derive(Clone, Debug)]
pub struct AttitudeResult {
    /// Inclination RMSE after the rest phase, degrees: with the learned update, filter alone.
    pub rmse_deg: (f64, f64),
    /// Inclination RMSE over the fast-translation segment, degrees (same order).
    pub translation_deg: (f64, f64),
    /// Host time per filter update (filter alone), microseconds.
    pub update_us: f64,
    /// Host time per network run (window, int8 model, fusion), microseconds.
    pub network_us: f64,
    /// Network runs, and how many passed the gate.
    pub net_runs: (usize, usize),
    /// The section's text.
    pub text: String,
}

/// The recording: `(N, 6)` rows (gyro rad/s, accel m/s^2) and the true sensor-frame up
/// direction of every sample.
pub fn recording() -> (Vec<f32>, Vec<[f32; 3]>) {
    let mut rng = SynthRng(0x5eed_a771_7d00_0001);
    let dt = 1.0 / RATE;
    let n = (SECONDS * RATE) as usize;
    let bias = [0.01f32, -0.02, 0.005];
    let mut rot = So3::exp([0.3, -0.2, 1.0]);
    let (mut rate, mut target) = ([0.0f32; 3], [0.0f32; 3]);
    let mut imu = Vec::with_capacity(n * 6);
    let mut up = Vec::with_capacity(n);
    for k in 0..n {
        let t = k as f32 * dt;
        let amp = match t {
            t if t < REST_END => 0.0,
            t if t < 15.0 => 0.6,
            t if t < TRANSLATION.0 => 3.0,
            _ => 0.5,
        };
        if k % 100 == 0 {
            target = [
                amp * rng.uniform(),
                amp * rng.uniform(),
                amp * rng.uniform(),
            ];
        }
        // Smooth rate changes (first-order, 0.2 s), exactly zero at rest.
        for (r, g) in rate.iter_mut().zip(target) {
            *r += (g - *r) * (dt / 0.2);
        }
        if t < REST_END {
            rate = [0.0; 3];
        }
        let lin = if (TRANSLATION.0..TRANSLATION.1).contains(&t) {
            let s = 4.0 * (2.0 * std::f32::consts::PI * 0.7 * t).sin();
            [s, 0.6 * s, 0.0]
        } else if t >= TRANSLATION.1 {
            [
                3.0 * rng.uniform(),
                3.0 * rng.uniform(),
                3.0 * rng.uniform(),
            ]
        } else {
            [0.0; 3]
        };
        let world = [lin[0], lin[1], 9.81 + lin[2]];
        let a = rot.inverse().act(world);
        for i in 0..3 {
            imu.push(rate[i] + bias[i] + 0.005 * rng.uniform());
        }
        for v in a {
            imu.push(v + 0.05 * rng.uniform());
        }
        up.push(rot.inverse().act([0.0, 0.0, 1.0]));
        rot = rot.compose(&So3::exp([rate[0] * dt, rate[1] * dt, rate[2] * dt]));
    }
    (imu, up)
}

/// Inclination errors, degrees, of quaternions `quats` (`(N, 4)`, w x y z) against `up`.
pub fn inclination_deg(quats: &[f32], up: &[[f32; 3]]) -> Vec<f64> {
    quats
        .chunks_exact(4)
        .zip(up)
        .map(|(q, u)| {
            let r = So3::from_quaternion([q[0], q[1], q[2], q[3]]);
            let e = r.inverse().act([0.0, 0.0, 1.0]);
            let c: f64 = e.iter().zip(u).map(|(a, b)| (a * b) as f64).sum();
            c.clamp(-1.0, 1.0).acos().to_degrees()
        })
        .collect()
}

fn rmse(e: &[f64]) -> f64 {
    (e.iter().map(|v| v * v).sum::<f64>() / e.len().max(1) as f64).sqrt()
}

/// Runs section 4 (the same recording in quick mode: the whole section takes well under a
/// second in a release build).
pub fn run() -> anyhow::Result<AttitudeResult> {
    let (imu, up) = recording();
    let n = up.len();
    let opts = Options {
        rate: RATE,
        mag: false,
        every_blocks: 8,
        model_sigma: 0.02,
        config: AttitudeConfig::default(),
    };
    let t0 = Instant::now();
    let alone = estimate(&imu, 6, opts, None, None)?;
    let t_alone = t0.elapsed().as_secs_f64();
    let blob = AlignedBuf::from_slice(SHIPPED_GRAVITY);
    let t0 = Instant::now();
    let learned = estimate(&imu, 6, opts, Some(blob.as_bytes()), None)?;
    let t_learned = t0.elapsed().as_secs_f64();
    let e_alone = inclination_deg(&alone.quats, &up);
    let e_learned = inclination_deg(&learned.quats, &up);
    let start = (REST_END * RATE) as usize;
    let (t0, t1) = (
        (TRANSLATION.0 * RATE) as usize,
        (TRANSLATION.1 * RATE) as usize,
    );
    let seg = |e: &[f64], a: usize, b: usize| rmse(e.get(a..b).unwrap_or(&[]));
    let rmse_deg = (seg(&e_learned, start, n), seg(&e_alone, start, n));
    let translation_deg = (seg(&e_learned, t0, t1), seg(&e_alone, t0, t1));
    let update_us = t_alone / n as f64 * 1e6;
    let network_us = (t_learned - t_alone).max(0.0) / learned.net_runs.max(1) as f64 * 1e6;
    let rows = vec![
        vec![
            "filter + learned gravity".to_string(),
            format!("{:.2}", rmse_deg.0),
            format!("{:.2}", translation_deg.0),
            format!("{} / {}", learned.net_fused, learned.net_runs),
        ],
        vec![
            "filter alone".to_string(),
            format!("{:.2}", rmse_deg.1),
            format!("{:.2}", translation_deg.1),
            "-".to_string(),
        ],
    ];
    let mut text = format!(
        "\nattitude: SO(3) error-state filter with gyro bias on a generated 200 Hz IMU \
         recording ({SECONDS:.0} s: rest, slow and fast rotation, fast translation, vibration)\n"
    );
    text.push_str(&render(
        &[
            "estimator",
            "inclination RMSE deg",
            "during translation deg",
            "network fused / runs",
        ],
        &rows,
    ));
    text.push_str(&format!(
        "\n  cost here: {update_us:.2} us per filter update, {:.0} us per network run \
         (Cortex-M4F instruction counts: cd firmware/qemu && cargo run --release --bin attitude)\n",
        network_us
    ));
    Ok(AttitudeResult {
        rmse_deg,
        translation_deg,
        update_us,
        network_us,
        net_runs: (learned.net_runs, learned.net_fused),
        text,
    })
}

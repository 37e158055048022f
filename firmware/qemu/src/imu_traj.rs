//! A generated IMU recording for the attitude check: 200 Hz, 2 s at rest, then rotation rates
//! that change every 0.25 s (drawn from an integer generator, so every value is exact), a
//! gyroscope bias, and a shaking linear acceleration; the accelerometer is the true
//! orientation's view of gravity plus that acceleration. Only `equiframe::lie` and IEEE f32
//! arithmetic are used, so the host (`tests/attitude_firmware.rs`, which includes this file)
//! and the firmware compute identical samples.

use equiframe::lie::So3;

/// Samples in the recording.
pub const SAMPLES: usize = 2560;
/// Sample rate, Hz.
pub const RATE: f32 = 200.0;

/// The recording's generator state.
pub struct ImuTrajectory {
    rot: So3,
    rate: [f32; 3],
    seed: u32,
    k: usize,
}

impl Default for ImuTrajectory {
    fn default() -> Self {
        Self::new()
    }
}

impl ImuTrajectory {
    /// At the start, level and at rest.
    pub fn new() -> Self {
        Self {
            rot: So3::exp([0.2, -0.1, 0.7]),
            rate: [0.0; 3],
            seed: 0x1234_5678,
            k: 0,
        }
    }

    fn next_unit(&mut self) -> f32 {
        self.seed = self
            .seed
            .wrapping_mul(1_664_525)
            .wrapping_add(1_013_904_223);
        ((self.seed >> 8) as i32 - (1 << 23)) as f32 / (1 << 23) as f32
    }

    /// The next `(gyro rad/s, accel m/s^2)` sample.
    pub fn next_sample(&mut self) -> ([f32; 3], [f32; 3]) {
        let dt = 1.0 / RATE;
        if self.k >= 400 && self.k.is_multiple_of(50) {
            for k in 0..3 {
                self.rate[k] = 1.5 * self.next_unit();
            }
        }
        let moving = self.k >= 400;
        let mut lin = [0.0f32; 3];
        if moving {
            for v in lin.iter_mut() {
                *v = 2.0 * self.next_unit();
            }
        }
        let world = [lin[0], lin[1], 9.81 + lin[2]];
        let accel = self.rot.inverse().act(world);
        let gyro = [
            self.rate[0] + 0.01,
            self.rate[1] - 0.02,
            self.rate[2] + 0.005,
        ];
        let w = self.rate;
        self.rot = self
            .rot
            .compose(&So3::exp([w[0] * dt, w[1] * dt, w[2] * dt]));
        self.k += 1;
        (gyro, accel)
    }
}

//! The state estimators on samples the optimiser cannot see: the attitude estimator's update
//! (gyroscope propagation, accelerometer update, rest detection), its gravity and magnetometer
//! updates, and the 2D scan pipeline (scan fill with normals, SE(2) registration from
//! canonical-frame starts, the SE(2) filter, keyframes) through `Odometry::step`. Links only
//! if none of it keeps a panic path.
#![no_std]
#![no_main]

use core::hint::black_box;
use cortex_m_rt::entry;
use equiframe::estimate::scan2d::{Odometry, OdometryOptions, RangeScan, MAX_BEAMS};
use equiframe::estimate::{Attitude, AttitudeConfig};
use equiframe_nopanic::{exit, noise};

#[entry]
fn main() -> ! {
    let mut seed = black_box(0x2468_ace1u32);
    let mut ok = true;

    let mut att = Attitude::new(black_box(AttitudeConfig::default()));
    for _ in 0..black_box(200) {
        let g = [
            noise(&mut seed) * 0.1,
            noise(&mut seed) * 0.1,
            noise(&mut seed) * 0.1,
        ];
        let a = [noise(&mut seed), noise(&mut seed), 9.81 + noise(&mut seed)];
        ok &= att.update(g, a, black_box(0.01)).is_ok();
    }
    black_box(
        att.update_gravity(black_box([0.0, 0.0, 1.0]), black_box(0.1))
            .ok(),
    );
    black_box(att.update_mag(black_box([0.3, 0.0, -0.4])).ok());
    black_box(att.quaternion());

    let beams = black_box(360usize).min(MAX_BEAMS);
    let mut ranges = [0f32; MAX_BEAMS];
    let mut odo = Odometry::new(black_box(OdometryOptions::default()));
    for k in 0..black_box(4) {
        for (i, r) in ranges.iter_mut().take(beams).enumerate() {
            // A room-like sawtooth of walls, shifted a little per scan.
            let step = (i * 7 + k * 3) % 60;
            *r = 3.0 + step as f32 * 0.03 + noise(&mut seed) * 0.01;
        }
        let rs = RangeScan::centred(
            ranges.get(..beams).unwrap_or(&[]),
            core::f32::consts::PI,
            0.1,
            black_box(30.0),
        );
        ok &= odo.step(&rs, None).is_ok();
    }
    black_box(odo.pose());
    exit(ok)
}

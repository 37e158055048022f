//! Hostile sensor inputs into the core: NaN, +-Inf, subnormals and 1e30 into the frame
//! computation, the sliding window, the attitude estimator and the 2D scan pipeline; stuck and
//! saturated IMU axes; zero-length and over-capacity scans and windows.
//!
//! The defined results asserted here (also listed in README "Hardening"):
//! - frames: a non-finite value is `FrameError::NonFinite { point, channel }` naming it; an
//!   empty sample is `FrameError::Empty`; finite extremes (1e30, subnormals) give an error or a
//!   frame set whose frames are finite;
//! - sliding window: a non-finite row is refused and leaves the window unchanged;
//! - attitude: a non-finite gyro/accel value is `EstimateError::NonFinite` naming its index, a
//!   bad `dt` is `BadTimeStep`, both leave the state unchanged; finite extremes (1e30,
//!   saturated and stuck axes, subnormals) keep the quaternion finite and of unit norm;
//! - scan2d: an empty scan is `TooFewPoints`, more than `MAX_BEAMS` beams is `TooManyBeams`,
//!   non-finite ranges are dropped as invalid returns, non-finite beam geometry is a typed error;
//!   odometry stays finite and its pose unchanged on a refused scan.
#![allow(clippy::needless_range_loop)]

use equiframe::estimate::scan2d::{pose, Odometry, OdometryOptions, RangeScan, Scan, Scan2dError};
use equiframe::estimate::{Attitude, AttitudeConfig, EstimateError};
use equiframe::frame::{FrameError, FrameOptions, Group, InputSchema, SlidingWindow};

/// Values no sensor should send.
const NON_FINITE: [f32; 3] = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY];
/// Finite values a broken sensor can send.
const EXTREME: [f32; 6] = [
    1e30,
    -1e30,
    f32::MIN_POSITIVE / 8.0,
    f32::MAX,
    f32::MIN,
    0.0,
];

fn cloud(n: usize, c: usize) -> Vec<f32> {
    let mut s = 0x9e37_79b9u32;
    (0..n * c)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s >> 8) as f32 / (1u32 << 24) as f32 * 2.0 - 1.0
        })
        .collect()
}

#[test]
fn frames_name_every_non_finite_value() {
    for group in [Group::O3, Group::SO3] {
        let schema = InputSchema::points(3, 4).unwrap();
        let opts = FrameOptions::with_group(group);
        let base = cloud(32, 4);
        for bad in NON_FINITE {
            for (point, channel) in [(0, 0), (7, 2), (31, 1)] {
                let mut x = base.clone();
                x[point * 4 + channel] = bad;
                let e = schema.frame_set(&x, &opts).unwrap_err();
                assert!(
                    matches!(e, FrameError::NonFinite { point: p, channel: ch } if p == point && ch == channel),
                    "{bad} at ({point}, {channel}): {e:?}"
                );
                assert!(schema.canonical_frame(&x, &opts).is_err());
            }
            // A non-geometric channel does not enter the frame: same frame set as without it.
            let mut x = base.clone();
            x[9 * 4 + 3] = bad;
            let (a, b) = (schema.frame_set(&x, &opts), schema.frame_set(&base, &opts));
            assert_eq!(format!("{a:?}"), format!("{b:?}"));
            let mut out = vec![0.0f32; x.len()];
            let r = schema.canonicalize(&b.unwrap().frames()[0], &x, &mut out);
            // Defined result: feature channels pass through canonicalization unchanged (the
            // engine's input check refuses them, see host-tools/tests/hostile_blob.rs).
            assert!(r.is_ok());
            assert_eq!(out[9 * 4 + 3].to_bits(), bad.to_bits());
        }
    }
}

#[test]
fn frames_on_finite_extremes_are_errors_or_finite() {
    let schema = InputSchema::points(3, 3).unwrap();
    for group in [Group::O3, Group::SO3] {
        let opts = FrameOptions::with_group(group);
        for v in EXTREME {
            // One extreme point among ordinary ones, and a cloud made only of it.
            let mut x = cloud(16, 3);
            x[5 * 3 + 1] = v;
            for sample in [x, vec![v; 16 * 3]] {
                if let Ok(set) = schema.frame_set(&sample, &opts) {
                    let mut out = vec![0.0f32; sample.len()];
                    for f in set.frames() {
                        let _ = schema.canonicalize(f, &sample, &mut out);
                        assert!(
                            f.axes
                                .iter()
                                .flatten()
                                .chain(&f.origin)
                                .chain([&f.weight])
                                .all(|r| r.is_finite()),
                            "{v}: non-finite rotation {f:?}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn frames_on_an_empty_sample_is_empty() {
    let schema = InputSchema::points(3, 3).unwrap();
    let opts = FrameOptions::with_group(Group::O3);
    assert_eq!(schema.frame_set(&[], &opts).unwrap_err(), FrameError::Empty);
    // A length that is not a multiple of the channel count.
    assert!(schema.frame_set(&[1.0, 2.0], &opts).is_err());
}

#[test]
fn window_refuses_non_finite_rows_and_never_overfills() {
    let mut w = SlidingWindow::<8, 6>::new();
    let schema = InputSchema::imu();
    let opts = FrameOptions::with_group(Group::SO3);
    // Zero-length window: an error, not a panic.
    assert!(w.frame_set(&schema, &opts).is_err());
    for i in 0..100 {
        let t = i as f32 * 0.1;
        w.push(&[t.sin(), t.cos(), 0.3, 9.81, 0.1 * t, -0.2])
            .unwrap();
        for bad in NON_FINITE {
            let before = w.samples().to_vec();
            let e = w.push(&[0.0, 0.0, bad, 0.0, 0.0, 0.0]).unwrap_err();
            assert!(
                matches!(e, FrameError::NonFinite { channel: 2, .. }),
                "{e:?}"
            );
            assert_eq!(w.samples(), &before[..]);
        }
        assert!(w.len() <= 8 && w.samples().len() == w.len() * 6);
    }
    assert!(w.is_full());
    assert!(w.frame_set(&schema, &opts).is_ok());
    // Stuck sensor: every row identical (zero spread) gives an error or a finite frame set.
    let mut stuck = SlidingWindow::<8, 6>::new();
    for _ in 0..20 {
        stuck.push(&[0.01, 0.01, 0.01, 0.0, 0.0, 9.81]).unwrap();
    }
    if let Ok(set) = stuck.frame_set(&schema, &opts) {
        for f in set.frames() {
            assert!(f
                .axes
                .iter()
                .flatten()
                .chain(&f.origin)
                .chain([&f.weight])
                .all(|r| r.is_finite()));
        }
    }
}

fn unit_quaternion(a: &Attitude) -> bool {
    let q = a.quaternion();
    let n = q.iter().map(|v| v * v).sum::<f32>().sqrt();
    q.iter().all(|v| v.is_finite()) && (n - 1.0).abs() < 1e-3
}

fn settled() -> Attitude {
    let mut a = Attitude::new(AttitudeConfig::default());
    for _ in 0..200 {
        a.update([0.001, -0.002, 0.0005], [0.1, -0.2, 9.8], 0.01)
            .unwrap();
    }
    assert!(a.is_initialized() && unit_quaternion(&a));
    a
}

#[test]
fn attitude_refuses_non_finite_samples_with_the_state_unchanged() {
    let mut a = settled();
    for bad in NON_FINITE {
        for index in 0..6 {
            let (mut g, mut acc) = ([0.0f32; 3], [0.0, 0.0, 9.81]);
            if index < 3 {
                g[index] = bad;
            } else {
                acc[index - 3] = bad;
            }
            let (q, b) = (a.quaternion(), a.bias());
            let e = a.update(g, acc, 0.01).unwrap_err();
            assert_eq!(e, EstimateError::NonFinite { index }, "{bad} at {index}");
            assert_eq!((a.quaternion(), a.bias()), (q, b));
        }
        for dt in [bad, 0.0, -0.01] {
            let q = a.quaternion();
            if !dt.is_nan() {
                assert!(matches!(
                    a.update([0.0; 3], [0.0, 0.0, 9.81], dt),
                    Err(EstimateError::BadTimeStep { .. })
                ));
            } else {
                assert!(a.update([0.0; 3], [0.0, 0.0, 9.81], dt).is_err());
            }
            assert_eq!(a.quaternion(), q);
        }
        assert!(a.update_gravity([0.0, 0.0, bad], 0.1).is_err());
        assert!(a.update_mag([bad, 0.0, 0.0]).is_err());
    }
    assert!(unit_quaternion(&a));
}

#[test]
fn attitude_survives_finite_extremes() {
    for v in EXTREME {
        for index in 0..6 {
            let mut a = settled();
            for _ in 0..50 {
                let (mut g, mut acc) = ([0.001f32, 0.0, 0.0], [0.0, 0.0, 9.81]);
                if index < 3 {
                    g[index] = v;
                } else {
                    acc[index - 3] = v;
                }
                // An error is fine (it names the value); a result keeps the state finite.
                let _ = a.update(g, acc, 0.01);
                assert!(unit_quaternion(&a), "{v} at {index}: {:?}", a.quaternion());
                assert!(a.bias().iter().all(|b| b.is_finite()));
            }
            // Back to ordinary samples: still running.
            for _ in 0..10 {
                let _ = a.update([0.0; 3], [0.0, 0.0, 9.81], 0.01);
            }
            assert!(unit_quaternion(&a));
        }
    }
    // A tiny and an enormous dt.
    let mut a = settled();
    for dt in [f32::MIN_POSITIVE, 1e-30, 1e30] {
        let _ = a.update([0.1, 0.0, 0.0], [0.0, 0.0, 9.81], dt);
        assert!(unit_quaternion(&a), "dt {dt}");
    }
}

#[test]
fn attitude_with_stuck_and_saturated_axes_stays_unit() {
    // Saturated: a 16-bit MEMS at +-2000 dps and +-16 g clips at these values.
    let (gsat, asat) = (2000.0f32.to_radians(), 16.0 * 9.81);
    let mut a = settled();
    for i in 0..2000 {
        let t = i as f32 * 0.005;
        let g = [gsat, (3.0 * t).sin() * gsat, -gsat];
        let acc = [asat, -asat, (t).cos() * asat];
        a.update(g, acc, 0.005).unwrap();
        assert!(unit_quaternion(&a), "step {i}");
    }
    // Stuck: every axis frozen at the same reading for a long time.
    let mut a = settled();
    for _ in 0..5000 {
        a.update([0.3, 0.3, 0.3], [3.0, 3.0, 3.0], 0.01).unwrap();
    }
    assert!(unit_quaternion(&a));
    assert!(a.bias().iter().all(|b| b.is_finite()));
    assert!(a
        .rotation_covariance()
        .iter()
        .flatten()
        .all(|c| c.is_finite()));
    // Zero accelerometer (free fall or a dead sensor) before initialisation: not initialised.
    let mut a = Attitude::new(AttitudeConfig::default());
    for _ in 0..10 {
        a.update([0.0; 3], [0.0; 3], 0.01).unwrap();
    }
    assert!(!a.is_initialized() && unit_quaternion(&a));
}

fn room(n: usize, shift: f32) -> Vec<f32> {
    (0..n)
        .map(|i| 3.0 + 1.5 * ((i as f32 * 0.05 + shift).sin()).abs())
        .collect()
}

#[test]
fn scans_of_zero_and_too_many_beams_are_typed_errors() {
    let mut s = Scan::new();
    let e = s.fill(&RangeScan::centred(&[], core::f32::consts::PI, 0.1, 30.0));
    assert!(
        matches!(e, Err(Scan2dError::TooFewPoints { valid: 0, .. })),
        "{e:?}"
    );
    let many = room(equiframe::estimate::scan2d::MAX_BEAMS + 1, 0.0);
    let e = s.fill(&RangeScan::centred(&many, core::f32::consts::PI, 0.1, 30.0));
    assert!(matches!(e, Err(Scan2dError::TooManyBeams { .. })), "{e:?}");
    let ok = room(equiframe::estimate::scan2d::MAX_BEAMS, 0.0);
    s.fill(&RangeScan::centred(&ok, core::f32::consts::PI, 0.1, 30.0))
        .unwrap();
}

#[test]
fn scans_drop_non_finite_and_extreme_ranges() {
    let mut s = Scan::new();
    for bad in NON_FINITE.into_iter().chain(EXTREME) {
        let mut r = room(360, 0.0);
        for i in (0..360).step_by(3) {
            r[i] = bad;
        }
        let res = s.fill(&RangeScan::centred(&r, core::f32::consts::PI, 0.1, 30.0));
        if res.is_ok() {
            assert!(s.points().iter().flatten().all(|v| v.is_finite()));
        }
        // Every range bad: too few points.
        let all = vec![bad; 360];
        let e = s.fill(&RangeScan::centred(&all, core::f32::consts::PI, 0.1, 30.0));
        assert!(
            matches!(e, Err(Scan2dError::TooFewPoints { .. })),
            "{bad}: {e:?}"
        );
        // Bad geometry.
        let mut rs = RangeScan::centred(&r, core::f32::consts::PI, 0.1, 30.0);
        if !bad.is_finite() {
            rs.angle_min = bad;
            assert!(matches!(s.fill(&rs), Err(Scan2dError::BadAngleMin { .. })));
        }
        let mut rs = RangeScan::centred(&r, core::f32::consts::PI, 0.1, 30.0);
        rs.angle_increment = if bad > 0.0 && bad.is_finite() {
            -bad
        } else {
            bad
        };
        if !(rs.angle_increment.is_finite() && rs.angle_increment > 0.0) {
            assert!(matches!(
                s.fill(&rs),
                Err(Scan2dError::BadAngleIncrement { .. })
            ));
        }
        let mut rs = RangeScan::centred(&r, core::f32::consts::PI, 0.1, 30.0);
        rs.range_max = bad;
        if !(bad.is_finite() && bad > 0.1) {
            assert!(matches!(
                s.fill(&rs),
                Err(Scan2dError::BadRangeLimits { .. })
            ));
        }
    }
}

#[test]
fn odometry_keeps_its_pose_on_refused_scans_and_stays_finite() {
    let mut odo = Odometry::new(OdometryOptions::default());
    let fov = core::f32::consts::PI;
    odo.step(&RangeScan::centred(&room(360, 0.0), fov, 0.1, 30.0), None)
        .unwrap();
    for k in 1..30 {
        let r = room(360, k as f32 * 0.01);
        odo.step(&RangeScan::centred(&r, fov, 0.1, 30.0), None)
            .unwrap();
        for bad in NON_FINITE {
            let before = pose::xyt(&odo.pose());
            let all = vec![bad; 360];
            assert!(odo
                .step(&RangeScan::centred(&all, fov, 0.1, 30.0), None)
                .is_err());
            assert!(odo
                .step(&RangeScan::centred(&[], fov, 0.1, 30.0), None)
                .is_err());
            assert_eq!(pose::xyt(&odo.pose()), before);
            // Hostile wheel odometry with a usable scan: the pose stays finite.
            let odom = pose::pose(bad, 0.0, bad);
            let _ = odo.step(&RangeScan::centred(&r, fov, 0.1, 30.0), Some(odom));
            assert!(
                pose::xyt(&odo.pose()).iter().all(|v| v.is_finite()),
                "{bad}"
            );
        }
        for v in [1e30f32, -1e30, f32::MAX] {
            let odom = pose::pose(v, v, v);
            let _ = odo.step(&RangeScan::centred(&r, fov, 0.1, 30.0), Some(odom));
            assert!(pose::xyt(&odo.pose()).iter().all(|x| x.is_finite()), "{v}");
        }
    }
}

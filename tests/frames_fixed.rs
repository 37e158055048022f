//! The fixed-point twin agrees with the f32 path within its stated bound
//! (`max |axis difference| <= 1e-5 + 2e-6 / rel_gap`, eigenvalues within 1e-5 of the largest,
//! origins within 2^-15), matching frame sets member by member.
#![allow(clippy::needless_range_loop)]

#[path = "common/frames_util.rs"]
mod util;

use equiframe::frame::fixed::{FixedFrameSet, FixedMoments, I16F16, I2F30};
use equiframe::frame::{AxisOrder, Frame, FrameOptions, Group, InputSchema};
use proptest::prelude::*;
use util::*;

/// Quantise to the I16F16 grid (values below 256 stay exact in f32).
fn quantise(x: &[f32]) -> (Vec<f32>, Vec<I16F16>) {
    let q: Vec<I16F16> = x.iter().map(|&v| I16F16::from_num(v)).collect();
    (q.iter().map(|v| v.to_num::<f32>()).collect(), q)
}

fn as_f32_frame(f: &equiframe::frame::fixed::FixedFrame) -> Frame {
    Frame {
        axes: f.axes.map(|a| a.map(|v| v.to_num::<f32>())),
        origin: f.origin.map(|v| v.to_num::<f32>()),
        det: f.det as f32,
        weight: 0.0,
    }
}

/// Checks the bound; returns the worst axis difference.
fn compare(xf: &[f32], xq: &[I16F16], channels: usize, group: Group, order: AxisOrder) -> f32 {
    let dim = group.dim();
    let schema = InputSchema::points(dim, channels).unwrap();
    let opts = FrameOptions {
        order,
        ..FrameOptions::with_group(group)
    };
    let a = schema.frame_set(xf, &opts).unwrap();
    let b = FixedFrameSet::of_points(xq, channels, 0, group, order, I2F30::from_num(0.01)).unwrap();
    let g = a.rel_gap();
    let bound = 1e-5 + 2e-6 / g;
    let fixed: Vec<Frame> = b.frames().iter().map(as_f32_frame).collect();
    let worst = match_sets(a.frames(), &fixed, dim, bound);
    assert!(
        worst.is_some(),
        "{group:?}: fixed frames outside {bound} (gap {g})"
    );
    for (fa, fb) in a.frames().iter().zip(b.frames()) {
        assert!(fb.det == 1 || fb.det == -1);
        if group.is_special() {
            assert_eq!(fb.det, 1);
        }
        for k in 0..dim {
            let o = fb.origin[k].to_num::<f32>();
            assert!(
                (o - fa.origin[k]).abs() <= 2f32.powi(-15) + 1e-6 * o.abs(),
                "origin"
            );
        }
    }
    let ev = a.eigenvalues();
    let lmax = ev.iter().fold(0.0f32, |m, v| m.max(*v));
    for k in 0..dim {
        let fixed =
            b.eigenvalues()[k].to_num::<f64>() * 2f64.powi(b.scale_log2()) / b.count() as f64;
        assert!(
            (fixed - ev[k] as f64).abs() <= 1e-5 * lmax as f64,
            "eigenvalue {k}: {fixed} vs {}",
            ev[k]
        );
    }
    assert!((b.rel_gap().to_num::<f32>() - g).abs() <= 1e-5 + 1e-4 * g);
    assert_eq!(b.is_degenerate(), a.is_degenerate());
    worst.unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn fixed_agrees_with_f32(
        u in prop::array::uniform8(0.0f64..1.0),
        t in prop::array::uniform3(-100.0f64..100.0),
        seed in any::<u64>(),
        n in 4usize..200,
        ascending in any::<bool>(),
    ) {
        let order = if ascending { AxisOrder::Ascending } else { AxisOrder::Descending };
        let x = transform(&gaussian_cloud(n, [4.0, 2.0, 0.7], seed), 3, 3, &haar(u), t);
        let (xf, xq) = quantise(&x);
        for group in [Group::O3, Group::SO3, Group::O2, Group::SO2] {
            compare(&xf, &xq, 3, group, order);
        }
    }
}

#[test]
fn fixed_far_from_origin_is_bit_identical() {
    let x = gaussian_cloud(300, [3.0, 2.0, 1.0], 9);
    let (_, xq) = quantise(&x);
    let far: Vec<I16F16> = xq.iter().map(|v| *v + I16F16::from_num(20_000)).collect();
    let a = FixedFrameSet::of_points(
        &xq,
        3,
        0,
        Group::O3,
        AxisOrder::Descending,
        I2F30::from_num(0.01),
    )
    .unwrap();
    let b = FixedFrameSet::of_points(
        &far,
        3,
        0,
        Group::O3,
        AxisOrder::Descending,
        I2F30::from_num(0.01),
    )
    .unwrap();
    for (fa, fb) in a.frames().iter().zip(b.frames()) {
        assert_eq!(fa.axes, fb.axes);
        for k in 0..3 {
            assert_eq!(fa.origin[k] + I16F16::from_num(20_000), fb.origin[k]);
        }
    }
    assert_eq!(a.eigenvalues(), b.eigenvalues());
}

#[test]
fn fixed_degenerate_and_error_cases() {
    use equiframe::frame::FrameError as E;
    let one = [I16F16::from_num(1.5); 3];
    let s = FixedFrameSet::of_points(
        &one,
        3,
        0,
        Group::O3,
        AxisOrder::Descending,
        I2F30::from_num(0.01),
    )
    .unwrap();
    assert_eq!(s.frames().len(), 8);
    assert!(!s.is_degenerate());
    let f = s.frames()[0];
    assert_eq!(f.to_frame_position(one), [I16F16::ZERO; 3]);
    let cube: Vec<I16F16> = (0..24)
        .map(|i| I16F16::from_num(if (i / 3) >> (i % 3) & 1 == 1 { 1 } else { -1 }))
        .collect();
    let s = FixedFrameSet::of_points(
        &cube,
        3,
        0,
        Group::SO3,
        AxisOrder::Descending,
        I2F30::from_num(0.01),
    )
    .unwrap();
    assert!(s.is_degenerate());
    assert_eq!(FixedMoments::of_points(&[], 3, 0, 3), Err(E::Empty));
    let spread = [
        I16F16::MIN,
        I16F16::ZERO,
        I16F16::ZERO,
        I16F16::MAX,
        I16F16::ZERO,
        I16F16::ZERO,
    ];
    assert_eq!(FixedMoments::of_points(&spread, 3, 0, 3), Err(E::Overflow));
    assert_eq!(
        FixedFrameSet::of_points(&one, 3, 0, Group::O2, AxisOrder::Descending, I2F30::ZERO)
            .map(|_| ()),
        Ok(())
    );
    assert!(matches!(
        FixedMoments::of_points(&one[..2], 3, 0, 3),
        Err(E::BadShape { .. })
    ));
}

#[test]
fn fixed_canonical_coordinates_match_f32() {
    let x = gaussian_cloud(100, [3.0, 2.0, 1.0], 4);
    let (xf, xq) = quantise(&x);
    let schema = InputSchema::points(3, 3).unwrap();
    let a = schema.frame_set(&xf, &FrameOptions::default()).unwrap();
    let b = FixedFrameSet::of_points(
        &xq,
        3,
        0,
        Group::O3,
        AxisOrder::Descending,
        I2F30::from_num(0.01),
    )
    .unwrap();
    for fb in b.frames() {
        let ff = as_f32_frame(fb);
        let fa = a
            .frames()
            .iter()
            .min_by(|p, q| axes_diff(&ff, p, 3).total_cmp(&axes_diff(&ff, q, 3)))
            .unwrap();
        for (row_f, row_q) in xf.chunks_exact(3).zip(xq.chunks_exact(3)) {
            let ya = fa.to_frame_position([row_f[0], row_f[1], row_f[2]]);
            let yb = fb.to_frame_position([row_q[0], row_q[1], row_q[2]]);
            for k in 0..3 {
                assert!(
                    (ya[k] - yb[k].to_num::<f32>()).abs() < 1e-4,
                    "{} vs {}",
                    ya[k],
                    yb[k]
                );
            }
        }
    }
}

#[test]
fn fixed_agrees_with_f32_on_real_clouds() {
    let mut clouds = Vec::new();
    if let Some(p) = data_file("lidar3d/ouster/OS-1-32-G_v2.1.1_1024x10_frame0_xyz.npy") {
        clouds.push(read_npy(&std::fs::read(p).unwrap()).unwrap().1);
    }
    if let Some(p) = data_file("lidar3d/ouster/OS-0-128-U1_v2.3.0_1024x10_frame0_xyz.npy") {
        // 97k points: every second one keeps N under the fixed path's 65536.
        clouds.push(subsample(
            &read_npy(&std::fs::read(p).unwrap()).unwrap().1,
            3,
            2,
        ));
    }
    if let Some(p) = data_file("pointcloud/cgal/bunny00.off") {
        clouds.push(read_off(&std::fs::read_to_string(p).unwrap()));
    }
    for x in clouds {
        let (xf, xq) = quantise(&x);
        for group in [Group::O3, Group::SO3, Group::O2, Group::SO2] {
            let worst = compare(&xf, &xq, 3, group, AxisOrder::Descending);
            println!(
                "{} points {group:?}: worst axis difference {worst:.2e}",
                x.len() / 3
            );
        }
    }
}

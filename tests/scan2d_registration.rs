//! Registration of simulated scans of the synthetic room: a scan against itself seen from a
//! randomly moved pose recovers the motion, whatever the rotation, when started from the
//! canonical-frame hypotheses (no motion prior).

use core::f32::consts::PI;
use equiframe::estimate::scan2d::icp::MAX_STARTS;
use equiframe::estimate::scan2d::pose::{pose, xyt};
use equiframe::estimate::scan2d::sim::{cast, Lcg, Segment, ROOM};
use equiframe::estimate::scan2d::{
    canonical, register, CanonicalFrame, MatchOptions, RangeScan, Scan,
};
use equiframe::lie::Se2;
use proptest::prelude::*;

const BEAMS: usize = 360;

fn scan_at(p: &Se2, fov: f32, noise: Option<u32>) -> Scan {
    let mut r = [0.0f32; BEAMS];
    let inc = fov / BEAMS as f32;
    let mut rng = Lcg(noise.unwrap_or(0));
    cast(
        &ROOM,
        p,
        -0.5 * fov,
        inc,
        80.0,
        &mut r,
        noise.map(|_| (&mut rng, 0.01)),
    );
    let rs = RangeScan {
        ranges: &r,
        angle_min: -0.5 * fov,
        angle_increment: inc,
        range_min: 0.05,
        range_max: 50.0,
    };
    let mut s = Scan::new();
    s.fill(&rs).expect("the room gives enough returns");
    s
}

fn starts(a: &Scan, b: &Scan) -> ([Se2; MAX_STARTS], usize) {
    let mut out = [Se2::IDENTITY; MAX_STARTS];
    let fa = CanonicalFrame::of(a.points()).unwrap();
    let fb = CanonicalFrame::of(b.points()).unwrap();
    let n = canonical::starts(
        &Se2::IDENTITY,
        &Se2::IDENTITY,
        Some((&fa, &fb)),
        true,
        &mut out,
    );
    (out, n)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Poses are drawn on the open floor of the room (x in 5..11, y in 1..4.5), away from the
    /// boxes. Full-circle scans, any rotation, up to 0.3 m translation: within 2 cm and 0.5 degrees.
    #[test]
    fn self_registration_recovers_any_rotation(
        x in 5.0f32..11.0, y in 1.0f32..4.5, th in -PI..PI,
        dx in -0.3f32..0.3, dy in -0.3f32..0.3, dth in -PI..PI,
    ) {
        let tau = core::f32::consts::TAU;
        let p = pose(x, y, th);
        let g = pose(dx, dy, dth);
        let a = scan_at(&p, tau, None);
        let b = scan_at(&p.compose(&g), tau, None);
        let (s, n) = starts(&a, &b);
        let m = register(&a, &b, &s[..n], &MatchOptions { prior_weight: 0.0, ..MatchOptions::default() });
        let e = xyt(&g.inverse().compose(&m.motion));
        prop_assert!(e[0].hypot(e[1]) < 0.02 && e[2].abs() < 0.5f32.to_radians(),
            "motion {:?} found {:?} (start {})", xyt(&g), xyt(&m.motion), m.start);
    }

    /// 180-degree scans with 1 cm range noise, motions a robot makes between scans (0.5 m,
    /// 30 degrees), started from identity and the hypotheses: within 3 cm and 1 degree.
    #[test]
    fn half_circle_noisy_registration(
        x in 5.0f32..11.0, y in 1.0f32..4.5, th in -PI..PI,
        dx in -0.5f32..0.5, dy in -0.2f32..0.2, dth in -0.5f32..0.5, seed in 1u32..1000,
    ) {
        let pi = core::f32::consts::PI;
        let p = pose(x, y, th);
        let g = pose(dx, dy, dth);
        let a = scan_at(&p, pi, Some(seed));
        let b = scan_at(&p.compose(&g), pi, Some(seed + 7));
        let (s, n) = starts(&a, &b);
        let m = register(&a, &b, &s[..n], &MatchOptions::default());
        let e = xyt(&g.inverse().compose(&m.motion));
        prop_assert!(e[0].hypot(e[1]) < 0.03 && e[2].abs() < 1f32.to_radians(),
            "motion {:?} found {:?} (start {})", xyt(&g), xyt(&m.motion), m.start);
    }
}

#[test]
fn covariance_is_large_along_a_corridor() {
    // Two parallel walls 2 m apart and 200 m long: nothing fixes the motion along them.
    let walls = [
        Segment {
            a: [-100.0, -1.0],
            b: [100.0, -1.0],
        },
        Segment {
            a: [-100.0, 1.0],
            b: [100.0, 1.0],
        },
    ];
    let pi = core::f32::consts::PI;
    let inc = pi / BEAMS as f32;
    let mut scans = [Scan::new(), Scan::new()];
    for (s, x) in scans.iter_mut().zip([0.0f32, 0.3]) {
        let mut r = [0.0f32; BEAMS];
        cast(
            &walls,
            &pose(x, 0.1, 0.0),
            -0.5 * pi,
            inc,
            80.0,
            &mut r,
            None,
        );
        s.fill(&RangeScan {
            ranges: &r,
            angle_min: -0.5 * pi,
            angle_increment: inc,
            range_min: 0.05,
            range_max: 50.0,
        })
        .unwrap();
    }
    let m = register(
        &scans[0],
        &scans[1],
        &[Se2::IDENTITY],
        &MatchOptions::default(),
    );
    // Across the corridor and in rotation the match is exact; along it the variance is large.
    let e = xyt(&m.motion);
    assert!(e[1].abs() < 1e-3 && e[2].abs() < 1e-3, "{e:?}");
    assert!(m.cov[0][0] > 1e3 * m.cov[1][1], "{:?}", m.cov);
}

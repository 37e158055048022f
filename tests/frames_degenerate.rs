//! Degenerate inputs: zero eigenvalues (collinear, planar, single point) and duplicated points
//! stay invariant under sign averaging to f32 rounding (1e-5 here, against O(1e-1) when a
//! repeated NON-zero eigenvalue breaks plain frames); far-away clouds give the same frames.
#![allow(clippy::needless_range_loop)]

#[path = "common/frames_util.rs"]
mod util;

use equiframe::frame::{FrameOptions, Group, InputSchema, Moments};
use proptest::prelude::*;
use util::*;

const EXACT_TOL: f64 = 1e-5;

fn invariance(x: &[f32], r: &M3, t: [f64; 3], group: Group) -> (f64, bool) {
    let schema = InputSchema::points(3, 3).unwrap();
    let opts = FrameOptions::with_group(group);
    let y = permute(&transform(x, 3, 3, r, t), 3, 99);
    let a = schema.frame_set(x, &opts).unwrap();
    let b = schema.frame_set(&y, &opts).unwrap();
    assert_eq!(a.is_degenerate(), b.is_degenerate());
    (
        (averaged_probe(&a, &schema, x) - averaged_probe(&b, &schema, &y)).abs(),
        a.is_degenerate(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn zero_eigenvalues_are_harmless(
        u in prop::array::uniform8(0.0f64..1.0),
        v in prop::array::uniform8(0.0f64..1.0),
        t in prop::array::uniform3(-10.0f64..10.0),
        reflect in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let base = gaussian_cloud(40, [2.0, 0.7, 1.0], seed);
        let place = haar(v);
        // Collinear: only the first coordinate; planar: first two.
        for keep in [1usize, 2] {
            let mut x = base.clone();
            for row in x.chunks_exact_mut(3) {
                for k in keep..3 {
                    row[k] = 0.0;
                }
            }
            let x = transform(&x, 3, 3, &place, [1.0, -2.0, 0.5]);
            for group in [Group::O3, Group::SO3] {
                let r = maybe_reflect(haar(u), reflect && group == Group::O3);
                let (err, degenerate) = invariance(&x, &r, t, group);
                prop_assert!(!degenerate, "zero eigenvalues must not count as degenerate");
                prop_assert!(err < EXACT_TOL, "keep {} {:?}: error {}", keep, group, err);
            }
        }
        // Single point, and one point repeated.
        for n in [1usize, 5] {
            let x: Vec<f32> = (0..n).flat_map(|_| [0.3f32, -1.2, 4.0]).collect();
            for group in [Group::O3, Group::SO3] {
                let r = maybe_reflect(haar(u), reflect && group == Group::O3);
                let (err, degenerate) = invariance(&x, &r, t, group);
                prop_assert!(!degenerate);
                prop_assert!(err < EXACT_TOL, "single point: error {}", err);
            }
        }
    }

    #[test]
    fn duplicated_points_give_the_same_set(seed in any::<u64>(), u in prop::array::uniform8(0.0f64..1.0)) {
        let x = gaussian_cloud(30, [2.0, 1.0, 0.5], seed);
        let mut dup = Vec::new();
        for row in x.chunks_exact(3) {
            for _ in 0..3 {
                dup.extend_from_slice(row);
            }
        }
        let schema = InputSchema::points(3, 3).unwrap();
        let opts = FrameOptions::default();
        let a = schema.frame_set(&x, &opts).unwrap();
        let b = schema.frame_set(&dup, &opts).unwrap();
        prop_assume!(a.rel_gap() > 0.05);
        prop_assert!(match_sets(a.frames(), b.frames(), 3, 1e-5).is_some());
        let (err, _) = invariance(&dup, &haar(u), [0.0; 3], Group::O3);
        prop_assert!(err < 1e-4);
    }
}

/// Points on a 1/64 grid, so that `x + 1e4` is exact in f32.
fn grid_cloud(n: usize, seed: u32) -> Vec<f32> {
    let mut s = seed;
    (0..3 * n)
        .map(|i| {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let k = (s >> 22) as i32 - 512;
            let k = k + k * k / 600; // skew
            k as f32 / 64.0 * [1.0, 0.6, 0.3][i % 3]
        })
        .collect()
}

#[test]
fn clouds_far_from_the_origin_give_the_same_frames() {
    let schema = InputSchema::points(3, 3).unwrap();
    for seed in 0..8 {
        let x = grid_cloud(500, seed);
        for shift in [[1.0e4, 1.0e4, 1.0e4], [-1.0e4, 3.0e3, 1.0e4]] {
            let y: Vec<f32> = x
                .iter()
                .enumerate()
                .map(|(i, v)| v + shift[i % 3] as f32)
                .collect();
            for group in [Group::O3, Group::SO3] {
                let opts = FrameOptions::with_group(group);
                let a = schema.frame_set(&x, &opts).unwrap();
                let b = schema.frame_set(&y, &opts).unwrap();
                let worst = match_sets(a.frames(), b.frames(), 3, 1e-5);
                assert!(worst.is_some(), "seed {seed}: frames moved");
                for k in 0..3 {
                    let rel = (a.eigenvalues()[k] - b.eigenvalues()[k]).abs() / a.eigenvalues()[0];
                    assert!(rel < 1e-5, "eigenvalue {k}: {rel}");
                    let c = a.origin()[k] + shift[k] as f32;
                    assert!((c - b.origin()[k]).abs() <= 1e-5 * c.abs());
                }
            }
        }
    }
}

#[test]
fn naive_one_pass_moments_would_fail_far_away() {
    // Guard that the test above is meaningful: raw f32 sums of x x^T at 1e4 lose the spread.
    let x = grid_cloud(500, 3);
    let y: Vec<f32> = x.iter().map(|v| v + 1.0e4).collect();
    let n = 500.0f32;
    let (mut s, mut q) = (0.0f32, 0.0f32);
    for row in y.chunks_exact(3) {
        s += row[0];
        q += row[0] * row[0];
    }
    let naive = q - s * s / n;
    let good = Moments::of_points(&y, 3, 0, 3, None).unwrap().scatter[0][0];
    let exact = Moments::of_points(&x, 3, 0, 3, None).unwrap().scatter[0][0];
    assert!((good - exact).abs() <= 1e-5 * exact);
    assert!(
        (naive - exact).abs() > 1e-2 * exact,
        "naive {naive} vs {exact}"
    );
}

//! Unit tests (index loops mirror the formulas).
#![allow(clippy::needless_range_loop)]

use super::*;

fn cloud(n: usize, seed: u32) -> [f32; 3 * 200] {
    let mut out = [0.0f32; 600];
    let mut s = seed;
    for (i, v) in out.iter_mut().enumerate().take(3 * n) {
        s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        // Multiples of 1/64 in [-4, 4), scaled per axis: exactly representable after +1e4.
        let k = (s >> 23) as i32 - 256;
        *v = k as f32 / 64.0 * [1.0, 0.5, 0.25][i % 3];
    }
    out
}

fn reference(
    data: &[f32],
    channels: usize,
    offset: usize,
    dim: usize,
    w: Option<&[f32]>,
) -> ([f64; 3], [[f64; 3]; 3]) {
    let rows: Vec<&[f32]> = data.chunks_exact(channels).collect();
    let ws: Vec<f64> = (0..rows.len())
        .map(|i| w.map_or(1.0, |w| w[i] as f64))
        .collect();
    let tw: f64 = ws.iter().sum();
    let mut c = [0.0f64; 3];
    for (r, wi) in rows.iter().zip(&ws) {
        for k in 0..dim {
            c[k] += wi * r[offset + k] as f64 / tw;
        }
    }
    let mut a = [[0.0f64; 3]; 3];
    for (r, wi) in rows.iter().zip(&ws) {
        for i in 0..dim {
            for j in 0..dim {
                a[i][j] += wi * (r[offset + i] as f64 - c[i]) * (r[offset + j] as f64 - c[j]);
            }
        }
    }
    (c, a)
}

fn close(m: &Moments, c: [f64; 3], a: [[f64; 3]; 3], tol: f64) {
    let big = a.iter().flatten().fold(0.0f64, |m, x| m.max(x.abs()));
    for i in 0..3 {
        assert!(
            (m.origin[i] as f64 - c[i]).abs() < 1e-5 * (1.0 + c[i].abs()),
            "origin {i}"
        );
        for j in 0..3 {
            assert!(
                (m.scatter[i][j] as f64 - a[i][j]).abs() <= tol * big,
                "scatter {i}{j}: {} vs {}",
                m.scatter[i][j],
                a[i][j]
            );
        }
    }
}

#[test]
fn matches_f64_reference_all_layouts() {
    let base = cloud(200, 7);
    for n in [1usize, 2, 7, 8, 9, 100, 200] {
        let d = &base[..3 * n];
        let (c, a) = reference(d, 3, 0, 3, None);
        close(&Moments::of_points(d, 3, 0, 3, None).unwrap(), c, a, 1e-6);
        // 2 of 3 channels as 2D points, offset 1 (generic path).
        let (c, a) = reference(d, 3, 1, 2, None);
        let m = Moments::of_points(d, 3, 1, 2, None).unwrap();
        close(&m, c, a, 1e-6);
        assert_eq!(m.scatter[2], [0.0; 3]);
    }
    // 6 channels (IMU layout) and 4 channels.
    let (c, a) = reference(&base, 6, 0, 3, None);
    close(
        &Moments::of_points(&base, 6, 0, 3, None).unwrap(),
        c,
        a,
        1e-6,
    );
    let (c, a) = reference(&base, 6, 3, 3, None);
    close(
        &Moments::of_points(&base, 6, 3, 3, None).unwrap(),
        c,
        a,
        1e-6,
    );
    let (c, a) = reference(&base, 4, 0, 3, None);
    close(
        &Moments::of_points(&base, 4, 0, 3, None).unwrap(),
        c,
        a,
        1e-6,
    );
}

#[test]
fn weights_give_weighted_mean_and_scatter() {
    let base = cloud(200, 3);
    let w: Vec<f32> = (0..200).map(|i| (i % 5) as f32 * 0.5).collect();
    let (c, a) = reference(&base, 3, 0, 3, Some(&w));
    let m = Moments::of_points(&base, 3, 0, 3, Some(&w)).unwrap();
    close(&m, c, a, 1e-6);
    assert_eq!(m.weight, w.iter().sum::<f32>());
    assert_eq!(
        Moments::of_points(&base, 3, 0, 3, Some(&w[..5])),
        Err(FrameError::WeightsLength {
            weights: 5,
            points: 200
        })
    );
    let mut bad = w.clone();
    bad[17] = -1.0;
    assert_eq!(
        Moments::of_points(&base, 3, 0, 3, Some(&bad)),
        Err(FrameError::BadWeight { index: 17 })
    );
    let zero = [0.0f32; 200];
    assert_eq!(
        Moments::of_points(&base, 3, 0, 3, Some(&zero)),
        Err(FrameError::Empty)
    );
}

#[test]
fn translation_by_1e4_gives_the_same_scatter() {
    let base = cloud(200, 11);
    let mut far = base;
    for (i, v) in far.iter_mut().enumerate() {
        *v += [1.0e4, -1.0e4, 5.0e3][i % 3];
    }
    let m0 = Moments::of_points(&base, 3, 0, 3, None).unwrap();
    let m1 = Moments::of_points(&far, 3, 0, 3, None).unwrap();
    let big = m0
        .scatter
        .iter()
        .flatten()
        .fold(0.0f32, |m, x| m.max(x.abs()));
    for i in 0..3 {
        for j in 0..3 {
            assert!((m0.scatter[i][j] - m1.scatter[i][j]).abs() <= 1e-5 * big);
        }
    }
}

#[test]
fn uncentred_keeps_the_mean() {
    let d = [0.0f32, 0.0, 9.8, 0.0, 0.0, 9.8];
    let m = Moments::of_vectors(&d, 3, 0, 3, None).unwrap();
    assert_eq!(m.origin, [0.0; 3]);
    assert!((m.scatter[2][2] - 2.0 * 9.8 * 9.8).abs() < 1e-4);
}

#[test]
fn errors_name_the_problem() {
    assert_eq!(
        Moments::of_points(&[], 3, 0, 3, None),
        Err(FrameError::Empty)
    );
    assert_eq!(
        Moments::of_points(&[1.0; 4], 3, 0, 3, None),
        Err(FrameError::BadShape {
            len: 4,
            channels: 3
        })
    );
    assert_eq!(
        Moments::of_points(&[1.0; 4], 4, 0, 4, None),
        Err(FrameError::BadDim { dim: 4 })
    );
    assert_eq!(
        Moments::of_points(&[1.0; 4], 0, 0, 3, None),
        Err(FrameError::BadChannels { channels: 0 })
    );
    assert!(matches!(
        Moments::of_points(&[1.0; 4], 4, 2, 3, None),
        Err(FrameError::FieldOutOfRange { .. })
    ));
    let mut d = [1.0f32; 30];
    d[22] = f32::NAN;
    assert_eq!(
        Moments::of_points(&d, 3, 0, 3, None),
        Err(FrameError::NonFinite {
            point: 7,
            channel: 1
        })
    );
    d[22] = f32::INFINITY;
    assert_eq!(
        Moments::of_points(&d, 3, 0, 3, None),
        Err(FrameError::NonFinite {
            point: 7,
            channel: 1
        })
    );
    d[0] = f32::NEG_INFINITY;
    assert_eq!(
        Moments::of_points(&d, 3, 0, 3, None),
        Err(FrameError::NonFinite {
            point: 0,
            channel: 0
        })
    );
    let mut big = [1.0f32; 30];
    big[4] = 1.0e30;
    assert_eq!(
        Moments::of_points(&big, 3, 0, 3, None),
        Err(FrameError::Overflow)
    );
}

//! Invariance and equivariance of frame-averaged outputs (proptest).
//!
//! Stated tolerances (output LSB = the output tensor's scale), relative eigengap > 1e-2:
//! - permutation of the points: bit-identical outputs, int8 and f32;
//! - rotation / reflection / translation: int8 outputs within 1 LSB (absolute for invariant
//!   channels, Euclidean norm of the difference for vector / point / axial / quaternion
//!   ranges, max entry for rotation matrices) after mapping with the transformation; f32
//!   outputs within 1e-4 (1e-3 for rotation and quaternion outputs, whose SO(3) projection
//!   amplifies rounding when the averaged matrix is far from a rotation).
//!
//! Rotation and quaternion outputs are checked under proper rotations only (a reflected
//! rotation is not a rotation). Measured worst cases are printed by
//! `worst_case_errors_on_fixed_seeds` (`-- --nocapture`): int8 about 1e-4 LSB, because the
//! int8 outputs of matched frames are bit-identical and only the f32 averaging rounds.
//!
//! Rounding boundaries: a rotation can move a canonical coordinate across an int8 input
//! rounding boundary (the f32 canonicalisation rounds differently), flipping one input step in
//! one frame. The linear output kinds then move by a fraction of an LSB (seen: 1/8 LSB on the
//! invariant channels, one frame of eight) and stay within the 1 LSB stated above. The rotation
//! and quaternion outputs are the SO(3) projection of the averaged matrix, which amplifies such
//! a step by the inverse of its singular values: with this synthetic random-weight model, whose
//! averaged matrix is far from a rotation, up to 6.8 LSB in about one case in a few thousand
//! (`PROPTEST_CASES=20000`). So the 1 LSB bound on rotation and quaternion outputs is asserted
//! where no frame flipped (every linear channel within 1e-2 LSB); flipped cases are held to the
//! linear bound only. The shrunk flipped cases are kept in `engine_invariance.proptest-regressions`.

mod blob_common;

use blob_common::Rng;
use equiframe::engine::Arena;
use equiframe::lie::So3;
use equiframe::model::Model;
use equiframe_cli::blob::synth::{quantize, random_pointnet};
use equiframe_cli::blob::*;
use proptest::prelude::*;
use std::sync::OnceLock;

const K: usize = 24;

fn outputs() -> Vec<OutputSpec> {
    vec![
        OutputSpec::new(OutputKind::Invariant, 2),
        OutputSpec::new(OutputKind::Vector, 3),
        OutputSpec::new(OutputKind::Point, 3),
        OutputSpec::new(OutputKind::Axial, 3),
        OutputSpec::new(OutputKind::Rotation, 9),
        OutputSpec::new(OutputKind::Quaternion, 4),
    ]
}

fn cloud(r: &mut Rng, n: usize) -> Vec<f32> {
    let s = [3.0, 1.7, 0.6];
    (0..n * 3).map(|i| s[i % 3] * r.f32()).collect()
}

struct Blobs {
    f32: AlignedBuf,
    int8: AlignedBuf,
}

fn blobs() -> &'static Blobs {
    static B: OnceLock<Blobs> = OnceLock::new();
    B.get_or_init(|| {
        let m = random_pointnet(&[3, 16, 32], &[16, K], 32, outputs(), 12);
        let mut r = Rng(99);
        let cal: Vec<Vec<f32>> = (0..16).map(|_| cloud(&mut r, 32)).collect();
        let q = quantize(&m, &cal);
        Blobs {
            f32: AlignedBuf::from_slice(&write(&m).unwrap()),
            int8: AlignedBuf::from_slice(&write(&q).unwrap()),
        }
    })
}

fn eval(buf: &AlignedBuf, x: &[f32]) -> ([f32; K], f32) {
    let model = Model::from_bytes(buf.as_bytes()).unwrap();
    let mut arena = Arena::<65536>::new();
    let mut out = [0.0f32; K];
    let rep = model.run(x, arena.as_mut_slice(), &mut out).unwrap();
    (out, rep.rel_gap)
}

fn transform(x: &[f32], q: &So3, sign: f32, t: [f32; 3]) -> Vec<f32> {
    x.chunks(3)
        .flat_map(|p| {
            let y = q.act([sign * p[0], sign * p[1], sign * p[2]]);
            [y[0] + t[0], y[1] + t[1], y[2] + t[2]]
        })
        .collect()
}

fn apply(q: &So3, s: f32, v: &[f32]) -> [f32; 3] {
    let y = q.act([v[0], v[1], v[2]]);
    [s * y[0], s * y[1], s * y[2]]
}

fn norm_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f32>()
        .sqrt()
}

/// Max errors (in units of `unit`) of `out2 = g . out1` per output kind:
/// [invariant, vector, point, axial, rotation, quaternion].
fn errors(o1: &[f32; K], o2: &[f32; K], q: &So3, sign: f32, t: [f32; 3], unit: f32) -> [f32; 6] {
    // `sign * Q` is the transformation; det = sign^3 = sign.
    let inv = (0..2).map(|i| (o1[i] - o2[i]).abs()).fold(0.0, f32::max);
    let vec = norm_diff(&apply(q, sign, &o1[2..5]), &o2[2..5]);
    let p = apply(q, sign, &o1[5..8]);
    let point = norm_diff(&[p[0] + t[0], p[1] + t[1], p[2] + t[2]], &o2[5..8]);
    let ax = apply(q, 1.0, &o1[8..11]); // det(sQ) sQ w = Q w
    let axial = norm_diff(&ax, &o2[8..11]);
    let r1 = So3 {
        m: [
            [o1[11], o1[12], o1[13]],
            [o1[14], o1[15], o1[16]],
            [o1[17], o1[18], o1[19]],
        ],
    };
    let r2 = So3 {
        m: [
            [o2[11], o2[12], o2[13]],
            [o2[14], o2[15], o2[16]],
            [o2[17], o2[18], o2[19]],
        ],
    };
    let rot = q
        .compose(&r1)
        .m
        .iter()
        .flatten()
        .zip(r2.m.iter().flatten())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    let qa = q
        .compose(&So3::from_quaternion([o1[20], o1[21], o1[22], o1[23]]))
        .to_quaternion();
    let quat = norm_diff(&qa, &o2[20..24]).min(norm_diff(&qa.map(|v| -v), &o2[20..24]));
    [inv, vec, point, axial, rot, quat].map(|e| e / unit)
}

#[test]
fn worst_case_errors_on_fixed_seeds() {
    let b = blobs();
    let model = Model::from_bytes(b.int8.as_bytes()).unwrap();
    let lsb = model.output_quant().0;
    let mut r = Rng(2024);
    let mut worst = [0.0f32; 6];
    let mut worst_f32 = [0.0f32; 6];
    for _ in 0..200 {
        let n = 8 + r.below(24);
        let x = cloud(&mut r, n);
        let q = So3::exp([r.f32() * 3.0, r.f32() * 3.0, r.f32() * 3.0]);
        let t = [5.0 * r.f32(), 5.0 * r.f32(), 5.0 * r.f32()];
        let y = transform(&x, &q, 1.0, t);
        let ((o1, gap), (o2, _)) = (eval(&b.int8, &x), eval(&b.int8, &y));
        if gap < 1e-2 {
            continue;
        }
        let e = errors(&o1, &o2, &q, 1.0, t, lsb);
        let ((f1, _), (f2, _)) = (eval(&b.f32, &x), eval(&b.f32, &y));
        let ef = errors(&f1, &f2, &q, 1.0, t, 1.0);
        for k in 0..6 {
            worst[k] = worst[k].max(e[k]);
            worst_f32[k] = worst_f32[k].max(ef[k]);
        }
    }
    println!("int8 worst errors in LSB [inv, vec, point, axial, rot, quat]: {worst:?}");
    println!("f32 worst absolute errors: {worst_f32:?}");
}

const INT8_TOL_LSB: f32 = 1.0;
/// A linear output channel that moves by more than this (LSB) shows a rounding-boundary flip.
const FLIP_LSB: f32 = 1e-2;

/// Checks int8 errors `[inv, vec, point, axial, rot, quat]` (LSB) against the stated bounds:
/// every linear kind within 1 LSB; rotation and quaternion within 1 LSB unless a frame flipped.
fn int8_within_bounds(e: &[f32; 6]) -> bool {
    let linear_ok = e[..4].iter().all(|&v| v <= INT8_TOL_LSB);
    let flipped = e[..4].iter().any(|&v| v > FLIP_LSB);
    linear_ok && (flipped || e[4..].iter().all(|&v| v <= INT8_TOL_LSB))
}
const F32_TOL: [f32; 6] = [1e-4, 1e-4, 1e-4, 1e-4, 1e-3, 1e-3];

fn shuffled(x: &[f32], seed: u64) -> Vec<f32> {
    let mut rows: Vec<&[f32]> = x.chunks(3).collect();
    let mut r = Rng(seed | 1);
    for i in (1..rows.len()).rev() {
        rows.swap(i, r.below(i + 1));
    }
    rows.concat()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn permuted_points_give_bit_identical_outputs(seed in 1u64.., n in 1usize..=32, perm in 1u64..) {
        let b = blobs();
        let x = cloud(&mut Rng(seed), n);
        let y = shuffled(&x, perm);
        for buf in [&b.int8, &b.f32] {
            let (o1, _) = eval(buf, &x);
            let (o2, _) = eval(buf, &y);
            prop_assert_eq!(o1.map(f32::to_bits), o2.map(f32::to_bits));
        }
    }

    #[test]
    fn rotated_translated_inputs_give_equivariant_outputs(
        seed in 1u64.., n in 6usize..=32,
        w in prop::array::uniform3(-3.0f32..3.0), t in prop::array::uniform3(-10.0f32..10.0),
    ) {
        let b = blobs();
        let lsb = Model::from_bytes(b.int8.as_bytes()).unwrap().output_quant().0;
        let x = cloud(&mut Rng(seed), n);
        let q = So3::exp(w);
        let y = transform(&x, &q, 1.0, t);
        let ((o1, gap), (o2, _)) = (eval(&b.int8, &x), eval(&b.int8, &y));
        prop_assume!(gap > 1e-2);
        let e = errors(&o1, &o2, &q, 1.0, t, lsb);
        prop_assert!(int8_within_bounds(&e), "int8 errors in LSB {:?}", e);
        let ((f1, _), (f2, _)) = (eval(&b.f32, &x), eval(&b.f32, &y));
        let e = errors(&f1, &f2, &q, 1.0, t, 1.0);
        prop_assert!(e.iter().zip(F32_TOL).all(|(&v, tol)| v <= tol), "f32 errors {:?}", e);
    }

    #[test]
    fn reflected_inputs_give_equivariant_outputs(
        seed in 1u64.., n in 6usize..=32,
        w in prop::array::uniform3(-3.0f32..3.0), t in prop::array::uniform3(-10.0f32..10.0),
    ) {
        let b = blobs();
        let lsb = Model::from_bytes(b.int8.as_bytes()).unwrap().output_quant().0;
        let x = cloud(&mut Rng(seed), n);
        let q = So3::exp(w);
        let y = transform(&x, &q, -1.0, t);
        let ((o1, gap), (o2, _)) = (eval(&b.int8, &x), eval(&b.int8, &y));
        prop_assume!(gap > 1e-2);
        let e = errors(&o1, &o2, &q, -1.0, t, lsb);
        prop_assert!(e[..4].iter().all(|&v| v <= INT8_TOL_LSB), "int8 errors in LSB {:?}", e);
        let ((f1, _), (f2, _)) = (eval(&b.f32, &x), eval(&b.f32, &y));
        let e = errors(&f1, &f2, &q, -1.0, t, 1.0);
        prop_assert!(e[..4].iter().zip(F32_TOL).all(|(&v, tol)| v <= tol), "f32 errors {:?}", e);
    }
}

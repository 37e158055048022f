//! The batch evaluator against the per-sample engine, on random synthetic models and inputs
//! (proptest): every batch backend this CPU runs (scalar, each SIMD kernel set), one and
//! several threads. int8 outputs must be bit-identical to `engine::run`; f32 outputs equal
//! value for value (`==`, so only the sign of an exact zero may differ). Models cover int8 and
//! f32, O(3) and SO(3), average / canonical / no frames, robust frames (not sign flips of the
//! first frame, so canonicalized explicitly), every output kind, position + scalar channels,
//! and a conv1d IMU model with vector and axial fields (the axial sign fold).

mod blob_common;

use blob_common::{small_conv, small_int8, Rng};
use equiframe::batch::{simd, Backend, Batch, Threads};
use equiframe::engine::run;
use equiframe::model::Model;
use equiframe_cli::blob::synth::{quantize, random_pointnet};
use equiframe_cli::blob::*;
use proptest::prelude::*;

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

/// Every CPU batch backend of this machine.
fn backends() -> Vec<Backend> {
    let mut v = vec![Backend::Scalar];
    v.extend(
        simd::Backend::available()
            .into_iter()
            .filter(|&k| k != simd::Backend::Scalar)
            .map(Backend::Simd),
    );
    v
}

/// `b` samples of `n` rows x `c` channels; anisotropic, or (when `iso`) nearly isotropic so
/// that robust mode adds frames; positions far from the origin when `far`.
fn samples(r: &mut Rng, b: usize, n: usize, c: usize, iso: bool, far: bool) -> Vec<f32> {
    let s = if iso {
        [1.0, 1.0, 1.0]
    } else {
        [3.0, 1.7, 0.6]
    };
    let off = if far { 40.0 } else { 0.0 };
    (0..b * n * c)
        .map(|i| {
            let ch = i % c;
            if ch < 3 {
                s[ch] * r.f32() + off
            } else {
                r.f32()
            }
        })
        .collect()
}

/// Runs every backend and thread count on `inputs` and compares with the engine per sample.
fn check(blob: &AlignedBuf, inputs: &[f32], b: usize) -> Result<(), TestCaseError> {
    let model = Model::from_bytes(blob.as_bytes()).unwrap();
    let k = model.output_len();
    let per = inputs.len() / b;
    let mut arena = vec![0u32; model.arena_bytes() / 4 + 1];
    let arena: &mut [u8] = bytemuck_bytes(&mut arena);
    let mut want = vec![0.0f32; b * k];
    let mut ok = vec![true; b];
    for (i, (x, y)) in inputs.chunks(per).zip(want.chunks_mut(k)).enumerate() {
        ok[i] = run(&model, x, arena, y).is_ok();
    }
    let int8 = model.precision() == Precision::Int8;
    for backend in backends() {
        let batch = Batch::new(model, backend).unwrap();
        for threads in [Threads::One, Threads::Count(3)] {
            let mut got = vec![f32::NAN; b * k];
            let res = batch.run(inputs, b, threads, &mut got);
            if ok.iter().any(|&o| !o) {
                prop_assert!(
                    res.is_err(),
                    "{backend:?}: a sample the engine refused passed"
                );
                continue;
            }
            let rep = res.unwrap();
            prop_assert_eq!(rep.samples, b);
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                if int8 {
                    prop_assert_eq!(
                        g.to_bits(),
                        w.to_bits(),
                        "{:?} {:?}: sample {} output {}: {} vs engine {}",
                        backend,
                        threads,
                        i / k,
                        i % k,
                        g,
                        w
                    );
                } else {
                    prop_assert!(
                        g == w,
                        "{backend:?} {threads:?}: sample {} output {}: {g} vs engine {w}",
                        i / k,
                        i % k
                    );
                }
            }
        }
    }
    Ok(())
}

fn bytemuck_bytes(w: &mut [u32]) -> &mut [u8] {
    // SAFETY: u32 has no padding, any byte pattern is valid, length is the byte size.
    unsafe { std::slice::from_raw_parts_mut(w.as_mut_ptr().cast(), std::mem::size_of_val(w)) }
}

#[derive(Debug, Clone)]
struct Case {
    seed: u64,
    shared: Vec<usize>,
    head: usize,
    n: usize,
    b: usize,
    group: u8,
    mode: u8,
    robust: bool,
    int8: bool,
    iso: bool,
    far: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (
        any::<u64>(),
        // odd widths exercise the padding and scalar tails, 16 / 32 / 64 the whole blocks
        prop::collection::vec(prop_oneof![1usize..48, Just(16), Just(32), Just(64)], 1..3),
        1usize..24,
        (3usize..40, 1usize..6),
        (0u8..2, 0u8..3),
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
    )
        .prop_map(
            |(seed, widths, head, (n, b), (group, mode), (robust, int8, iso, far))| {
                let mut shared = vec![3];
                shared.extend(widths);
                Case {
                    seed,
                    shared,
                    head,
                    n,
                    b,
                    group,
                    mode,
                    robust,
                    int8,
                    iso,
                    far,
                }
            },
        )
}

fn build(c: &Case) -> AlignedBuf {
    let mut m = random_pointnet(&c.shared, &[c.head, 24], c.n as u32, outputs(), c.seed);
    m.group = if c.group == 0 { Group::O3 } else { Group::SO3 };
    m.frame_mode = [FrameMode::Average, FrameMode::Canonical, FrameMode::None][c.mode as usize];
    if c.robust {
        m.robust = Robust::Average;
        m.degenerate_gap = 0.3;
    }
    let m = if c.int8 {
        let mut r = Rng(c.seed | 1);
        let cal: Vec<Vec<f32>> = (0..6)
            .map(|_| samples(&mut r, 1, c.n, 3, false, false))
            .collect();
        let mut q = quantize(&m, &cal);
        if c.seed.is_multiple_of(3) {
            // left shifts on some channels: the fused max pooling then requantizes per point
            for l in &mut q.layers {
                if let LayerParams::Int8 { shift, .. } = &mut l.params {
                    for (i, s) in shift.iter_mut().enumerate() {
                        if (i as u64 + c.seed / 3).is_multiple_of(3) {
                            *s = 1;
                        }
                    }
                }
            }
        }
        q
    } else {
        m
    };
    AlignedBuf::from_slice(&write(&m).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_pointnets_match_the_engine(c in case()) {
        let blob = build(&c);
        let mut r = Rng(c.seed ^ 0x5eed);
        let x = samples(&mut r, c.b, c.n, 3, c.iso, c.far);
        check(&blob, &x, c.b)?;
    }

    #[test]
    fn position_plus_scalar_and_imu_models_match_the_engine(seed in any::<u64>(), b in 1usize..5) {
        let mut r = Rng(seed | 1);
        let m = small_int8(vec![
            OutputSpec::new(OutputKind::Invariant, 1),
            OutputSpec::new(OutputKind::Vector, 3),
        ]);
        let blob = AlignedBuf::from_slice(&write(&m).unwrap());
        check(&blob, &samples(&mut r, b, 8, 4, false, false), b)?;
        let m = small_conv(vec![
            OutputSpec::new(OutputKind::Vector, 3),
            OutputSpec::new(OutputKind::Axial, 3),
        ]);
        let blob = AlignedBuf::from_slice(&write(&m).unwrap());
        check(&blob, &samples(&mut r, b, 8, 6, false, false), b)?;
    }
}

#[test]
fn backends_tested_on_this_cpu() {
    let names: Vec<&str> = backends().iter().map(|b| b.name()).collect();
    eprintln!("batch backends tested on this CPU: {}", names.join(", "));
    assert!(names.contains(&"scalar"));
}

#[test]
fn shape_errors_name_the_values() {
    let m = small_int8(vec![OutputSpec::new(OutputKind::Invariant, 2)]);
    let blob = AlignedBuf::from_slice(&write(&m).unwrap());
    let model = Model::from_bytes(blob.as_bytes()).unwrap();
    let batch = Batch::new(model, Backend::simd()).unwrap();
    let mut out = vec![0.0; 4];
    let e = batch
        .run(&[0.0; 10], 2, Threads::One, &mut out)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "input of 10 values is not 2 samples of rows of 4 channels"
    );
    let e = batch
        .run(&[0.5; 32], 2, Threads::One, &mut out[..3])
        .unwrap_err();
    assert_eq!(e.to_string(), "output holds 3 values, the batch needs 4");
}

#[test]
fn a_refused_sample_is_named_by_index() {
    let m = small_int8(vec![OutputSpec::new(OutputKind::Invariant, 2)]);
    let blob = AlignedBuf::from_slice(&write(&m).unwrap());
    let model = Model::from_bytes(blob.as_bytes()).unwrap();
    let mut x = samples(&mut Rng(4), 5, 8, 4, false, false);
    x[3 * 32 + 5] = f32::NAN;
    for backend in backends() {
        let batch = Batch::new(model, backend).unwrap();
        for threads in [Threads::One, Threads::Count(2)] {
            let mut out = vec![0.0; 10];
            match batch.run(&x, 5, threads, &mut out) {
                Err(equiframe::batch::BatchError::Sample { index, .. }) => assert_eq!(index, 3),
                other => panic!("{backend:?} {threads:?}: {other:?}"),
            }
        }
    }
}

/// The FA-PointNet widths (64 and 128 channels: whole SIMD blocks, the four-point kernels and
/// the fused requantization) with point counts that leave every tail length.
#[test]
fn fa_pointnet_widths_match_the_engine() {
    let outs = vec![OutputSpec::new(OutputKind::Invariant, 8)];
    let m = random_pointnet(&[3, 64, 64, 128], &[64, 8], 67, outs, 21);
    let mut r = Rng(22);
    let cal: Vec<Vec<f32>> = (0..4)
        .map(|_| samples(&mut r, 1, 67, 3, false, false))
        .collect();
    let blob = AlignedBuf::from_slice(&write(&quantize(&m, &cal)).unwrap());
    for n in [64, 65, 66, 67] {
        let x = samples(&mut r, 3, n, 3, false, true);
        check(&blob, &x, 3).unwrap();
    }
}

//! Engine runs of writer-built blobs: arena sizing, input checks, the committed doctest blob,
//! f32 against a direct evaluation, canonical mode, conv models.

mod blob_common;

use blob_common::*;
use equiframe::engine::{run, Arena, RunError};
use equiframe::frame::{FrameError, FrameOptions, InputSchema};
use equiframe::model::Model;
use equiframe_cli::blob::synth::{eval_f32, random_pointnet};
use equiframe_cli::blob::*;

fn inv(n: usize) -> Vec<OutputSpec> {
    vec![OutputSpec::new(OutputKind::Invariant, n)]
}

/// An anisotropic cloud (distinct eigenvalues) of `n` points.
fn cloud(r: &mut Rng, n: usize, c: usize) -> Vec<f32> {
    let s = [3.0, 1.7, 0.6];
    (0..n * c)
        .map(|i| {
            if i % c < 3 {
                s[i % c] * r.f32()
            } else {
                r.f32()
            }
        })
        .collect()
}

/// The blob behind the `engine` module's doctest.
fn tiny_model() -> BlobModel {
    random_pointnet(&[3, 8, 16], &[8, 2], 16, inv(2), 42)
}

#[test]
fn committed_doctest_blob_is_current() {
    let bytes = write(&tiny_model()).unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/tiny_f32.eqf");
    if std::env::var_os("EQF_REGENERATE").is_some() {
        std::fs::write(path, &bytes).unwrap();
    }
    assert_eq!(
        std::fs::read(path).unwrap(),
        bytes,
        "run with EQF_REGENERATE=1 to refresh"
    );
}

#[test]
fn planned_arena_is_enough_and_one_byte_less_is_refused() {
    for m in [small_int8(inv(2)), small_f32(inv(2)), tiny_model()] {
        let buf = AlignedBuf::from_slice(&write(&m).unwrap());
        let model = Model::from_bytes(buf.as_bytes()).unwrap();
        let need = model.arena_bytes();
        let mut arena = vec![0u32; need / 4 + 1];
        let bytes: &mut [u8] = bytemuck_bytes(&mut arena);
        let input = cloud(&mut Rng(3), model.max_points(), model.input_channels());
        let mut out = vec![0.0; model.output_len()];
        run(&model, &input, &mut bytes[..need], &mut out).unwrap();
        assert!(out.iter().all(|v| v.is_finite()));
        assert_eq!(
            run(&model, &input, &mut bytes[..need - 1], &mut out),
            Err(RunError::ArenaTooSmall {
                needed: need,
                given: need - 1
            })
        );
        assert!(matches!(
            run(&model, &input, &mut bytes[1..need + 1], &mut out),
            Err(RunError::ArenaMisaligned { .. })
        ));
    }
}

fn bytemuck_bytes(w: &mut [u32]) -> &mut [u8] {
    // SAFETY: u32 has no padding, any byte pattern is valid, length is the byte size.
    unsafe { std::slice::from_raw_parts_mut(w.as_mut_ptr().cast(), std::mem::size_of_val(w)) }
}

#[test]
fn input_checks_name_the_problem() {
    let buf = AlignedBuf::from_slice(&write(&small_int8(inv(2))).unwrap());
    let model = Model::from_bytes(buf.as_bytes()).unwrap();
    let mut arena = Arena::<4096>::new();
    let mut out = [0.0f32; 2];
    let a = arena.as_mut_slice();
    assert_eq!(
        model.run(&[], a, &mut out),
        Err(RunError::BadInputLength {
            len: 0,
            channels: 4
        })
    );
    assert_eq!(
        model.run(&[0.0; 5], a, &mut out),
        Err(RunError::BadInputLength {
            len: 5,
            channels: 4
        })
    );
    assert_eq!(
        model.run(&[0.0; 36], a, &mut out),
        Err(RunError::TooManyPoints { given: 9, max: 8 })
    );
    assert_eq!(
        model.run(&[0.0; 8], a, &mut [0.0; 3]),
        Err(RunError::OutputLength {
            needed: 2,
            given: 3
        })
    );
    let mut x = cloud(&mut Rng(1), 4, 4);
    x[5] = f32::NAN;
    assert!(matches!(
        model.run(&x, a, &mut out),
        Err(RunError::Frame(FrameError::NonFinite { .. }))
    ));
    // A NaN in a scalar channel does not touch the frame: it quantizes to the zero point.
    let mut x = cloud(&mut Rng(1), 4, 4);
    x[3] = f32::NAN;
    assert!(model.run(&x, a, &mut out).is_ok());
}

#[test]
fn f32_blob_equals_direct_evaluation() {
    let m = random_pointnet(&[4, 16, 32], &[16, 3], 32, inv(3), 9);
    let buf = AlignedBuf::from_slice(&write(&m).unwrap());
    let model = Model::from_bytes(buf.as_bytes()).unwrap();
    let schema = InputSchema::points(3, 4).unwrap();
    let mut arena = Arena::<32768>::new();
    let mut r = Rng(77);
    for n in [1usize, 2, 5, 32] {
        let x = cloud(&mut r, n, 4);
        let mut out = [0.0f32; 3];
        let rep = model.run(&x, arena.as_mut_slice(), &mut out).unwrap();
        assert_eq!(rep.frames_evaluated, 8);
        let set = schema.frame_set(&x, &FrameOptions::default()).unwrap();
        let mut want = [0.0f32; 3];
        for f in set.frames() {
            let mut canon = vec![0.0; x.len()];
            schema.canonicalize(f, &x, &mut canon).unwrap();
            let y = eval_f32(&m, &canon, n).pop().unwrap().1;
            for k in 0..3 {
                want[k] += f.weight * y[k];
            }
        }
        for k in 0..3 {
            assert!(
                (out[k] - want[k]).abs() <= 1e-4 * (1.0 + want[k].abs()),
                "n {n}: {out:?} vs {want:?}"
            );
        }
    }
}

#[test]
fn mode_none_is_the_plain_network() {
    let mut m = random_pointnet(&[3, 8, 16], &[4], 8, inv(4), 5);
    m.frame_mode = FrameMode::None;
    let buf = AlignedBuf::from_slice(&write(&m).unwrap());
    let model = Model::from_bytes(buf.as_bytes()).unwrap();
    let x = cloud(&mut Rng(8), 6, 3);
    let mut out = [0.0f32; 4];
    let rep = model
        .run(&x, Arena::<8192>::new().as_mut_slice(), &mut out)
        .unwrap();
    assert_eq!(rep.frames_evaluated, 1);
    let want = eval_f32(&m, &x, 6).pop().unwrap().1;
    for k in 0..4 {
        assert!((out[k] - want[k]).abs() <= 1e-5 * (1.0 + want[k].abs()));
    }
}

#[test]
fn canonical_mode_runs_one_frame_and_falls_back_on_symmetric_input() {
    let mut m = random_pointnet(&[3, 8, 16], &[2], 16, inv(2), 6);
    m.frame_mode = FrameMode::Canonical;
    let buf = AlignedBuf::from_slice(&write(&m).unwrap());
    let model = Model::from_bytes(buf.as_bytes()).unwrap();
    let mut arena = Arena::<8192>::new();
    let mut out = [0.0f32; 2];
    // Skewed along every axis: the third moments pick the signs.
    let x = [
        0.0, 0.0, 0.0, 3.0, 0.1, 0.2, 0.5, 1.5, 0.0, 0.2, 0.3, 0.8, 0.1, 0.2, 0.1f32,
    ];
    let rep = model.run(&x, arena.as_mut_slice(), &mut out).unwrap();
    assert_eq!((rep.frames_evaluated, rep.canonical_fallback), (1, false));
    // Symmetric along every axis: no sign rule applies, the full set is averaged.
    let x = [
        1.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, -0.5, 0.0, 0.0, 0.0, 0.2, 0.0, 0.0,
        -0.2f32,
    ];
    let rep = model.run(&x, arena.as_mut_slice(), &mut out).unwrap();
    assert_eq!((rep.frames_evaluated, rep.canonical_fallback), (8, true));
}

#[test]
fn conv_model_needs_its_fixed_length() {
    let m = small_conv(vec![OutputSpec::new(OutputKind::Vector, 3)]);
    let buf = AlignedBuf::from_slice(&write(&m).unwrap());
    let model = Model::from_bytes(buf.as_bytes()).unwrap();
    let mut arena = Arena::<4096>::new();
    let mut out = [0.0f32; 3];
    let mut r = Rng(4);
    let x: Vec<f32> = (0..48)
        .map(|i| if i % 6 == 2 { 9.8 + r.f32() } else { r.f32() })
        .collect();
    let rep = model.run(&x, arena.as_mut_slice(), &mut out).unwrap();
    assert_eq!(rep.frames_evaluated, 4); // SO(3)
    assert_eq!(
        model.run(&x[..42], arena.as_mut_slice(), &mut out),
        Err(RunError::WrongPointCount {
            given: 7,
            expected: 8
        })
    );
}

//! The CUDA batch backend against the per-sample engine, bit for bit, on synthetic int8
//! models (O(3), SO(3), no frames; position + scalar channels; clouds far from the origin).
//! Without a CUDA device (or without the `cuda` feature) every test prints
//! "no CUDA device: skipped <test name>" and checks nothing: they are skipped, not passed.
//! Run on a GPU machine with `scripts/gpu-check.sh`.

mod blob_common;

use blob_common::{small_int8, Rng};
use equiframe::batch::{Backend, Batch, BatchError, Threads};
use equiframe::engine::run;
use equiframe::model::Model;
use equiframe_cli::blob::synth::{quantize, random_pointnet};
use equiframe_cli::blob::*;
use std::io::Write;

fn clouds(r: &mut Rng, b: usize, n: usize, c: usize, off: f32) -> Vec<f32> {
    let s = [3.0, 1.7, 0.6];
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

/// Compares the CUDA backend with the engine on `x`; `false` when there is no device.
fn check(name: &str, blob: &AlignedBuf, x: &[f32], b: usize) -> bool {
    let model = Model::from_bytes(blob.as_bytes()).unwrap();
    let batch = match Batch::new(model, Backend::Cuda) {
        Ok(batch) => batch,
        Err(BatchError::BackendUnavailable { reason, .. }) => {
            // Straight to the process's stderr (not the test harness's captured output), so
            // the skip shows in every run.
            let _ = writeln!(
                std::io::stderr().lock(),
                "no CUDA device: skipped {name} ({reason})"
            );
            return false;
        }
        Err(e) => panic!("{name}: {e}"),
    };
    let k = model.output_len();
    let mut got = vec![f32::NAN; b * k];
    let rep = batch.run(x, b, Threads::One, &mut got).unwrap();
    assert_eq!(rep.samples, b);
    let mut arena = vec![0u32; model.arena_bytes() / 4 + 1];
    // SAFETY: u32 has no padding, any byte pattern is valid, length is the byte size.
    let arena: &mut [u8] =
        unsafe { std::slice::from_raw_parts_mut(arena.as_mut_ptr().cast(), arena.len() * 4) };
    let per = x.len() / b;
    let mut want = vec![0.0f32; k];
    let mut diff = 0;
    for (i, (xi, g)) in x.chunks(per).zip(got.chunks(k)).enumerate() {
        run(&model, xi, arena, &mut want).unwrap();
        for (j, (a, w)) in g.iter().zip(&want).enumerate() {
            if a.to_bits() != w.to_bits() {
                if diff < 5 {
                    eprintln!("{name}: sample {i} output {j}: cuda {a} vs engine {w}");
                }
                diff += 1;
            }
        }
    }
    assert_eq!(diff, 0, "{name}: {diff} outputs differ from the engine");
    eprintln!("{name}: {} outputs bit-identical on the GPU", b * k);
    true
}

fn pointnet(group: Group, mode: FrameMode, seed: u64) -> AlignedBuf {
    let outs = vec![OutputSpec::new(OutputKind::Invariant, 8)];
    let mut m = random_pointnet(&[3, 64, 64, 128], &[64, 8], 256, outs, seed);
    m.group = group;
    m.frame_mode = mode;
    let mut r = Rng(seed);
    let cal: Vec<Vec<f32>> = (0..8).map(|_| clouds(&mut r, 1, 256, 3, 0.0)).collect();
    AlignedBuf::from_slice(&write(&quantize(&m, &cal)).unwrap())
}

#[test]
fn cuda_fa_pointnet_o3_matches_the_engine() {
    let name = "cuda_fa_pointnet_o3_matches_the_engine";
    let blob = pointnet(Group::O3, FrameMode::Average, 3);
    let x = clouds(&mut Rng(5), 300, 256, 3, 0.0);
    check(name, &blob, &x, 300);
}

#[test]
fn cuda_so3_far_from_origin_matches_the_engine() {
    let name = "cuda_so3_far_from_origin_matches_the_engine";
    let blob = pointnet(Group::SO3, FrameMode::Average, 4);
    let x = clouds(&mut Rng(6), 64, 256, 3, 1e4);
    check(name, &blob, &x, 64);
}

#[test]
fn cuda_without_frames_matches_the_engine() {
    let name = "cuda_without_frames_matches_the_engine";
    let blob = pointnet(Group::O3, FrameMode::None, 5);
    let x = clouds(&mut Rng(7), 64, 256, 3, 0.5);
    check(name, &blob, &x, 64);
}

#[test]
fn cuda_position_plus_scalar_matches_the_engine() {
    let name = "cuda_position_plus_scalar_matches_the_engine";
    let m = small_int8(vec![
        OutputSpec::new(OutputKind::Invariant, 1),
        OutputSpec::new(OutputKind::Vector, 3),
    ]);
    let blob = AlignedBuf::from_slice(&write(&m).unwrap());
    let x = clouds(&mut Rng(8), 33, 8, 4, 0.0);
    check(name, &blob, &x, 33);
}

//! End-to-end throughput of the frame-averaged FA-PointNet (N = 256, shared MLP 3-64-64-128,
//! max pool, head 128-64-8, O(3), 8 frames) in point sets per second (criterion
//! `Throughput::Elements` = sets): the single-sample engine, and the batch evaluator for int8
//! and f32 on the scalar kernels, the SIMD kernels, and all threads (rayon).
//!
//! The blobs in `benches/data` are written by `equiframe bench --make-synthetic benches/data`
//! (checked current by `host-tools/tests/cli_bench.rs`).
//!
//! Run: `cargo bench --bench engine --features std,rayon` (quick: append
//! `-- --warm-up-time 0.5 --measurement-time 2`). The `bench` command covers the same matrix
//! at batch 4096 with onnxruntime alongside.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use equiframe::batch::{Backend, Batch, Threads};
use equiframe::engine::Arena;
use equiframe::model::Model;
use std::hint::black_box;

const N: usize = 256;
const BATCH: usize = 64;

fn int8_blob() -> &'static [u8] {
    equiframe::include_model!("data/fa_pointnet_int8.eqf")
}

fn f32_blob() -> &'static [u8] {
    equiframe::include_model!("data/fa_pointnet_f32.eqf")
}

/// `b` anisotropic clouds of `N` points, offset from the origin.
fn clouds(b: usize) -> Vec<f32> {
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    let mut u = move || {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        (s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
    };
    (0..b * N * 3)
        .map(|i| [3.0, 1.7, 0.6][i % 3] * u() + 2.0)
        .collect()
}

fn engine_single(c: &mut Criterion) {
    let mut g = c.benchmark_group("engine_single_sample");
    g.throughput(Throughput::Elements(1));
    let x = clouds(1);
    for (name, blob) in [("int8", int8_blob()), ("f32", f32_blob())] {
        let model = Model::from_bytes(blob).unwrap();
        let mut arena = Box::new(Arena::<262_144>::new());
        assert!(model.arena_bytes() <= 262_144);
        let mut out = vec![0.0f32; model.output_len()];
        g.bench_function(name, |b| {
            b.iter(|| {
                model
                    .run(black_box(&x), arena.as_mut_slice(), &mut out)
                    .unwrap()
            })
        });
    }
    g.finish();
}

fn batch(c: &mut Criterion) {
    let mut g = c.benchmark_group("batch_fa_pointnet");
    g.sample_size(10);
    g.throughput(Throughput::Elements(BATCH as u64));
    let x = clouds(BATCH);
    for (prec, blob) in [("int8", int8_blob()), ("f32", f32_blob())] {
        let model = Model::from_bytes(blob).unwrap();
        let mut out = vec![0.0f32; BATCH * model.output_len()];
        for (backend, threads, label) in [
            (Backend::Scalar, Threads::One, "scalar/1t"),
            (Backend::simd(), Threads::One, "simd/1t"),
            (Backend::simd(), Threads::All, "simd/all"),
        ] {
            let b = Batch::new(model, backend).unwrap();
            let id = BenchmarkId::new(prec, format!("{label} ({})", backend.name()));
            g.bench_function(id, |bch| {
                bch.iter(|| b.run(black_box(&x), BATCH, threads, &mut out).unwrap())
            });
        }
    }
    g.finish();
}

criterion_group!(benches, engine_single, batch);
criterion_main!(benches);

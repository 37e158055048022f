//! Frame benchmarks: moments alone, moments + eigen + frame set (f32 and fixed point) for
//! N = 64 .. 65536 points, and the bare 3x3 eigensolver.
//!
//! `cargo bench --bench frames -- --quick` (or `--measurement-time 1`).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use equiframe::frame::fixed::{FixedFrameSet, I16F16, I2F30};
use equiframe::frame::{FrameOptions, Group, InputSchema, Moments};
use equiframe::geom::{sym_eigen3, AxisOrder};
use std::hint::black_box;

fn cloud(n: usize) -> Vec<f32> {
    let mut s = 0x2545_f491_4f6c_dd1du64;
    (0..3 * n)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let u = (s >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
            u * [3.0, 2.0, 1.0][i % 3] + 20.0
        })
        .collect()
}

const SIZES: [usize; 6] = [64, 256, 1024, 4096, 16384, 65536];

fn moments(c: &mut Criterion) {
    let mut g = c.benchmark_group("moments_f32");
    for n in SIZES {
        let x = cloud(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &x, |b, x| {
            b.iter(|| Moments::of_points(black_box(x), 3, 0, 3, None).unwrap())
        });
    }
    g.finish();
}

fn frame_set(c: &mut Criterion) {
    let schema = InputSchema::points(3, 3).unwrap();
    let opts = FrameOptions::default();
    let mut g = c.benchmark_group("frame_set_f32");
    for n in SIZES {
        let x = cloud(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &x, |b, x| {
            b.iter(|| schema.frame_set(black_box(x), &opts).unwrap())
        });
    }
    g.finish();
}

fn frame_set_fixed(c: &mut Criterion) {
    let mut g = c.benchmark_group("frame_set_fixed");
    for n in SIZES {
        let x: Vec<I16F16> = cloud(n).into_iter().map(I16F16::from_num).collect();
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &x, |b, x| {
            b.iter(|| {
                FixedFrameSet::of_points(
                    black_box(x),
                    3,
                    0,
                    Group::O3,
                    AxisOrder::Descending,
                    I2F30::from_num(0.01),
                )
                .unwrap()
            })
        });
    }
    g.finish();
}

fn eigen(c: &mut Criterion) {
    let x = cloud(1024);
    let m = Moments::of_points(&x, 3, 0, 3, None).unwrap();
    let near = [
        [1.0, 1e-4, 2e-4],
        [1e-4, 1.0 + 1e-4, -1e-4],
        [2e-4, -1e-4, 1.0 - 1e-4],
    ];
    c.bench_function("eigen3_cloud", |b| {
        b.iter(|| sym_eigen3(black_box(&m.scatter), AxisOrder::Descending))
    });
    c.bench_function("eigen3_near_isotropic", |b| {
        b.iter(|| sym_eigen3(black_box(&near), AxisOrder::Descending))
    });
}

criterion_group!(benches, moments, frame_set, frame_set_fixed, eigen);
criterion_main!(benches);

//! Kernel throughput in multiply-accumulates per second (criterion `Throughput::Elements` =
//! MACs; element counts for pooling / add / activations). Scalar int8 and f32 kernels at the
//! PointNet / IMU shapes of the shipped models; the activation-type kernels (LOGISTIC, TANH,
//! SOFTMAX, LOG_SOFTMAX, lookup table, layer normalization) on 256 x 64 values.
//!
//! Run: `cargo bench --bench kernels --features std` (quick: append
//! `-- --warm-up-time 0.3 --measurement-time 1`); without `std` the batch SIMD group is skipped.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use equiframe::kernels::*;
use equiframe::quant::quantize_multiplier;
use std::hint::black_box;

fn lcg_i8(len: usize, seed: u64) -> Vec<i8> {
    let mut s = seed;
    (0..len)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 33) % 255) as i32 as i8 // -127..=127 after the wrap below
        })
        .map(|v| v.max(-127))
        .collect()
}

fn to_f32(v: &[i8]) -> Vec<f32> {
    v.iter().map(|&x| f32::from(x) * 0.01).collect()
}

/// Per-channel parameters for `cout` channels.
struct Params {
    bias: Vec<i32>,
    mult: Vec<i32>,
    shift: Vec<i32>,
    fbias: Vec<f32>,
}

impl Params {
    fn new(cout: usize) -> Self {
        let (mult, shift) = (0..cout)
            .map(|c| quantize_multiplier(0.0007 + c as f64 * 1e-6))
            .unzip();
        Self {
            bias: (0..cout as i32).map(|c| c * 37 - 500).collect(),
            mult,
            shift,
            fbias: vec![0.1; cout],
        }
    }
    fn q(&self) -> QParams<'_> {
        QParams {
            bias: &self.bias,
            multiplier: &self.mult,
            shift: &self.shift,
            out_zero_point: -5,
            act_min: -128,
            act_max: 127,
        }
    }
    fn f(&self) -> FParams<'_> {
        FParams {
            bias: &self.fbias,
            act_min: 0.0,
            act_max: f32::INFINITY,
        }
    }
}

fn dense(c: &mut Criterion) {
    let mut g = c.benchmark_group("dense");
    for &(cin, cout) in &[(128usize, 64usize), (64, 8), (256, 256)] {
        let (x, w, p) = (lcg_i8(cin, 1), lcg_i8(cin * cout, 2), Params::new(cout));
        let (xf, wf) = (to_f32(&x), to_f32(&w));
        g.throughput(Throughput::Elements((cin * cout) as u64));
        let id = format!("{cin}x{cout}");
        let mut out = vec![0i8; cout];
        g.bench_function(BenchmarkId::new("i8", &id), |b| {
            b.iter(|| dense_i8(black_box(&x), black_box(&w), cin, cout, &p.q(), &mut out))
        });
        let mut outf = vec![0f32; cout];
        g.bench_function(BenchmarkId::new("f32", &id), |b| {
            b.iter(|| dense_f32(black_box(&xf), black_box(&wf), cin, cout, &p.f(), &mut outf))
        });
    }
    g.finish();
}

fn pointwise(c: &mut Criterion) {
    let mut g = c.benchmark_group("pointwise");
    let n = 256;
    for &(cin, cout) in &[(3usize, 64usize), (64, 64), (64, 128)] {
        let (x, w, p) = (lcg_i8(n * cin, 3), lcg_i8(cin * cout, 4), Params::new(cout));
        let (xf, wf) = (to_f32(&x), to_f32(&w));
        g.throughput(Throughput::Elements((n * cin * cout) as u64));
        let id = format!("n{n}_{cin}x{cout}");
        let mut out = vec![0i8; n * cout];
        g.bench_function(BenchmarkId::new("i8", &id), |b| {
            b.iter(|| pointwise_i8(black_box(&x), n, black_box(&w), cin, cout, &p.q(), &mut out))
        });
        let mut outm = vec![0i8; cout];
        g.bench_function(BenchmarkId::new("i8_max_fused", &id), |b| {
            b.iter(|| {
                pointwise_max_i8(
                    black_box(&x),
                    n,
                    black_box(&w),
                    cin,
                    cout,
                    &p.q(),
                    &mut outm,
                )
            })
        });
        let mut outf = vec![0f32; n * cout];
        g.bench_function(BenchmarkId::new("f32", &id), |b| {
            b.iter(|| {
                pointwise_f32(
                    black_box(&xf),
                    n,
                    black_box(&wf),
                    cin,
                    cout,
                    &p.f(),
                    &mut outf,
                )
            })
        });
    }
    g.finish();
}

fn conv1d(c: &mut Criterion) {
    let mut g = c.benchmark_group("conv1d");
    for &(n, cin, cout, k, stride) in &[
        (128usize, 6usize, 32usize, 5usize, 1usize),
        (64, 32, 32, 3, 2),
    ] {
        let d = Conv1dDims::same(n, cin, cout, k, stride);
        let (x, w, p) = (
            lcg_i8(n * cin, 5),
            lcg_i8(cout * k * cin, 6),
            Params::new(cout),
        );
        let (xf, wf) = (to_f32(&x), to_f32(&w));
        g.throughput(Throughput::Elements(d.macs() as u64));
        let id = format!("n{n}_{cin}x{cout}_k{k}_s{stride}");
        let mut out = vec![0i8; d.n_out() * cout];
        g.bench_function(BenchmarkId::new("i8", &id), |b| {
            b.iter(|| conv1d_i8(black_box(&x), black_box(&w), &d, -3, &p.q(), &mut out))
        });
        let mut outf = vec![0f32; d.n_out() * cout];
        g.bench_function(BenchmarkId::new("f32", &id), |b| {
            b.iter(|| conv1d_f32(black_box(&xf), black_box(&wf), &d, &p.f(), &mut outf))
        });
    }
    g.finish();
}

fn elementwise(c: &mut Criterion) {
    let mut g = c.benchmark_group("elementwise");
    let (n, ch) = (256usize, 128usize);
    let x = lcg_i8(n * ch, 7);
    let y = lcg_i8(n * ch, 8);
    let r = Requant::from_scales(0.05, -3, 0.04, 2).unwrap();
    g.throughput(Throughput::Elements((n * ch) as u64));
    let mut o = vec![0i8; ch];
    g.bench_function("max_pool_i8_256x128", |b| {
        b.iter(|| max_pool_i8(black_box(&x), n, ch, &mut o))
    });
    g.bench_function("mean_pool_i8_256x128", |b| {
        b.iter(|| mean_pool_i8(black_box(&x), n, ch, &r, &mut o))
    });
    let p = AddParams::from_scales((0.05, -3), (0.07, 4), (0.1, 0), (-128, 127)).unwrap();
    let mut oa = vec![0i8; n * ch];
    g.bench_function("add_i8_32768", |b| {
        b.iter(|| add_i8(black_box(&x), black_box(&y), &p, &mut oa))
    });
    let lp = LeakyReluParams::from_scales(0.05, -3, 0.05, -3, 0.1).unwrap();
    g.bench_function("leaky_relu_i8_32768", |b| {
        b.iter(|| leaky_relu_i8(black_box(&x), &lp, &mut oa))
    });
    g.finish();
}

/// The format-3 kernels: broadcasting Mul / Sub, row norms, depthwise / dilated conv,
/// average pooling (elements or MACs per second).
fn layers_v3(c: &mut Criterion) {
    let mut g = c.benchmark_group("layers_v3");
    let (n, ch) = (256usize, 128usize);
    let x = lcg_i8(n * ch, 9);
    let row = lcg_i8(ch, 10);
    let xf = to_f32(&x);
    let rowf = to_f32(&row);
    g.throughput(Throughput::Elements((n * ch) as u64));
    let s = Broadcast::of((n, ch), (1, ch)).unwrap();
    let mul = Elementwise::Mul(
        MulParams::from_scales((0.05, -3), (0.02, 1), (0.01, 0), (-128, 127)).unwrap(),
    );
    let sub = Elementwise::Sub(
        AddParams::from_scales((0.05, -3), (0.07, 4), (0.1, 0), (-128, 127)).unwrap(),
    );
    let mut o = vec![0i8; n * ch];
    g.bench_function("mul_i8_row_broadcast_256x128", |b| {
        b.iter(|| elementwise_i8(black_box(&x), black_box(&row), &s, &mul, &mut o))
    });
    g.bench_function("sub_i8_row_broadcast_256x128", |b| {
        b.iter(|| elementwise_i8(black_box(&x), black_box(&row), &s, &sub, &mut o))
    });
    let same = Broadcast::same(n, ch);
    g.bench_function("mul_i8_same_shape_256x128", |b| {
        b.iter(|| elementwise_i8(black_box(&x), black_box(&x), &same, &mul, &mut o))
    });
    let mut of = vec![0f32; n * ch];
    let id = (f32::NEG_INFINITY, f32::INFINITY);
    g.bench_function("mul_f32_row_broadcast_256x128", |b| {
        b.iter(|| {
            elementwise_f32(
                black_box(&xf),
                black_box(&rowf),
                &s,
                ElementwiseF32::Mul,
                id,
                &mut of,
            )
        })
    });
    let nd = NormDims {
        n: n * ch / 3,
        c: 3,
        first: 0,
        count: 3,
    };
    let r = Requant::from_scales(0.05 / 128.0, -3, 0.04, -128).unwrap();
    let mut on = vec![0i8; nd.n];
    g.bench_function("row_norm_i8_10922x3", |b| {
        b.iter(|| row_norm_i8(black_box(&x), &nd, &r, &mut on))
    });
    g.bench_function("row_squared_norm_i8_10922x3", |b| {
        b.iter(|| row_squared_norm_i8(black_box(&x), &nd, &r, &mut on))
    });
    let pd = Pool1dDims::same(n, ch, 4, 2);
    let mut op = vec![0i8; pd.n_out() * ch];
    g.bench_function("avg_pool1d_i8_256x128_k4_s2", |b| {
        b.iter(|| avg_pool1d_i8(black_box(&x), &pd, -128, 127, &mut op))
    });
    for &(cin, mult, k, dil) in &[(32usize, 1usize, 5usize, 1usize), (32, 2, 3, 4)] {
        let span = dil * (k - 1) + 1;
        let d = GroupedConv1dDims {
            n: 128,
            cin,
            cout: cin * mult,
            k,
            stride: 1,
            pad_left: (span - 1) / 2,
            pad_right: span - 1 - (span - 1) / 2,
            dilation: dil,
            groups: cin,
        };
        let (xd, w, p) = (
            lcg_i8(128 * cin, 11),
            lcg_i8(d.cout * k, 12),
            Params::new(d.cout),
        );
        let mut od = vec![0i8; d.n_out() * d.cout];
        g.throughput(Throughput::Elements(d.macs() as u64));
        g.bench_function(
            BenchmarkId::new("depthwise_i8", format!("n128_c{cin}_m{mult}_k{k}_d{dil}")),
            |b| {
                b.iter(|| conv1d_grouped_i8(black_box(&xd), black_box(&w), &d, -3, &p.q(), &mut od))
            },
        );
    }
    g.finish();
}

/// Batch SIMD backends (feature `std`) on the PointNet layer shapes, against scalar.
#[cfg(feature = "std")]
fn batch_simd(c: &mut Criterion) {
    use equiframe::batch::simd::{self, Backend};
    let mut g = c.benchmark_group("batch_simd");
    let n = 2048;
    for &(cin, cout) in &[(3usize, 64usize), (64, 64), (64, 128), (128, 64)] {
        let (x, w, p) = (
            lcg_i8(n * cin, 9),
            lcg_i8(cin * cout, 10),
            Params::new(cout),
        );
        g.throughput(Throughput::Elements((n * cin * cout) as u64));
        let mut out = vec![0i8; n * cout];
        let mut outm = vec![0i8; cout];
        for b in Backend::available() {
            let id = format!("{b:?}/n{n}_{cin}x{cout}");
            g.bench_function(BenchmarkId::new("pointwise_i8", &id), |bch| {
                bch.iter(|| {
                    simd::pointwise_i8(
                        b,
                        black_box(&x),
                        n,
                        black_box(&w),
                        cin,
                        cout,
                        &p.q(),
                        &mut out,
                    )
                })
            });
            g.bench_function(BenchmarkId::new("pointwise_max_i8", &id), |bch| {
                bch.iter(|| {
                    simd::pointwise_max_i8(
                        b,
                        black_box(&x),
                        n,
                        black_box(&w),
                        cin,
                        cout,
                        &p.q(),
                        &mut outm,
                    )
                })
            });
        }
    }
    g.finish();
}

#[cfg(not(feature = "std"))]
fn batch_simd(_: &mut Criterion) {}

/// The activation-type kernels on 256 rows x 64 channels (elements per second).
fn activations(c: &mut Criterion) {
    let mut g = c.benchmark_group("activations");
    let (n, ch) = (256usize, 64usize);
    let x = lcg_i8(n * ch, 11);
    let xf = to_f32(&x);
    let mut y = vec![0i8; n * ch];
    let mut yf = vec![0f32; n * ch];
    g.throughput(Throughput::Elements((n * ch) as u64));
    let sp = SigmoidParams::from_scale(0.05, 3).unwrap();
    g.bench_function("logistic_i8", |b| {
        b.iter(|| logistic_i8(black_box(&x), &sp, &mut y))
    });
    g.bench_function("tanh_i8", |b| {
        b.iter(|| tanh_i8(black_box(&x), &sp, &mut y))
    });
    let smp = SoftmaxParams::from_scale(1.0, 0.1).unwrap();
    g.bench_function("softmax_i8", |b| {
        b.iter(|| softmax_i8(black_box(&x), n, ch, &smp, &mut y))
    });
    let lsp = LogSoftmaxParams::from_scale(0.1).unwrap();
    g.bench_function("log_softmax_i8", |b| {
        b.iter(|| log_softmax_i8(black_box(&x), n, ch, &lsp, &mut y))
    });
    let table = build_table(ElementFn::Gelu, 0.05, 3, 0.03, -20);
    g.bench_function("lut_i8", |b| {
        b.iter(|| lut_i8(black_box(&x), &table, &mut y))
    });
    let chp: Vec<i32> = (0..ch)
        .flat_map(|c| layer_norm_channel(0.5 + 0.01 * c as f32, 0.1, 0.02))
        .collect();
    let lnp = LayerNormParams {
        in_zero_point: 3,
        out_zero_point: -5,
        eps_q8: layer_norm_eps_q8(1e-5, 0.05),
        channels: &chp,
    };
    g.bench_function("layer_norm_i8", |b| {
        b.iter(|| layer_norm_i8(black_box(&x), n, ch, &lnp, &mut y))
    });
    g.bench_function("logistic_f32", |b| {
        b.iter(|| logistic_f32(black_box(&xf), &mut yf))
    });
    g.bench_function("tanh_f32", |b| b.iter(|| tanh_f32(black_box(&xf), &mut yf)));
    g.bench_function("gelu_f32", |b| {
        b.iter(|| element_fn_f32(black_box(&xf), ElementFn::Gelu, &mut yf))
    });
    g.bench_function("softmax_f32", |b| {
        b.iter(|| softmax_f32(black_box(&xf), n, ch, 1.0, &mut yf))
    });
    let (gamma, beta) = (vec![1.0f32; ch], vec![0.0f32; ch]);
    g.bench_function("layer_norm_f32", |b| {
        b.iter(|| layer_norm_f32(black_box(&xf), n, ch, 1e-5, &gamma, &beta, &mut yf))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = dense, pointwise, conv1d, elementwise, activations, layers_v3, batch_simd
}
criterion_main!(benches);

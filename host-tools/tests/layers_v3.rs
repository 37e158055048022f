//! The format-3 layer kinds end to end: IR graphs using broadcasting Add / Sub / Mul (between
//! values and with constants), centring, row norms, grouped / dilated / SAME Conv1d,
//! AvgPool1d, Flatten -> Dense and SliceRows are lowered, written and run.
//!
//! - f32 blobs against the IR's float evaluator: within `1e-5` relative to the output's largest
//!   magnitude (different summation order only);
//! - int8 blobs from the calibrating quantizer: per-layer errors printed (`-- --nocapture`) and
//!   the output error bounded by 8% of the output range;
//! - every batch backend bit-identical to the scalar engine (int8) and equal (f32);
//! - a frame-averaged point model with norm features inside is invariant under rotations,
//!   reflections and translations (proptest): f32 within 1e-4, int8 within 1 output step.

mod blob_common;

use blob_common::Rng;
use equiframe::batch::{simd, Backend, Batch, Threads};
use equiframe::engine::{run, trace};
use equiframe::lie::So3;
use equiframe::model::Model;
use equiframe_cli::blob::*;
use equiframe_cli::commands::convert_lower::lower;
use equiframe_cli::commands::samples::Samples;
use equiframe_cli::ir::{
    self, Activation as IAct, BinaryKind, Graph, Layer, Linear, PoolKind, Shape,
};
use proptest::prelude::*;
use std::sync::OnceLock;

fn lin(r: &mut Rng, cin: usize, cout: usize, per_row: usize, act: IAct) -> Linear {
    let s = 1.0 / (per_row as f32).sqrt();
    Linear {
        cin,
        cout,
        weights: (0..cout * per_row).map(|_| s * r.f32()).collect(),
        bias: (0..cout).map(|_| 0.1 * r.f32()).collect(),
        act,
    }
}

/// Builds a graph from `(op, inputs, output shape)` in order.
fn graph(input: Shape, layers: Vec<(ir::Op, Vec<usize>, Shape)>) -> Graph {
    let mut values = vec![input];
    let mut out = Vec::new();
    for (i, (op, inputs, shape)) in layers.into_iter().enumerate() {
        values.push(shape);
        out.push(Layer {
            name: format!("l{i}_{}", op.kind()),
            op,
            inputs,
            output: i + 1,
        });
    }
    Graph {
        output: values.len() - 1,
        values,
        layers: out,
    }
}

const N_IMU: usize = 16;

/// A fixed-window model: input scaling by a constant, depthwise dilated SAME conv (depth
/// multiplier 2), centring over time, AvgPool1d, grouped conv, the last time step as a row
/// broadcast (Gather), a row norm added back as a column broadcast, Flatten -> Dense, a
/// per-channel constant subtracted.
fn imu_graph() -> Graph {
    let mut r = Rng(7);
    let p = |n, c| Shape::Points { n: Some(n), c };
    use ir::Op::*;
    graph(
        p(N_IMU, 6),
        vec![
            (
                BinaryConst {
                    kind: BinaryKind::Mul,
                    constant: vec![0.5],
                    act: IAct::None,
                },
                vec![0],
                p(16, 6),
            ),
            (
                Conv1dGrouped {
                    linear: lin(&mut r, 6, 12, 3, IAct::Relu),
                    k: 3,
                    stride: 1,
                    pad_begin: 2,
                    pad_end: 2,
                    dilation: 2,
                    groups: 6,
                },
                vec![1],
                p(16, 12),
            ),
            (GlobalPool(PoolKind::Mean), vec![2], Shape::Vector { c: 12 }),
            (
                Binary {
                    kind: BinaryKind::Sub,
                    act: IAct::None,
                },
                vec![2, 3],
                p(16, 12),
            ),
            (
                AvgPool1d {
                    k: 3,
                    stride: 2,
                    pad_begin: 1,
                    pad_end: 0,
                },
                vec![4],
                p(8, 12),
            ),
            (
                Conv1dGrouped {
                    linear: lin(&mut r, 12, 8, 3 * 6, IAct::None),
                    k: 3,
                    stride: 1,
                    pad_begin: 1,
                    pad_end: 1,
                    dilation: 1,
                    groups: 2,
                },
                vec![5],
                p(8, 8),
            ),
            (
                SliceRows { first: 7, count: 1 },
                vec![6],
                Shape::Vector { c: 8 },
            ),
            (
                Binary {
                    kind: BinaryKind::Mul,
                    act: IAct::None,
                },
                vec![6, 7],
                p(8, 8),
            ),
            (
                RowNorm {
                    first: 2,
                    count: 4,
                    squared: false,
                },
                vec![8],
                p(8, 1),
            ),
            (
                Binary {
                    kind: BinaryKind::Add,
                    act: IAct::Relu,
                },
                vec![8, 9],
                p(8, 8),
            ),
            (Flatten, vec![10], Shape::Vector { c: 64 }),
            (
                Dense(lin(&mut r, 64, 4, 64, IAct::None)),
                vec![11],
                Shape::Vector { c: 4 },
            ),
            (
                ir::Op::div_const(&[2.0, -4.0, 0.5, 1.0], IAct::None),
                vec![12],
                Shape::Vector { c: 4 },
            ),
            (
                BinaryConst {
                    kind: BinaryKind::Sub,
                    constant: vec![0.1, 0.2, -0.3, 0.0],
                    act: IAct::None,
                },
                vec![13],
                Shape::Vector { c: 4 },
            ),
        ],
    )
}

/// A point-set model: centring, squared norm and norm of the centred positions as features,
/// a shared MLP scaled per channel by a constant, max pool, dense head.
fn points_graph() -> Graph {
    let mut r = Rng(11);
    let pts = |c| Shape::Points { n: None, c };
    use ir::Op::*;
    graph(
        pts(3),
        vec![
            (GlobalPool(PoolKind::Mean), vec![0], Shape::Vector { c: 3 }),
            (
                Binary {
                    kind: BinaryKind::Sub,
                    act: IAct::None,
                },
                vec![0, 1],
                pts(3),
            ),
            (
                RowNorm {
                    first: 0,
                    count: 3,
                    squared: true,
                },
                vec![2],
                pts(1),
            ),
            (
                RowNorm {
                    first: 0,
                    count: 3,
                    squared: false,
                },
                vec![2],
                pts(1),
            ),
            (Concat, vec![3, 4], pts(2)),
            (
                Pointwise(lin(&mut r, 2, 16, 2, IAct::Relu)),
                vec![5],
                pts(16),
            ),
            (
                BinaryConst {
                    kind: BinaryKind::Mul,
                    constant: (0..16).map(|i| 0.5 + 0.1 * i as f32).collect(),
                    act: IAct::None,
                },
                vec![6],
                pts(16),
            ),
            (GlobalPool(PoolKind::Max), vec![7], Shape::Vector { c: 16 }),
            (
                Dense(lin(&mut r, 16, 3, 16, IAct::None)),
                vec![8],
                Shape::Vector { c: 3 },
            ),
        ],
    )
}

/// The f32 blob model of a graph: `imu` = fixed window, no frames; else an O(3) point model.
fn fmodel(g: &Graph, imu: bool) -> (BlobModel, Vec<String>) {
    let low = lower(g).unwrap();
    let mut m = if imu {
        let mut m = BlobModel::points(3, 6, N_IMU as u32);
        m.frame_mode = FrameMode::None;
        m.fields.clear();
        m.fixed_points = true;
        m
    } else {
        BlobModel::points(3, 3, 64)
    };
    m.precision = Precision::F32;
    m.outputs = vec![OutputSpec::new(OutputKind::Invariant, low.outputs)];
    m.layers = low.layers;
    (m, low.names)
}

fn cloud(r: &mut Rng, n: usize) -> Vec<f32> {
    let s = [3.0, 1.7, 0.6];
    (0..n * 3).map(|i| s[i % 3] * r.f32() + 1.0).collect()
}

fn window(r: &mut Rng) -> Vec<f32> {
    (0..N_IMU * 6).map(|_| 2.0 * r.f32()).collect()
}

struct Blobs {
    f32: AlignedBuf,
    int8: AlignedBuf,
    table: String,
}

fn build(imu: bool) -> Blobs {
    let g = if imu { imu_graph() } else { points_graph() };
    let (m, names) = fmodel(&g, imu);
    let mut r = Rng(if imu { 3 } else { 5 });
    let (n, c) = if imu { (N_IMU, 6) } else { (32, 3) };
    let data: Vec<f32> = (0..64)
        .flat_map(|_| {
            if imu {
                window(&mut r)
            } else {
                cloud(&mut r, n)
            }
        })
        .collect();
    let cal = Samples {
        batch: 64,
        points: n,
        channels: c,
        data,
    };
    let q = equiframe_cli::quantize::quantize(&m, &names, &cal, true).unwrap();
    let range = q.layers.last().map_or(1.0, |l| l.range.1 - l.range.0);
    assert!(
        q.output_error <= 0.08 * range,
        "int8 output error {} of range {range}\n{}",
        q.output_error,
        q.table()
    );
    Blobs {
        f32: AlignedBuf::from_slice(&write(&m).unwrap()),
        int8: AlignedBuf::from_slice(&write(&q.model).unwrap()),
        table: q.table(),
    }
}

fn imu() -> &'static Blobs {
    static B: OnceLock<Blobs> = OnceLock::new();
    B.get_or_init(|| build(true))
}

fn points() -> &'static Blobs {
    static B: OnceLock<Blobs> = OnceLock::new();
    B.get_or_init(|| build(false))
}

#[test]
fn blobs_use_format_3_and_every_new_kind() {
    let mut ops = Vec::new();
    for b in [imu(), points()] {
        for buf in [&b.f32, &b.int8] {
            let m = Model::from_bytes(buf.as_bytes()).unwrap();
            assert_eq!(m.format_version(), 3);
            ops.extend(m.layers().map(|l| (l.op, l.input_count, l.groups > 1)));
        }
        println!("{}", b.table);
    }
    for op in [
        Op::Add,
        Op::Sub,
        Op::Mul,
        Op::RowNorm,
        Op::RowSquaredNorm,
        Op::AvgPool1d,
    ] {
        assert!(ops.iter().any(|o| o.0 == op), "{op:?}");
    }
    for op in [Op::Flatten, Op::SliceRows, Op::MeanPool] {
        assert!(ops.iter().any(|o| o.0 == op), "{op:?}");
    }
    assert!(
        ops.iter().any(|o| o.0 == Op::Mul && o.1 == 1),
        "Mul by a constant"
    );
    assert!(
        ops.iter().any(|o| o.0 == Op::Conv1d && o.2),
        "grouped Conv1d"
    );
}

#[test]
fn f32_blobs_match_the_float_reference() {
    let mut r = Rng(21);
    let mut worst = 0.0f32;
    for (b, g, imu) in [
        (imu(), imu_graph(), true),
        (points(), points_graph(), false),
    ] {
        let m = Model::from_bytes(b.f32.as_bytes()).unwrap();
        for _ in 0..32 {
            let n = if imu { N_IMU } else { 1 + r.below(40) };
            let x = if imu {
                window(&mut r)
            } else {
                cloud(&mut r, n)
            };
            let want = ir::eval(&g, &x, n).unwrap();
            let got = trace::trace_f32(&m, &x, n).unwrap().pop().unwrap();
            let scale = want.iter().fold(1e-3f32, |a, v| a.max(v.abs()));
            for (a, w) in got.iter().zip(&want) {
                let e = (a - w).abs() / scale;
                worst = worst.max(e);
                assert!(e <= 1e-5, "{a} vs {w} (relative {e:e})");
            }
        }
    }
    println!("worst relative f32 error against the IR evaluator: {worst:e}");
}

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

#[test]
fn every_batch_backend_matches_the_engine() {
    let mut r = Rng(33);
    for (b, imu) in [(imu(), true), (points(), false)] {
        for buf in [&b.f32, &b.int8] {
            let model = Model::from_bytes(buf.as_bytes()).unwrap();
            let (bs, n) = (9, if imu { N_IMU } else { 24 });
            let inputs: Vec<f32> = (0..bs)
                .flat_map(|_| {
                    if imu {
                        window(&mut r)
                    } else {
                        cloud(&mut r, n)
                    }
                })
                .collect();
            let k = model.output_len();
            let mut arena = vec![0u32; model.arena_bytes() / 4 + 1];
            let arena: &mut [u8] = bytemuck_bytes(&mut arena);
            let mut want = vec![0.0f32; bs * k];
            for (x, y) in inputs.chunks(inputs.len() / bs).zip(want.chunks_mut(k)) {
                run(&model, x, arena, y).unwrap();
            }
            for backend in backends() {
                let batch = Batch::new(model, backend).unwrap();
                for threads in [Threads::One, Threads::Count(3)] {
                    let mut got = vec![f32::NAN; bs * k];
                    batch.run(&inputs, bs, threads, &mut got).unwrap();
                    for (g, w) in got.iter().zip(&want) {
                        assert_eq!(
                            g.to_bits(),
                            w.to_bits(),
                            "{backend:?} {threads:?}: {g} vs {w}"
                        );
                    }
                }
            }
        }
    }
}

fn bytemuck_bytes(w: &mut [u32]) -> &mut [u8] {
    // SAFETY: u32 has no padding, any byte pattern is valid, length is the byte size.
    unsafe { std::slice::from_raw_parts_mut(w.as_mut_ptr().cast(), std::mem::size_of_val(w)) }
}

fn eval(buf: &AlignedBuf, x: &[f32]) -> (Vec<f32>, f32) {
    let model = Model::from_bytes(buf.as_bytes()).unwrap();
    let mut arena = vec![0u32; model.arena_bytes() / 4 + 1];
    let mut out = vec![0.0f32; model.output_len()];
    let rep = run(&model, x, bytemuck_bytes(&mut arena), &mut out).unwrap();
    (out, rep.rel_gap)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn norm_features_model_is_invariant(seed in 1u64.., n in 8usize..=48, refl in any::<bool>()) {
        let b = points();
        let mut r = Rng(seed);
        let x = cloud(&mut r, n);
        let q = So3::exp([r.f32() * 3.0, r.f32() * 3.0, r.f32() * 3.0]);
        let t = [5.0 * r.f32(), 5.0 * r.f32(), 5.0 * r.f32()];
        let s = if refl { -1.0 } else { 1.0 };
        let y: Vec<f32> = x
            .chunks(3)
            .flat_map(|p| {
                let v = q.act([s * p[0], s * p[1], s * p[2]]);
                [v[0] + t[0], v[1] + t[1], v[2] + t[2]]
            })
            .collect();
        let ((o1, gap), (o2, _)) = (eval(&b.f32, &x), eval(&b.f32, &y));
        prop_assume!(gap > 1e-2);
        for (a, c) in o1.iter().zip(&o2) {
            prop_assert!((a - c).abs() <= 1e-4 * a.abs().max(1.0), "f32 {a} vs {c}");
        }
        let lsb = Model::from_bytes(b.int8.as_bytes()).unwrap().output_quant().0;
        let ((i1, _), (i2, _)) = (eval(&b.int8, &x), eval(&b.int8, &y));
        for (a, c) in i1.iter().zip(&i2) {
            prop_assert!((a - c).abs() <= lsb * 1.001, "int8 {a} vs {c} (LSB {lsb})");
        }
    }
}

/// The QEMU firmware `layers` (firmware/qemu/src/bin/layers.rs) embeds the two int8 blobs and
/// `golden_layers.bin`: records `[model u32, rows u32, channels u32, k u32, x f32 x rows*channels,
/// y f32 bits x k]` of the desktop engine's outputs. This test checks the committed files are
/// what the host computes now; `EQF_WRITE_FIRMWARE=1` rewrites them.
#[test]
fn firmware_golden_outputs_are_current() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../firmware/qemu/data");
    let mut golden = Vec::new();
    let mut r = Rng(77);
    for (id, (b, imu)) in [(imu(), true), (points(), false)].into_iter().enumerate() {
        for case in 0..4 {
            let n = if imu { N_IMU } else { [8, 32, 64, 17][case] };
            let x = if imu {
                window(&mut r)
            } else {
                cloud(&mut r, n)
            };
            let (y, _) = eval(&b.int8, &x);
            for v in [id, n, x.len() / n, y.len()] {
                golden.extend((v as u32).to_le_bytes());
            }
            golden.extend(x.iter().flat_map(|v| v.to_le_bytes()));
            golden.extend(y.iter().flat_map(|v| v.to_bits().to_le_bytes()));
        }
    }
    let files = [
        ("layers_imu.eqf", imu().int8.as_bytes().to_vec()),
        ("layers_points.eqf", points().int8.as_bytes().to_vec()),
        ("golden_layers.bin", golden),
    ];
    for (name, bytes) in files {
        let path = format!("{dir}/{name}");
        if std::env::var_os("EQF_WRITE_FIRMWARE").is_some() {
            std::fs::write(&path, &bytes).unwrap();
            continue;
        }
        let committed = std::fs::read(&path).unwrap_or_default();
        assert!(
            committed == bytes,
            "{path} is not what the host computes now (EQF_WRITE_FIRMWARE=1 rewrites it)"
        );
    }
}

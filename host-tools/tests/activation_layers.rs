//! The activation-type layers (LOGISTIC, TANH, SOFTMAX, LOG_SOFTMAX, lookup-table functions,
//! layer normalization) end to end through the host tool's own path: a synthetic float IR
//! graph is lowered as `convert` lowers an import, calibrated and quantized by
//! `quantize::quantize`, written as a version-3 blob, validated, and run by the engine, by
//! `engine::trace` and by every batch backend of this CPU (int8 bit for bit, f32 value for
//! value).

use equiframe::batch::{simd, Backend, Batch, Threads};
use equiframe::engine::{run, trace};
use equiframe::kernels::{build_table, ElementFn, SigmoidParams};
use equiframe::model::{Model, ModelError, FORMAT_VERSION};
use equiframe_cli::blob::*;
use equiframe_cli::commands::convert_lower::lower;
use equiframe_cli::commands::samples::Samples;
use equiframe_cli::ir::{self, Activation as A, Graph, Layer, Linear, Op as IOp, PoolKind, Shape};

/// xorshift64* (deterministic).
struct Rng(u64);
impl Rng {
    fn f32(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let v = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (v >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
    }
}

fn lin(r: &mut Rng, cin: usize, cout: usize, act: A) -> Linear {
    Linear {
        cin,
        cout,
        weights: (0..cin * cout).map(|_| r.f32()).collect(),
        bias: (0..cout).map(|_| 0.3 * r.f32()).collect(),
        act,
    }
}

/// A point-set backbone with every activation-type layer, ending in a max pool and a head.
fn graph(k: usize) -> Graph {
    let mut r = Rng(0x5eed);
    let p = |c| Shape::Points { n: None, c };
    let ops = vec![
        (IOp::Pointwise(lin(&mut r, 3, 8, A::Sigmoid)), p(8)),
        (
            IOp::Pointwise(lin(&mut r, 8, 8, A::Element(ElementFn::Gelu))),
            p(8),
        ),
        (IOp::Activation(A::Tanh), p(8)),
        (IOp::Softmax { beta: 1.5 }, p(8)),
        (IOp::Pointwise(lin(&mut r, 8, 6, A::None)), p(6)),
        (
            IOp::LayerNorm {
                eps: 1e-5,
                gamma: (0..6).map(|i| 0.5 + 0.2 * i as f32).collect(),
                beta: (0..6).map(|i| 0.1 * i as f32 - 0.2).collect(),
            },
            p(6),
        ),
        (IOp::Activation(A::Element(ElementFn::Silu)), p(6)),
        (
            IOp::Pointwise(lin(&mut r, 6, 6, A::Element(ElementFn::GeluTanh))),
            p(6),
        ),
        (IOp::Activation(A::Element(ElementFn::HardSwish)), p(6)),
        (
            IOp::Activation(A::Element(ElementFn::Elu { alpha: 1.0 })),
            p(6),
        ),
        (IOp::LogSoftmax, p(6)),
        (
            IOp::Pointwise(lin(&mut r, 6, 5, A::Element(ElementFn::Softplus))),
            p(5),
        ),
        (IOp::GlobalPool(PoolKind::Max), Shape::Vector { c: 5 }),
        (
            IOp::Dense(lin(&mut r, 5, k, A::None)),
            Shape::Vector { c: k },
        ),
    ];
    let mut values = vec![p(3)];
    let mut layers = Vec::new();
    for (i, (op, shape)) in ops.into_iter().enumerate() {
        values.push(shape);
        layers.push(Layer {
            name: format!("l{i}"),
            op,
            inputs: vec![i],
            output: i + 1,
        });
    }
    let output = layers.len();
    Graph {
        values,
        layers,
        output,
    }
}

const K: usize = 4;
const N: usize = 12;

fn samples(b: usize, seed: u64) -> Samples {
    let mut r = Rng(seed);
    let data = (0..b * N * 3)
        .map(|i| [2.0, 1.0, 0.5][i % 3] * r.f32())
        .collect();
    Samples {
        batch: b,
        points: N,
        channels: 3,
        data,
    }
}

/// The f32 blob model and the layer names, as `convert` builds them.
fn float_model() -> (BlobModel, Vec<String>) {
    let mut g = graph(K);
    ir::fuse_pointwise_max(&mut g);
    let low = lower(&g).unwrap();
    let mut m = BlobModel::points(3, 3, N as u32);
    m.precision = Precision::F32;
    m.outputs = vec![OutputSpec::new(OutputKind::Invariant, K)];
    m.layers = low.layers;
    (m, low.names)
}

fn int8_model() -> (BlobModel, quantize_report::Report) {
    let (fm, names) = float_model();
    let q = equiframe_cli::quantize::quantize(&fm, &names, &samples(48, 1), true).unwrap();
    let report = quantize_report::Report {
        output_error: q.output_error,
        predicted: q.predicted_error,
        table: q.table(),
    };
    (q.model, report)
}

mod quantize_report {
    pub struct Report {
        pub output_error: f32,
        pub predicted: f32,
        pub table: String,
    }
}

fn load(m: &BlobModel) -> AlignedBuf {
    AlignedBuf::from_slice(&write(m).unwrap())
}

#[test]
fn lowering_emits_one_blob_layer_per_activation() {
    let (fm, _) = float_model();
    let ops: Vec<Op> = fm.layers.iter().map(|l| l.op).collect();
    use Op::*;
    assert_eq!(
        ops,
        vec![
            Pointwise,
            Logistic,
            Pointwise,
            Lut,
            Tanh,
            Softmax,
            Pointwise,
            LayerNorm,
            Lut,
            Pointwise,
            Lut,
            Lut,
            Lut,
            LogSoftmax,
            PointwiseMax,
            Lut,
            Dense
        ],
        "Softplus commutes with the max and is moved after it; GELU is not fused into a max"
    );
    assert_eq!(format_version(&fm), 3);
    assert_eq!(FORMAT_VERSION, 3);
}

#[test]
fn f32_blob_equals_the_ir_evaluator() {
    let (fm, _) = float_model();
    let buf = load(&fm);
    let model = Model::from_bytes(buf.as_bytes()).unwrap();
    assert_eq!(model.format_version(), 3);
    let g = {
        let mut g = graph(K);
        ir::fuse_pointwise_max(&mut g);
        g
    };
    let s = samples(8, 2);
    for b in 0..s.batch {
        let x = s.sample(b);
        let want = ir::eval(&g, x, N).unwrap();
        let t = trace::trace_f32(&model, x, N).unwrap();
        let got = t.last().unwrap();
        for (a, w) in got.iter().zip(&want) {
            assert!((a - w).abs() <= 1e-5 * w.abs().max(1.0), "{a} vs {w}");
        }
    }
}

#[test]
fn int8_round_trip_is_close_to_f32_and_follows_tflite_quantization() {
    let (qm, rep) = int8_model();
    println!("{}", rep.table);
    // TFLite's fixed output quantizations.
    for (i, l) in qm.layers.iter().enumerate() {
        let want = match l.op {
            Op::Logistic => Some(Quant::new(1.0 / 256.0, -128)),
            Op::Tanh => Some(Quant::new(1.0 / 128.0, 0)),
            Op::Softmax => Some(Quant::new(1.0 / 256.0, -128)),
            Op::LogSoftmax => Some(Quant::new(16.0 / 256.0, 127)),
            _ => None,
        };
        if let Some(q) = want {
            assert_eq!(l.output_quant, q, "layer {i} {:?}", l.op);
        }
    }
    let buf = load(&qm);
    let model = Model::from_bytes(buf.as_bytes()).unwrap();
    assert_eq!(model.format_version(), 3);
    // The output error is bounded (measured on the calibration set, predicted for new data).
    assert!(rep.output_error < 0.25, "output error {}", rep.output_error);
    assert!(rep.predicted.is_finite());
    // The LOGISTIC layer's parameters are TFLite Micro's prepare-time constants of its input.
    let l1 = &qm.layers[1];
    let q_in = qm.layers[0].output_quant;
    let p = SigmoidParams::from_scale(q_in.scale, q_in.zero_point).unwrap();
    assert_eq!(
        l1.params,
        LayerParams::Int8Aux(vec![p.multiplier, p.left_shift, p.range_radius])
    );
    // The GELU table is the float function through the layer's quantizations.
    let l3 = &qm.layers[3];
    let t = build_table(
        ElementFn::Gelu,
        qm.layers[2].output_quant.scale,
        qm.layers[2].output_quant.zero_point,
        l3.output_quant.scale,
        l3.output_quant.zero_point,
    );
    assert_eq!(l3.params, LayerParams::int8_table(&t));
    assert_eq!(l3.function, Some(equiframe::model::Function::Gelu));
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

fn check_batch(m: &BlobModel, seed: u64) {
    let buf = load(m);
    let model = Model::from_bytes(buf.as_bytes()).unwrap();
    let s = samples(7, seed);
    let mut words = vec![0u32; model.arena_bytes() / 4 + 1];
    // SAFETY: u32 has no padding and any byte pattern is valid; the length is the byte size.
    let arena: &mut [u8] = unsafe {
        std::slice::from_raw_parts_mut(words.as_mut_ptr().cast(), std::mem::size_of_val(&words[..]))
    };
    let mut want = vec![0.0f32; s.batch * K];
    for b in 0..s.batch {
        run(&model, s.sample(b), arena, &mut want[b * K..(b + 1) * K]).unwrap();
    }
    for backend in backends() {
        let batch = Batch::new(model, backend).unwrap();
        for threads in [Threads::One, Threads::Count(3)] {
            let mut got = vec![f32::NAN; s.batch * K];
            batch.run(&s.data, s.batch, threads, &mut got).unwrap();
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                match m.precision {
                    Precision::Int8 => assert_eq!(g.to_bits(), w.to_bits(), "{backend:?} {i}"),
                    Precision::F32 => assert!(g == w, "{backend:?} {i}: {g} vs {w}"),
                }
            }
        }
    }
}

#[test]
fn every_batch_backend_equals_the_engine() {
    let (fm, _) = float_model();
    check_batch(&fm, 3);
    let (qm, _) = int8_model();
    check_batch(&qm, 4);
    check_batch(&qm, 5);
}

#[test]
fn validator_names_a_wrong_fixed_output_quantization_and_a_bad_function() {
    let (qm, _) = int8_model();
    let mut bad = qm.clone();
    // The writer derives LOGISTIC's output quantization itself; patch the blob's tensor record.
    let bytes = write(&bad).unwrap();
    let mut b = bytes.clone();
    let tensor_table = u32::from_le_bytes(b[68..72].try_into().unwrap()) as usize;
    let rec = tensor_table + 2 * 24; // tensor 2 = output of layer 1 (LOGISTIC)
    b[rec + 16..rec + 20].copy_from_slice(&(-127i32).to_le_bytes());
    let crc = equiframe::model::crc32(&b[16..]);
    b[12..16].copy_from_slice(&crc.to_le_bytes());
    let buf = AlignedBuf::from_slice(&b);
    match Model::from_bytes(buf.as_bytes()) {
        Err(ModelError::BadOutputQuant {
            layer: 1,
            expected,
            found,
        }) => {
            assert_eq!(expected, (1.0 / 256.0, -128));
            assert_eq!(found.1, -127);
            let msg = Model::from_bytes(buf.as_bytes()).unwrap_err().to_string();
            assert!(msg.contains("layer 1") && msg.contains("-127"), "{msg}");
        }
        other => panic!("{other:?}"),
    }
    // A LUT layer's function code out of range.
    let lut = qm.layers.iter().position(|l| l.op == Op::Lut).unwrap();
    let mut b = bytes.clone();
    b[128 + lut * 48 + 3] = 200;
    let crc = equiframe::model::crc32(&b[16..]);
    b[12..16].copy_from_slice(&crc.to_le_bytes());
    let buf = AlignedBuf::from_slice(&b);
    assert!(matches!(
        Model::from_bytes(buf.as_bytes()),
        Err(ModelError::BadCode {
            field: "function",
            value: 200
        })
    ));
    // The writer refuses a LUT layer without a function.
    bad.layers[lut].function = None;
    assert!(write(&bad).is_err());
}

/// The kernels' outputs on every int8 input with the constants the QEMU firmware
/// (`firmware/qemu/src/bin/activations.rs`) computes on the device.
fn kernel_outputs() -> Vec<[i8; 256]> {
    use equiframe::kernels::*;
    let x: [i8; 256] = std::array::from_fn(|i| (i as i32 - 128) as i8);
    let mut outs = vec![[0i8; 256]; 6];
    let sp = SigmoidParams::from_scale(0.05, 3).unwrap();
    logistic_i8(&x, &sp, &mut outs[0]);
    tanh_i8(&x, &sp, &mut outs[1]);
    softmax_i8(
        &x,
        32,
        8,
        &SoftmaxParams::from_scale(1.0, 0.1).unwrap(),
        &mut outs[2],
    );
    log_softmax_i8(
        &x,
        32,
        8,
        &LogSoftmaxParams::from_scale(0.1).unwrap(),
        &mut outs[3],
    );
    lut_i8(
        &x,
        &build_table(ElementFn::Gelu, 0.05, 3, 0.03, -20),
        &mut outs[4],
    );
    let ch: Vec<i32> = (0..8)
        .flat_map(|c| layer_norm_channel(0.5 + 0.125 * c as f32, 0.0625 * c as f32 - 0.25, 0.02))
        .collect();
    let p = LayerNormParams {
        in_zero_point: 3,
        out_zero_point: -5,
        eps_q8: layer_norm_eps_q8(1e-5, 0.05),
        channels: &ch,
    };
    layer_norm_i8(&x, 32, 8, &p, &mut outs[5]);
    outs
}

/// `firmware/qemu/data/activations.eqf` and `golden_activations.bin` are what this code
/// computes now (`EQUIFRAME_WRITE_FIXTURES=1` rewrites them). Golden format, little-endian u32
/// words: `"EQFA"`, 1, samples S, values per sample V, outputs K; per sample V input f32 and K
/// output f32 (engine::run); then 6 x 64 words of kernel outputs (`kernel_outputs`).
#[test]
fn firmware_fixture_is_current() {
    let (qm, _) = int8_model();
    let blob = write(&qm).unwrap();
    let buf = AlignedBuf::from_slice(&blob);
    let model = Model::from_bytes(buf.as_bytes()).unwrap();
    let s = samples(4, 9);
    let mut words: Vec<u32> = vec![
        u32::from_le_bytes(*b"EQFA"),
        1,
        s.batch as u32,
        (N * 3) as u32,
        K as u32,
    ];
    let mut arena = vec![0u8; model.arena_bytes() + 4];
    let off = arena.as_ptr().align_offset(4);
    for b in 0..s.batch {
        let mut y = [0.0f32; K];
        run(&model, s.sample(b), &mut arena[off..], &mut y).unwrap();
        words.extend(s.sample(b).iter().map(|v| v.to_bits()));
        words.extend(y.iter().map(|v| v.to_bits()));
    }
    for k in kernel_outputs() {
        words.extend(
            k.chunks_exact(4)
                .map(|b| u32::from_le_bytes([b[0] as u8, b[1] as u8, b[2] as u8, b[3] as u8])),
        );
    }
    let golden: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../firmware/qemu/data");
    let files = [
        ("activations.eqf", &blob),
        ("golden_activations.bin", &golden),
    ];
    if std::env::var_os("EQUIFRAME_WRITE_FIXTURES").is_some() {
        for (name, bytes) in files {
            std::fs::write(format!("{dir}/{name}"), bytes).unwrap();
        }
    }
    for (name, bytes) in files {
        let committed = std::fs::read(format!("{dir}/{name}")).unwrap_or_default();
        assert!(
            &committed == bytes,
            "{dir}/{name} is stale: EQUIFRAME_WRITE_FIXTURES=1 cargo test -p equiframe-cli --test activation_layers"
        );
    }
}

/// The CUDA backend does not run the activation-type layers: it refuses the model, naming the
/// first such layer kind (with the `cuda` feature; without it the backend is unavailable).
#[test]
fn cuda_refuses_activation_layers_by_name() {
    let (qm, _) = int8_model();
    let buf = load(&qm);
    let model = Model::from_bytes(buf.as_bytes()).unwrap();
    let err = match Batch::new(model, Backend::Cuda) {
        Ok(_) => panic!("the CUDA backend accepted a model with LOGISTIC layers"),
        Err(e) => e.to_string(),
    };
    if cfg!(feature = "cuda") {
        assert!(err.contains("Logistic"), "{err}");
    }
}

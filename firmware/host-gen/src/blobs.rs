//! The model blobs the firmware embeds, written with the host tool's blob writer (the only
//! `.eqf` writer): seeded synthetic weights, int8-quantized on the embedded recordings.
//!
//! - `fa_pointnet.eqf`: frame-averaged PointNet (O(3), 8 frames), shared MLP 3-64-64-128 fused
//!   with the max pool, head 128-64-8, up to 512 points, 8 invariant outputs (the architecture
//!   of the engine benchmarks);
//! - `imu.eqf`: IMU window model (SO(3) frame from the uncentred accelerometer, gyroscope as an
//!   axial vector, 4 frames), shared MLP 6-32-64 fused with the max pool over time, head 64-32-4,
//!   100 steps, 4 invariant outputs (BasicMotions has 4 classes);
//! - `sine.eqf`: the sine-sized MLP of the footprint comparison (1-16-16-1, int8, no frames).

use crate::cases::{cases, Kind};
use equiframe::frame::InputSchema;
use equiframe::model::{Activation, Precision};
use equiframe_cli::blob::synth::{eval_f32, quantize_ranges};
use equiframe_cli::blob::synth::{quantize, random_pointnet, SynthRng};
use equiframe_cli::blob::{
    write, BlobLayer, BlobModel, Field, FieldKind, FrameMode, Group, Op, OutputKind, OutputSpec,
};

/// Samples of one kind from the embedded inputs (the calibration set).
fn samples(inputs: &[u8], kind: Kind) -> Vec<Vec<f32>> {
    cases(inputs)
        .filter(|c| c.kind == kind)
        .map(|c| {
            let mut x = vec![0f32; c.rows * c.channels];
            c.values(&mut x);
            x
        })
        .collect()
}

fn pointnet(inputs: &[u8]) -> Result<Vec<u8>, String> {
    let spec = vec![OutputSpec::new(OutputKind::Invariant, 8)];
    let m = random_pointnet(&[3, 64, 64, 128], &[64, 8], 512, spec, 7);
    let q = quantize(&m, &samples(inputs, Kind::Points));
    write(&q).map_err(|e| e.to_string())
}

fn imu(inputs: &[u8]) -> Result<Vec<u8>, String> {
    let spec = vec![OutputSpec::new(OutputKind::Invariant, 4)];
    let mut m = random_pointnet(&[6, 32, 64], &[32, 4], 100, spec, 11);
    m.group = Group::SO3;
    m.fields = InputSchema::imu().fields().to_vec();
    let q = quantize(&m, &samples(inputs, Kind::Imu));
    write(&q).map_err(|e| e.to_string())
}

fn sine() -> Result<Vec<u8>, String> {
    let mut m = BlobModel::points(3, 1, 1);
    m.frame_mode = FrameMode::None;
    m.fixed_points = true;
    m.fields = vec![Field {
        kind: FieldKind::Scalar,
        offset: 0,
    }];
    m.outputs = vec![OutputSpec::new(OutputKind::Invariant, 1)];
    m.precision = Precision::F32;
    let mut rng = SynthRng(3);
    for (input, (cin, cout)) in [(1usize, 16usize), (16, 16), (16, 1)]
        .into_iter()
        .enumerate()
    {
        let a = (3.0 / cin as f32).sqrt();
        let w = (0..cin * cout).map(|_| a * rng.uniform()).collect();
        let b = (0..cout).map(|_| 0.1 * rng.uniform()).collect();
        let act = if cout == 1 {
            Activation::None
        } else {
            Activation::Relu
        };
        m.layers
            .push(BlobLayer::f32(Op::Dense, input, w, b).with_activation(act));
    }
    // No frames, so calibrate on the raw inputs (x in [0, 2 pi)).
    let cal: Vec<Vec<f32>> = (0..64).map(|i| vec![i as f32 * 0.1]).collect();
    write(&quantize_plain(&m, &cal)).map_err(|e| e.to_string())
}

/// `(file name, blob bytes)` of every embedded model.
pub fn all(inputs: &[u8]) -> Result<Vec<(&'static str, Vec<u8>)>, String> {
    Ok(vec![
        ("fa_pointnet.eqf", pointnet(inputs)?),
        ("imu.eqf", imu(inputs)?),
        ("sine.eqf", sine()?),
    ])
}

/// int8 quantization of a dense chain without frames (the synthetic quantizer canonicalizes its
/// calibration samples, which needs a geometric field): ranges of every tensor on the raw
/// `samples`, then the synthetic quantizer's conversion.
fn quantize_plain(m: &BlobModel, samples: &[Vec<f32>]) -> BlobModel {
    let nt = m.layers.len() + 1;
    let (mut lo, mut hi) = (vec![f32::INFINITY; nt], vec![f32::NEG_INFINITY; nt]);
    for s in samples {
        for (t, (_, v)) in eval_f32(m, s, 1).iter().enumerate() {
            for &x in v {
                lo[t] = lo[t].min(x);
                hi[t] = hi[t].max(x);
            }
        }
    }
    quantize_ranges(m, &lo, &hi)
}

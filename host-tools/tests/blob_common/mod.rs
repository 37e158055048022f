//! Shared helpers of the blob / engine integration tests: small models and a seeded RNG.
#![allow(dead_code)]

use equiframe::frame::InputSchema;
use equiframe_cli::blob::*;

/// xorshift64* (deterministic, no dependency).
pub struct Rng(pub u64);
impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn f32(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
    }
    pub fn i8(&mut self) -> i8 {
        (self.below(255) as i32 - 127) as i8
    }
}

/// A small int8 PointNet: pointwise 3->4 (ReLU), pointwise 4->6, max pool, dense 6->(K outputs).
pub fn small_int8(outputs: Vec<OutputSpec>) -> BlobModel {
    let k: usize = outputs.iter().map(|o| o.len).sum();
    let mut r = Rng(7);
    let mut layer = |op, input, cin: usize, cout: usize, q| {
        BlobLayer::int8(
            op,
            input,
            (0..cin * cout).map(|_| r.i8()).collect(),
            (0..cout).map(|_| r.below(2000) as i32 - 1000).collect(),
            (0..cout)
                .map(|_| (1 << 30) + r.below(1 << 30) as i32)
                .collect(),
            (0..cout).map(|_| -(r.below(8) as i32) - 6).collect(),
            q,
        )
    };
    let mut m = BlobModel::points(3, 4, 8);
    m.input_quant = Quant::new(0.02, 3);
    m.fields = vec![Field {
        kind: FieldKind::Position,
        offset: 0,
    }];
    m.outputs = outputs;
    m.layers = vec![
        layer(Op::Pointwise, 0, 4, 4, Quant::new(0.05, -128)).with_activation(Activation::Relu),
        layer(Op::Pointwise, 1, 4, 6, Quant::new(0.07, 5)),
        BlobLayer::max_pool(2),
        layer(Op::Dense, 3, 6, k, Quant::new(0.03, -2)),
    ];
    m
}

/// A small f32 model: pointwise-max 3->5 (ReLU), dense 5->K.
pub fn small_f32(outputs: Vec<OutputSpec>) -> BlobModel {
    let k: usize = outputs.iter().map(|o| o.len).sum();
    let mut r = Rng(11);
    let mut m = BlobModel::points(3, 3, 6);
    m.precision = Precision::F32;
    m.outputs = outputs;
    m.layers = vec![
        BlobLayer::f32(
            Op::PointwiseMax,
            0,
            (0..15).map(|_| r.f32()).collect(),
            (0..5).map(|_| r.f32()).collect(),
        )
        .with_activation(Activation::Relu),
        BlobLayer::f32(
            Op::Dense,
            1,
            (0..5 * k).map(|_| r.f32()).collect(),
            (0..k).map(|_| r.f32()).collect(),
        ),
    ];
    m
}

/// An int8 conv1d IMU model: fixed 8 rows x 6 channels (accel vector, gyro axial), SO(3).
pub fn small_conv(outputs: Vec<OutputSpec>) -> BlobModel {
    let k: usize = outputs.iter().map(|o| o.len).sum();
    let mut r = Rng(5);
    let mut m = BlobModel::points(3, 6, 8);
    m.group = Group::SO3;
    m.fixed_points = true;
    m.fields = InputSchema::imu().fields().to_vec();
    m.input_quant = Quant::new(0.05, 0);
    m.outputs = outputs;
    let q = |n| (0..n).map(|_| (1 << 30) + 12345).collect::<Vec<i32>>();
    m.layers = vec![
        BlobLayer::int8(
            Op::Conv1d,
            0,
            (0..4 * 3 * 6).map(|_| r.i8()).collect(),
            vec![10; 4],
            q(4),
            vec![-7; 4],
            Quant::new(0.1, -10),
        )
        .with_conv(3, 2, 1, 1)
        .with_activation(Activation::Relu6),
        BlobLayer::max_pool(1),
        BlobLayer::int8(
            Op::Dense,
            2,
            (0..4 * k).map(|_| r.i8()).collect(),
            vec![0; k],
            q(k),
            vec![-5; k],
            Quant::new(0.02, 0),
        ),
    ];
    m
}

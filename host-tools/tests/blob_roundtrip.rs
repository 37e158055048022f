//! Writer -> reader round trips, and corruption / truncation of a valid blob.

mod blob_common;

use blob_common::*;
use equiframe::model::{Model, ModelError, RowsKind};
use equiframe_cli::blob::*;

fn inv(n: usize) -> Vec<OutputSpec> {
    vec![OutputSpec::new(OutputKind::Invariant, n)]
}

#[test]
fn int8_round_trip_keeps_every_field() {
    let mut m = small_int8(vec![
        OutputSpec::new(OutputKind::Invariant, 2),
        OutputSpec::new(OutputKind::Vector, 3),
        OutputSpec::new(OutputKind::Point, 3),
        OutputSpec::new(OutputKind::Axial, 3),
        OutputSpec::new(OutputKind::Rotation, 9),
        OutputSpec::new(OutputKind::Quaternion, 4),
    ]);
    m.axis_order = AxisOrder::Ascending;
    m.degenerate_gap = 0.05;
    let bytes = write(&m).unwrap();
    let lay = layout(&m).unwrap();
    let buf = AlignedBuf::from_slice(&bytes);
    let model = Model::from_bytes(buf.as_bytes()).unwrap();
    assert_eq!(model.blob_bytes(), bytes.len());
    assert_eq!(model.precision(), Precision::Int8);
    assert_eq!(model.frame_mode(), FrameMode::Average);
    assert_eq!(
        (model.group(), model.axis_order(), model.robust()),
        (Group::O3, AxisOrder::Ascending, Robust::Off)
    );
    assert_eq!(model.frame_options().degenerate_gap, 0.05);
    assert_eq!(model.schema().fields(), &m.fields[..]);
    assert_eq!(model.degenerate_gap(), 0.05);
    assert_eq!(
        (model.dim(), model.input_channels(), model.max_points()),
        (3, 4, 8)
    );
    assert_eq!(model.output_len(), 24);
    assert_eq!(model.layer_count(), 4);
    assert_eq!(model.tensor_count(), 5);
    assert_eq!(model.input_quant(), (0.02, 3));
    assert_eq!(model.output_quant(), (0.03, -2));
    assert_eq!(model.arena_bytes(), lay.arena_bytes);
    assert_eq!(model.macs_per_frame(), 8 * 4 * 4 + 8 * 4 * 6 + 6 * 24);
    // accumulator: 24 - 4 + 9 = 29 f32; canonical row 4 f32.
    assert_eq!(model.accumulator_len(), 29);
    assert_eq!(model.scratch_bytes(), 4 * (29 + 4));
    let kinds: Vec<_> = model
        .output_ranges()
        .map(|r| (r.kind, r.start, r.len))
        .collect();
    assert_eq!(kinds[4], (OutputKind::Rotation, 11, 9));
    assert_eq!(kinds[5], (OutputKind::Quaternion, 20, 4));
    let t0 = model.tensor(0).unwrap();
    assert_eq!((t0.rows, t0.cols, t0.rows_kind), (8, 4, RowsKind::PerPoint));
    for (i, (l, bl)) in model.layers().zip(&m.layers).enumerate() {
        assert_eq!(l.op, bl.op, "layer {i}");
        assert_eq!(usize::from(l.input), bl.input);
        assert_eq!(usize::from(l.output), i + 1);
        match &bl.params {
            LayerParams::Int8 {
                weights,
                bias,
                multiplier,
                shift,
            } => {
                assert_eq!(l.weights_i8, &weights[..]);
                assert_eq!(l.bias_i32, &bias[..]);
                assert_eq!(l.multiplier, &multiplier[..]);
                assert_eq!(l.shift, &shift[..]);
            }
            LayerParams::None => assert!(l.weights_i8.is_empty() && l.bias_i32.is_empty()),
            LayerParams::Int8Aux(p) => assert_eq!(l.aux_i32, &p[..]),
            LayerParams::F32 { .. } | LayerParams::F32Aux(_) => unreachable!(),
        }
    }
    // ReLU with zero point -128 clamps at -128; the max pool keeps its input quantization.
    let l0 = model.layer(0).unwrap();
    assert_eq!((l0.act_min, l0.act_max), (-128, 127));
    assert_eq!(
        model.tensor(3).unwrap().scale,
        model.tensor(2).unwrap().scale
    );
}

#[test]
fn f32_and_conv_round_trip() {
    let m = small_f32(inv(3));
    let buf = AlignedBuf::from_slice(&write(&m).unwrap());
    let model = Model::from_bytes(buf.as_bytes()).unwrap();
    let l = model.layer(0).unwrap();
    let LayerParams::F32 { weights, bias } = &m.layers[0].params else {
        unreachable!()
    };
    assert_eq!(l.weights_f32, &weights[..]);
    assert_eq!(l.bias_f32, &bias[..]);
    assert!(l.weights_i8.is_empty());
    assert_eq!(model.scratch_bytes(), 4 * 3);

    let c = small_conv(vec![OutputSpec::new(OutputKind::Vector, 3)]);
    let buf = AlignedBuf::from_slice(&write(&c).unwrap());
    let model = Model::from_bytes(buf.as_bytes()).unwrap();
    let l = model.layer(0).unwrap();
    assert_eq!((l.kernel, l.stride, l.pad_left, l.pad_right), (3, 2, 1, 1));
    assert_eq!(model.tensor(1).unwrap().rows, 4); // (8 + 2 - 3) / 2 + 1
    assert_eq!((l.act_min, l.act_max), (-10, 50)); // ReLU6 at scale 0.1, zp -10
}

#[test]
fn misaligned_and_trailing_bytes() {
    let bytes = write(&small_f32(inv(1))).unwrap();
    let mut shifted = vec![0u8; bytes.len() + 1];
    shifted[1..].copy_from_slice(&bytes);
    let buf = AlignedBuf::from_slice(&shifted);
    assert!(matches!(
        Model::from_bytes(&buf.as_bytes()[1..]),
        Err(ModelError::Misaligned { .. })
    ));
    let mut longer = bytes.clone();
    longer.extend_from_slice(&[0xAA; 13]);
    let buf = AlignedBuf::from_slice(&longer);
    assert_eq!(
        Model::from_bytes(buf.as_bytes()).unwrap().blob_bytes(),
        bytes.len()
    );
}

#[test]
fn every_truncation_is_an_error() {
    let bytes = write(&small_int8(inv(2))).unwrap();
    for len in 0..bytes.len() {
        let buf = AlignedBuf::from_slice(&bytes[..len]);
        let err = Model::from_bytes(buf.as_bytes()).unwrap_err();
        if len >= 16 {
            assert_eq!(
                err,
                ModelError::TooShort {
                    needed: bytes.len(),
                    given: len
                }
            );
        }
    }
}

#[test]
fn every_single_byte_corruption_is_an_error() {
    for m in [small_int8(inv(2)), small_f32(inv(2)), small_conv(inv(1))] {
        let bytes = write(&m).unwrap();
        let mut buf = AlignedBuf::from_slice(&bytes);
        for pos in 0..bytes.len() {
            for x in [0x01u8, 0x80, 0xFF, 0x5A] {
                buf.as_bytes_mut()[pos] ^= x;
                assert!(
                    Model::from_bytes(buf.as_bytes()).is_err(),
                    "byte {pos} ^ {x:#x} accepted"
                );
                buf.as_bytes_mut()[pos] ^= x;
            }
        }
    }
}

#[test]
fn typed_errors_name_the_problem() {
    let bytes = write(&small_int8(inv(2))).unwrap();
    let mut buf = AlignedBuf::from_slice(&bytes);
    buf.as_bytes_mut()[0] = b'X';
    assert_eq!(
        Model::from_bytes(buf.as_bytes()).unwrap_err(),
        ModelError::BadMagic { found: *b"XQF\0" }
    );
    let mut buf = AlignedBuf::from_slice(&bytes);
    let newer = equiframe::model::FORMAT_VERSION + 1;
    buf.as_bytes_mut()[4..6].copy_from_slice(&newer.to_le_bytes());
    assert_eq!(
        Model::from_bytes(buf.as_bytes()).unwrap_err(),
        ModelError::UnsupportedVersion(newer)
    );
    let mut buf = AlignedBuf::from_slice(&bytes);
    buf.as_bytes_mut()[200] ^= 1;
    assert!(matches!(
        Model::from_bytes(buf.as_bytes()),
        Err(ModelError::BadCrc { .. })
    ));
    // With the CRC fixed up, the structural checks speak.
    let mut b = bytes.clone();
    b[16] = 9; // precision code
    let crc = equiframe::model::crc32(&b[16..]);
    b[12..16].copy_from_slice(&crc.to_le_bytes());
    let buf = AlignedBuf::from_slice(&b);
    assert_eq!(
        Model::from_bytes(buf.as_bytes()).unwrap_err(),
        ModelError::BadCode {
            field: "precision",
            value: 9
        }
    );
    assert!(!ModelError::BadCode {
        field: "precision",
        value: 9
    }
    .to_string()
    .is_empty());
}

#[test]
fn writer_rejects_bad_descriptions() {
    let mut m = small_int8(inv(2));
    m.layers[3].input = 9;
    assert_eq!(
        write(&m).unwrap_err(),
        BlobError::BadInput { layer: 3, input: 9 }
    );
    let mut m = small_int8(inv(2));
    m.outputs = inv(3);
    assert!(matches!(
        write(&m).unwrap_err(),
        BlobError::OutputShape { .. }
    ));
    let mut m = small_f32(inv(2));
    m.layers[1].params = LayerParams::F32 {
        weights: vec![0.0; 3],
        bias: vec![0.0; 2],
    };
    assert!(matches!(
        write(&m).unwrap_err(),
        BlobError::WrongLength { layer: 1, .. }
    ));
    let mut m = small_int8(inv(2));
    m.layers[0].op = Op::Dense;
    assert!(matches!(
        write(&m).unwrap_err(),
        BlobError::BadShape { layer: 0, .. }
    ));
}

#[test]
fn version_one_blobs_cannot_use_version_two_ops() {
    // A version-2 blob (mean pool) relabelled as version 1 is refused by op code.
    let mut m = small_f32(vec![OutputSpec::new(OutputKind::Invariant, 2)]);
    m.layers[0].op = Op::Pointwise;
    m.layers
        .insert(1, BlobLayer::param_only(Op::MeanPool, 1, LayerParams::None));
    m.layers[2].input = 2;
    assert_eq!(format_version(&m), 2);
    let mut b = write(&m).unwrap();
    assert_eq!(b[4], 2);
    b[4] = 1;
    let buf = AlignedBuf::from_slice(&b);
    assert_eq!(
        Model::from_bytes(buf.as_bytes()).unwrap_err(),
        ModelError::BadCode {
            field: "op",
            value: Op::MeanPool.code()
        }
    );
    // The same model with its fused max pool stays version 1.
    let v1 = write(&small_f32(vec![OutputSpec::new(OutputKind::Invariant, 2)])).unwrap();
    assert_eq!(v1[4], 1);
}

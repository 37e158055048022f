//! ONNX import against onnxruntime: every committed fixture (made by
//! host-tools/python/make_fixtures.py) evaluates through the float IR to the reference outputs
//! within 1e-5 relative; every bad fixture is refused naming the node, its op and what is
//! supported.

use std::path::PathBuf;

use equiframe_cli::ir::{eval, fuse_pointwise_max, Op};
use equiframe_cli::npy::NpyArray;
use equiframe_cli::onnx;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Max relative error |a - b| / (1 + |b|) of the IR against the onnxruntime reference.
fn check(name: &str, fuse: bool) -> (f32, equiframe_cli::ir::Graph) {
    let imported =
        onnx::load(&fixture(&format!("{name}.onnx"))).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut g = imported.graph;
    if fuse {
        fuse_pointwise_max(&mut g);
    }
    let x = NpyArray::read(&fixture(&format!("{name}.input.npy"))).unwrap();
    let y = NpyArray::read(&fixture(&format!("{name}.output.npy")))
        .unwrap()
        .to_f32();
    let (b, n, c) = (x.shape[0], x.shape[1], x.shape[2]);
    assert_eq!(g.input_channels(), c, "{name}");
    let xs = x.to_f32();
    let per = y.len() / b;
    let mut worst = 0.0f32;
    for s in 0..b {
        let out = eval(&g, &xs[s * n * c..(s + 1) * n * c], n).unwrap();
        assert_eq!(out.len(), per, "{name}: output length");
        for (a, r) in out.iter().zip(&y[s * per..(s + 1) * per]) {
            worst = worst.max((a - r).abs() / (1.0 + r.abs()));
        }
    }
    (worst, g)
}

#[test]
fn fixtures_match_onnxruntime() {
    for name in [
        "pointnet_conv",
        "pointnet_matmul",
        "imu_conv",
        "branches",
        "per_point",
        "reduce_sum",
        "imu_pooled",
    ] {
        for fuse in [false, true] {
            let (err, _) = check(name, fuse);
            assert!(err <= 1e-5, "{name} (fused: {fuse}): relative error {err}");
        }
    }
}

#[test]
fn pointnet_lowers_to_fused_kernels() {
    let (_, g) = check("pointnet_conv", true);
    let kinds: Vec<&str> = g.layers.iter().map(|l| l.op.kind()).collect();
    assert_eq!(kinds, ["pointwise", "pointwise+max", "dense", "dense"]);
    // Bias and ReLU went into the linear layers.
    assert!(g.layers.iter().take(3).all(|l| l
        .op
        .linear()
        .is_some_and(|w| w.act == equiframe_cli::ir::Activation::Relu)));
    assert_eq!(g.macs(32), 32 * (3 * 16 + 16 * 32) + 32 * 16 + 16 * 4);
    let (_, imu) = check("imu_conv", true);
    let kinds: Vec<&str> = imu.layers.iter().map(|l| l.op.kind()).collect();
    assert_eq!(
        kinds,
        ["conv1d", "max_pool1d", "conv1d", "mean_pool", "dense"]
    );
    assert!(matches!(
        imu.layers[0].op,
        Op::Conv1d {
            k: 5,
            stride: 2,
            pad_begin: 2,
            pad_end: 2,
            ..
        }
    ));
    assert_eq!(imu.input_points(), Some(32));
}

#[test]
fn bad_models_name_node_op_and_supported() {
    let cases: [(&str, &[&str]); 4] = [
        (
            "bad_unsupported",
            &[
                "layer 'spin'",
                "ONNX op Cos",
                "'/spin/Cos'",
                "convert --help",
            ],
        ),
        (
            "bad_group",
            &[
                "'grouped'",
                "Conv",
                "group",
                "3",
                "a divisor of the 3 input and 4 output",
            ],
        ),
        ("bad_flatten", &["'flat'", "Flatten", "(B,C,N)"]),
        ("bad_ceil", &["'pool'", "MaxPool", "ceil_mode"]),
    ];
    for (name, needles) in cases {
        let err = onnx::load(&fixture(&format!("{name}.onnx")))
            .expect_err(name)
            .to_string();
        for n in needles {
            assert!(err.contains(n), "{name}: {err:?} should contain {n:?}");
        }
        assert!(!err.contains('\n'), "{err}");
    }
    // Softmax is supported now: the bad_op fixture (Softmax over the channels) imports.
    onnx::load(&fixture("bad_op.onnx")).expect("softmax imports");
    // Dilated kernels are accepted now (as a dense kernel with zeros between the taps).
    onnx::load(&fixture("bad_dilation.onnx")).expect("dilation 2 imports");
    // Opset 11 is accepted now: the bad_opset fixture (a plain model at opset 11) imports.
    onnx::load(&fixture("bad_opset.onnx")).expect("opset 11 imports");
    let not_onnx = onnx::from_bytes(b"definitely not protobuf \xff\xff").expect_err("garbage");
    assert!(
        not_onnx.to_string().starts_with("not an ONNX model"),
        "{not_onnx}"
    );
}

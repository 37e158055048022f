//! Imported TFLite int8 models against TFLite Micro: every output of every committed golden
//! input (256 per model, the extremes -128 / 127 and the zero point first) must be identical,
//! bit for bit -- through the engine's integer path directly, and through the CLI
//! (`convert` + `run` with int8 `.npy` in and out) on the scalar engine and the SIMD batch.
//! The fixtures and goldens come from host-tools/python/make_tflite_fixtures.py.

mod cli_common;

use std::path::PathBuf;

use cli_common::equiframe;
use equiframe::engine::trace::trace_i8;
use equiframe::model::Model;
use equiframe_cli::blob::{self, AlignedBuf, BlobModel, FrameMode};
use equiframe_cli::npy::NpyArray;
use equiframe_cli::tflite;

/// The fixture models with TFLite Micro goldens that the importer maps.
const MODELS: &[&str] = &["sine", "pointnet", "imu_logits", "imu_conv", "act_mix"];

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/tflite")
        .join(name)
}

fn i8s(a: &NpyArray) -> Vec<i8> {
    a.to_f32().into_iter().map(|v| v as i8).collect()
}

/// The blob of an imported model without frames (what `convert --frames none` writes).
fn blob_of(name: &str) -> Vec<u8> {
    let bytes = std::fs::read(data(&format!("{name}.tflite"))).unwrap();
    let (_, imp) = tflite::import_bytes(&bytes).unwrap();
    let mut m = BlobModel::points(3, imp.channels as u16, imp.rows as u32);
    m.frame_mode = FrameMode::None;
    m.fields = vec![];
    m.fixed_points = true;
    m.outputs = vec![blob::OutputSpec::new(
        blob::OutputKind::Invariant,
        imp.outputs,
    )];
    let m = imp.into_model(m);
    blob::write(&m).unwrap()
}

#[test]
fn engine_integer_path_equals_tflite_micro_on_every_golden() {
    for name in MODELS {
        let buf = AlignedBuf::from_slice(&blob_of(name));
        let model = Model::from_bytes(buf.as_bytes()).unwrap();
        let x = NpyArray::read(&data(&format!("{name}_in.npy"))).unwrap();
        let y = NpyArray::read(&data(&format!("{name}_out.npy"))).unwrap();
        let (b, n, c) = (x.shape[0], x.shape[1], x.shape[2]);
        assert!(b >= 256, "{name}: {b} goldens");
        let (xs, ys) = (i8s(&x), i8s(&y));
        let k = y.shape[1];
        assert_eq!(model.output_len(), k);
        // The first three goldens are all -128, all 127 and all the input zero point.
        let zp = model.input_quant().1 as i8;
        for (s, v) in [(0, -128i8), (1, 127), (2, zp)] {
            assert!(
                xs[s * n * c..(s + 1) * n * c].iter().all(|&q| q == v),
                "{name}: golden {s}"
            );
        }
        let mut wrong = vec![];
        for s in 0..b {
            let t = trace_i8(&model, &xs[s * n * c..(s + 1) * n * c], n).unwrap();
            let out = t.last().unwrap();
            if out[..] != ys[s * k..(s + 1) * k] {
                wrong.push((s, out.clone(), ys[s * k..(s + 1) * k].to_vec()));
            }
        }
        assert!(
            wrong.is_empty(),
            "{name}: {} of {b} differ from TFLite Micro, first {:?}",
            wrong.len(),
            wrong.first()
        );
    }
}

#[test]
fn cli_convert_and_run_int8_equal_tflite_micro_scalar_and_simd() {
    let dir = tempfile::tempdir().unwrap();
    for name in MODELS {
        let eqf = dir.path().join(format!("{name}.eqf"));
        let (tfl, eqf_s) = (
            data(&format!("{name}.tflite")),
            eqf.to_str().unwrap().to_string(),
        );
        let (rc, out, err) = equiframe(&[
            "convert",
            tfl.to_str().unwrap(),
            "-o",
            &eqf_s,
            "--frames",
            "none",
        ]);
        assert_eq!(rc, 0, "{name}: {err}");
        assert!(out.contains("from TFLite"), "{out}");
        let x = data(&format!("{name}_in.npy"));
        let golden = NpyArray::read(&data(&format!("{name}_out.npy"))).unwrap();
        for backend in ["scalar", "simd"] {
            let y = dir.path().join(format!("{name}_{backend}.npy"));
            let (rc, _, err) = equiframe(&[
                "run",
                &eqf_s,
                "--input",
                x.to_str().unwrap(),
                "-o",
                y.to_str().unwrap(),
                "--backend",
                backend,
                "--threads",
                "1",
                "-q",
            ]);
            assert_eq!(rc, 0, "{name} {backend}: {err}");
            let got = NpyArray::read(&y).unwrap();
            assert_eq!(
                got.dtype(),
                equiframe_cli::npy::Dtype::I8,
                "{name} {backend}: int8 out"
            );
            assert_eq!(got.shape, golden.shape, "{name} {backend}");
            let (g, w) = (i8s(&got), i8s(&golden));
            let diff = g.iter().zip(&w).filter(|(a, b)| a != b).count();
            assert_eq!(
                diff, 0,
                "{name} {backend}: {diff} int8 outputs differ from TFLite Micro"
            );
        }
    }
}

#[test]
fn float_io_model_maps_quantize_and_dequantize_onto_the_engine_ends() {
    // The same sine MLP with QUANTIZE at its float input and DEQUANTIZE at its float output:
    // the engine's own input quantization and output dequantization take their place.
    let a = tflite::import_bytes(&std::fs::read(data("sine.tflite")).unwrap())
        .unwrap()
        .1;
    let b = tflite::import_bytes(&std::fs::read(data("sine_fio.tflite")).unwrap())
        .unwrap()
        .1;
    assert!(b.float_input && b.float_output && !a.float_input && !a.float_output);
    assert_eq!(a.layers.len(), b.layers.len());
    assert_eq!(b.input_quant.zero_point, a.input_quant.zero_point);
}

#[test]
fn fixtures_cover_every_mapped_op() {
    let text = std::fs::read_to_string(data("manifest.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for (_, m) in v.as_object().unwrap() {
        for op in m["ops"].as_array().unwrap() {
            seen.insert(op.as_str().unwrap().to_string());
        }
    }
    for op in tflite::SUPPORTED.split(", ") {
        let op = op.split(' ').next().unwrap();
        // SQUEEZE / EXPAND_DIMS / RELU_N1_TO_1 are mapped like RESHAPE / RELU but Keras 3 does
        // not emit them for these models.
        if ["SQUEEZE", "EXPAND_DIMS", "RELU_N1_TO_1"].contains(&op) {
            continue;
        }
        assert!(
            seen.contains(op),
            "no fixture contains {op}; fixtures have {seen:?}"
        );
    }
}

#[test]
fn firmware_blob_is_what_convert_writes_now() {
    // firmware/qemu/data/tflite_sine.eqf is checked against the goldens under QEMU; it must be
    // the current converter's output for sine.tflite.
    let dir = tempfile::tempdir().unwrap();
    let eqf = dir.path().join("s.eqf");
    let (rc, _, err) = equiframe(&[
        "convert",
        data("sine.tflite").to_str().unwrap(),
        "-o",
        eqf.to_str().unwrap(),
        "--frames",
        "none",
    ]);
    assert_eq!(rc, 0, "{err}");
    let fw =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../firmware/qemu/data/tflite_sine.eqf");
    assert!(
        std::fs::read(&eqf).unwrap() == std::fs::read(&fw).unwrap(),
        "regenerate: equiframe convert host-tools/tests/data/tflite/sine.tflite -o firmware/qemu/data/tflite_sine.eqf --frames none"
    );
}

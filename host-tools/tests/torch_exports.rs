//! PyTorch models as people write and export them: every fixture of
//! host-tools/tests/fixtures/torch (made by host-tools/python/make_torch_fixtures.py with the
//! real TorchScript and dynamo exporters, torch's outputs saved beside them) is converted by
//! the `equiframe` binary. Nets built from the supported layers must convert under every
//! exporter, opset and batch variant, their f32 blobs must match torch within 1e-5 relative
//! (`|blob - torch| / (1 + |torch|)`) and their int8 blobs stay within a stated bound of torch
//! with the float-vs-int8 error of every layer printed; recurrent nets are refused with one line
//! naming LSTM or GRU; every other refusal is one line naming the ONNX op. The test prints
//! "N of M fixture networks convert".

mod cli_common;

use std::path::PathBuf;

use cli_common::equiframe;
use equiframe_cli::npy::NpyArray;

/// Bound on `max |int8 - torch| / max |torch|` of the int8 blobs (calibrated on the 4 test
/// inputs themselves).
const INT8_BOUND: f32 = 0.1;
/// Bound on any layer's float-vs-int8 error in the conversion table (percent of its range).
const INT8_LAYER_BOUND: f32 = 10.0;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/torch")
}

struct Fixture {
    file: String,
    net: String,
    needs: String,
}

fn manifest() -> Vec<Fixture> {
    let text = std::fs::read_to_string(dir().join("manifest.json")).expect("manifest");
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    v["fixtures"]
        .as_array()
        .expect("fixtures")
        .iter()
        .map(|f| Fixture {
            file: f["file"].as_str().unwrap_or_default().to_string(),
            net: f["net"].as_str().unwrap_or_default().to_string(),
            needs: f["needs"].as_str().unwrap_or_default().to_string(),
        })
        .collect()
}

fn s(p: &std::path::Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Outputs of `blob` on `input` through `equiframe run`.
fn run_blob(blob: &str, input: &str, out: &std::path::Path) -> Vec<f32> {
    let (rc, _, err) = equiframe(&["run", blob, "--input", input, "-o", &s(out)]);
    assert_eq!(rc, 0, "run {blob}: {err}");
    NpyArray::read(out).expect("outputs").to_f32()
}

/// The float-vs-int8 `rel` column of the conversion table, per layer.
fn layer_errors(table: &str) -> Vec<(String, f32)> {
    table
        .lines()
        .filter(|l| l.trim_end().ends_with('%'))
        .filter_map(|l| {
            let name = l.split_whitespace().take(3).collect::<Vec<_>>().join(" ");
            let pct = l
                .split_whitespace()
                .last()?
                .trim_end_matches('%')
                .parse()
                .ok()?;
            Some((name, pct))
        })
        .collect()
}

#[test]
fn torch_exports_convert_and_match_torch() {
    let tmp = tempfile::tempdir().unwrap();
    let fixtures = manifest();
    assert!(fixtures.len() >= 60, "{} fixtures", fixtures.len());
    let mut converted = 0;
    let mut refused = Vec::new();
    let mut worst_f32 = 0.0f32;
    let mut worst_i8 = (0.0f32, String::new());
    for f in &fixtures {
        let onnx = s(&dir().join(&f.file));
        let input = s(&dir().join(format!("{}.input.npy", f.net)));
        let want = NpyArray::read(&dir().join(format!("{}.output.npy", f.net)))
            .unwrap()
            .to_f32();
        let blob = s(&tmp.path().join(format!("{}.f32.eqf", f.file)));
        let (rc, _, err) = equiframe(&[
            "convert",
            &onnx,
            "-o",
            &blob,
            "--frames",
            "none",
            "--precision",
            "f32",
        ]);
        if rc != 0 {
            let lines: Vec<&str> = err.lines().collect();
            assert_eq!(lines.len(), 1, "{}: one line, got {err}", f.file);
            assert!(
                !err.contains("panicked") && !err.contains("Some("),
                "{}: {err}",
                f.file
            );
            assert!(
                !f.needs.is_empty(),
                "{} uses only supported layers and must convert: {err}",
                f.file
            );
            if let Some(kind) = f.needs.strip_prefix("refused: ") {
                assert!(err.contains(kind), "{}: {err} should name {kind}", f.file);
            } else {
                assert!(
                    err.contains("ONNX"),
                    "{}: {err} should name the ONNX op",
                    f.file
                );
            }
            refused.push(format!("{} ({}): {}", f.file, f.needs, lines[0]));
            continue;
        }
        converted += 1;
        let got = run_blob(&blob, &input, &tmp.path().join("y.npy"));
        assert_eq!(got.len(), want.len(), "{}: output length", f.file);
        let rel = got
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs() / (1.0 + b.abs()))
            .fold(0.0f32, f32::max);
        assert!(
            rel <= 1e-5,
            "{}: f32 blob vs torch relative error {rel:.3e}",
            f.file
        );
        worst_f32 = worst_f32.max(rel);
        // int8, calibrated on the inputs.
        let qblob = s(&tmp.path().join(format!("{}.i8.eqf", f.file)));
        let (rc, table, err) = equiframe(&[
            "convert",
            &onnx,
            "-o",
            &qblob,
            "--frames",
            "none",
            "--calibration",
            &input,
        ]);
        assert_eq!(rc, 0, "{}: int8 convert: {err}", f.file);
        let layers = layer_errors(&table);
        assert!(
            !layers.is_empty(),
            "{}: no per-layer table in {table}",
            f.file
        );
        for (name, pct) in &layers {
            assert!(
                *pct <= INT8_LAYER_BOUND,
                "{}: layer {name} int8 error {pct}% above {INT8_LAYER_BOUND}%",
                f.file
            );
        }
        let got = run_blob(&qblob, &input, &tmp.path().join("q.npy"));
        let max_ref = want.iter().fold(0.0f32, |a, v| a.max(v.abs()));
        let err = got
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max)
            / max_ref.max(1e-30);
        assert!(
            err <= INT8_BOUND,
            "{}: int8 error {err:.3e} of max |torch|",
            f.file
        );
        if err > worst_i8.0 {
            worst_i8 = (err, f.file.clone());
        }
        println!(
            "{}: f32 rel {rel:.2e}, int8 {err:.2e} of max |torch|, worst layer {:.2}%",
            f.file,
            layers.iter().map(|l| l.1).fold(0.0f32, f32::max)
        );
    }
    for r in &refused {
        println!("refused: {r}");
    }
    println!(
        "{converted} of {} fixture networks convert; worst f32 relative error {worst_f32:.2e}; worst int8 error {:.2e} of max |torch| ({})",
        fixtures.len(),
        worst_i8.0,
        worst_i8.1
    );
}

//! Inputs the fuzz targets in `fuzz/` found crashing, kept as regression tests: each must now
//! give a typed error (or a result), never a panic. Files live in `tests/fixtures/fuzz/`.

use equiframe_cli::blob::fuzz;

fn fixture(name: &str) -> Vec<u8> {
    let p = format!("{}/tests/fixtures/fuzz/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// `onnx` target: a tensor whose dims multiply past `usize` (overflow in the element count).
#[test]
fn onnx_dims_product_overflow_is_a_typed_error() {
    let bytes = fixture("onnx-mul-overflow.onnx");
    assert!(!fuzz::onnx(&bytes));
    let e = equiframe_cli::onnx::from_bytes(&bytes)
        .unwrap_err()
        .to_string();
    assert!(e.contains("dims"), "{e}");
}

/// Every fixture of `tests/fixtures/fuzz/` through every fuzz body: none panics.
#[test]
fn every_regression_input_through_every_body() {
    let dir = format!("{}/tests/fixtures/fuzz", env!("CARGO_MANIFEST_DIR"));
    for e in std::fs::read_dir(dir).unwrap() {
        let b = std::fs::read(e.unwrap().path()).unwrap();
        fuzz::onnx(&b);
        fuzz::npy(&b);
        fuzz::frames(&b);
        fuzz::validate_restamped(&b);
        fuzz::engine_restamped(&b);
        fuzz::tflite(&b);
    }
}

//! `cargo +nightly fuzz run onnx`: arbitrary bytes through the ONNX importer.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    equiframe_cli::blob::fuzz::onnx(data);
});

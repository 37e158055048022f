//! `cargo +nightly fuzz run tflite`: arbitrary bytes through the TFLite importer.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    equiframe_cli::blob::fuzz::tflite(data);
});

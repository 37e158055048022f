//! `cargo +nightly fuzz run model_from_bytes`: arbitrary bytes through `Model::from_bytes`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    equiframe_cli::blob::fuzz::model_from_bytes(data);
});

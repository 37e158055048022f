//! `cargo +nightly fuzz run engine_run`: arbitrary bytes through `Model::from_bytes` and, when
//! accepted, through the engine.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    equiframe_cli::blob::fuzz::engine_run(data);
});

//! `cargo +nightly fuzz run engine`: arbitrary bytes, preamble and CRC-32 re-stamped, through `Model::from_bytes` and,
//! when accepted, through the engine.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    equiframe_cli::blob::fuzz::engine_restamped(data);
});

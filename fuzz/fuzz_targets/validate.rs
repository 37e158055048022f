//! `cargo +nightly fuzz run validate`: arbitrary bytes, preamble and CRC-32 re-stamped, through `Model::from_bytes` (the
//! validator behind the checksum).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    equiframe_cli::blob::fuzz::validate_restamped(data);
});

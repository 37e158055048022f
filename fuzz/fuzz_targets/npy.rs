//! `cargo +nightly fuzz run npy`: arbitrary bytes through the `.npy` reader.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    equiframe_cli::blob::fuzz::npy(data);
});

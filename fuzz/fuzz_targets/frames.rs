//! `cargo +nightly fuzz run frames`: arbitrary f32 rows through the frame computation (frame set, canonical frame,
//! canonicalization).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    equiframe_cli::blob::fuzz::frames(data);
});

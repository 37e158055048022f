//! `Model::from_bytes` (magic, version, CRC-32, every table, shape and parameter check) on
//! blobs the optimiser cannot see: links only if the validator keeps no panic path.
#![no_std]
#![no_main]

use core::hint::black_box;
use cortex_m_rt::entry;
use equiframe::model::Model;
use equiframe_nopanic::{blobs, exit};

#[entry]
fn main() -> ! {
    let mut ok = true;
    for b in blobs() {
        let m = Model::from_bytes(black_box(b));
        ok &= m.is_ok();
        black_box(m.map(|m| m.arena_bytes()).ok());
    }
    // A truncated blob must be refused, not accepted or crash.
    let [b, ..] = blobs();
    ok &= Model::from_bytes(black_box(b.get(..black_box(100)).unwrap_or(&[]))).is_err();
    exit(ok)
}

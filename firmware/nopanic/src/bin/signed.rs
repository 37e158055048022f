//! `Model::from_bytes_signed` (trailer checks, Ed25519 verification, then validation) on a blob
//! and key the optimiser cannot see. Links only if signature checking and validation keep no
//! panic path; its size against `validate` is the flash verification adds.
#![no_std]
#![no_main]

use core::hint::black_box;
use cortex_m_rt::entry;
use equiframe::model::Model;
use equiframe_nopanic::exit;

#[entry]
fn main() -> ! {
    let blob: &[u8] = equiframe::include_model!("../../../qemu/data/imu_signed.eqf");
    let pk: [u8; 32] = *include_bytes!("../../../qemu/data/sign_test.pub");
    let ok = Model::from_bytes_signed(black_box(blob), black_box(&pk)).is_ok();
    // The same blob without its trailer must be refused.
    let short = blob.get(..blob.len() - black_box(80)).unwrap_or(&[]);
    let refused = Model::from_bytes_signed(black_box(short), &pk).is_err();
    exit(ok && refused)
}

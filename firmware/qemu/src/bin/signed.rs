//! Signed blobs on the target: `Model::from_bytes_signed` accepts the IMU blob signed with the
//! test key (`data/imu_signed.eqf`, `data/sign_test.pub`), refuses the unsigned blob and copies
//! with one flipped byte (blob, trailer head, signature), and prints what verification costs in
//! retired instructions (`-icount`), next to the plain `Model::from_bytes`.
#![no_std]
#![no_main]

use core::hint::black_box;
use cortex_m_rt::entry;
use equiframe::model::sign::{self, SignatureError};
use equiframe::model::Model;
use equiframe_qemu::{meter, println, Checks};

#[repr(C, align(16))]
struct Buf([u8; 6528]);

#[entry]
fn main() -> ! {
    let mut c = Checks::new();
    meter::boot();
    let plain: &[u8] = equiframe::include_model!("../../data/imu.eqf");
    let signed: &[u8] = equiframe::include_model!("../../data/imu_signed.eqf");
    let pk: [u8; 32] = *include_bytes!("../../data/sign_test.pub");

    let (r, plain_cost) = meter::measure(|| Model::from_bytes(black_box(plain)).is_ok());
    c.check("signed/plain-loads", r, "Model::from_bytes refused imu.eqf");
    let (r, verify_cost) = meter::measure(|| sign::verify(black_box(signed), black_box(&pk)));
    c.check("signed/verifies", r.is_ok(), format_args!("{:?}", r));
    let (r, signed_cost) =
        meter::measure(|| Model::from_bytes_signed(black_box(signed), black_box(&pk)).is_ok());
    c.check(
        "signed/loads",
        r,
        "Model::from_bytes_signed refused imu_signed.eqf",
    );
    println!(
        "imu blob {} bytes + {}-byte trailer: from_bytes {} instructions, signature verification {} instructions, from_bytes_signed {} instructions",
        plain.len(),
        sign::TRAILER_LEN,
        plain_cost,
        verify_cost,
        signed_cost
    );

    let r = Model::from_bytes_signed(black_box(plain), &pk);
    c.check(
        "signed/unsigned-refused",
        matches!(r, Err(SignatureError::TooShort { .. })),
        format_args!("{:?}", r.map(|m| m.blob_bytes())),
    );
    let mut buf = Buf([0; 6528]);
    let n = signed.len().min(buf.0.len());
    for (i, name) in [
        (20, "signed/tamper-header"),
        (n / 2, "signed/tamper-weights"),
        (plain.len() + 9, "signed/tamper-key-id"),
        (n - 1, "signed/tamper-signature"),
    ] {
        buf.0[..n].copy_from_slice(&signed[..n]);
        buf.0[i] ^= 0x10;
        let r = Model::from_bytes_signed(black_box(&buf.0[..n]), &pk);
        c.check(name, r.is_err(), "a tampered blob was accepted");
    }
    c.finish()
}

//! Deliberately panics: `ci.sh` checks that the panic handler exits QEMU with failure.
#![no_std]
#![no_main]

use cortex_m_rt::entry;

#[entry]
fn main() -> ! {
    let n = core::hint::black_box(3usize);
    let v = [1u8, 2, 3];
    equiframe_qemu::println!("value {}", v[n]);
    equiframe_qemu::out::exit(true)
}

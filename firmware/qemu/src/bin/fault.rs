//! Deliberately faults (a load from unmapped memory): `ci.sh` checks that the HardFault handler
//! reports it and exits QEMU with failure instead of hanging.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use equiframe_qemu::println;

#[entry]
fn main() -> ! {
    println!("reading unmapped memory");
    // SAFETY: intentionally invalid; the resulting fault is the point of this binary.
    let v = unsafe { core::ptr::read_volatile(0xF000_0000 as *const u32) };
    println!("read {:#x} without a fault", v);
    equiframe_qemu::out::exit(true)
}

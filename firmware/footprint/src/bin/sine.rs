//! The sine-sized MLP (1-16-16-1, int8, no frames: 288 MACs) as a complete firmware.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use equiframe::engine::Arena;
use equiframe_footprint::Runner;

const BLOB: &[u8] = equiframe::include_model!("../../../qemu/data/sine.eqf");
static mut INPUT: [f32; 1] = [1.25];
static mut OUTPUT: [f32; 1] = [0.0];
static mut ARENA: Arena<256> = Arena::new();

#[cfg(not(feature = "lean"))]
const RUNNER: Runner = Runner::Engine;
#[cfg(feature = "lean")]
const RUNNER: Runner = Runner::LeanPlain;

#[entry]
fn main() -> ! {
    // SAFETY: single-threaded firmware; each static is borrowed once, here.
    let (x, y, a) = unsafe {
        (
            &mut *core::ptr::addr_of_mut!(INPUT),
            &mut *core::ptr::addr_of_mut!(OUTPUT),
            (*core::ptr::addr_of_mut!(ARENA)).as_mut_slice(),
        )
    };
    equiframe_footprint::run(RUNNER, BLOB, x, a, y)
}

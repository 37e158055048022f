//! The frame-averaged PointNet (O(3), 8 frames; 3-64-64-128 max, 128-64-8; up to 512 points)
//! as a complete firmware, on a 512-point input in RAM.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use equiframe::engine::Arena;
use equiframe_footprint::Runner;

const BLOB: &[u8] = equiframe::include_model!("../../../qemu/data/fa_pointnet.eqf");
const POINTS: usize = 512;
static mut INPUT: [f32; POINTS * 3] = [0.0; POINTS * 3];
static mut OUTPUT: [f32; 8] = [0.0; 8];
static mut ARENA: Arena<{ 64 * 1024 + 64 }> = Arena::new();

#[cfg(not(feature = "lean"))]
const RUNNER: Runner = Runner::Engine;
#[cfg(feature = "lean")]
const RUNNER: Runner = Runner::LeanAveraged;

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
    // An anisotropic cloud (a helix on an ellipse), written at run time.
    for (i, p) in x.chunks_exact_mut(3).enumerate() {
        let t = i as f32 * 0.05;
        p[0] = 3.0 * (t - 12.8);
        p[1] = 1.5 * ((i % 37) as f32 - 18.0) * 0.1;
        p[2] = 0.4 * ((i % 11) as f32 - 5.0) * 0.1;
    }
    equiframe_footprint::run(RUNNER, BLOB, x, a, y)
}

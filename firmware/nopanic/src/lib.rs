//! Link-time proof that the equiframe core keeps no panic path after optimisation.
//!
//! The panic handler of these firmwares calls `equiframe_panic_path_survived_optimisation`, a
//! symbol that exists nowhere: if any code path that can reach a panic (an index out of bounds,
//! an `unwrap`, an overflow check, a slice split, `unreachable!`) survives LTO and dead-code
//! elimination in a binary, that binary does not link. Each binary in `src/bin/` drives one
//! stage of the pipeline through the public API on inputs the optimiser cannot see
//! ([`core::hint::black_box`]), so no check can be folded away by constant propagation.
//! `check.sh` builds every binary and reports which link; with `--report` it builds them with a
//! linkable handler (feature `report`) and lists the functions that still call a panic path.
//!
//! Every binary also runs under QEMU and exits with success when its stage returned `Ok`.
#![no_std]
#![deny(missing_docs)]

use cortex_m_rt::{exception, ExceptionFrame};
use cortex_m_semihosting::debug;

#[cfg(not(feature = "report"))]
extern "Rust" {
    /// Defined nowhere: referencing it from a reachable panic handler fails the link.
    fn equiframe_panic_path_survived_optimisation() -> !;
}

#[cfg(not(feature = "report"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    // SAFETY: never executed in a binary that links -- the symbol does not exist, so a binary
    // in which this handler is reachable fails to link, which is the point.
    unsafe { equiframe_panic_path_survived_optimisation() }
}

#[cfg(feature = "report")]
#[panic_handler]
#[inline(never)]
fn panic(_: &core::panic::PanicInfo) -> ! {
    exit(false)
}

#[exception]
unsafe fn HardFault(_frame: &ExceptionFrame) -> ! {
    exit(false)
}

/// Ends the emulation: exit code 0 when `ok`, 1 otherwise.
pub fn exit(ok: bool) -> ! {
    debug::exit(if ok {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    #[allow(clippy::empty_loop)]
    loop {}
}

/// The shipped blobs the binaries run: FA-PointNet (O(3), int8), the IMU model (SO(3), int8)
/// and the sine MLP (no frames).
pub fn blobs() -> [&'static [u8]; 3] {
    [
        equiframe::include_model!("../../qemu/data/fa_pointnet.eqf"),
        equiframe::include_model!("../../qemu/data/imu.eqf"),
        equiframe::include_model!("../../qemu/data/sine.eqf"),
    ]
}

/// A deterministic pseudo-random f32 in `[-1, 1)` (xorshift), for inputs.
pub fn noise(seed: &mut u32) -> f32 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 17;
    *seed ^= *seed << 5;
    (*seed >> 8) as f32 / (1u32 << 23) as f32 - 1.0
}

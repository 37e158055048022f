//! Instruction meter of the measurement build (feature `stack`): SysTick on the 25 MHz core
//! clock under QEMU `-icount shift=6` (`../qemu/run.sh`), one tick = 40 / 64 instructions, wraps
//! of the 24-bit counter counted by the SysTick exception (the same meter as `firmware/qemu`'s
//! `meter`, whose `calibrate` firmware checks the conversion against a loop of known length).

use core::sync::atomic::{AtomicU32, Ordering};
use cortex_m::peripheral::{syst::SystClkSource, SCB, SYST};
use cortex_m_rt::exception;

const RELOAD: u32 = 0x00FF_FFFF;
static WRAPS: AtomicU32 = AtomicU32::new(0);

#[exception]
fn SysTick() {
    WRAPS.store(
        WRAPS.load(Ordering::Relaxed).wrapping_add(1),
        Ordering::Relaxed,
    );
}

/// Starts SysTick free-running with the wrap exception.
pub fn start() {
    // SAFETY: the measurement build owns SysTick; nothing else takes the peripherals.
    let mut syst = unsafe { cortex_m::Peripherals::steal() }.SYST;
    syst.disable_counter();
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(RELOAD);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
}

/// Ticks since [`start`].
#[inline(never)]
pub fn ticks() -> u64 {
    cortex_m::interrupt::free(|_| {
        let mut wraps = WRAPS.load(Ordering::Relaxed);
        let mut current = SYST::get_current();
        if SCB::is_pendst_pending() {
            wraps = wraps.wrapping_add(1);
            current = SYST::get_current();
        }
        u64::from(wraps) * (u64::from(RELOAD) + 1) + u64::from(RELOAD - current)
    })
}

/// Retired instructions of a tick span (rounded), less the meter's own two calls (`overhead`).
pub fn instructions(ticks: u64, overhead: u64) -> u64 {
    ((ticks * 40 + 32) / 64).saturating_sub(overhead)
}

//! Deterministic instruction meter: SysTick on the core clock under QEMU `-icount`.
//!
//! Under `-icount shift=N` QEMU's virtual clock advances `2^N` ns per retired instruction. The
//! mps2-an386 SysTick runs on the 25 MHz core clock (40 ns per tick), so one tick is
//! `40 / 2^N` instructions: 40 at shift 0, 5 at shift 3, 0.625 at shift 6. The runner
//! (`run.sh`) uses shift [`ICOUNT_SHIFT`] = 6, which gives a resolution finer than one
//! instruction: `instructions = ticks * 40 / 64 = ticks * 5 / 8` (rounded). The counter is 24
//! bits wide (16.7 M ticks = 10.5 M instructions); the SysTick exception counts wraps so spans
//! of any length measure correctly (each wrap adds the handler's ~8 instructions to the span,
//! below 1e-6 relative). The `calibrate` binary checks the conversion against a loop
//! of known instruction count. These are retired instructions, not Cortex-M4 cycles (DWT CYCCNT
//! reads 0 under QEMU); on hardware a load, a taken branch or a multiply-accumulate may take
//! more than one cycle.

use core::sync::atomic::{AtomicU32, Ordering};
use cortex_m::peripheral::{syst::SystClkSource, SCB, SYST};
use cortex_m_rt::exception;

/// The `-icount shift` the runner passes to QEMU (`run.sh`); the conversion below assumes it.
pub const ICOUNT_SHIFT: u32 = 6;
/// Nanoseconds per SysTick tick: mps2-an386 core clock is 25 MHz.
pub const NS_PER_TICK: u64 = 40;
const RELOAD: u32 = 0x00FF_FFFF;

static WRAPS: AtomicU32 = AtomicU32::new(0);

#[exception]
fn SysTick() {
    // Sole writer; thumbv6m has no atomic read-modify-write, and none is needed.
    WRAPS.store(
        WRAPS.load(Ordering::Relaxed).wrapping_add(1),
        Ordering::Relaxed,
    );
}

/// Starts SysTick as a free-running 24-bit down-counter on the core clock with the wrap
/// exception enabled. Call once, before any [`ticks`].
pub fn start(mut syst: SYST) {
    syst.disable_counter();
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(RELOAD);
    syst.clear_current();
    WRAPS.store(0, Ordering::Relaxed);
    syst.enable_interrupt();
    syst.enable_counter();
    // The meter owns SysTick from here on (`syst` is consumed); registers are read through
    // `SYST::get_current`.
}

/// Ticks elapsed since [`start`] (monotonic, 64 bits).
#[inline(never)]
pub fn ticks() -> u64 {
    cortex_m::interrupt::free(|_| {
        let mut wraps = WRAPS.load(Ordering::Relaxed);
        let mut current = SYST::get_current();
        if SCB::is_pendst_pending() {
            // Wrapped, exception not yet taken: count it here and re-read after the wrap.
            wraps = wraps.wrapping_add(1);
            current = SYST::get_current();
        }
        u64::from(wraps) * (u64::from(RELOAD) + 1) + u64::from(RELOAD - current)
    })
}

/// Converts a tick span into retired instructions (rounded to the nearest).
pub fn ticks_to_instructions(ticks: u64) -> u64 {
    let ns = ticks * NS_PER_TICK;
    let per = 1u64 << ICOUNT_SHIFT;
    (ns + per / 2) / per
}

/// Instructions the meter itself adds to a span (two [`ticks`] calls), measured by [`calibrate`].
static OVERHEAD: AtomicU32 = AtomicU32::new(0);

/// Measures the meter's own cost (an empty span) and stores it; [`measure`] subtracts it.
pub fn calibrate() -> u64 {
    let a = ticks();
    let b = ticks();
    let cost = ticks_to_instructions(b - a);
    OVERHEAD.store(cost as u32, Ordering::Relaxed);
    cost
}

/// What every firmware binary does first: takes the core peripherals, starts the meter on their
/// SysTick ([`start`]) and measures its own cost ([`calibrate`]), which it returns (in
/// instructions). For binaries that need no other core peripheral (they are consumed here);
/// exits QEMU with failure if the peripherals were already taken.
pub fn boot() -> u64 {
    let Some(p) = cortex_m::Peripherals::take() else {
        crate::out::exit(false)
    };
    start(p.SYST);
    calibrate()
}

/// Runs `f` and returns its result with the instructions it retired (meter overhead removed).
#[inline(always)]
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, u64) {
    let a = ticks();
    let r = f();
    let b = ticks();
    let cost = ticks_to_instructions(b - a);
    (
        r,
        cost.saturating_sub(u64::from(OVERHEAD.load(Ordering::Relaxed))),
    )
}

/// A loop of exactly `2 * n` instructions (`subs` + `bne` per iteration) plus a constant few,
/// used to check the tick-to-instruction conversion.
#[inline(never)]
pub fn known_loop(n: u32) {
    if n == 0 {
        return;
    }
    // SAFETY: the asm only decrements a scratch register it owns until zero; no memory, no stack.
    unsafe {
        core::arch::asm!(
            "2:",
            "subs r0, #1",
            "bne 2b",
            inout("r0") n => _,
            options(nomem, nostack),
        );
    }
}

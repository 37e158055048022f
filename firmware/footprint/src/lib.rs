//! What the footprint firmwares share: a panic handler without formatting, and the run of one
//! model on one input read through a volatile load (so nothing is constant-folded), with the
//! outputs stored through volatile writes and the result reported as the semihosting exit code.
//!
//! Nothing here formats text: the sizes are those of the runtime a product firmware links
//! (model validation, frames, kernels, engine), not of a test harness.
#![no_std]
#![deny(missing_docs)]

pub mod lean;
#[cfg(feature = "stack")]
mod meter;
#[cfg(feature = "stack")]
mod stack;

use core::panic::PanicInfo;
use cortex_m_semihosting::debug;
use equiframe::model::Model;

#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    debug::exit(debug::EXIT_FAILURE);
    #[allow(clippy::empty_loop)]
    loop {}
}

/// Instructions of the model load and of the run (measurement build).
#[cfg(feature = "stack")]
static SPANS: [core::sync::atomic::AtomicU32; 2] = [
    core::sync::atomic::AtomicU32::new(0),
    core::sync::atomic::AtomicU32::new(0),
];

/// How a footprint firmware runs its model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runner {
    /// `Model::run`: the engine, every layer kind and frame mode linked.
    Engine,
    /// [`lean::run_plain`]: a model without frames, only what it uses.
    LeanPlain,
    /// [`lean::run_averaged`]: a frame-averaged model, only what it uses.
    LeanAveraged,
}

/// Validates `blob`, runs it on `input` (copied through volatile loads) in `arena` and stores the
/// outputs in `out` through volatile writes; exits QEMU with success when every step succeeded
/// and the outputs are finite.
pub fn run(runner: Runner, blob: &[u8], input: &mut [f32], arena: &mut [u8], out: &mut [f32]) -> ! {
    for v in input.iter_mut() {
        // SAFETY: `v` is a valid, aligned, exclusive reference.
        *v = unsafe { core::ptr::read_volatile(v) };
    }
    #[cfg(feature = "stack")]
    let top = stack::paint();
    let ok = infer(runner, blob, input, arena, out);
    #[cfg(feature = "stack")]
    {
        stack::report(top);
        let t = |i: usize| SPANS[i].load(core::sync::atomic::Ordering::Relaxed);
        stack::print(b"load ", t(0));
        stack::print(b"run  ", t(1));
    }
    for v in out.iter_mut() {
        // SAFETY: as above.
        unsafe { core::ptr::write_volatile(v, *v) };
    }
    debug::exit(if ok {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    #[allow(clippy::empty_loop)]
    loop {}
}

/// Validates and runs the model (a call of its own, so its whole stack frame lies below the
/// point the `stack` measurement paints from).
#[inline(never)]
fn infer(runner: Runner, blob: &[u8], input: &[f32], arena: &mut [u8], out: &mut [f32]) -> bool {
    #[cfg(feature = "stack")]
    let (t0, overhead) = {
        meter::start();
        let (a, b) = (meter::ticks(), meter::ticks());
        (meter::ticks(), meter::instructions(b - a, 0))
    };
    #[cfg(feature = "build-checked")]
    let model = Model::from_build_checked(blob);
    #[cfg(not(feature = "build-checked"))]
    let model = Model::from_bytes(blob);
    #[cfg(feature = "stack")]
    let t1 = meter::ticks();
    match model {
        Ok(m) => match out.get_mut(..m.output_len()) {
            Some(o) => {
                #[cfg(feature = "stack")]
                let t2 = meter::ticks();
                let ran = match runner {
                    Runner::Engine => m.run(input, arena, o).is_ok(),
                    Runner::LeanPlain => lean::run_plain(&m, input, arena, o).is_some(),
                    Runner::LeanAveraged => lean::run_averaged(&m, input, arena, o).is_some(),
                };
                #[cfg(feature = "stack")]
                {
                    let t3 = meter::ticks();
                    let put = |i: usize, v: u64| {
                        SPANS[i].store(v as u32, core::sync::atomic::Ordering::Relaxed)
                    };
                    put(0, meter::instructions(t1 - t0, overhead));
                    put(1, meter::instructions(t3 - t2, overhead));
                }
                ran && o.iter().all(|v| v.is_finite())
            }
            None => false,
        },
        Err(_) => false,
    }
}

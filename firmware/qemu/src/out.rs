//! Semihosting output (the host's stdout through QEMU) and exit.

use cortex_m_semihosting::debug;

/// Prints a formatted line on the host's stdout through semihosting.
#[macro_export]
macro_rules! println {
    ($($arg:tt)*) => { ::cortex_m_semihosting::hprintln!($($arg)*) };
}

/// Ends the emulation: exit code 0 when `ok`, 1 otherwise (QEMU returns it to the shell).
pub fn exit(ok: bool) -> ! {
    debug::exit(if ok {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    // Not reached under QEMU; on a debugger-less board stay here.
    #[allow(clippy::empty_loop)]
    loop {}
}

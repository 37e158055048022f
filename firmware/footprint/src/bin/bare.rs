//! The bare firmware the footprint rows are compared with: the same runtime crates, vector
//! table and panic handler, no model and no engine; it only exits QEMU with success.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use cortex_m_semihosting::debug;
use equiframe_footprint as _;

#[entry]
fn main() -> ! {
    debug::exit(debug::EXIT_SUCCESS);
    #[allow(clippy::empty_loop)]
    loop {}
}

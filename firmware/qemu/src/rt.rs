//! Runtime glue: a panic handler and a HardFault handler that both exit QEMU with failure
//! (cortex-m-rt's default HardFault handler spins forever, which would hang CI until `timeout`).

use core::panic::PanicInfo;
use cortex_m_rt::{exception, ExceptionFrame};

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    crate::println!("FAIL panic: {}", info);
    crate::out::exit(false)
}

#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    crate::println!(
        "FAIL hardfault: pc={:#010x} lr={:#010x}",
        frame.pc(),
        frame.lr()
    );
    crate::out::exit(false)
}

#[exception]
unsafe fn DefaultHandler(irqn: i16) {
    crate::println!("FAIL unexpected exception/interrupt {}", irqn);
    crate::out::exit(false)
}

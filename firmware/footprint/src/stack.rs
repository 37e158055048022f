//! Stack high-water mark (feature `stack`, a measurement build): paints the stack below the
//! caller before the model runs, finds the deepest overwritten word afterwards and prints
//! `stack N` (bytes used below the painting point) through semihosting, without formatting.

use cortex_m::register::msp;

/// Bytes painted below the current stack pointer.
const DEPTH: usize = 256 * 1024;
/// Bytes left unpainted just below the stack pointer (this function's own frame).
const GAP: usize = 64;
const PAINT: u32 = 0xA5A5_5A5A;

/// Paints `DEPTH` bytes below the stack pointer (minus a small gap for this call); returns the
/// painting point to hand to [`report`].
#[inline(never)]
pub fn paint() -> usize {
    let top = (msp::read() as usize - GAP) & !3;
    let mut p = top - DEPTH;
    while p < top {
        // SAFETY: the words lie between `top - DEPTH` and the stack pointer: unused stack memory
        // inside the 4 MiB RAM of mps2-an386, not referenced by anything live.
        unsafe { core::ptr::write_volatile(p as *mut u32, PAINT) };
        p += 4;
    }
    top
}

/// Prints `label` and `n` as one line over semihosting.
#[inline(never)]
pub fn print(label: &[u8; 5], n: u32) {
    let mut buf = *b"               \n";
    buf[..5].copy_from_slice(label);
    let (mut n, mut i) = (n, 14);
    loop {
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 || i == 6 {
            break;
        }
        i -= 1;
    }
    if let Ok(mut out) = cortex_m_semihosting::hio::hstdout() {
        let _ = out.write_all(&buf);
    }
}

/// Prints the high-water mark below `top` (what [`paint`] returned).
#[inline(never)]
pub fn report(top: usize) {
    let mut p = top - DEPTH;
    // SAFETY: reads the painted words back (same range as `paint`).
    while p < top && unsafe { core::ptr::read_volatile(p as *const u32) } == PAINT {
        p += 4;
    }
    let used = top - p;
    let mut buf = *b"stack          \n";
    let mut n = used;
    let mut i = 14;
    loop {
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 || i == 6 {
            break;
        }
        i -= 1;
    }
    if let Ok(mut out) = cortex_m_semihosting::hio::hstdout() {
        let _ = out.write_all(&buf);
    }
}

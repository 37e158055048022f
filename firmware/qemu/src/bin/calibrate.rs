//! Checks the instruction meter: a loop of known instruction count must measure exactly
//! (to one instruction) and two runs of the same work must measure the same.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use equiframe_qemu::{meter, println, Checks};

#[entry]
fn main() -> ! {
    let mut c = Checks::new();
    let overhead = meter::boot();
    println!(
        "meter: icount shift {}, overhead {} instructions",
        meter::ICOUNT_SHIFT,
        overhead
    );

    let (_, small) = meter::measure(|| meter::known_loop(100_000));
    let (_, big) = meter::measure(|| meter::known_loop(1_100_000));
    let (_, big2) = meter::measure(|| meter::known_loop(1_100_000));
    // 20 M instructions = 32 M ticks: crosses at least one 24-bit SysTick wrap.
    let (_, huge) = meter::measure(|| meter::known_loop(10_000_000));
    let diff = big as i64 - small as i64;
    println!(
        "known_loop(100000) = {} instructions, known_loop(1100000) = {}",
        small, big
    );
    c.check(
        "meter/linear",
        (diff - 2_000_000).abs() <= 1,
        format_args!("difference {} != 2000000", diff),
    );
    c.check(
        "meter/deterministic",
        big == big2,
        format_args!("{} vs {}", big, big2),
    );
    let huge_diff = huge as i64 - small as i64;
    println!(
        "known_loop(10000000) = {} instructions (spans SysTick wraps)",
        huge
    );
    // Each SysTick wrap (every 10.5 M instructions) runs the wrap handler, a few instructions
    // that the span includes: allow 10 per possible wrap (relative error below 1e-6).
    c.check(
        "meter/wraps",
        (huge_diff - 19_800_000).abs() <= 1 + 10 * 2,
        format_args!("difference {} != 19800000", huge_diff),
    );
    c.finish()
}

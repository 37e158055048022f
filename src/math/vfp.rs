//! Hard-float Arm (FPv4-SP and later): the FPU's square root.

/// `VSQRT.F32`: IEEE 754 square root, correctly rounded in the default round-to-nearest mode
/// (the mode the Rust runtime never changes), so equal to `libm::sqrtf` bit for bit.
///
/// Stable Rust does not let `asm!` name FPU registers on these targets (the `sreg` class asks
/// for a `vfp2` target feature that `thumbv7em-none-eabihf` does not list), so the value goes
/// through core registers and `s15`, which the block saves and restores itself: five
/// instructions, against about 60 for `libm::sqrtf` in software.
#[inline(always)]
pub(super) fn sqrt(x: f32) -> f32 {
    let r: u32;
    // SAFETY: FPU register moves and one VSQRT, valid on every hard-float Arm target; `s15` is
    // restored before the block ends, so no register the compiler uses changes; no memory or
    // stack access. VSQRT may set FPSCR's cumulative exception bits, hence no
    // `preserves_flags`.
    unsafe {
        core::arch::asm!(
            "vmov {t}, s15",
            "vmov s15, {x}",
            "vsqrt.f32 s15, s15",
            "vmov {r}, s15",
            "vmov s15, {t}",
            r = lateout(reg) r,
            t = out(reg) _,
            x = in(reg) x.to_bits(),
            options(pure, nomem, nostack),
        );
    }
    f32::from_bits(r)
}

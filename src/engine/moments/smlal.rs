//! Cortex-M (ARMv7-M / ARMv8-M mainline, hard-float targets): the scatter products of one tile
//! of seven 3D grid coordinates with `SMLAL` into register-held 64-bit sums.

/// Seven rows of `SMLAL`s: squares (`off = false`) or the products xy, xz, yz (`off = true`),
/// rows loaded with `LDM` into r0-r2.
macro_rules! row {
    (diag) => {
        "ldm lr!, {{r0, r1, r2}}\n smlal r3, r4, r0, r0\n smlal r5, r8, r1, r1\n smlal r10, r12, r2, r2\n"
    };
    (off) => {
        "ldm lr!, {{r0, r1, r2}}\n smlal r3, r4, r0, r1\n smlal r5, r8, r0, r2\n smlal r10, r12, r1, r2\n"
    };
}

/// Sums over the seven rows `[x, y, z]` of `q`: `([xx, yy, zz], [xy, xz, yz])`, each below
/// `2^63` in magnitude for grid coordinates of magnitude at most `2^30`.
#[inline(always)]
pub(super) fn tile_products3(q: &[i32; 21]) -> ([i64; 3], [i64; 3]) {
    let pair = |lo: u32, hi: u32| (u64::from(hi) << 32 | u64::from(lo)) as i64;
    let mut s = [0u32; 6];
    let mut t = [0u32; 6];
    // SAFETY: reads exactly the 21 words of `q` (seven `LDM`s of three words from its start,
    // word-aligned as `&[i32; 21]`); registers only otherwise, every one it writes declared.
    unsafe {
        core::arch::asm!(
            row!(diag), row!(diag), row!(diag), row!(diag), row!(diag), row!(diag), row!(diag),
            inout("lr") q.as_ptr() => _,
            out("r0") _, out("r1") _, out("r2") _,
            inout("r3") 0u32 => s[0], inout("r4") 0u32 => s[1],
            inout("r5") 0u32 => s[2], inout("r8") 0u32 => s[3],
            inout("r10") 0u32 => s[4], inout("r12") 0u32 => s[5],
            options(nostack, readonly, preserves_flags),
        );
        core::arch::asm!(
            row!(off), row!(off), row!(off), row!(off), row!(off), row!(off), row!(off),
            inout("lr") q.as_ptr() => _,
            out("r0") _, out("r1") _, out("r2") _,
            inout("r3") 0u32 => t[0], inout("r4") 0u32 => t[1],
            inout("r5") 0u32 => t[2], inout("r8") 0u32 => t[3],
            inout("r10") 0u32 => t[4], inout("r12") 0u32 => t[5],
            options(nostack, readonly, preserves_flags),
        );
    }
    (
        [pair(s[0], s[1]), pair(s[2], s[3]), pair(s[4], s[5])],
        [pair(t[0], t[1]), pair(t[2], t[3]), pair(t[4], t[5])],
    )
}

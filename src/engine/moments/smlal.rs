//! Cortex-M (ARMv7-M / ARMv8-M mainline, hard-float targets): assembly inner loops of the fast
//! exact moments for 3D sources: the per-coordinate extremes (order keys, updates out of line),
//! the centroid sums of a block of rows (f32 scaling, truncating and fixed-point `VCVT`s) and the
//! scatter products of one tile of seven grid coordinates with `SMLAL` into register-held 64-bit
//! sums. Stable Rust cannot name FPU registers in `asm!` on these targets, so the centroid loop
//! saves and restores the ones it uses (`VPUSH`/`VPOP`).

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

/// The centroid sums of `rows` 3D rows starting at `start` (`stride` bytes apart): per
/// coordinate `sum trunc(x * scale)` and `sum round_half_away(frac(x * scale) * 2^16)`, the
/// rest from `t = trunc(frac * 2^17)` as `(t + 1 + (t >> 31)) >> 1` (`|t| < 2^17`). Exactly
/// the portable loop of `centroid_sums`; `rows <= 127` keeps both sums inside `i32`.
///
/// # Safety
/// The three f32 at `start + k * stride` (`k < rows`) must be readable and `rows >= 1`.
#[inline(always)]
pub(super) unsafe fn centroid_block3(
    start: *const f32,
    rows: usize,
    stride: usize,
    scale: f32,
) -> ([i32; 3], [i32; 3]) {
    let (mut hx, mut hy, mut hz, mut lx, mut ly, mut lz) = (0i32, 0i32, 0i32, 0i32, 0i32, 0i32);
    let end = start.wrapping_byte_add(rows * stride);
    // SAFETY: the caller guarantees the reads; s0-s9 are saved on the stack and restored, so
    // no FPU register the compiler uses changes; every core register written is declared.
    unsafe {
        core::arch::asm!(
            "vpush {{s0-s9}}",
            "vmov s9, {c}",
            "2:",
            "vldr s0, [{p}]",
            "vldr s1, [{p}, #4]",
            "vldr s2, [{p}, #8]",
            "add {p}, {p}, {stride}",
            "vmul.f32 s0, s0, s9",
            "vmul.f32 s1, s1, s9",
            "vmul.f32 s2, s2, s9",
            "vcvt.s32.f32 s3, s0",
            "vcvt.s32.f32 s4, s1",
            "vcvt.s32.f32 s5, s2",
            "vcvt.f32.s32 s6, s3",
            "vcvt.f32.s32 s7, s4",
            "vcvt.f32.s32 s8, s5",
            "vsub.f32 s0, s0, s6",
            "vsub.f32 s1, s1, s7",
            "vsub.f32 s2, s2, s8",
            "vcvt.s32.f32 s0, s0, #17",
            "vcvt.s32.f32 s1, s1, #17",
            "vcvt.s32.f32 s2, s2, #17",
            "vmov {a}, {b}, s3, s4",
            "vmov {c}, s5",
            "add {hx}, {hx}, {a}",
            "add {hy}, {hy}, {b}",
            "add {hz}, {hz}, {c}",
            "vmov {a}, {b}, s0, s1",
            "vmov {c}, s2",
            "add {a}, {a}, {a}, asr #31",
            "add {a}, {a}, #1",
            "add {lx}, {lx}, {a}, asr #1",
            "add {b}, {b}, {b}, asr #31",
            "add {b}, {b}, #1",
            "add {ly}, {ly}, {b}, asr #1",
            "add {c}, {c}, {c}, asr #31",
            "add {c}, {c}, #1",
            "add {lz}, {lz}, {c}, asr #1",
            "cmp {p}, {end}",
            "bne 2b",
            "vpop {{s0-s9}}",
            p = inout(reg) start => _,
            end = in(reg) end,
            stride = in(reg) stride,
            c = inout(reg) scale.to_bits() => _,
            a = out(reg) _,
            b = out(reg) _,
            hx = inout(reg) hx,
            hy = inout(reg) hy,
            hz = inout(reg) hz,
            lx = inout(reg) lx,
            ly = inout(reg) ly,
            lz = inout(reg) lz,
            options(readonly),
        );
    }
    ([hx, hy, hz], [lx, ly, lz])
}

/// One coordinate of [`extremes3`]: order key of the word at `[p, #off]`, then the minimum and
/// maximum updated out of line (the common case, no update, costs a compare and an untaken
/// branch each).
macro_rules! extreme {
    ($off:literal, $lo:literal, $hi:literal, $n:literal) => {
        concat!(
            "ldr {a}, [{p}, #",
            $off,
            "]\n",
            "asr {t}, {a}, #31\n",
            "eor {a}, {a}, {t}, lsr #1\n",
            "cmp {a}, {",
            $lo,
            "}\n",
            "blt ",
            $n,
            "1f\n",
            $n,
            "2:\n",
            "cmp {a}, {",
            $hi,
            "}\n",
            "bgt ",
            $n,
            "3f\n",
            $n,
            "4:\n",
        )
    };
}

/// The out-of-line updates of one [`extreme!`].
macro_rules! update {
    ($lo:literal, $hi:literal, $n:literal) => {
        concat!(
            $n, "1:\n", "mov {", $lo, "}, {a}\n", "b ", $n, "2b\n", $n, "3:\n", "mov {", $hi,
            "}, {a}\n", "b ", $n, "4b\n",
        )
    };
}

/// Per-coordinate minimum and maximum order keys (`bits ^ ((bits >> 31) >>> 1)`, signed) of
/// `rows` 3D rows starting at `start`, `stride` bytes apart: exactly `extremes` of the
/// portable code.
///
/// # Safety
/// The three f32 at `start + k * stride` (`k < rows`) must be readable and `rows >= 1`.
#[inline(always)]
pub(super) unsafe fn extremes3(
    start: *const f32,
    rows: usize,
    stride: usize,
) -> ([i32; 3], [i32; 3]) {
    let (mut lx, mut ly, mut lz) = (i32::MAX, i32::MAX, i32::MAX);
    let (mut hx, mut hy, mut hz) = (i32::MIN, i32::MIN, i32::MIN);
    let end = start.wrapping_byte_add(rows * stride);
    // SAFETY: the caller guarantees the reads; registers only otherwise, every one written is
    // declared. The local labels 11-64 are unique inside this block.
    unsafe {
        core::arch::asm!(
            "5:",
            extreme!("0", "lx", "hx", "1"),
            extreme!("4", "ly", "hy", "2"),
            extreme!("8", "lz", "hz", "6"),
            "add {p}, {p}, {stride}",
            "cmp {p}, {end}",
            "bne 5b",
            "b 7f",
            update!("lx", "hx", "1"),
            update!("ly", "hy", "2"),
            update!("lz", "hz", "6"),
            "7:",
            p = inout(reg) start => _,
            end = in(reg) end,
            stride = in(reg) stride,
            a = out(reg) _,
            t = out(reg) _,
            lx = inout(reg) lx,
            ly = inout(reg) ly,
            lz = inout(reg) lz,
            hx = inout(reg) hx,
            hy = inout(reg) hy,
            hz = inout(reg) hz,
            options(nostack, readonly),
        );
    }
    ([lx, ly, lz], [hx, hy, hz])
}

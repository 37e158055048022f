//! The SMLAD inner loops of the DSP kernels (`core::arch::asm!`, Thumb-2 with the DSP
//! extension). Each function checks the lengths it relies on and returns zeros otherwise, so
//! the assembly never reads outside its slices.

/// Four dot products of an expanded input row `xe` (16-bit pairs: per 4 inputs the words
/// `(x0, x2)`, `(x1, x3)`) with one packed group of four channels `pw` (per 4 inputs and per
/// channel the words `(w0, w2)`, `(w1, w3)`), added to `init`. `xe.len()` must be a positive
/// multiple of 4 (8 inputs per loop iteration) and `pw.len()` at least `4 * xe.len()`;
/// otherwise `init` comes back unchanged.
#[inline]
pub(super) fn dot_group4(xe: &[u32], pw: &[u32], init: [i32; 4]) -> [i32; 4] {
    if xe.is_empty() || !xe.len().is_multiple_of(4) || pw.len() < 4 * xe.len() {
        return init;
    }
    let [mut a0, mut a1, mut a2, mut a3] = init;
    let xp = xe.as_ptr();
    // One past the last input word: the loop ends when the input pointer reaches it.
    let end = xe.as_ptr_range().end;
    let wp = pw.as_ptr();
    // SAFETY: the loop reads `xe` from start to `end` (a positive multiple of 4 words, two
    // words per block, two blocks per iteration) and 16 weight words per 8 inputs, i.e.
    // `4 * xe.len()` words of `pw`, checked above. Word loads are aligned (`&[u32]`). The
    // pushed word is popped before the block ends; no other memory is written.
    unsafe {
        core::arch::asm!(
            "push {{r4}}",
            "2:",
            "ldrd r4, r5, [r12], #8",
            "ldm lr!, {{r0, r1, r2, r3}}",
            "smlad r8, r4, r0, r8",
            "smlad r8, r5, r1, r8",
            "smlad r9, r4, r2, r9",
            "smlad r9, r5, r3, r9",
            "ldm lr!, {{r0, r1, r2, r3}}",
            "smlad r10, r4, r0, r10",
            "smlad r10, r5, r1, r10",
            "smlad r11, r4, r2, r11",
            "smlad r11, r5, r3, r11",
            "ldrd r4, r5, [r12], #8",
            "ldm lr!, {{r0, r1, r2, r3}}",
            "smlad r8, r4, r0, r8",
            "smlad r8, r5, r1, r8",
            "smlad r9, r4, r2, r9",
            "smlad r9, r5, r3, r9",
            "ldm lr!, {{r0, r1, r2, r3}}",
            "smlad r10, r4, r0, r10",
            "smlad r10, r5, r1, r10",
            "smlad r11, r4, r2, r11",
            "smlad r11, r5, r3, r11",
            "ldr r4, [sp]",
            "cmp r12, r4",
            "bne 2b",
            "add sp, sp, #4",
            inout("r4") end => _,
            out("r5") _,
            out("r0") _,
            out("r1") _,
            out("r2") _,
            out("r3") _,
            inout("r8") a0,
            inout("r9") a1,
            inout("r10") a2,
            inout("r11") a3,
            inout("r12") xp => _,
            inout("lr") wp => _,
        );
    }
    [a0, a1, a2, a3]
}

/// Dot product of an expanded input row `xe` (as for [`dot_group4`]) with a raw int8 weight
/// row `w` of `2 * xe.len()` bytes (any alignment), sign-extending the weights with `SXTB16`.
#[inline]
pub(super) fn dot_sxtb16(xe: &[u32], w: &[i8]) -> i32 {
    if xe.is_empty() || !xe.len().is_multiple_of(2) || w.len() < 2 * xe.len() {
        return 0;
    }
    let mut acc = 0i32;
    let end = xe.as_ptr_range().end;
    // SAFETY: reads `xe` two words per iteration up to `end` (an even number of words) and 4
    // weight bytes per iteration, `2 * xe.len()` bytes in all, checked above. The weight load is
    // a plain (unaligned-capable) `LDR`, which Cortex-M4/M7 permit; nothing is written.
    unsafe {
        core::arch::asm!(
            "2:",
            "ldrd {xe}, {xo}, [{xp}], #8",
            "ldr {w}, [{wp}], #4",
            "sxtb16 {t}, {w}",
            "sxtb16 {w}, {w}, ror #8",
            "smlad {acc}, {xe}, {t}, {acc}",
            "smlad {acc}, {xo}, {w}, {acc}",
            "cmp {xp}, {end}",
            "bne 2b",
            xp = inout(reg) xe.as_ptr() => _,
            wp = inout(reg) w.as_ptr() => _,
            end = in(reg) end,
            acc = inout(reg) acc,
            xe = out(reg) _,
            xo = out(reg) _,
            w = out(reg) _,
            t = out(reg) _,
            options(nostack, readonly),
        );
    }
    acc
}

/// Expands int8 inputs into 16-bit pairs (per 4 bytes `x0..x3` the words `(x0, x2)`,
/// `(x1, x3)`) with `SXTB16`. `x.len()` must be a positive multiple of 4 and `out` hold at least
/// `x.len() / 2` words; otherwise nothing is written.
#[inline]
pub(super) fn expand(x: &[i8], out: &mut [u32]) {
    if x.is_empty() || !x.len().is_multiple_of(4) || out.len() < x.len() / 2 {
        return;
    }
    let end = x.as_ptr_range().end;
    // SAFETY: reads `x` 4 bytes per iteration up to `end` (a multiple of 4 bytes; plain `LDR`
    // permits any alignment on Cortex-M4/M7) and writes two words of `out` per iteration,
    // `x.len() / 2` words in all, checked above; `out` is word-aligned (`&mut [u32]`).
    unsafe {
        core::arch::asm!(
            "2:",
            "ldr {w}, [{xp}], #4",
            "sxtb16 {e}, {w}",
            "sxtb16 {w}, {w}, ror #8",
            "strd {e}, {w}, [{op}], #8",
            "cmp {xp}, {end}",
            "bne 2b",
            xp = inout(reg) x.as_ptr() => _,
            op = inout(reg) out.as_mut_ptr() => _,
            end = in(reg) end,
            w = out(reg) _,
            e = out(reg) _,
            options(nostack),
        );
    }
}

/// Expands one int8 weight row `w` (a positive multiple of 4 bytes) into the packed group
/// layout: per 4 inputs the words `(w0, w2)`, `(w1, w3)` at `out[8 * i]` and `out[8 * i + 1]`
/// (the slots of one channel in a group of four; see `pack_weights`). `out` must hold at least
/// `8 * (w.len() / 4 - 1) + 2` words; otherwise nothing is written.
#[inline]
pub(super) fn expand_strided(w: &[i8], out: &mut [u32]) {
    let blocks = w.len() / 4;
    if blocks == 0 || !w.len().is_multiple_of(4) || out.len() < 8 * (blocks - 1) + 2 {
        return;
    }
    let end = w.as_ptr_range().end;
    // SAFETY: reads `w` 4 bytes per iteration up to `end` (plain `LDR`, any alignment on
    // Cortex-M4/M7) and writes two words at `out[8 * i]` per iteration i < blocks, the last at
    // `8 * (blocks - 1) + 1`, inside `out` as checked above; `out` is word-aligned.
    unsafe {
        core::arch::asm!(
            "2:",
            "ldr {w}, [{wp}], #4",
            "sxtb16 {e}, {w}",
            "sxtb16 {w}, {w}, ror #8",
            "strd {e}, {w}, [{op}], #32",
            "cmp {wp}, {end}",
            "bne 2b",
            wp = inout(reg) w.as_ptr() => _,
            op = inout(reg) out.as_mut_ptr() => _,
            end = in(reg) end,
            w = out(reg) _,
            e = out(reg) _,
            options(nostack),
        );
    }
}

/// [`crate::quant::requantize_smmlar`] saturated to int8: `ADD` (sign term), `LSL`, `SMMLAR`,
/// `ASR`, `SSAT #8`. `e` must be in `1..=31` (the shift uses its low byte).
#[inline(always)]
pub(super) fn requant_smmlar_sat8(x: i32, m: i32, offset: i32, e: u32) -> i32 {
    let t: i32;
    // SAFETY: register-only arithmetic of the DSP extension (SMMLAR, SSAT); no memory access.
    // SSAT sets the Q flag, hence no `preserves_flags`.
    unsafe {
        core::arch::asm!(
            "add {o}, {off}, {x}, asr #31",
            "lsl {t}, {x}, #1",
            "smmlar {t}, {t}, {m}, {o}",
            "asr {t}, {t}, {e}",
            "ssat {t}, #8, {t}",
            t = out(reg) t,
            o = out(reg) _,
            x = in(reg) x,
            m = in(reg) m,
            off = in(reg) offset,
            e = in(reg) e,
            options(pure, nomem, nostack),
        );
    }
    t
}

//! Cortex-M DSP-extension int8 kernels (SMLAD: two 16x16 multiply-accumulates per instruction),
//! bit-identical to the portable [`dense_i8_portable`](super::dense_i8_portable),
//! [`pointwise_i8_portable`](super::pointwise_i8_portable) and
//! [`pointwise_max_i8_portable`](super::pointwise_max_i8_portable).
//!
//! Compiled with the crate feature `dsp` on `target_arch = "arm"` (the `dsp` target feature
//! cannot be tested by `cfg` on stable Rust): enable it only for cores with the DSP extension
//! (Cortex-M4/M7/M33: `thumbv7em-*`, `thumbv8m.main-*`); Cortex-M0+/M3 cannot assemble SMLAD.
//! The inner loops are `core::arch::asm!` (`core::arch::arm::__smlad` is unstable), in
//! `dsp_asm.rs`.
//!
//! Three entry points per layer kind:
//! - [`pointwise_i8`] / [`dense_i8`]: what [`super::pointwise_i8`] / [`super::dense_i8`] call
//!   with the `dsp` feature on Arm (same signatures as the portable kernels): the raw weights are
//!   packed per group of four channels on the stack once per tile of points, then the packed
//!   inner loop below runs (4 KiB of stack); [`pointwise_max_i8`] likewise for
//!   [`super::pointwise_max_i8`] (6.3 KiB of stack with its per-channel extremes);
//! - [`pointwise_i8_sxtb16`] / [`dense_i8_sxtb16`]: each input row is expanded once into
//!   16-bit pairs, the weights are sign-extended on the fly (`SXTB16`): one `LDRD`, one `LDR`,
//!   two `SXTB16` and two `SMLAD` per 4 multiply-accumulates; any `cin`;
//! - [`pointwise_i8_packed`] / [`dense_i8_packed`]: weights packed once (offline or at start-up)
//!   by [`pack_weights`] into the SMLAD order, and each input row expanded once into 16-bit pairs;
//!   the inner loop then is one `LDRD` (input), two `LDM` (weights of four channels) and eight
//!   `SMLAD` per 16 multiply-accumulates.
//!
//! Integer addition is associative (wrapping i32), so summing the products in another order
//! gives the same accumulator; requantization is the exact TFLite Micro double rounding
//! ([`multiply_by_quantized_multiplier`]). The QEMU firmware (`firmware/qemu`, binary `dsp`)
//! compares every kernel here with the portable one on random inputs.

#[path = "dsp_asm.rs"]
mod asm;

use super::chunks::{tiles_zip, ChunksNz};
use super::QParams;
use crate::quant::{
    multiply_by_quantized_multiplier, smmlar_offset, smmlar_requant_exact, SMMLAR_X_LIMIT,
};
use core::fmt;
use core::mem::MaybeUninit;

/// Output channels computed together by the packed kernel.
pub const GROUP: usize = 4;
/// Input channels per unrolled step of the packed kernel (inputs are zero-padded to it).
pub const K_STEP: usize = 8;
/// Largest `cin` the packed kernels expand on the stack (`MAX_CIN / 2` words); layers with more
/// input channels fall back to the drop-in kernel.
pub const MAX_CIN: usize = 512;
/// Points expanded together by the packed kernels (fewer when `cin` is large).
const TILE_POINTS: usize = 16;
/// Largest `cin` the grouped kernels ([`pointwise_i8`], [`dense_i8`]) pack on the stack
/// (`2 * MAX_GROUP_CIN` words); wider layers use the SXTB16 kernel.
pub const MAX_GROUP_CIN: usize = 256;
/// Stack words for the expanded tile (2 KiB).
const TILE_WORDS: usize = 512;

/// Errors of the DSP weight packing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum DspError {
    /// The weight slice is shorter than `cin * cout`.
    WeightsTooShort {
        /// `cin * cout`.
        needed: usize,
        /// The slice length.
        given: usize,
    },
    /// The packed buffer is shorter than [`packed_words`]`(cin, cout)`.
    PackedTooSmall {
        /// Words needed.
        needed: usize,
        /// Words given.
        given: usize,
    },
    /// `cin * cout` overflows `usize`, or `cin` exceeds [`MAX_CIN`].
    TooLarge {
        /// Input channels.
        cin: usize,
        /// Output channels.
        cout: usize,
    },
}

impl fmt::Display for DspError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WeightsTooShort { needed, given } => {
                write!(f, "weights hold {given} values, the layer needs {needed}")
            }
            Self::PackedTooSmall { needed, given } => {
                write!(
                    f,
                    "packed buffer holds {given} words, packing needs {needed}"
                )
            }
            Self::TooLarge { cin, cout } => {
                write!(
                    f,
                    "layer {cin}x{cout} too large for the DSP kernels (cin <= {MAX_CIN})"
                )
            }
        }
    }
}

impl core::error::Error for DspError {}

/// `cin` rounded up to a multiple of [`K_STEP`].
const fn padded_cin(cin: usize) -> usize {
    cin.div_ceil(K_STEP) * K_STEP
}

/// Words [`pack_weights`] writes for a `cout x cin` layer (`None` on overflow).
pub const fn packed_words(cin: usize, cout: usize) -> Option<usize> {
    // Per group of 4 channels and per 4 inputs: 2 words per channel.
    let groups = cout.div_ceil(GROUP);
    groups.checked_mul(padded_cin(cin) / 4 * 2 * GROUP)
}

/// Two signed bytes as the halves of one word: `lo` in bits 0..16, `hi` in bits 16..32.
#[inline(always)]
fn pair(lo: i8, hi: i8) -> u32 {
    u32::from(lo as i16 as u16) | (u32::from(hi as i16 as u16) << 16)
}

/// Packs `cout x cin` int8 weights for [`pointwise_i8_packed`] / [`dense_i8_packed`]: channels
/// in groups of [`GROUP`] (the last group zero-padded), inputs zero-padded to [`K_STEP`]; for
/// each group and each 4 inputs `k..k+4`, per channel the words `(w[k], w[k+2])` and
/// `(w[k+1], w[k+3])` as 16-bit halves (the order `SXTB16` gives the input bytes).
pub fn pack_weights(
    weights: &[i8],
    cin: usize,
    cout: usize,
    packed: &mut [u32],
) -> Result<(), DspError> {
    let too_large = DspError::TooLarge { cin, cout };
    let needed_w = cin.checked_mul(cout).ok_or(too_large)?;
    let needed_p = packed_words(cin, cout).ok_or(too_large)?;
    if cin > MAX_CIN {
        return Err(too_large);
    }
    let w = weights.get(..needed_w).ok_or(DspError::WeightsTooShort {
        needed: needed_w,
        given: weights.len(),
    })?;
    let given = packed.len();
    let p = packed.get_mut(..needed_p).ok_or(DspError::PackedTooSmall {
        needed: needed_p,
        given,
    })?;
    let at = |c: usize, k: usize| -> i8 {
        if c < cout && k < cin {
            w.get(c * cin + k).copied().unwrap_or(0)
        } else {
            0
        }
    };
    let kp = padded_cin(cin);
    let mut words = p.iter_mut();
    for g in 0..cout.div_ceil(GROUP) {
        for k in (0..kp).step_by(4) {
            for j in 0..GROUP {
                let c = g * GROUP + j;
                if let Some(word) = words.next() {
                    *word = pair(at(c, k), at(c, k + 2));
                }
                if let Some(word) = words.next() {
                    *word = pair(at(c, k + 1), at(c, k + 3));
                }
            }
        }
    }
    Ok(())
}

/// The first `len` words of the stack scratch `buf` (all of it when shorter), zeroed: only the
/// part a layer uses is filled, not the whole 2 KiB tile (filling it cost more than the work of a
/// 16x16 layer). Every kernel here writes each word of it before reading it; the zeros only make
/// the words initialized.
#[inline(always)]
fn zeroed_prefix(buf: &mut [MaybeUninit<u32>], len: usize) -> &mut [u32] {
    let n = len.min(buf.len());
    let head = buf.get_mut(..n).unwrap_or(&mut []);
    for w in head.iter_mut() {
        w.write(0);
    }
    // SAFETY: every element of `head` was written just above, and `MaybeUninit<u32>` has the
    // size, alignment and layout of `u32`; the result borrows `buf` mutably for its lifetime,
    // as `head` did.
    unsafe { &mut *(head as *mut [MaybeUninit<u32>] as *mut [u32]) }
}

/// Expands one input row into 16-bit pairs in the packed order (zero-padded to [`K_STEP`]):
/// the multiple-of-4 body with `SXTB16`, the tail and the padding in plain Rust.
#[inline]
fn expand_row(x: &[i8], kp: usize, out: &mut [u32]) {
    let body = x.len() / 4 * 4;
    let (head, tail) = x.split_at(body);
    let (out_head, out_tail) = out.split_at_mut((body / 2).min(out.len()));
    asm::expand(head, out_head);
    let at = |k: usize| tail.get(k).copied().unwrap_or(0);
    for (k, words) in (0..kp.saturating_sub(body))
        .step_by(4)
        .zip(out_tail.chunks_nz_mut(2))
    {
        if let [e, o] = words {
            *e = pair(at(k), at(k + 2));
            *o = pair(at(k + 1), at(k + 3));
        }
    }
}

/// The exact requantization of the portable kernels (TFLite Micro double rounding).
#[inline(always)]
fn requant(acc: i32, bias: i32, m: i32, s: i32, zp: i32, lo: i32, hi: i32) -> i8 {
    multiply_by_quantized_multiplier(acc.wrapping_add(bias), m, s)
        .wrapping_add(zp)
        .clamp(lo, hi) as i8
}

/// One output channel's requantization with everything that depends only on the channel
/// computed once: [`Requant::apply`] gives exactly [`requant`].
///
/// The fast form (`fast` set: `shift` in `-22..=0`, `multiplier != i32::MIN`, output zero point
/// in `-128..=127`; every channel of a converted model with a scale below one) is exact:
/// - gemmlowp's `SaturatingRoundingDoublingHighMul` (nudge `2^30` or `1 - 2^30`, then a
///   division truncating toward zero) equals `floor((x * m + 2^30) / 2^31)`: for `x * m = -v < 0`
///   both are `-floor((v + 2^30 - 1) / 2^31)`, and saturation needs `x = m = i32::MIN`;
/// - `RoundingDivideByPOT(h, e)` (ties away from zero) equals
///   `floor((h + 2^(e-1) - [h < 0]) / 2^e)` for `e >= 1`, and `h` for `e = 0` (`round = 0`,
///   no sign term). The sum is taken saturating: it can only saturate for `h > 2^31 - 2^(e-1)`,
///   where the exact result is at least `2^(31-e) >= 512` and the saturated one one less, both
///   clamped to the same int8 bound after adding a zero point in `-128..=127`.
///
/// The `SMMLAR` form (`mm` set: [`smmlar_requant_exact`] for every accumulator of the layer,
/// `|acc| <= |bias| + cin * 2^14`) is [`requantize_smmlar`](crate::quant::requantize_smmlar)
/// with the zero point folded into the rounding constant: `ADD` (sign term), `LSL`, `SMMLAR`,
/// `ASR`, `SSAT #8`, then the activation clamp only when it is narrower than int8.
///
/// The accumulator arrives with the bias already added (the DSP loops start from it).
#[derive(Clone, Copy, Default)]
struct Requant {
    bias: i32,
    m: i32,
    s: i32,
    e: u32,
    round: i32,
    neg: u32,
    fast: bool,
    mm: bool,
    offset: i32,
}

impl Requant {
    #[inline(always)]
    fn new(bias: i32, m: i32, s: i32, zp: i32, cin: usize) -> Self {
        let e = s.saturating_neg().clamp(0, 31) as u32;
        let round = if e == 0 { 0 } else { 1i32 << (e - 1) };
        let fast = (-22..=0).contains(&s) && m != i32::MIN && (-128..=127).contains(&zp);
        // |x * w| <= 2^14 per multiply-accumulate.
        let bound = u64::from(bias.unsigned_abs()) + (cin as u64) * (1 << 14);
        let mm = bound < u64::from(SMMLAR_X_LIMIT)
            && smmlar_requant_exact(m, s, zp, bound as u32)
            && fast;
        Self {
            bias,
            m,
            s,
            e,
            round,
            neg: u32::from(e > 0),
            fast,
            mm,
            offset: smmlar_offset(s, zp),
        }
    }

    /// [`Requant::apply`] for a channel with `mm` set.
    #[inline(always)]
    fn apply_mm(&self, x: i32, lo: i32, hi: i32) -> i8 {
        self.apply_mm8(x).clamp(lo, hi) as i8
    }

    /// [`Requant::apply_mm`] without the activation clamp (full int8 range).
    #[inline(always)]
    fn apply_mm8(&self, x: i32) -> i32 {
        asm::requant_smmlar_sat8(x, self.m, self.offset, self.e)
    }

    /// Requantizes an accumulator that already includes the bias.
    #[inline(always)]
    fn apply(&self, acc_with_bias: i32, zp: i32, lo: i32, hi: i32) -> i8 {
        if self.mm {
            return self.apply_mm(acc_with_bias, lo, hi);
        }
        if !self.fast {
            let acc = acc_with_bias.wrapping_sub(self.bias);
            return requant(acc, self.bias, self.m, self.s, zp, lo, hi);
        }
        self.apply_fast(acc_with_bias, zp, lo, hi)
    }

    /// [`Requant::apply`] for a channel with `fast` set.
    #[inline(always)]
    fn apply_fast(&self, x: i32, zp: i32, lo: i32, hi: i32) -> i8 {
        let h = ((i64::from(x) * i64::from(self.m) + (1 << 30)) >> 31) as i32;
        let t = h
            .saturating_add(self.round)
            .wrapping_sub(((h as u32 >> 31) & self.neg) as i32);
        (t >> self.e).wrapping_add(zp).clamp(lo, hi) as i8
    }
}

/// The requantization of channel `c` of `q` (a zero channel when `q` does not cover it: only
/// padding channels, whose outputs are never written).
#[inline(always)]
fn channel(q: &QParams, c: usize, cin: usize) -> Requant {
    match (q.bias.get(c), q.multiplier.get(c), q.shift.get(c)) {
        (Some(&b), Some(&m), Some(&s)) => Requant::new(b, m, s, q.out_zero_point, cin),
        _ => Requant::default(),
    }
}

/// The clamp bounds of `q`, made safe to cast to i8 (as the portable kernels do).
#[inline(always)]
fn bounds(q: &QParams) -> (i32, i32) {
    let lo = q.act_min.clamp(-128, 127);
    (lo, q.act_max.clamp(-128, 127).max(lo))
}

/// int8 pointwise layer with weights packed by [`pack_weights`]: `input` is `n x cin`, `out` is
/// `n x cout`. Bit-identical to [`super::pointwise_i8_portable`] on the unpacked weights. Writes nothing
/// when a slice is too short for the shapes or `cin > MAX_CIN`.
pub fn pointwise_i8_packed(
    input: &[i8],
    n: usize,
    packed: &[u32],
    cin: usize,
    cout: usize,
    q: &QParams,
    out: &mut [i8],
) {
    let (Some(xlen), Some(olen), Some(plen)) = (
        n.checked_mul(cin),
        n.checked_mul(cout),
        packed_words(cin, cout),
    ) else {
        return;
    };
    let (Some(x), Some(o), Some(p)) = (input.get(..xlen), out.get_mut(..olen), packed.get(..plen))
    else {
        return;
    };
    if !q.covers(cout) || cin > MAX_CIN || cin == 0 || cout == 0 {
        return;
    }
    let (lo, hi) = bounds(q);
    let zp = q.out_zero_point;
    let kp = padded_cin(cin);
    let row_words = kp / 2;
    let group_words = kp / 4 * 2 * GROUP;
    // A tile of points expanded once, then every channel group over the tile (so the group's
    // requantization constants are computed once per tile).
    let tile = (TILE_WORDS / row_words).clamp(1, TILE_POINTS);
    let mut xs_buf = [MaybeUninit::<u32>::uninit(); TILE_WORDS];
    let xs = zeroed_prefix(&mut xs_buf, tile.min(n) * row_words);
    for (xt, ot) in tiles_zip(x, tile * cin, o, tile * cout) {
        for (xr, xe) in xt.chunks_nz(cin).zip(xs.chunks_nz_mut(row_words)) {
            expand_row(xr, kp, xe);
        }
        for (g, pw) in p.chunks_nz(group_words).enumerate() {
            let c0 = g * GROUP;
            let rq = [
                channel(q, c0, cin),
                channel(q, c0 + 1, cin),
                channel(q, c0 + 2, cin),
                channel(q, c0 + 3, cin),
            ];
            let all_mm = rq.iter().all(|r| r.mm);
            let full = (lo, hi) == (-128, 127);
            let all_fast = rq.iter().all(|r| r.fast);
            for (xe, orow) in xs.chunks_nz(row_words).zip(ot.chunks_nz_mut(cout)) {
                let acc = asm::dot_group4(xe, pw, [rq[0].bias, rq[1].bias, rq[2].bias, rq[3].bias]);
                match orow.get_mut(c0..c0 + GROUP) {
                    Some([o0, o1, o2, o3]) if all_mm && full => {
                        *o0 = rq[0].apply_mm8(acc[0]) as i8;
                        *o1 = rq[1].apply_mm8(acc[1]) as i8;
                        *o2 = rq[2].apply_mm8(acc[2]) as i8;
                        *o3 = rq[3].apply_mm8(acc[3]) as i8;
                    }
                    Some([o0, o1, o2, o3]) if all_mm => {
                        *o0 = rq[0].apply_mm(acc[0], lo, hi);
                        *o1 = rq[1].apply_mm(acc[1], lo, hi);
                        *o2 = rq[2].apply_mm(acc[2], lo, hi);
                        *o3 = rq[3].apply_mm(acc[3], lo, hi);
                    }
                    Some([o0, o1, o2, o3]) if all_fast => {
                        *o0 = rq[0].apply_fast(acc[0], zp, lo, hi);
                        *o1 = rq[1].apply_fast(acc[1], zp, lo, hi);
                        *o2 = rq[2].apply_fast(acc[2], zp, lo, hi);
                        *o3 = rq[3].apply_fast(acc[3], zp, lo, hi);
                    }
                    _ => {
                        let oc = orow.get_mut(c0..).unwrap_or(&mut []);
                        for ((o, a), r) in oc.iter_mut().zip(acc).zip(&rq) {
                            *o = r.apply(a, zp, lo, hi);
                        }
                    }
                }
            }
        }
    }
}

/// int8 dense layer with packed weights ([`pointwise_i8_packed`] with one point).
pub fn dense_i8_packed(
    input: &[i8],
    packed: &[u32],
    cin: usize,
    cout: usize,
    q: &QParams,
    out: &mut [i8],
) {
    pointwise_i8_packed(input, 1, packed, cin, cout, q, out);
}

/// int8 pointwise layer (same signature and result as [`super::pointwise_i8_portable`]) for any
/// `cin`: weights sign-extended on the fly, one output channel per pass over the expanded input.
pub fn pointwise_i8_sxtb16(
    input: &[i8],
    n: usize,
    weights: &[i8],
    cin: usize,
    cout: usize,
    q: &QParams,
    out: &mut [i8],
) {
    let (Some(xlen), Some(olen), Some(wlen)) = (
        n.checked_mul(cin),
        n.checked_mul(cout),
        cin.checked_mul(cout),
    ) else {
        return;
    };
    let (Some(x), Some(o), Some(w)) = (input.get(..xlen), out.get_mut(..olen), weights.get(..wlen))
    else {
        return;
    };
    if !q.covers(cout) || cout == 0 {
        return;
    }
    if cin == 0 || cin > MAX_CIN {
        super::pointwise_i8_portable(input, n, weights, cin, cout, q, out);
        return;
    }
    let (lo, hi) = bounds(q);
    let zp = q.out_zero_point;
    let kp = padded_cin(cin);
    let body = cin / 4 * 4;
    let row_words = kp / 2;
    let tile = (TILE_WORDS / row_words).clamp(1, TILE_POINTS);
    let mut xs_buf = [MaybeUninit::<u32>::uninit(); TILE_WORDS];
    let xs = zeroed_prefix(&mut xs_buf, tile.min(n) * row_words);
    for (xt, ot) in tiles_zip(x, tile * cin, o, tile * cout) {
        for (xr, xe) in xt.chunks_nz(cin).zip(xs.chunks_nz_mut(row_words)) {
            expand_row(xr, kp, xe);
        }
        for (c, wr) in w.chunks_nz(cin).enumerate() {
            let r = channel(q, c, cin);
            let (w4, wt) = wr.split_at(body);
            let rows = xs.chunks_nz(row_words).zip(xt.chunks_nz(cin));
            for ((xe, xr), orow) in rows.zip(ot.chunks_nz_mut(cout)) {
                let xe4 = xe.get(..body / 2).unwrap_or(&[]);
                let mut acc = asm::dot_sxtb16(xe4, w4).wrapping_add(r.bias);
                for (&xv, &wv) in xr.get(body..).unwrap_or(&[]).iter().zip(wt) {
                    acc = acc.wrapping_add(i32::from(xv) * i32::from(wv));
                }
                if let Some(o) = orow.get_mut(c) {
                    *o = r.apply(acc, zp, lo, hi);
                }
            }
        }
    }
}

/// int8 dense layer with weights sign-extended on the fly ([`pointwise_i8_sxtb16`], one point).
pub fn dense_i8_sxtb16(
    input: &[i8],
    weights: &[i8],
    cin: usize,
    cout: usize,
    q: &QParams,
    out: &mut [i8],
) {
    pointwise_i8_sxtb16(input, 1, weights, cin, cout, q, out);
}

/// Packs channel group `g` (channels `4g..4g+4`, zero beyond `cout`) of the `cout x cin`
/// weights `w` into `out` (`2 * padded_cin(cin)` words) in the [`pack_weights`] order.
fn pack_group(w: &[i8], cin: usize, cout: usize, g: usize, out: &mut [u32]) {
    let kp = padded_cin(cin);
    let body = cin / 4 * 4;
    for j in 0..GROUP {
        let c = g * GROUP + j;
        let row = if c < cout {
            w.get(c * cin..c * cin + cin).unwrap_or(&[])
        } else {
            &[]
        };
        let (head, tail) = row.split_at(body.min(row.len()));
        if !head.is_empty() {
            asm::expand_strided(head, out.get_mut(2 * j..).unwrap_or(&mut []));
        }
        let from = if head.is_empty() { 0 } else { body };
        let at = |k: usize| -> i8 {
            if head.is_empty() {
                row.get(k).copied().unwrap_or(0)
            } else {
                tail.get(k - body).copied().unwrap_or(0)
            }
        };
        for k in (from..kp).step_by(4) {
            let base = k / 4 * 2 * GROUP + 2 * j;
            if let Some([e, o]) = out.get_mut(base..base + 2) {
                *e = pair(at(k), at(k + 2));
                *o = pair(at(k + 1), at(k + 3));
            }
        }
    }
}

/// True when [`pointwise_i8`]'s grouped kernel retires fewer instructions than the portable
/// one on `n` points of `cin` inputs (measured under QEMU by the `dsp` firmware, table
/// "small layers"): packing a group's weights and setting up its requantization costs about a
/// thousand instructions, which only enough points amortize. One point (every dense layer up
/// to 96x96) stays faster portable (1x16 -> 16: 2,019 portable, 4,761 grouped); two points
/// need 64 inputs, three or more `n * padded_cin >= 48`.
#[inline]
fn grouped_pays(n: usize, cin: usize) -> bool {
    let kp = padded_cin(cin);
    n >= 2 && (kp >= 64 || (n >= 3 && n.saturating_mul(kp) >= 48))
}

/// The int8 pointwise layer of the engine on Cortex-M4/M7 (same signature and result as
/// [`super::pointwise_i8_portable`]; [`super::pointwise_i8`] calls it with the `dsp` feature).
///
/// The raw `cout x cin` weights of the blob are packed per group of four channels on the
/// stack (`SXTB16`, one `LDR` + two `SXTB16` + one `STRD` per 4 weights) once per tile of up
/// to 16 points expanded the same way, then [`pointwise_i8_packed`]'s inner loop (one `LDRD`,
/// two `LDM`, eight `SMLAD` per 16 multiply-accumulates) runs over the tile. Stack: 4 KiB.
/// Layers with `cin > MAX_GROUP_CIN` use [`pointwise_i8_sxtb16`]; layers too small to pay for
/// the packing (one point, or few points of few inputs: see `grouped_pays`) the portable
/// kernel.
pub fn pointwise_i8(
    input: &[i8],
    n: usize,
    weights: &[i8],
    cin: usize,
    cout: usize,
    q: &QParams,
    out: &mut [i8],
) {
    if cin == 0 || cin > MAX_GROUP_CIN {
        pointwise_i8_sxtb16(input, n, weights, cin, cout, q, out);
        return;
    }
    if !grouped_pays(n, cin) {
        super::pointwise_i8_portable(input, n, weights, cin, cout, q, out);
        return;
    }
    let (Some(xlen), Some(olen), Some(wlen)) = (
        n.checked_mul(cin),
        n.checked_mul(cout),
        cin.checked_mul(cout),
    ) else {
        return;
    };
    let (Some(x), Some(o), Some(w)) = (input.get(..xlen), out.get_mut(..olen), weights.get(..wlen))
    else {
        return;
    };
    if !q.covers(cout) || cout == 0 {
        return;
    }
    let (lo, hi) = bounds(q);
    let zp = q.out_zero_point;
    let kp = padded_cin(cin);
    let row_words = kp / 2;
    let group_words = kp / 4 * 2 * GROUP;
    let tile = (TILE_WORDS / row_words).clamp(1, TILE_POINTS);
    let mut xs_buf = [MaybeUninit::<u32>::uninit(); TILE_WORDS];
    let xs = zeroed_prefix(&mut xs_buf, tile.min(n) * row_words);
    let mut pw_buf = [MaybeUninit::<u32>::uninit(); 2 * MAX_GROUP_CIN];
    let pw = zeroed_prefix(&mut pw_buf, group_words);
    if pw.len() < group_words {
        return;
    }
    for (xt, ot) in tiles_zip(x, tile * cin, o, tile * cout) {
        for (xr, xe) in xt.chunks_nz(cin).zip(xs.chunks_nz_mut(row_words)) {
            expand_row(xr, kp, xe);
        }
        for g in 0..cout.div_ceil(GROUP) {
            pack_group(w, cin, cout, g, pw);
            let c0 = g * GROUP;
            let rq = [
                channel(q, c0, cin),
                channel(q, c0 + 1, cin),
                channel(q, c0 + 2, cin),
                channel(q, c0 + 3, cin),
            ];
            let all_mm = rq.iter().all(|r| r.mm);
            let full = (lo, hi) == (-128, 127);
            let all_fast = rq.iter().all(|r| r.fast);
            for (xe, orow) in xs.chunks_nz(row_words).zip(ot.chunks_nz_mut(cout)) {
                let acc = asm::dot_group4(xe, pw, [rq[0].bias, rq[1].bias, rq[2].bias, rq[3].bias]);
                match orow.get_mut(c0..c0 + GROUP) {
                    Some([o0, o1, o2, o3]) if all_mm && full => {
                        *o0 = rq[0].apply_mm8(acc[0]) as i8;
                        *o1 = rq[1].apply_mm8(acc[1]) as i8;
                        *o2 = rq[2].apply_mm8(acc[2]) as i8;
                        *o3 = rq[3].apply_mm8(acc[3]) as i8;
                    }
                    Some([o0, o1, o2, o3]) if all_mm => {
                        *o0 = rq[0].apply_mm(acc[0], lo, hi);
                        *o1 = rq[1].apply_mm(acc[1], lo, hi);
                        *o2 = rq[2].apply_mm(acc[2], lo, hi);
                        *o3 = rq[3].apply_mm(acc[3], lo, hi);
                    }
                    Some([o0, o1, o2, o3]) if all_fast => {
                        *o0 = rq[0].apply_fast(acc[0], zp, lo, hi);
                        *o1 = rq[1].apply_fast(acc[1], zp, lo, hi);
                        *o2 = rq[2].apply_fast(acc[2], zp, lo, hi);
                        *o3 = rq[3].apply_fast(acc[3], zp, lo, hi);
                    }
                    _ => {
                        let oc = orow.get_mut(c0..).unwrap_or(&mut []);
                        for ((o, a), r) in oc.iter_mut().zip(acc).zip(&rq) {
                            *o = r.apply(a, zp, lo, hi);
                        }
                    }
                }
            }
        }
    }
}

/// Largest `cout` [`pointwise_max_i8`] tracks on the stack; wider layers use the portable kernel.
pub const MAX_MAX_COUT: usize = 256;

/// The int8 pointwise layer fused with max pooling over the points on Cortex-M4/M7 (same
/// signature and result as [`super::pointwise_max_i8_portable`], which documents why tracking
/// the extreme accumulator is exact for channels with `shift <= 0`). Same tiling and packing as
/// [`pointwise_i8`]; per-channel state on the stack (`cout <= MAX_MAX_COUT`, 2.3 KiB).
pub fn pointwise_max_i8(
    input: &[i8],
    n: usize,
    weights: &[i8],
    cin: usize,
    cout: usize,
    q: &QParams,
    out: &mut [i8],
) {
    if n == 0 || cin == 0 || cin > MAX_GROUP_CIN || cout > MAX_MAX_COUT {
        super::pointwise_max_i8_portable(input, n, weights, cin, cout, q, out);
        return;
    }
    let (Some(xlen), Some(wlen)) = (n.checked_mul(cin), cin.checked_mul(cout)) else {
        return;
    };
    let (Some(x), Some(o), Some(w)) = (input.get(..xlen), out.get_mut(..cout), weights.get(..wlen))
    else {
        return;
    };
    if !q.covers(cout) || cout == 0 {
        return;
    }
    let (lo, hi) = bounds(q);
    let zp = q.out_zero_point;
    let kp = padded_cin(cin);
    let row_words = kp / 2;
    let group_words = kp / 4 * 2 * GROUP;
    let tile = (TILE_WORDS / row_words).clamp(1, TILE_POINTS);
    let mut xs_buf = [MaybeUninit::<u32>::uninit(); TILE_WORDS];
    let xs = zeroed_prefix(&mut xs_buf, tile.min(n) * row_words);
    let mut pw_buf = [MaybeUninit::<u32>::uninit(); 2 * MAX_GROUP_CIN];
    let pw = zeroed_prefix(&mut pw_buf, group_words);
    if pw.len() < group_words {
        return;
    }
    let mut mx = [i32::MIN; MAX_MAX_COUT];
    let mut mn = [i32::MAX; MAX_MAX_COUT];
    let mut best = [i8::MIN; MAX_MAX_COUT];
    for xt in x.chunks((tile * cin).max(1)) {
        for (xr, xe) in xt.chunks_nz(cin).zip(xs.chunks_nz_mut(row_words)) {
            expand_row(xr, kp, xe);
        }
        let rows = xt.len() / cin;
        for g in 0..cout.div_ceil(GROUP) {
            pack_group(w, cin, cout, g, pw);
            let c0 = g * GROUP;
            let rq = [
                channel(q, c0, cin),
                channel(q, c0 + 1, cin),
                channel(q, c0 + 2, cin),
                channel(q, c0 + 3, cin),
            ];
            let (Some(mx), Some(mn), Some(best)) = (
                mx.get_mut(c0..c0 + GROUP),
                mn.get_mut(c0..c0 + GROUP),
                best.get_mut(c0..c0 + GROUP),
            ) else {
                return;
            };
            let track = rq.iter().all(|r| r.s <= 0);
            for xe in xs.chunks_nz(row_words).take(rows) {
                let acc = asm::dot_group4(xe, pw, [0; GROUP]);
                if track {
                    for ((mx, mn), a) in mx.iter_mut().zip(mn.iter_mut()).zip(acc) {
                        *mx = (*mx).max(a);
                        *mn = (*mn).min(a);
                    }
                } else {
                    for (((mx, mn), b), (a, r)) in mx
                        .iter_mut()
                        .zip(mn.iter_mut())
                        .zip(best.iter_mut())
                        .zip(acc.iter().zip(&rq))
                    {
                        if r.s <= 0 {
                            *mx = (*mx).max(*a);
                            *mn = (*mn).min(*a);
                        } else {
                            *b = (*b).max(requant(*a, r.bias, r.m, r.s, zp, lo, hi));
                        }
                    }
                }
            }
        }
    }
    for (c, o) in o.iter_mut().enumerate() {
        let r = channel(q, c, cin);
        let (Some(&mxc), Some(&mnc), Some(&bc)) = (mx.get(c), mn.get(c), best.get(c)) else {
            return;
        };
        *o = if r.s <= 0 {
            let acc = if r.m >= 0 { mxc } else { mnc };
            requant(acc, r.bias, r.m, r.s, zp, lo, hi)
        } else {
            bc
        };
    }
}

/// The int8 dense layer of the engine on Cortex-M4/M7: [`pointwise_i8`] with one point, which
/// never pays for the grouped kernel's packing (`grouped_pays`), so the portable
/// [`super::dense_i8_portable`] up to `MAX_GROUP_CIN` inputs (called directly: the portable
/// pointwise kernel with one point costs about 60 instructions more per layer) and
/// [`pointwise_i8_sxtb16`] above.
#[inline]
pub fn dense_i8(
    input: &[i8],
    weights: &[i8],
    cin: usize,
    cout: usize,
    q: &QParams,
    out: &mut [i8],
) {
    if cin == 0 || cin > MAX_GROUP_CIN {
        pointwise_i8_sxtb16(input, 1, weights, cin, cout, q, out);
    } else {
        super::dense_i8_portable(input, weights, cin, cout, q, out);
    }
}

//! Little-endian field readers over byte slices. Out-of-range reads return 0; the validator
//! checks every range before the accessors rely on them, so that fallback is never observed on
//! a validated blob.

#[inline]
pub(crate) fn u8_at(b: &[u8], off: usize) -> u8 {
    b.get(off).copied().unwrap_or(0)
}

#[inline]
fn array<const K: usize>(b: &[u8], off: usize) -> [u8; K] {
    let mut out = [0u8; K];
    if let Some(src) = off.checked_add(K).and_then(|end| b.get(off..end)) {
        out.copy_from_slice(src);
    }
    out
}

#[inline]
pub(crate) fn u16_at(b: &[u8], off: usize) -> u16 {
    u16::from_le_bytes(array(b, off))
}

#[inline]
pub(crate) fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(array(b, off))
}

#[inline]
pub(crate) fn i32_at(b: &[u8], off: usize) -> i32 {
    i32::from_le_bytes(array(b, off))
}

#[inline]
pub(crate) fn u64_at(b: &[u8], off: usize) -> u64 {
    u64::from_le_bytes(array(b, off))
}

#[inline]
pub(crate) fn f32_at(b: &[u8], off: usize) -> f32 {
    f32::from_le_bytes(array(b, off))
}

/// `b[off..off + len]`, or an empty slice when out of range.
#[inline]
pub(crate) fn slice(b: &[u8], off: usize, len: usize) -> &[u8] {
    off.checked_add(len)
        .and_then(|end| b.get(off..end))
        .unwrap_or(&[])
}

/// `b[off..off + len]` if in range.
#[inline]
pub(crate) fn checked_slice(b: &[u8], off: usize, len: usize) -> Option<&[u8]> {
    off.checked_add(len).and_then(|end| b.get(off..end))
}

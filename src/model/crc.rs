//! CRC-32 (IEEE 802.3: reflected polynomial `0xEDB8_8320`, initial value and final XOR
//! `0xFFFF_FFFF`), the checksum of the blob body. Same as zlib's `crc32` and Python's
//! `zlib.crc32`.

/// The 256-entry lookup table, computed at compile time (1 KiB of flash).
const TABLE: [u32; 256] = build_table();

#[allow(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an out-of-range index would be a build error"
)]
const fn build_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
}

/// CRC-32 of `bytes` (zlib / PNG / Ethernet convention).
///
/// ```
/// assert_eq!(equiframe::model::crc32(b"123456789"), 0xCBF4_3926);
/// ```
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        let idx = ((crc ^ u32::from(b)) & 0xFF) as usize;
        // The index is masked to 0..=255, so `get` always succeeds.
        crc = TABLE.get(idx).copied().unwrap_or(0) ^ (crc >> 8);
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::crc32;

    #[test]
    fn known_vectors() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(
            crc32(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
    }
}

//! [`AlignedBuf`]: an owned, 16-byte aligned copy of blob bytes (a `Vec<u8>` read from a file
//! has no alignment guarantee, and the reader needs 4).

/// Owned bytes starting on a 16-byte boundary.
#[derive(Clone, Debug, Default)]
pub struct AlignedBuf {
    words: Vec<u128>,
    len: usize,
}

impl AlignedBuf {
    /// Copies `bytes` into aligned storage.
    pub fn from_slice(bytes: &[u8]) -> Self {
        let mut words = vec![0u128; bytes.len().div_ceil(16)];
        let dst: &mut [u8] = bytemuck_bytes_mut(&mut words);
        dst[..bytes.len()].copy_from_slice(bytes);
        Self {
            words,
            len: bytes.len(),
        }
    }
    /// The bytes (16-byte aligned).
    pub fn as_bytes(&self) -> &[u8] {
        let all: &[u8] = bytemuck_bytes(&self.words);
        &all[..self.len]
    }
    /// The bytes, mutable (for corruption tests).
    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        let len = self.len;
        &mut bytemuck_bytes_mut(&mut self.words)[..len]
    }
}

fn bytemuck_bytes(w: &[u128]) -> &[u8] {
    // SAFETY: u128 has no padding and every byte pattern is a valid u8; the length is the
    // byte size of the slice and the lifetime is the input's.
    unsafe { core::slice::from_raw_parts(w.as_ptr().cast::<u8>(), core::mem::size_of_val(w)) }
}

fn bytemuck_bytes_mut(w: &mut [u128]) -> &mut [u8] {
    // SAFETY: as above; every u8 pattern written is a valid u128 byte, and the borrow is
    // exclusive for the returned lifetime.
    unsafe {
        core::slice::from_raw_parts_mut(w.as_mut_ptr().cast::<u8>(), core::mem::size_of_val(w))
    }
}

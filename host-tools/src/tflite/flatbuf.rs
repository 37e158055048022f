//! A bounds-checked FlatBuffers reader: tables, vectors, strings and scalars of an untrusted
//! buffer. Every access checks its offset against the buffer and returns
//! [`TfliteError::OutOfBounds`] instead of panicking; nothing here is `unsafe`.
//!
//! Wire format (FlatBuffers): the buffer starts with a `u32` offset to the root table; a table
//! starts with an `i32` pointing back to its vtable (`vtable = table - soffset`); the vtable is
//! `u16 vtable_len, u16 table_len, u16 field_offset[..]` (0 = field absent, the default
//! applies); reference fields hold a `u32` offset relative to their own position; a vector is a
//! `u32` length followed by its elements, a string a vector of bytes.

use super::TfliteError;

/// Reads `N` bytes at `at`.
fn bytes<const N: usize>(
    buf: &[u8],
    at: usize,
    what: &'static str,
) -> Result<[u8; N], TfliteError> {
    at.checked_add(N)
        .and_then(|end| buf.get(at..end))
        .and_then(|s| s.try_into().ok())
        .ok_or(TfliteError::OutOfBounds {
            what,
            offset: at,
            len: buf.len(),
        })
}

fn u32_at(buf: &[u8], at: usize, what: &'static str) -> Result<u32, TfliteError> {
    bytes::<4>(buf, at, what).map(u32::from_le_bytes)
}

/// Follows the `u32` forward offset stored at `at`.
fn follow(buf: &[u8], at: usize, what: &'static str) -> Result<usize, TfliteError> {
    let off = u32_at(buf, at, what)? as usize;
    at.checked_add(off).ok_or(TfliteError::OutOfBounds {
        what,
        offset: at,
        len: buf.len(),
    })
}

/// One table of the buffer.
#[derive(Clone, Copy, Debug)]
pub struct Table<'a> {
    buf: &'a [u8],
    pos: usize,
    vtable: usize,
    vtable_len: usize,
    what: &'static str,
}

impl<'a> Table<'a> {
    /// The root table of a whole buffer.
    pub fn root(buf: &'a [u8], what: &'static str) -> Result<Self, TfliteError> {
        let pos = follow(buf, 0, what)?;
        Self::at(buf, pos, what)
    }

    /// The table starting at `pos`.
    fn at(buf: &'a [u8], pos: usize, what: &'static str) -> Result<Self, TfliteError> {
        let soff = i32::from_le_bytes(bytes::<4>(buf, pos, what)?);
        let vtable = i64::try_from(pos)
            .ok()
            .map(|p| p - i64::from(soff))
            .and_then(|v| usize::try_from(v).ok())
            .ok_or(TfliteError::OutOfBounds {
                what,
                offset: pos,
                len: buf.len(),
            })?;
        let vtable_len = usize::from(u16::from_le_bytes(bytes::<2>(buf, vtable, what)?));
        if vtable_len < 4 || vtable.checked_add(vtable_len).is_none_or(|e| e > buf.len()) {
            return Err(TfliteError::OutOfBounds {
                what,
                offset: vtable,
                len: buf.len(),
            });
        }
        Ok(Self {
            buf,
            pos,
            vtable,
            vtable_len,
            what,
        })
    }

    /// Absolute position of field `slot`, `None` when absent.
    fn field(&self, slot: usize) -> Result<Option<usize>, TfliteError> {
        let entry = 4 + 2 * slot;
        if entry + 2 > self.vtable_len {
            return Ok(None);
        }
        let off = u16::from_le_bytes(bytes::<2>(self.buf, self.vtable + entry, self.what)?);
        Ok((off != 0).then_some(self.pos + usize::from(off)))
    }

    /// A scalar field of `N` bytes, `None` when absent.
    fn scalar<const N: usize>(&self, slot: usize) -> Result<Option<[u8; N]>, TfliteError> {
        match self.field(slot)? {
            Some(at) => bytes::<N>(self.buf, at, self.what).map(Some),
            None => Ok(None),
        }
    }

    /// A `u8` / enum field.
    pub fn u8(&self, slot: usize, default: u8) -> Result<u8, TfliteError> {
        Ok(self.scalar::<1>(slot)?.map_or(default, |b| b[0]))
    }

    /// A `bool` field.
    pub fn bool(&self, slot: usize, default: bool) -> Result<bool, TfliteError> {
        Ok(self.scalar::<1>(slot)?.map_or(default, |b| b[0] != 0))
    }

    /// An `i8` field.
    pub fn i8(&self, slot: usize, default: i8) -> Result<i8, TfliteError> {
        Ok(self.scalar::<1>(slot)?.map_or(default, |b| b[0] as i8))
    }

    /// An `i32` field.
    pub fn i32(&self, slot: usize, default: i32) -> Result<i32, TfliteError> {
        Ok(self.scalar::<4>(slot)?.map_or(default, i32::from_le_bytes))
    }

    /// A `u32` field.
    pub fn u32(&self, slot: usize, default: u32) -> Result<u32, TfliteError> {
        Ok(self.scalar::<4>(slot)?.map_or(default, u32::from_le_bytes))
    }

    /// A `u64` field.
    pub fn u64(&self, slot: usize, default: u64) -> Result<u64, TfliteError> {
        Ok(self.scalar::<8>(slot)?.map_or(default, u64::from_le_bytes))
    }

    /// An `f32` field.
    pub fn f32(&self, slot: usize, default: f32) -> Result<f32, TfliteError> {
        Ok(self.scalar::<4>(slot)?.map_or(default, f32::from_le_bytes))
    }

    /// A sub-table field, `None` when absent.
    pub fn table(&self, slot: usize, what: &'static str) -> Result<Option<Table<'a>>, TfliteError> {
        match self.field(slot)? {
            Some(at) => Table::at(self.buf, follow(self.buf, at, what)?, what).map(Some),
            None => Ok(None),
        }
    }

    /// A vector field, `None` when absent.
    pub fn vector(
        &self,
        slot: usize,
        elem: usize,
        what: &'static str,
    ) -> Result<Option<Vector<'a>>, TfliteError> {
        match self.field(slot)? {
            Some(at) => Vector::at(self.buf, follow(self.buf, at, what)?, elem, what).map(Some),
            None => Ok(None),
        }
    }

    /// A string field (lossy UTF-8), empty when absent.
    pub fn string(&self, slot: usize, what: &'static str) -> Result<String, TfliteError> {
        Ok(match self.vector(slot, 1, what)? {
            Some(v) => String::from_utf8_lossy(v.bytes()).into_owned(),
            None => String::new(),
        })
    }
}

/// A vector of `len` elements of `elem` bytes (4 for offsets to tables).
#[derive(Clone, Copy, Debug)]
pub struct Vector<'a> {
    buf: &'a [u8],
    start: usize,
    len: usize,
    elem: usize,
    what: &'static str,
}

impl<'a> Vector<'a> {
    fn at(buf: &'a [u8], pos: usize, elem: usize, what: &'static str) -> Result<Self, TfliteError> {
        let len = u32_at(buf, pos, what)? as usize;
        let start = pos + 4;
        let end = len.checked_mul(elem).and_then(|b| b.checked_add(start));
        if end.is_none_or(|e| e > buf.len()) {
            return Err(TfliteError::OutOfBounds {
                what,
                offset: pos,
                len: buf.len(),
            });
        }
        Ok(Self {
            buf,
            start,
            len,
            elem,
            what,
        })
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// `true` when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The raw element bytes (checked at construction).
    pub fn bytes(&self) -> &'a [u8] {
        self.buf
            .get(self.start..self.start + self.len * self.elem)
            .unwrap_or_default()
    }

    /// The elements as little-endian `i32`.
    pub fn i32s(&self) -> Vec<i32> {
        self.bytes()
            .chunks_exact(4)
            .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }

    /// The elements as little-endian `f32`.
    pub fn f32s(&self) -> Vec<f32> {
        self.bytes()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }

    /// The elements as little-endian `i64`.
    pub fn i64s(&self) -> Vec<i64> {
        self.bytes()
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect()
    }

    /// Table element `i` of a vector of tables.
    pub fn table(&self, i: usize) -> Result<Table<'a>, TfliteError> {
        if i >= self.len {
            return Err(TfliteError::BadIndex {
                what: self.what,
                index: i as i64,
                len: self.len,
            });
        }
        Table::at(
            self.buf,
            follow(self.buf, self.start + 4 * i, self.what)?,
            self.what,
        )
    }

    /// Every table element.
    pub fn tables(&self) -> Result<Vec<Table<'a>>, TfliteError> {
        (0..self.len).map(|i| self.table(i)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// root -> table with one i32 field (slot 0 = 7) and a vector of two i32 (slot 1).
    fn tiny() -> Vec<u8> {
        let mut b = vec![0u8; 40];
        b[0..4].copy_from_slice(&12u32.to_le_bytes()); // root table at 12
                                                       // vtable at 4: len 8, table len 12, slot0 at +4, slot1 at +8
        b[4..6].copy_from_slice(&8u16.to_le_bytes());
        b[6..8].copy_from_slice(&12u16.to_le_bytes());
        b[8..10].copy_from_slice(&4u16.to_le_bytes());
        b[10..12].copy_from_slice(&8u16.to_le_bytes());
        b[12..16].copy_from_slice(&8i32.to_le_bytes()); // 12 - 8 = 4
        b[16..20].copy_from_slice(&7i32.to_le_bytes());
        b[20..24].copy_from_slice(&8u32.to_le_bytes()); // vector at 28
        b[28..32].copy_from_slice(&2u32.to_le_bytes());
        b[32..36].copy_from_slice(&(-3i32).to_le_bytes());
        b[36..40].copy_from_slice(&5i32.to_le_bytes());
        b
    }

    #[test]
    fn reads_fields_and_defaults() {
        let b = tiny();
        let t = Table::root(&b, "test").unwrap();
        assert_eq!(t.i32(0, 0).unwrap(), 7);
        assert_eq!(t.i32(5, 42).unwrap(), 42);
        assert_eq!(t.vector(1, 4, "v").unwrap().unwrap().i32s(), vec![-3, 5]);
    }

    #[test]
    fn every_truncation_and_bit_flip_is_an_error_or_a_value_never_a_panic() {
        let b = tiny();
        for cut in 0..b.len() {
            let s = &b[..cut];
            if let Ok(t) = Table::root(s, "test") {
                let _ = t.i32(0, 0);
                let _ = t.vector(1, 4, "v").map(|v| v.map(|v| v.i32s()));
            }
        }
        for i in 0..b.len() {
            for bit in 0..8 {
                let mut c = b.clone();
                c[i] ^= 1 << bit;
                if let Ok(t) = Table::root(&c, "test") {
                    let _ = t.i32(0, 0);
                    let _ = t.vector(1, 4, "v").map(|v| v.map(|v| v.i32s()));
                    let _ = t.table(1, "t");
                }
            }
        }
        let big = [0xffu8; 8];
        assert!(matches!(
            Table::root(&big, "test"),
            Err(TfliteError::OutOfBounds { .. })
        ));
    }
}

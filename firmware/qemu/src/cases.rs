//! The embedded test inputs (`data/inputs.bin`, written by `gen/make_inputs.py` from BasicMotions
//! and CGAL data) and golden-output files, parsed in place without allocation. Shared with the
//! desktop generator (`host-gen`), which includes this file.

/// What a case's rows hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// IMU window: accelerometer at channels 0..3, gyroscope at 3..6.
    Imu,
    /// 3D point set (x, y, z).
    Points,
}

/// One embedded input: a name and `rows x channels` f32 values.
#[derive(Debug, Clone, Copy)]
pub struct Case<'a> {
    /// What the rows hold.
    pub kind: Kind,
    /// Short name (from the generator).
    pub name: &'a str,
    /// Rows (time steps or points).
    pub rows: usize,
    /// Channels per row.
    pub channels: usize,
    /// The raw little-endian f32 bytes, `rows * channels * 4` of them.
    pub data: &'a [u8],
}

impl Case<'_> {
    /// Decodes the values into `out` (as many as fit); returns how many were written.
    pub fn values(&self, out: &mut [f32]) -> usize {
        let mut n = 0;
        for (o, b) in out.iter_mut().zip(self.data.chunks_exact(4)) {
            *o = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            n += 1;
        }
        n
    }
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 4)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// Iterates the cases of an `EQFI` file; stops at the first malformed record.
pub fn cases(file: &[u8]) -> impl Iterator<Item = Case<'_>> {
    let count = if file.get(..4) == Some(b"EQFI".as_slice()) && u32_at(file, 4) == Some(1) {
        u32_at(file, 8).unwrap_or(0) as usize
    } else {
        0
    };
    let mut at = 12usize;
    (0..count).map_while(move |_| {
        let kind = match u32_at(file, at)? {
            0 => Kind::Imu,
            1 => Kind::Points,
            _ => return None,
        };
        let rows = u32_at(file, at + 4)? as usize;
        let channels = u32_at(file, at + 8)? as usize;
        let name_bytes = file.get(at + 12..at + 28)?;
        let len = name_bytes.iter().position(|&c| c == 0).unwrap_or(16);
        let name = core::str::from_utf8(name_bytes.get(..len)?).ok()?;
        let bytes = rows.checked_mul(channels)?.checked_mul(4)?;
        let data = file.get(at + 28..at + 28 + bytes)?;
        at += 28 + bytes;
        Some(Case {
            kind,
            name,
            rows,
            channels,
            data,
        })
    })
}

/// Golden outputs: `b"EQFG"`, u32 version 1, u32 record count; per record u32 word count and
/// the words. Returns the words of record `index` as little-endian bytes.
pub fn golden_record(file: &[u8], index: usize) -> Option<&[u8]> {
    if file.get(..4) != Some(b"EQFG".as_slice()) || u32_at(file, 4) != Some(1) {
        return None;
    }
    let count = u32_at(file, 8)? as usize;
    if index >= count {
        return None;
    }
    let mut at = 12usize;
    for i in 0..=index {
        let words = u32_at(file, at)? as usize;
        let rec = file.get(at + 4..at + 4 + 4 * words)?;
        if i == index {
            return Some(rec);
        }
        at += 4 + 4 * words;
    }
    None
}

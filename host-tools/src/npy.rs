//! `.npy` files (NumPy's array format, versions 1 to 3). The tool writes float32 / float64 /
//! int8 / int64 little-endian C-order arrays (int64: class labels) and reads any byte order,
//! C or Fortran order, and float16/32/64, int8/16/32/64, uint8/16/32 and bool elements,
//! converting on load: float16 to float32, the other integers to int64, Fortran order to C
//! order.
//!
//! The format is a 6-byte magic `\x93NUMPY`, a version, a header length, a Python-dict header
//! (`{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`) padded with spaces to a
//! multiple of 64 bytes, then the raw data.

use std::path::{Path, PathBuf};

const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// Element type of an array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dtype {
    /// `<f4`
    F32,
    /// `<f8`
    F64,
    /// `|i1`
    I8,
    /// `<i8` (class labels, NumPy's default integer)
    I64,
}

impl Dtype {
    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            Dtype::F32 => 4,
            Dtype::F64 => 8,
            Dtype::I8 => 1,
            Dtype::I64 => 8,
        }
    }

    /// The NumPy `descr` string.
    pub fn descr(self) -> &'static str {
        match self {
            Dtype::F32 => "<f4",
            Dtype::F64 => "<f8",
            Dtype::I8 => "|i1",
            Dtype::I64 => "<i8",
        }
    }
}

/// The elements of an array.
#[derive(Debug, Clone, PartialEq)]
pub enum NpyData {
    /// float32 elements.
    F32(Vec<f32>),
    /// float64 elements.
    F64(Vec<f64>),
    /// int8 elements.
    I8(Vec<i8>),
    /// int64 values.
    I64(Vec<i64>),
}

/// An n-dimensional array in C (row-major) order.
#[derive(Debug, Clone, PartialEq)]
pub struct NpyArray {
    /// Dimensions, outermost first (empty for a scalar).
    pub shape: Vec<usize>,
    /// Elements, `shape.iter().product()` of them.
    pub data: NpyData,
}

/// Why a `.npy` file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NpyError {
    /// The file could not be opened, read or written.
    #[error("{}: {error}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error (part of the message, not a separate cause).
        error: std::io::Error,
    },
    /// The file does not start with `\x93NUMPY`.
    #[error("not a .npy file (bad magic, first bytes {0:02x?})")]
    BadMagic(Vec<u8>),
    /// A format version other than 1, 2 or 3.
    #[error("unsupported .npy format version {0}.{1}")]
    UnsupportedVersion(u8, u8),
    /// The header dictionary could not be parsed.
    #[error("malformed .npy header: {0}")]
    BadHeader(String),
    /// An element type the reader does not convert (complex, strings, records, objects).
    #[error("unsupported dtype `{0}` (supported: float16/32/64, int8/16/32/64, uint8/16/32, bool, either byte order)")]
    UnsupportedDtype(String),
    /// Fewer data bytes than the shape needs.
    #[error("truncated data: shape {shape:?} needs {expected} bytes, file has {given}")]
    Truncated {
        /// The declared shape.
        shape: Vec<usize>,
        /// Bytes the shape needs.
        expected: usize,
        /// Bytes present.
        given: usize,
    },
    /// More data bytes than the shape needs.
    #[error("trailing data: shape {shape:?} needs {expected} bytes, file has {given}")]
    TrailingBytes {
        /// The declared shape.
        shape: Vec<usize>,
        /// Bytes the shape needs.
        expected: usize,
        /// Bytes present.
        given: usize,
    },
    /// A shape whose element count does not match the data given to the writer.
    #[error("shape {shape:?} holds {expected} elements, {given} given")]
    ShapeMismatch {
        /// The shape.
        shape: Vec<usize>,
        /// Elements the shape holds.
        expected: usize,
        /// Elements given.
        given: usize,
    },
}

impl NpyArray {
    /// A float32 array; checks that `data` fills `shape`.
    pub fn from_f32(shape: Vec<usize>, data: Vec<f32>) -> Result<Self, NpyError> {
        check_len(&shape, data.len())?;
        Ok(Self {
            shape,
            data: NpyData::F32(data),
        })
    }

    /// An int8 array; checks that `data` fills `shape`.
    pub fn from_i8(shape: Vec<usize>, data: Vec<i8>) -> Result<Self, NpyError> {
        check_len(&shape, data.len())?;
        Ok(Self {
            shape,
            data: NpyData::I8(data),
        })
    }

    /// The element type.
    pub fn dtype(&self) -> Dtype {
        match self.data {
            NpyData::F32(_) => Dtype::F32,
            NpyData::F64(_) => Dtype::F64,
            NpyData::I8(_) => Dtype::I8,
            NpyData::I64(_) => Dtype::I64,
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        match &self.data {
            NpyData::F32(v) => v.len(),
            NpyData::F64(v) => v.len(),
            NpyData::I8(v) => v.len(),
            NpyData::I64(v) => v.len(),
        }
    }

    /// True when the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The elements converted to f32 (float64 and int64 round to nearest, int8 is exact).
    pub fn to_f32(&self) -> Vec<f32> {
        match &self.data {
            NpyData::F32(v) => v.clone(),
            NpyData::F64(v) => v.iter().map(|&x| x as f32).collect(),
            NpyData::I8(v) => v.iter().map(|&x| f32::from(x)).collect(),
            NpyData::I64(v) => v.iter().map(|&x| x as f32).collect(),
        }
    }

    /// Reads a `.npy` file.
    pub fn read(path: &Path) -> Result<Self, NpyError> {
        let bytes = std::fs::read(path).map_err(|error| NpyError::Io {
            path: path.into(),
            error,
        })?;
        Self::parse(&bytes)
    }

    /// Parses the bytes of a `.npy` file.
    pub fn parse(bytes: &[u8]) -> Result<Self, NpyError> {
        if bytes.len() < 10 || &bytes[..6] != MAGIC {
            return Err(NpyError::BadMagic(bytes.iter().take(6).copied().collect()));
        }
        let (major, minor) = (bytes[6], bytes[7]);
        let (header_len, start) = match major {
            1 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
            2 | 3 => {
                let b = bytes.get(8..12).ok_or(NpyError::BadHeader(
                    "file ends inside the header length".into(),
                ))?;
                (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, 12)
            }
            _ => return Err(NpyError::UnsupportedVersion(major, minor)),
        };
        let header = bytes.get(start..start + header_len).ok_or_else(|| {
            NpyError::BadHeader(format!("file ends inside the {header_len}-byte header"))
        })?;
        let header = std::str::from_utf8(header)
            .map_err(|_| NpyError::BadHeader("header is not UTF-8".into()))?;
        let (elem, fortran, shape) = parse_header(header)?;
        let body = &bytes[start + header_len..];
        let count = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
        let expected = count
            .and_then(|c| c.checked_mul(elem.size))
            .ok_or_else(|| NpyError::BadHeader(format!("shape {shape:?} overflows")))?;
        if body.len() < expected {
            return Err(NpyError::Truncated {
                shape,
                expected,
                given: body.len(),
            });
        }
        if body.len() > expected {
            return Err(NpyError::TrailingBytes {
                shape,
                expected,
                given: body.len(),
            });
        }
        let mut data = elem.decode(body);
        if fortran && shape.len() > 1 {
            let order = fortran_to_c(&shape);
            data = match data {
                NpyData::F32(v) => NpyData::F32(order.iter().map(|&i| v[i]).collect()),
                NpyData::F64(v) => NpyData::F64(order.iter().map(|&i| v[i]).collect()),
                NpyData::I8(v) => NpyData::I8(order.iter().map(|&i| v[i]).collect()),
                NpyData::I64(v) => NpyData::I64(order.iter().map(|&i| v[i]).collect()),
            };
        }
        Ok(Self { shape, data })
    }

    /// The bytes of a version 1.0 `.npy` file holding this array.
    pub fn to_bytes(&self) -> Vec<u8> {
        let shape = match self.shape.len() {
            0 => "()".to_string(),
            1 => format!("({},)", self.shape[0]),
            _ => format!(
                "({})",
                self.shape
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let mut header = format!(
            "{{'descr': '{}', 'fortran_order': False, 'shape': {shape}, }}",
            self.dtype().descr()
        );
        // Pad so that magic + version + length + header + '\n' is a multiple of 64.
        let total = 10 + header.len() + 1;
        header.push_str(&" ".repeat((64 - total % 64) % 64));
        header.push('\n');
        let mut out = Vec::with_capacity(10 + header.len() + self.len() * self.dtype().size());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&[1, 0]);
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        match &self.data {
            NpyData::F32(v) => v
                .iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
            NpyData::F64(v) => v
                .iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
            NpyData::I8(v) => out.extend(v.iter().map(|&x| x as u8)),
            NpyData::I64(v) => v
                .iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        }
        out
    }

    /// Writes the array as a `.npy` file.
    pub fn write(&self, path: &Path) -> Result<(), NpyError> {
        std::fs::write(path, self.to_bytes()).map_err(|error| NpyError::Io {
            path: path.into(),
            error,
        })
    }
}

fn check_len(shape: &[usize], given: usize) -> Result<(), NpyError> {
    let expected: usize = shape.iter().product();
    if expected == given {
        Ok(())
    } else {
        Err(NpyError::ShapeMismatch {
            shape: shape.to_vec(),
            expected,
            given,
        })
    }
}

/// Returns the value text following `'key':` in the header dictionary.
fn dict_value<'h>(header: &'h str, key: &str) -> Result<&'h str, NpyError> {
    let pat_single = format!("'{key}'");
    let pat_double = format!("\"{key}\"");
    let at = header
        .find(&pat_single)
        .map(|i| i + pat_single.len())
        .or_else(|| header.find(&pat_double).map(|i| i + pat_double.len()))
        .ok_or_else(|| NpyError::BadHeader(format!("no '{key}' in {header:?}")))?;
    let rest = header[at..].trim_start();
    rest.strip_prefix(':')
        .map(str::trim_start)
        .ok_or_else(|| NpyError::BadHeader(format!("no ':' after '{key}'")))
}

/// One element type as stored: kind (`f`, `i`, `u`, `b`), bytes, big-endian.
#[derive(Debug, Clone, Copy)]
struct Elem {
    kind: char,
    size: usize,
    big: bool,
}

impl Elem {
    fn parse(descr: &str) -> Option<Self> {
        let mut c = descr.chars();
        let (big, rest) = match c.next()? {
            '<' | '=' | '|' => (false, c.as_str()),
            '>' => (true, c.as_str()),
            _ => (false, descr),
        };
        let mut r = rest.chars();
        let kind = r.next()?;
        let size: usize = r.as_str().parse().ok()?;
        let ok = matches!(
            (kind, size),
            ('f', 2 | 4 | 8) | ('i', 1 | 2 | 4 | 8) | ('u', 1 | 2 | 4) | ('b', 1)
        );
        ok.then_some(Elem { kind, size, big })
    }

    /// Elements of `body` (whose length is a multiple of the size), converted.
    fn decode(self, body: &[u8]) -> NpyData {
        let word = |c: &[u8]| -> u64 {
            let mut v = 0u64;
            if self.big {
                c.iter().for_each(|&b| v = (v << 8) | u64::from(b));
            } else {
                c.iter().rev().for_each(|&b| v = (v << 8) | u64::from(b));
            }
            v
        };
        let words = body.chunks_exact(self.size).map(word);
        match (self.kind, self.size) {
            ('f', 2) => NpyData::F32(words.map(|w| f16_to_f32(w as u16)).collect()),
            ('f', 4) => NpyData::F32(words.map(|w| f32::from_bits(w as u32)).collect()),
            ('f', _) => NpyData::F64(words.map(f64::from_bits).collect()),
            ('i', 1) => NpyData::I8(words.map(|w| w as u8 as i8).collect()),
            ('i', 2) => NpyData::I64(words.map(|w| i64::from(w as u16 as i16)).collect()),
            ('i', 4) => NpyData::I64(words.map(|w| i64::from(w as u32 as i32)).collect()),
            ('i', _) => NpyData::I64(words.map(|w| w as i64).collect()),
            _ => NpyData::I64(words.map(|w| w as i64).collect()),
        }
    }
}

/// IEEE 754 half precision to f32 (exact).
fn f16_to_f32(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((h >> 10) & 0x1f);
    let frac = f32::from(h & 0x3ff);
    match exp {
        0 => sign * frac * 2f32.powi(-24),
        31 if frac == 0.0 => sign * f32::INFINITY,
        31 => f32::NAN,
        e => sign * (1.0 + frac / 1024.0) * 2f32.powi(e - 15),
    }
}

/// For each C-order position of an array of `shape`, its position in Fortran order.
fn fortran_to_c(shape: &[usize]) -> Vec<usize> {
    let count: usize = shape.iter().product();
    let mut fstride = vec![1usize; shape.len()];
    for k in 1..shape.len() {
        fstride[k] = fstride[k - 1] * shape[k - 1];
    }
    let mut idx = vec![0usize; shape.len()];
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        out.push(idx.iter().zip(&fstride).map(|(i, s)| i * s).sum());
        for k in (0..shape.len()).rev() {
            idx[k] += 1;
            if idx[k] < shape[k] {
                break;
            }
            idx[k] = 0;
        }
    }
    out
}

fn parse_header(header: &str) -> Result<(Elem, bool, Vec<usize>), NpyError> {
    let descr = dict_value(header, "descr")?;
    let quote = descr.chars().next().filter(|c| *c == '\'' || *c == '"');
    let descr = quote
        .and_then(|q| descr[1..].split(q).next())
        .ok_or_else(|| NpyError::BadHeader(format!("descr is not a string: {descr:.20}")))?;
    let fortran = dict_value(header, "fortran_order")?;
    let fortran = if fortran.starts_with("True") {
        true
    } else if fortran.starts_with("False") {
        false
    } else {
        return Err(NpyError::BadHeader(format!(
            "fortran_order is neither True nor False: {fortran:.10}"
        )));
    };
    let elem = Elem::parse(descr).ok_or_else(|| NpyError::UnsupportedDtype(descr.to_string()))?;
    let shape = dict_value(header, "shape")?;
    let inner = shape
        .strip_prefix('(')
        .and_then(|s| s.split(')').next())
        .ok_or_else(|| NpyError::BadHeader(format!("shape is not a tuple: {shape:.20}")))?;
    let dims = inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('L').parse::<usize>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| NpyError::BadHeader(format!("shape is not a tuple of integers: ({inner})")))?;
    Ok((elem, fortran, dims))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_f32_and_i8() {
        let a = NpyArray::from_f32(vec![2, 3], vec![1.0, -2.5, 3.0, 0.0, f32::MAX, 1e-30]).unwrap();
        assert_eq!(NpyArray::parse(&a.to_bytes()).unwrap(), a);
        assert_eq!(a.to_bytes().len(), 128 + 24); // header 128, data 24
        let b = NpyArray::from_i8(vec![4], vec![-128, -1, 0, 127]).unwrap();
        assert_eq!(NpyArray::parse(&b.to_bytes()).unwrap(), b);
        let s = NpyArray::from_f32(vec![], vec![7.0]).unwrap();
        assert_eq!(NpyArray::parse(&s.to_bytes()).unwrap(), s);
        let l = NpyArray {
            shape: vec![3],
            data: NpyData::I64(vec![-1, 0, 1 << 40]),
        };
        let back = NpyArray::parse(&l.to_bytes()).unwrap();
        assert_eq!(back, l);
        assert_eq!(back.to_f32(), vec![-1.0, 0.0, (1u64 << 40) as f32]);
    }

    #[test]
    fn header_is_64_aligned() {
        for n in 0..80 {
            let a = NpyArray::from_i8(vec![n], vec![0; n]).unwrap();
            assert_eq!((a.to_bytes().len() - n) % 64, 0);
        }
    }

    /// `bytes` with the first occurrence of `from` replaced by `to` (same length).
    pub(crate) fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
        let mut out = bytes.to_vec();
        let at = out.windows(from.len()).position(|w| w == from).unwrap();
        out[at..at + to.len()].copy_from_slice(to);
        out
    }

    #[test]
    fn named_errors() {
        let a = NpyArray::from_f32(vec![2, 2], vec![0.0; 4])
            .unwrap()
            .to_bytes();
        assert!(matches!(
            NpyArray::parse(b"PK\x03\x04 not npy"),
            Err(NpyError::BadMagic(_))
        ));
        let t = NpyArray::parse(&a[..a.len() - 3]).unwrap_err();
        assert!(
            matches!(
                t,
                NpyError::Truncated {
                    expected: 16,
                    given: 13,
                    ..
                }
            ),
            "{t}"
        );
        let mut extra = a.clone();
        extra.push(0);
        assert!(matches!(
            NpyArray::parse(&extra),
            Err(NpyError::TrailingBytes { .. })
        ));
        let c8 = replace(&a, b"<f4", b"<c8");
        assert!(matches!(
            NpyArray::parse(&c8),
            Err(NpyError::UnsupportedDtype(d)) if d == "<c8"
        ));
        assert!(matches!(
            NpyArray::from_f32(vec![3], vec![0.0; 2]),
            Err(NpyError::ShapeMismatch { .. })
        ));
    }
}

//! Constant tensors: initializers, `Constant` nodes and folded results, as f32 or i64.

use super::proto::TensorProto;
use super::OnnxError;

/// Elements of a constant tensor.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    /// Floating point (float32; float64 and float16 are converted).
    F32(Vec<f32>),
    /// Integers (int64, int32, int8, uint8, bool are widened).
    I64(Vec<i64>),
}

/// A constant tensor.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    /// Dimensions.
    pub dims: Vec<usize>,
    /// Elements, row-major.
    pub data: Data,
}

impl Tensor {
    /// A float tensor.
    pub fn f32(dims: Vec<usize>, v: Vec<f32>) -> Self {
        Self {
            dims,
            data: Data::F32(v),
        }
    }

    /// An integer tensor.
    pub fn i64(dims: Vec<usize>, v: Vec<i64>) -> Self {
        Self {
            dims,
            data: Data::I64(v),
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        match &self.data {
            Data::F32(v) => v.len(),
            Data::I64(v) => v.len(),
        }
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Elements as f32.
    pub fn as_f32(&self) -> Vec<f32> {
        match &self.data {
            Data::F32(v) => v.clone(),
            Data::I64(v) => v.iter().map(|&x| x as f32).collect(),
        }
    }

    /// Elements as i64 (floats truncated).
    pub fn as_i64(&self) -> Vec<i64> {
        match &self.data {
            Data::F32(v) => v.iter().map(|&x| x as i64).collect(),
            Data::I64(v) => v.clone(),
        }
    }

    /// Decodes an ONNX `TensorProto`.
    pub fn from_proto(t: &TensorProto) -> Result<Self, OnnxError> {
        let name = t.name().to_string();
        let bad = |problem: String| OnnxError::Tensor {
            name: name.clone(),
            problem,
        };
        if t.data_location == Some(1) {
            return Err(bad(
                "external data must be resolved first (the model's folder is unknown)".into(),
            ));
        }
        let dims = t
            .dims
            .iter()
            .map(|&d| usize::try_from(d).map_err(|_| bad(format!("negative dimension {d}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let count = dims
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d))
            .filter(|&c| c.checked_mul(8).is_some())
            .ok_or_else(|| bad(format!("dims {dims:?} hold more elements than memory can")))?;
        let raw = t.raw_data.as_deref();
        let chunks = |size: usize| -> Result<Vec<&[u8]>, OnnxError> {
            let raw = raw.unwrap_or_default();
            if raw.len() != count * size {
                return Err(bad(format!(
                    "raw_data has {} bytes, dims {dims:?} need {}",
                    raw.len(),
                    count * size
                )));
            }
            Ok(raw.chunks_exact(size).collect())
        };
        let has_raw = raw.is_some();
        let data = match t.data_type() {
            1 if has_raw => Data::F32(chunks(4)?.iter().map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()),
            1 => Data::F32(t.float_data.clone()),
            11 if has_raw => Data::F32(
                chunks(8)?
                    .iter()
                    .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) as f32)
                    .collect(),
            ),
            11 => Data::F32(t.double_data.iter().map(|&x| x as f32).collect()),
            10 if has_raw => Data::F32(
                chunks(2)?
                    .iter()
                    .map(|c| f16_to_f32(u16::from_le_bytes([c[0], c[1]])))
                    .collect(),
            ),
            10 => Data::F32(t.int32_data.iter().map(|&x| f16_to_f32(x as u16)).collect()),
            7 if has_raw => Data::I64(
                chunks(8)?
                    .iter()
                    .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                    .collect(),
            ),
            7 => Data::I64(t.int64_data.clone()),
            6 if has_raw => Data::I64(chunks(4)?.iter().map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64).collect()),
            3 if has_raw => Data::I64(chunks(1)?.iter().map(|c| c[0] as i8 as i64).collect()),
            2 | 9 if has_raw => Data::I64(chunks(1)?.iter().map(|c| c[0] as i64).collect()),
            6 | 3 | 2 | 9 => Data::I64(t.int32_data.iter().map(|&x| x as i64).collect()),
            other => {
                return Err(bad(format!(
                    "data type {other} is not supported (supported: float, double, int64, int32, int8, uint8, bool)"
                )))
            }
        };
        let out = Self { dims, data };
        if out.len() != count {
            return Err(bad(format!("{} elements, dims need {count}", out.len())));
        }
        Ok(out)
    }
}

/// IEEE 754 half precision to f32 (exact).
pub(crate) fn f16_to_f32(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((h >> 10) & 0x1f);
    let frac = f32::from(h & 0x3ff);
    match exp {
        0 => sign * frac * (2.0f32).powi(-24),
        31 if frac == 0.0 => sign * f32::INFINITY,
        31 => f32::NAN,
        e => sign * (1.0 + frac / 1024.0) * (2.0f32).powi(e - 15),
    }
}

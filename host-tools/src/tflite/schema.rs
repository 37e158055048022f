//! The part of the TFLite schema (`schema.fbs`) the importer reads, decoded into owned values
//! through the bounds-checked [`flatbuf`](super::flatbuf) reader: operator codes, the first
//! subgraph's tensors and operators, and the constant buffers. Field numbers are the schema's
//! vtable slots.

use super::flatbuf::{Table, Vector};
use super::opcode;
use super::TfliteError;

/// TFLite `TensorType` codes the importer distinguishes.
#[allow(missing_docs)]
pub mod dtype {
    pub const FLOAT32: u8 = 0;
    pub const INT32: u8 = 2;
    pub const INT64: u8 = 4;
    pub const INT8: u8 = 9;
}

/// The name of a `TensorType` code.
pub fn dtype_name(t: u8) -> &'static str {
    const N: [&str; 18] = [
        "float32",
        "float16",
        "int32",
        "uint8",
        "int64",
        "string",
        "bool",
        "int16",
        "complex64",
        "int8",
        "float64",
        "complex128",
        "uint64",
        "resource",
        "variant",
        "uint32",
        "uint16",
        "int4",
    ];
    N.get(usize::from(t)).copied().unwrap_or("unknown")
}

/// Affine quantization of a tensor (`QuantizationParameters`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TensorQuant {
    /// One scale per tensor, or one per channel along `dim`.
    pub scale: Vec<f32>,
    /// Zero points, as many as scales.
    pub zero_point: Vec<i64>,
    /// `quantized_dimension`.
    pub dim: i32,
}

/// One tensor of the subgraph.
#[derive(Clone, Debug)]
pub struct Tensor {
    /// Name in the file.
    pub name: String,
    /// Shape (batch first).
    pub shape: Vec<i32>,
    /// `TensorType` code ([`dtype`]).
    pub dtype: u8,
    /// Index into the model's buffers (0: none).
    pub buffer: usize,
    /// Quantization, when present with at least one scale.
    pub quant: Option<TensorQuant>,
}

impl Tensor {
    /// Number of elements (`None` when a dimension is negative or the product overflows).
    pub fn elems(&self) -> Option<usize> {
        self.shape
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(usize::try_from(d).ok()?))
    }
}

/// Builtin options the importer uses (schema defaults where absent).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Options {
    /// `fused_activation_function` (0 none, 1 ReLU, 2 ReLU-N1-to-1, 3 ReLU6, 4 tanh, 5 sign).
    pub activation: u8,
    /// `padding` (0 SAME, 1 VALID).
    pub padding: u8,
    /// `stride_w`.
    pub stride_w: i32,
    /// `stride_h`.
    pub stride_h: i32,
    /// Pool `filter_width`.
    pub filter_w: i32,
    /// Pool `filter_height`.
    pub filter_h: i32,
    /// `dilation_w_factor`.
    pub dilation_w: i32,
    /// `dilation_h_factor`.
    pub dilation_h: i32,
    /// Depthwise `depth_multiplier`.
    pub depth_multiplier: i32,
    /// FULLY_CONNECTED `keep_num_dims`.
    pub keep_num_dims: bool,
    /// FULLY_CONNECTED `weights_format` (0 default).
    pub weights_format: u8,
    /// Reducer `keep_dims`.
    pub keep_dims: bool,
    /// CONCATENATION `axis`.
    pub axis: i32,
    /// SOFTMAX `beta`.
    pub beta: f32,
}

/// One operator.
#[derive(Clone, Debug)]
pub struct Operator {
    /// Builtin code (`opcode::code`); custom ops carry `CUSTOM`.
    pub code: i32,
    /// Custom op name (empty for builtins).
    pub custom: String,
    /// Input tensor indices (-1: optional input omitted).
    pub inputs: Vec<i32>,
    /// Output tensor indices.
    pub outputs: Vec<i32>,
    /// Decoded builtin options.
    pub options: Options,
}

impl Operator {
    /// Display name: the builtin's schema name or `CUSTOM(name)`.
    pub fn name(&self) -> String {
        if self.code == opcode::code::CUSTOM {
            format!("CUSTOM({})", self.custom)
        } else {
            opcode::name(self.code)
        }
    }
}

/// A decoded `.tflite` file: the first subgraph and the constant buffers.
#[derive(Clone, Debug)]
pub struct TflModel {
    /// Tensors of the subgraph.
    pub tensors: Vec<Tensor>,
    /// Operators in execution order.
    pub operators: Vec<Operator>,
    /// Graph inputs.
    pub inputs: Vec<usize>,
    /// Graph outputs.
    pub outputs: Vec<usize>,
    /// Constant data of every buffer (empty when none).
    pub buffers: Vec<Vec<u8>>,
}

fn index(i: i64, len: usize, what: &'static str) -> Result<usize, TfliteError> {
    usize::try_from(i)
        .ok()
        .filter(|&u| u < len)
        .ok_or(TfliteError::BadIndex {
            what,
            index: i,
            len,
        })
}

fn options(t: &Table<'_>, code: i32) -> Result<Options, TfliteError> {
    use opcode::code as c;
    let mut o = Options {
        dilation_w: 1,
        dilation_h: 1,
        ..Options::default()
    };
    // builtin_options_type (slot 3) and builtin_options (slot 4).
    let kind = t.u8(3, 0)?;
    let Some(b) = t.table(4, "builtin options")? else {
        return Ok(o);
    };
    let expect = match code {
        c::CONV_2D => 1,
        c::DEPTHWISE_CONV_2D => 2,
        c::AVERAGE_POOL_2D | c::MAX_POOL_2D => 5,
        c::FULLY_CONNECTED => 8,
        c::SOFTMAX => 9,
        c::CONCATENATION => 10,
        c::ADD => 11,
        c::MUL => 21,
        c::MEAN | c::REDUCE_MAX => 27,
        _ => return Ok(o),
    };
    if kind != expect {
        return Err(TfliteError::Malformed {
            what: format!(
                "{} carries builtin options of type {kind}, expected {expect}",
                opcode::name(code)
            ),
        });
    }
    match code {
        c::CONV_2D => {
            o.padding = b.u8(0, 0)?;
            o.stride_w = b.i32(1, 0)?;
            o.stride_h = b.i32(2, 0)?;
            o.activation = b.u8(3, 0)?;
            o.dilation_w = b.i32(4, 1)?;
            o.dilation_h = b.i32(5, 1)?;
        }
        c::DEPTHWISE_CONV_2D => {
            o.padding = b.u8(0, 0)?;
            o.stride_w = b.i32(1, 0)?;
            o.stride_h = b.i32(2, 0)?;
            o.depth_multiplier = b.i32(3, 0)?;
            o.activation = b.u8(4, 0)?;
            o.dilation_w = b.i32(5, 1)?;
            o.dilation_h = b.i32(6, 1)?;
        }
        c::AVERAGE_POOL_2D | c::MAX_POOL_2D => {
            o.padding = b.u8(0, 0)?;
            o.stride_w = b.i32(1, 0)?;
            o.stride_h = b.i32(2, 0)?;
            o.filter_w = b.i32(3, 0)?;
            o.filter_h = b.i32(4, 0)?;
            o.activation = b.u8(5, 0)?;
        }
        c::FULLY_CONNECTED => {
            o.activation = b.u8(0, 0)?;
            o.weights_format = b.u8(1, 0)?;
            o.keep_num_dims = b.bool(2, false)?;
        }
        c::SOFTMAX => o.beta = b.f32(0, 0.0)?,
        c::CONCATENATION => {
            o.axis = b.i32(0, 0)?;
            o.activation = b.u8(1, 0)?;
        }
        c::ADD | c::MUL => o.activation = b.u8(0, 0)?,
        _ => o.keep_dims = b.bool(0, false)?,
    }
    Ok(o)
}

fn ints(v: Option<Vector<'_>>) -> Vec<i32> {
    v.map(|v| v.i32s()).unwrap_or_default()
}

fn tensor(t: &Table<'_>, nbuf: usize) -> Result<Tensor, TfliteError> {
    let shape = ints(t.vector(0, 4, "tensor shape")?);
    let dtype = t.u8(1, 0)?;
    let buffer = index(i64::from(t.u32(2, 0)?), nbuf.max(1), "buffer")?;
    let name = t.string(3, "tensor name")?;
    let quant = match t.table(4, "quantization")? {
        Some(q) => {
            let scale = q
                .vector(2, 4, "quantization scale")?
                .map(|v| v.f32s())
                .unwrap_or_default();
            let zero_point = q
                .vector(3, 8, "quantization zero point")?
                .map(|v| v.i64s())
                .unwrap_or_default();
            let dim = q.i32(6, 0)?;
            (!scale.is_empty()).then_some(TensorQuant {
                scale,
                zero_point,
                dim,
            })
        }
        None => None,
    };
    Ok(Tensor {
        name,
        shape,
        dtype,
        buffer,
        quant,
    })
}

/// Decodes a `.tflite` file; every offset and index is checked.
pub fn parse(bytes: &[u8]) -> Result<TflModel, TfliteError> {
    if let Some(id) = bytes.get(4..8) {
        if id != b"TFL3" {
            return Err(TfliteError::BadIdentifier {
                found: String::from_utf8_lossy(id).into_owned(),
            });
        }
    }
    let root = Table::root(bytes, "model")?;
    let codes = root
        .vector(1, 4, "operator codes")?
        .map(|v| v.tables())
        .transpose()?
        .unwrap_or_default();
    let codes: Vec<(i32, String)> = codes
        .iter()
        .map(|c| {
            let deprecated = i32::from(c.i8(0, 0)?);
            let builtin = c.i32(3, 0)?;
            Ok((deprecated.max(builtin), c.string(1, "custom code")?))
        })
        .collect::<Result<_, TfliteError>>()?;
    let buffers: Vec<Vec<u8>> = root
        .vector(4, 4, "buffers")?
        .map(|v| v.tables())
        .transpose()?
        .unwrap_or_default()
        .iter()
        .map(|b| {
            if b.u64(1, 0)? > 1 {
                return Err(TfliteError::Malformed {
                    what:
                        "a buffer stored outside the flatbuffer (models over 2 GB) is not supported"
                            .into(),
                });
            }
            Ok(b.vector(0, 1, "buffer data")?
                .map(|v| v.bytes().to_vec())
                .unwrap_or_default())
        })
        .collect::<Result<_, TfliteError>>()?;
    let subgraphs = root
        .vector(2, 4, "subgraphs")?
        .ok_or(TfliteError::Malformed {
            what: "no subgraph".into(),
        })?;
    if subgraphs.len() != 1 {
        return Err(TfliteError::Malformed {
            what: format!(
                "{} subgraphs (control flow); only single-subgraph models are supported",
                subgraphs.len()
            ),
        });
    }
    let sg = subgraphs.table(0)?;
    let tensors = sg
        .vector(0, 4, "tensors")?
        .map(|v| v.tables())
        .transpose()?
        .unwrap_or_default()
        .iter()
        .map(|t| tensor(t, buffers.len()))
        .collect::<Result<Vec<_>, _>>()?;
    let nt = tensors.len();
    let tidx = |v: Vec<i32>| -> Result<Vec<usize>, TfliteError> {
        v.into_iter()
            .map(|i| index(i64::from(i), nt, "tensor"))
            .collect()
    };
    let inputs = tidx(ints(sg.vector(1, 4, "subgraph inputs")?))?;
    let outputs = tidx(ints(sg.vector(2, 4, "subgraph outputs")?))?;
    let operators = sg
        .vector(3, 4, "operators")?
        .map(|v| v.tables())
        .transpose()?
        .unwrap_or_default()
        .iter()
        .map(|op| {
            let ci = index(i64::from(op.u32(0, 0)?), codes.len(), "operator code")?;
            let (code, custom) = codes[ci].clone();
            let inputs = ints(op.vector(1, 4, "operator inputs")?);
            let outputs = ints(op.vector(2, 4, "operator outputs")?);
            for &i in inputs.iter().chain(&outputs) {
                if i != -1 {
                    index(i64::from(i), nt, "tensor")?;
                }
            }
            Ok(Operator {
                code,
                custom,
                inputs,
                outputs,
                options: options(op, code)?,
            })
        })
        .collect::<Result<Vec<_>, TfliteError>>()?;
    Ok(TflModel {
        tensors,
        operators,
        inputs,
        outputs,
        buffers,
    })
}

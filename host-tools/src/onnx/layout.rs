//! What each axis of an activation means (batch, points, channels, size 1), and how reshapes
//! move those meanings around.

use super::attrs::NodeRef;
use super::proto::{tensor_shape_proto::dimension, type_proto, ValueInfoProto};
use super::{InputLayout, OnnxError};
use crate::ir::{Graph, Shape, ValueId};

/// Meaning of one axis of an activation tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ax {
    /// The batch axis B (dynamic).
    Batch,
    /// Points or time steps N.
    Points,
    /// Channels C.
    Channels,
    /// A size-1 axis.
    One,
}

/// A per-channel affine map `x * scale + shift` (a BatchNormalization at inference).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Affine {
    /// Per-channel factor.
    pub scale: Vec<f32>,
    /// Per-channel offset.
    pub shift: Vec<f32>,
}

impl Affine {
    /// `self` applied after `first`.
    pub fn after(&self, first: &Affine) -> Affine {
        Affine {
            scale: self
                .scale
                .iter()
                .zip(&first.scale)
                .map(|(a, b)| a * b)
                .collect(),
            shift: self
                .scale
                .iter()
                .zip(&first.shift)
                .zip(&self.shift)
                .map(|((a, b), c)| a * b + c)
                .collect(),
        }
    }
}

/// An activation: an IR value and the meaning of each ONNX axis.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Act {
    /// The IR value.
    pub id: ValueId,
    /// Meaning of each ONNX axis.
    pub dims: Vec<Ax>,
    /// A BatchNormalization not folded yet: the ONNX tensor is `value * scale + shift` per
    /// channel; the next MatMul/Gemm/Conv absorbs it.
    pub pre: Option<Affine>,
    /// Points flattened into channels: the IR value is `(len, C)` rows but the ONNX tensor is
    /// `(B, C * len)`, channel-major (`c * len + t`, from `(B,C,N)`) when `channels_first`,
    /// else row-major (`t * C + c`); only a following Gemm/MatMul reads it (as a conv over
    /// the whole window).
    pub flat: Option<Flat>,
    /// A slice of the channels `(first, count)` not taken yet: only a per-row norm reads it
    /// (`x[..., :3].norm(dim=-1, keepdim=True)`).
    pub chans: Option<(usize, usize)>,
}

/// How points were flattened into channels (see [`Act::flat`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Flat {
    /// Rows flattened.
    pub len: usize,
    /// Channel-major order (from `(B,C,N)`).
    pub channels_first: bool,
    /// The flattening node (for errors).
    pub node: String,
    /// Its op type.
    pub op: String,
    /// The layout it flattened.
    pub from: String,
}

impl Flat {
    /// The error when something other than a Linear layer reads the flattened window.
    pub fn refusal(&self, reader: &str) -> OnnxError {
        OnnxError::Node {
            node: self.node.clone(),
            op_type: self.op.clone(),
            problem: format!(
                "flattening {} (points into channels) is supported only right before a Linear layer (Gemm/MatMul), but {reader} reads it",
                self.from
            ),
        }
    }
}

/// Marks the batch size in a `Shape` result (folded into `Reshape` targets).
pub(crate) const BATCH_MARK: i64 = i64::MIN + 1;
/// Marks a dynamic number of points in a `Shape` result.
pub(crate) const POINTS_MARK: i64 = i64::MIN + 2;

impl Act {
    /// An activation with no pending affine map.
    pub fn new(id: ValueId, dims: Vec<Ax>) -> Act {
        Act {
            id,
            dims,
            pre: None,
            flat: None,
            chans: None,
        }
    }

    /// Position of the first axis of kind `ax`.
    pub fn pos(&self, ax: Ax) -> Option<usize> {
        self.dims.iter().position(|&a| a == ax)
    }

    /// ONNX size of every axis (`None` for the batch and dynamic points).
    pub fn sizes(&self, g: &Graph) -> Vec<Option<usize>> {
        let shape = g.values[self.id];
        self.dims
            .iter()
            .map(|a| match (a, shape) {
                (Ax::Batch, _) => None,
                (Ax::Points, Shape::Points { n, .. }) => n,
                (Ax::Points, Shape::Vector { .. }) => Some(1),
                (Ax::Channels, s) => Some(s.channels()),
                (Ax::One, _) => Some(1),
            })
            .collect()
    }

    /// The same value with other axis meanings.
    pub fn with(&self, dims: Vec<Ax>) -> Act {
        Act {
            id: self.id,
            dims,
            pre: self.pre.clone(),
            flat: self.flat.clone(),
            chans: self.chans,
        }
    }
}

/// Written form of axis meanings, such as `(B,C,N)`.
pub(crate) fn dims_str(dims: &[Ax]) -> String {
    let s: Vec<&str> = dims
        .iter()
        .map(|a| match a {
            Ax::Batch => "B",
            Ax::Points => "N",
            Ax::Channels => "C",
            Ax::One => "1",
        })
        .collect();
    format!("({})", s.join(","))
}

/// Sizes of the graph input's axes (`None` where dynamic); it must be a float tensor.
pub(crate) fn input_dims(vi: &ValueInfoProto) -> Result<Vec<Option<usize>>, OnnxError> {
    let bad = |p: String| OnnxError::Graph(format!("input '{}' {p}", vi.name()));
    let Some(type_proto::Value::TensorType(t)) = vi.r#type.as_ref().and_then(|t| t.value.as_ref())
    else {
        return Err(bad("is not a tensor".into()));
    };
    if t.elem_type() != 1 {
        return Err(bad(format!(
            "has element type {}, expected float32 (1)",
            t.elem_type()
        )));
    }
    if let Some(v) = t.shape.as_ref().and_then(|s| {
        s.dim.iter().find_map(|d| match d.value {
            Some(dimension::Value::DimValue(v)) if v < 0 => Some(v),
            _ => None,
        })
    }) {
        return Err(bad(format!("declares the negative dimension {v}")));
    }
    Ok(t.shape
        .as_ref()
        .map(|s| {
            s.dim
                .iter()
                .map(|d| match d.value {
                    Some(dimension::Value::DimValue(v)) if v > 0 => Some(v as usize),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default())
}

/// Points and channels of the graph input of sizes `dims`, read in `layout`, and the meaning
/// of its axes.
pub(crate) fn input_shape(
    vi: &ValueInfoProto,
    dims: &[Option<usize>],
    layout: InputLayout,
) -> Result<(Option<usize>, usize, Vec<Ax>), OnnxError> {
    let bad = |p: String| OnnxError::Graph(format!("input '{}' {p}", vi.name()));
    let size = |d: Option<usize>| d.map_or("?".to_string(), |v| v.to_string());
    if let Some(b) = dims.first().copied().flatten().filter(|&b| b != 1) {
        return Err(bad(format!(
            "has a fixed batch of {b}; export with batch 1 or a dynamic batch"
        )));
    }
    match (dims, layout) {
        ([_, n, Some(c)], InputLayout::ChannelsLast) => {
            Ok((*n, *c, vec![Ax::Batch, Ax::Points, Ax::Channels]))
        }
        ([_, Some(c), n], InputLayout::ChannelsFirst) => {
            Ok((*n, *c, vec![Ax::Batch, Ax::Channels, Ax::Points]))
        }
        ([_, a, b], _) => Err(bad(format!(
            "has shape (B,{},{}) with a dynamic channel count; export with a fixed C",
            size(*a),
            size(*b)
        ))),
        _ => Err(bad(format!(
            "has rank {}, expected (B,N,C) or (B,C,N)",
            dims.len()
        ))),
    }
}

/// The graph output must be (B, K) or (B, N, K) up to size-1 axes.
pub(crate) fn check_output(out: &Act, _g: &Graph, name: &str) -> Result<(), OnnxError> {
    let core: Vec<Ax> = out.dims.iter().copied().filter(|&a| a != Ax::One).collect();
    match core[..] {
        [Ax::Batch, Ax::Channels] | [Ax::Batch, Ax::Points, Ax::Channels] => Ok(()),
        _ => Err(OnnxError::Graph(format!(
            "output '{name}' has layout {} (B = batch, N = points, C = channels); expected (B,K) or (B,N,K)",
            dims_str(&out.dims)
        ))),
    }
}

/// One entry of a reshape target.
#[derive(Debug, Clone, Copy)]
enum Entry {
    Known(Ax),
    Lit(usize),
    Infer,
}

/// Axis meanings after `Reshape(act, target)`: only size-1 axes may be added or removed, and
/// the batch must stay an axis of its own.
pub(crate) fn reshape_dims(
    n: NodeRef<'_>,
    act: &Act,
    g: &Graph,
    target: &[i64],
    allowzero: bool,
) -> Result<Vec<Ax>, OnnxError> {
    let sizes = act.sizes(g);
    let mut entries = Vec::with_capacity(target.len());
    for (i, &v) in target.iter().enumerate() {
        entries.push(match v {
            0 if !allowzero => Entry::Known(*act.dims.get(i).ok_or_else(|| {
                n.err(format!(
                    "target {target:?} copies axis {i} of a rank-{} input",
                    act.dims.len()
                ))
            })?),
            BATCH_MARK => Entry::Known(Ax::Batch),
            POINTS_MARK => Entry::Known(Ax::Points),
            -1 => Entry::Infer,
            v if v > 0 => Entry::Lit(v as usize),
            v => return Err(n.err(format!("target {target:?} has entry {v}"))),
        });
    }
    // A batch-1 export writes the batch as a literal 1 (`Reshape [1, 64]`, `[1, -1]`).
    if !entries.iter().any(|e| matches!(e, Entry::Known(Ax::Batch)))
        && act.dims.first() == Some(&Ax::Batch)
        && matches!(entries.first(), Some(Entry::Lit(1)))
    {
        entries[0] = Entry::Known(Ax::Batch);
    }
    let explain = "only size-1 axes may be added or removed, keeping the batch first; flattening points into channels is not supported";
    if !entries.iter().any(|e| matches!(e, Entry::Known(Ax::Batch))) {
        let infers: Vec<usize> = entries
            .iter()
            .enumerate()
            .filter(|(_, e)| matches!(e, Entry::Infer))
            .map(|(i, _)| i)
            .collect();
        match infers[..] {
            [i] => entries[i] = Entry::Known(Ax::Batch),
            _ => {
                return Err(n.err(format!(
                    "reshape of {} to {target:?} does not keep the batch axis ({explain})",
                    dims_str(&act.dims)
                )))
            }
        }
    }
    let seq: Vec<(Ax, Option<usize>)> = act
        .dims
        .iter()
        .zip(&sizes)
        .filter(|(a, _)| matches!(a, Ax::Points | Ax::Channels))
        .map(|(a, s)| (*a, *s))
        .collect();
    let mut next = 0;
    let mut out = Vec::with_capacity(entries.len());
    let fail = || {
        n.err(format!(
            "reshape of {} to {target:?} is not supported ({explain})",
            dims_str(&act.dims)
        ))
    };
    for e in entries {
        let ax = match e {
            Entry::Known(Ax::One) => Ax::One,
            Entry::Known(Ax::Batch) => Ax::Batch,
            Entry::Known(a) => {
                if seq.get(next).map(|s| s.0) != Some(a) {
                    return Err(fail());
                }
                next += 1;
                a
            }
            Entry::Lit(v) => match seq.get(next) {
                Some(&(a, Some(s))) if s == v => {
                    next += 1;
                    a
                }
                _ if v == 1 => Ax::One,
                _ => return Err(fail()),
            },
            Entry::Infer => match seq.get(next) {
                Some(&(a, _)) => {
                    next += 1;
                    a
                }
                None => return Err(fail()),
            },
        };
        out.push(ax);
    }
    if next != seq.len() || out.iter().filter(|&&a| a == Ax::Batch).count() != 1 {
        return Err(fail());
    }
    Ok(out)
}

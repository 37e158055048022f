//! What each axis of an activation means (batch, points, channels, size 1), and how reshapes
//! move those meanings around.

use super::attrs::NodeRef;
use super::proto::{tensor_shape_proto::dimension, type_proto, ValueInfoProto};
use super::OnnxError;
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

/// An activation: an IR value and the meaning of each ONNX axis.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Act {
    /// The IR value.
    pub id: ValueId,
    /// Meaning of each ONNX axis.
    pub dims: Vec<Ax>,
}

/// Marks the batch size in a `Shape` result (folded into `Reshape` targets).
pub(crate) const BATCH_MARK: i64 = i64::MIN + 1;
/// Marks a dynamic number of points in a `Shape` result.
pub(crate) const POINTS_MARK: i64 = i64::MIN + 2;

impl Act {
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
        Act { id: self.id, dims }
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

/// Points and channels of the graph input, which must be float (B, N, C) with C fixed.
pub(crate) fn input_shape(vi: &ValueInfoProto) -> Result<(Option<usize>, usize), OnnxError> {
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
    let dims: Vec<Option<usize>> = t
        .shape
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
        .unwrap_or_default();
    match dims[..] {
        [_, n, Some(c)] => Ok((n, c)),
        [_, _, None] => Err(bad(
            "has a dynamic channel count; export with a fixed C".into()
        )),
        _ => Err(bad(format!("has rank {}, expected (B,N,C)", dims.len()))),
    }
}

/// The graph output must be (B, K) or (B, N, K) up to size-1 axes.
pub(crate) fn check_output(out: &Act, _g: &Graph) -> Result<(), OnnxError> {
    let core: Vec<Ax> = out.dims.iter().copied().filter(|&a| a != Ax::One).collect();
    match core[..] {
        [Ax::Batch, Ax::Channels] | [Ax::Batch, Ax::Points, Ax::Channels] => Ok(()),
        _ => Err(OnnxError::Graph(format!(
            "output has layout {} (B = batch, N = points, C = channels); expected (B,K) or (B,N,K)",
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

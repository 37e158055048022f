//! `equiframe inspect MODEL.tflite`: the TFLite graph as imported -- every operator with its
//! tensors' shapes, types and quantization (per-tensor or per-channel scales and zero
//! points), then the engine layers it maps onto with their requantization, or the one-line
//! reason it does not map.

use anyhow::Context;
use serde::Serialize;

use super::schema::{dtype_name, Tensor, TflModel};
use super::{lower, schema};
use crate::blob::{LayerParams, Op};
use crate::commands::print_stdout;

/// One tensor as printed.
#[derive(Debug, Clone, Serialize)]
pub struct TensorInfo {
    /// Index in the subgraph.
    pub index: usize,
    /// Name.
    pub name: String,
    /// Shape.
    pub shape: Vec<i32>,
    /// Element type.
    pub dtype: String,
    /// Scales (one, or one per channel).
    pub scale: Vec<f32>,
    /// Zero points.
    pub zero_point: Vec<i64>,
    /// Quantized dimension of per-channel scales.
    pub quantized_dimension: i32,
    /// Holds constant data.
    pub constant: bool,
}

/// One operator as printed.
#[derive(Debug, Clone, Serialize)]
pub struct OpInfo {
    /// Position.
    pub index: usize,
    /// Operator name.
    pub op: String,
    /// Fused activation code (0 none, 1 ReLU, 2 ReLU-N1-to-1, 3 ReLU6).
    pub activation: u8,
    /// Inputs.
    pub inputs: Vec<TensorInfo>,
    /// Outputs.
    pub outputs: Vec<TensorInfo>,
}

/// One engine layer of the mapping.
#[derive(Debug, Clone, Serialize)]
pub struct MappedLayer {
    /// Engine operator.
    pub op: String,
    /// The TFLite operator it comes from.
    pub from: String,
    /// Output `(scale, zero_point)`.
    pub output_quant: (f32, i32),
    /// Requantization `(multiplier, shift)` of each output channel (weighted layers) or the
    /// op's parameter pairs.
    pub requant: Vec<(i32, i32)>,
}

/// Everything printed.
#[derive(Debug, Clone, Serialize)]
pub struct GraphInfo {
    /// Operators in order.
    pub operators: Vec<OpInfo>,
    /// Graph input tensors.
    pub inputs: Vec<TensorInfo>,
    /// Graph output tensors.
    pub outputs: Vec<TensorInfo>,
    /// Engine layers, when the graph maps.
    pub layers: Vec<MappedLayer>,
    /// Why the graph does not map.
    pub error: Option<String>,
}

fn tensor_info(m: &TflModel, i: usize) -> Option<TensorInfo> {
    let t: &Tensor = m.tensors.get(i)?;
    let q = t.quant.clone().unwrap_or_default();
    Some(TensorInfo {
        index: i,
        name: t.name.clone(),
        shape: t.shape.clone(),
        dtype: dtype_name(t.dtype).to_string(),
        scale: q.scale,
        zero_point: q.zero_point,
        quantized_dimension: q.dim,
        constant: m.buffers.get(t.buffer).is_some_and(|b| !b.is_empty()),
    })
}

fn pairs(v: &[i32]) -> Vec<(i32, i32)> {
    v.chunks_exact(2).map(|p| (p[0], p[1])).collect()
}

/// The graph and its mapping.
pub fn graph_info(m: &TflModel) -> GraphInfo {
    let ti = |v: &[i32]| -> Vec<TensorInfo> {
        v.iter()
            .filter_map(|&i| usize::try_from(i).ok().and_then(|u| tensor_info(m, u)))
            .collect()
    };
    let operators = m
        .operators
        .iter()
        .enumerate()
        .map(|(index, o)| OpInfo {
            index,
            op: o.name(),
            activation: o.options.activation,
            inputs: ti(&o.inputs),
            outputs: ti(&o.outputs),
        })
        .collect();
    let (layers, error) = match lower::lower(m) {
        Ok(imp) => (
            imp.layers
                .iter()
                .zip(&imp.names)
                .map(|(l, from)| MappedLayer {
                    op: format!("{:?}", l.op),
                    from: from.clone(),
                    output_quant: if matches!(l.op, Op::MaxPool | Op::MaxPool1d | Op::Clamp) {
                        (f32::NAN, 0)
                    } else {
                        (l.output_quant.scale, l.output_quant.zero_point)
                    },
                    requant: match &l.params {
                        LayerParams::Int8 {
                            multiplier, shift, ..
                        } => multiplier
                            .iter()
                            .copied()
                            .zip(shift.iter().copied())
                            .collect(),
                        LayerParams::Int8Aux(p) => pairs(p),
                        _ => vec![],
                    },
                })
                .collect(),
            None,
        ),
        Err(e) => (vec![], Some(e.to_string())),
    };
    let all = |v: &[usize]| v.iter().filter_map(|&i| tensor_info(m, i)).collect();
    GraphInfo {
        operators,
        inputs: all(&m.inputs),
        outputs: all(&m.outputs),
        layers,
        error,
    }
}

fn quant_str(t: &TensorInfo) -> String {
    match t.scale.len() {
        0 => String::new(),
        1 => format!(
            " s={:e} zp={}",
            t.scale[0],
            t.zero_point.first().unwrap_or(&0)
        ),
        n => {
            let lo = t.scale.iter().copied().fold(f32::INFINITY, f32::min);
            let hi = t.scale.iter().copied().fold(0.0f32, f32::max);
            let zps: std::collections::BTreeSet<i64> = t.zero_point.iter().copied().collect();
            format!(
                " per-channel (axis {}) {n} scales {lo:e}..{hi:e} zp {zps:?}",
                t.quantized_dimension
            )
        }
    }
}

fn tensor_str(t: &TensorInfo) -> String {
    format!(
        "t{} {:?} {}{}{}",
        t.index,
        t.shape,
        t.dtype,
        quant_str(t),
        if t.constant { " const" } else { "" }
    )
}

/// The text report.
pub fn text(path: &str, g: &GraphInfo) -> String {
    let mut s = format!("{path}: TFLite graph, {} operators\n", g.operators.len());
    for t in &g.inputs {
        s += &format!("input   {} {:?}\n", tensor_str(t), t.name);
    }
    for t in &g.outputs {
        s += &format!("output  {} {:?}\n", tensor_str(t), t.name);
    }
    for o in &g.operators {
        s += &format!(
            "#{:<3} {}{}\n",
            o.index,
            o.op,
            if o.activation != 0 {
                format!(" (fused activation {})", o.activation)
            } else {
                String::new()
            }
        );
        for t in &o.inputs {
            s += &format!("       in  {}\n", tensor_str(t));
        }
        for t in &o.outputs {
            s += &format!("       out {}\n", tensor_str(t));
        }
    }
    match &g.error {
        Some(e) => s += &format!("not mapped: {e}"),
        None => {
            s += &format!("engine layers ({}):", g.layers.len());
            for (i, l) in g.layers.iter().enumerate() {
                let rq: Vec<String> = l
                    .requant
                    .iter()
                    .take(4)
                    .map(|(m, sh)| format!("{m}>>{}", -sh))
                    .collect();
                let more = if l.requant.len() > 4 {
                    format!(" .. ({} in all)", l.requant.len())
                } else {
                    String::new()
                };
                let q = if l.output_quant.0.is_nan() {
                    "same as input".to_string()
                } else {
                    format!("s={:e} zp={}", l.output_quant.0, l.output_quant.1)
                };
                s += &format!(
                    "\n  {i:<3} {:<11} from {:<22} out {q}  requant [{}]{more}",
                    l.op,
                    l.from,
                    rq.join(", ")
                );
            }
        }
    }
    s
}

/// Runs `inspect` on a `.tflite` file.
pub fn run(path: &std::path::Path, json: bool) -> anyhow::Result<()> {
    let bytes = std::fs::read(path).with_context(|| format!("{}", path.display()))?;
    let m = schema::parse(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let g = graph_info(&m);
    if json {
        print_stdout(&serde_json::to_string_pretty(&g)?)
    } else {
        print_stdout(&text(&path.display().to_string(), &g))
    }
}

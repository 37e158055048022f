//! ONNX import: a `ModelProto` (as `torch.onnx.export` writes it with either exporter, opsets
//! 11 to 24, weights inside or in an external-data file) parsed into the float graph IR
//! ([`crate::ir::Graph`]).
//!
//! The model input is one batch `(B, N, C)` channels last, or `(B, C, N)` channels first (the
//! classic PointNet layout; the blob still takes `(N, C)` rows and the converter absorbs the
//! transpose); the batch is dynamic or fixed to 1. Every ONNX tensor is tracked either as a
//! constant (initializers and everything computed from them only, folded here) or as an
//! activation: an IR value plus the meaning of each ONNX axis (batch, points, channels, or a
//! size-1 axis), so transposes and reshapes cost nothing and PyTorch's `(B, C, N)` Conv1d
//! layout maps onto the kernels' channels-last `(N, C)`. `BatchNormalization` is folded into
//! the linear layer before it, or carried as a pending per-channel affine map into the next
//! one. Several graph outputs are concatenated, in order, into the output vector.

mod attrs;
mod error;
mod external;
mod fold;
mod layout;
mod lower_expr;
mod lower_linear;
mod lower_norm;
mod lower_shape;
pub mod proto;
mod tensor;

use std::collections::HashMap;
use std::path::Path;

use prost::Message;

pub use error::{layer_of, OnnxError, SUPPORTED_OPS};
pub use tensor::{Data, Tensor};

use crate::ir::{Graph, Layer, Op, Shape, ValueId};
use attrs::NodeRef;
use layout::Act;

/// Layout of the ONNX graph input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputLayout {
    /// `(B, N, C)`: rows of channels, as the blob takes them.
    ChannelsLast,
    /// `(B, C, N)`: channels first; the converter absorbs the transpose.
    ChannelsFirst,
}

/// One graph output: its name and its channels in the output vector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputPart {
    /// ONNX output name.
    pub name: String,
    /// Channels (its range in the concatenated output vector follows the previous one's).
    pub len: usize,
}

/// An imported model: the IR plus the ONNX names around it.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The backbone as float IR.
    pub graph: Graph,
    /// Name of the ONNX graph input.
    pub input_name: String,
    /// Layout of the ONNX graph input.
    pub input_layout: InputLayout,
    /// The ONNX input's batch size when the export fixed it (`Some(1)` for a batch-1 export).
    pub fixed_batch: Option<usize>,
    /// The graph outputs in order (concatenated into the output vector).
    pub outputs: Vec<OutputPart>,
    /// The default-domain opset.
    pub opset: i64,
}

/// Reads and imports an ONNX file (and its external-data file, if it has one).
pub fn load(path: &Path) -> Result<Imported, OnnxError> {
    let bytes = std::fs::read(path).map_err(|error| OnnxError::Io {
        path: path.into(),
        error,
    })?;
    let model = proto::ModelProto::decode(&bytes[..]).map_err(OnnxError::Decode)?;
    let dir = path.parent().map(|d| {
        if d.as_os_str().is_empty() {
            Path::new(".")
        } else {
            d
        }
    });
    import_in(&model, dir)
}

/// Imports the bytes of an ONNX file (weights inside).
pub fn from_bytes(bytes: &[u8]) -> Result<Imported, OnnxError> {
    let model = proto::ModelProto::decode(bytes).map_err(OnnxError::Decode)?;
    import(&model)
}

/// A tracked ONNX tensor.
#[derive(Debug, Clone)]
pub(crate) enum Sym {
    /// Known at conversion time.
    Const(Tensor),
    /// Computed from the input.
    Act(Act),
    /// An element-wise expression of one activation, not yet a layer.
    Expr(lower_expr::ExprAct),
}

/// State of one import.
pub(crate) struct Importer {
    pub(crate) g: Graph,
    syms: HashMap<String, Sym>,
    consumers: HashMap<String, usize>,
    aliases: HashMap<ValueId, Vec<String>>,
    producer: HashMap<ValueId, usize>,
    opset: i64,
}

/// Imports a decoded model whose weights are inside it.
pub fn import(model: &proto::ModelProto) -> Result<Imported, OnnxError> {
    import_in(model, None)
}

/// Ops lowered on activations (see `Importer::lower_node`).
const KNOWN_OPS: &[&str] = &[
    "Identity",
    "Dropout",
    "BatchNormalization",
    "Add",
    "Sub",
    "Mul",
    "Div",
    "MatMul",
    "Gemm",
    "Conv",
    "Relu",
    "Clip",
    "LeakyRelu",
    "ReduceMax",
    "ReduceMean",
    "ReduceSum",
    "GlobalMaxPool",
    "GlobalAveragePool",
    "MaxPool",
    "AveragePool",
    "Transpose",
    "Reshape",
    "Flatten",
    "Squeeze",
    "Unsqueeze",
    "Concat",
    "Softmax",
    "LogSoftmax",
    "LayerNormalization",
    "Pow",
    "Gather",
    "Slice",
    "ReduceL2",
    "ReduceSumSquare",
    "Sqrt",
];

/// Ops the classic channels-first input feeds directly.
const CHANNELS_FIRST_OPS: &[&str] = &[
    "Conv",
    "BatchNormalization",
    "MaxPool",
    "AveragePool",
    "GlobalMaxPool",
    "GlobalAveragePool",
];

/// Imports a decoded model; `dir` is where its external-data files are.
fn import_in(model: &proto::ModelProto, dir: Option<&Path>) -> Result<Imported, OnnxError> {
    let opset = model
        .opset_import
        .iter()
        .find(|o| matches!(o.domain(), "" | "ai.onnx"))
        .map(|o| o.version())
        .ok_or_else(|| OnnxError::Graph("has no default-domain opset".into()))?;
    if !(11..=24).contains(&opset) {
        return Err(OnnxError::Opset(opset));
    }
    let graph = model
        .graph
        .as_ref()
        .ok_or_else(|| OnnxError::Graph("is missing".into()))?;
    if let Some(node) = graph
        .node
        .iter()
        .find(|n| matches!(n.op_type(), "LSTM" | "GRU" | "RNN"))
    {
        return Err(OnnxError::Recurrent {
            node: NodeRef { node }.name(),
            op_type: node.op_type().to_string(),
        });
    }
    let mut files = external::DataFiles::default();
    let mut inits = HashMap::new();
    for t in &graph.initializer {
        let resolved = files.resolve(t, dir)?;
        let t = resolved.as_ref().unwrap_or(t);
        if inits
            .insert(t.name().to_string(), Tensor::from_proto(t)?)
            .is_some()
        {
            return Err(OnnxError::Graph(format!(
                "has two initializers named '{}'",
                t.name()
            )));
        }
    }
    let inputs: Vec<_> = graph
        .input
        .iter()
        .filter(|i| !inits.contains_key(i.name()))
        .collect();
    let [input] = inputs[..] else {
        let names: Vec<_> = inputs.iter().map(|i| i.name()).collect();
        return Err(OnnxError::Graph(format!(
            "must have exactly one input (B,N,C), has {names:?}"
        )));
    };
    let dims = layout::input_dims(input)?;
    let first_ops: Vec<&str> = graph
        .node
        .iter()
        .filter(|n| n.input.iter().any(|i| i == input.name()))
        .map(|n| n.op_type())
        .collect();
    let cf_first = first_ops.iter().any(|o| CHANNELS_FIRST_OPS.contains(o))
        || matches!(dims[..], [_, Some(_), None]);
    let order = if cf_first {
        [InputLayout::ChannelsFirst, InputLayout::ChannelsLast]
    } else {
        [InputLayout::ChannelsLast, InputLayout::ChannelsFirst]
    };
    let first = import_layout(graph, &inits, input, &dims, order[0], opset);
    match first {
        Ok(im) => Ok(im),
        Err(e) => match import_layout(graph, &inits, input, &dims, order[1], opset) {
            Ok(im) => Ok(im),
            Err(_) => Err(e),
        },
    }
}

/// Imports the graph with its input read in `layout`.
fn import_layout(
    graph: &proto::GraphProto,
    inits: &HashMap<String, Tensor>,
    input: &proto::ValueInfoProto,
    dims: &[Option<usize>],
    layout: InputLayout,
    opset: i64,
) -> Result<Imported, OnnxError> {
    let (n, c, act_dims) = layout::input_shape(input, dims, layout)?;
    let mut im = Importer {
        g: Graph {
            values: Vec::new(),
            layers: Vec::new(),
            output: 0,
        },
        syms: inits
            .iter()
            .map(|(k, v)| (k.clone(), Sym::Const(v.clone())))
            .collect(),
        consumers: HashMap::new(),
        aliases: HashMap::new(),
        producer: HashMap::new(),
        opset,
    };
    im.g.values.push(Shape::Points { n, c });
    im.bind(input.name(), Sym::Act(Act::new(0, act_dims)));
    if graph.output.is_empty() {
        return Err(OnnxError::Graph("has no output".into()));
    }
    for node in &graph.node {
        for i in node.input.iter().filter(|i| !i.is_empty()) {
            *im.consumers.entry(i.clone()).or_default() += 1;
        }
    }
    for output in &graph.output {
        *im.consumers.entry(output.name().to_string()).or_default() += 1;
    }
    for node in &graph.node {
        let nr = NodeRef { node };
        if !matches!(node.domain(), "" | "ai.onnx") {
            return Err(OnnxError::UnsupportedOp {
                node: nr.name(),
                op_type: format!("{}:{}", node.domain(), nr.op()),
            });
        }
        if let Some(name) = node
            .output
            .iter()
            .find(|o| !o.is_empty() && im.syms.contains_key(o.as_str()))
        {
            return Err(nr.err(format!(
                "output '{name}' is already produced (by another node, an initializer or the graph input)"
            )));
        }
        let outs = im.lower_node(nr)?;
        for (name, sym) in node.output.iter().zip(outs) {
            if !name.is_empty() {
                im.bind(name, sym);
            }
        }
    }
    let mut outs = Vec::new();
    let mut parts = Vec::new();
    for output in &graph.output {
        let out = match im.syms.get(output.name()).cloned() {
            Some(Sym::Act(a)) => a,
            Some(Sym::Expr(e)) => {
                lower_expr::materialize_named(&mut im, ("graph output", output.name()), &e)?
            }
            Some(Sym::Const(_)) => {
                return Err(OnnxError::Graph(format!(
                    "output '{}' does not depend on the input",
                    output.name()
                )))
            }
            None => {
                return Err(OnnxError::Graph(format!(
                    "output '{}' is not computed by any node",
                    output.name()
                )))
            }
        };
        if let Some(f) = &out.flat {
            return Err(f.refusal(&format!("the graph output '{}'", output.name())));
        }
        if out.chans.is_some() {
            return Err(OnnxError::Graph(format!(
                "output '{}' is a slice of channels; only a per-row norm of such a slice is supported",
                output.name()
            )));
        }
        if out.pre.is_some() {
            return Err(OnnxError::Graph(format!(
                "output '{}' ends in a BatchNormalization that has no MatMul/Gemm/Conv to fold into",
                output.name()
            )));
        }
        layout::check_output(&out, &im.g, output.name())?;
        parts.push(OutputPart {
            name: output.name().to_string(),
            len: im.shape(out.id).channels(),
        });
        outs.push(out.id);
    }
    im.g.output = match outs[..] {
        [one] => one,
        _ => {
            let shapes: Vec<Shape> = outs.iter().map(|&o| im.shape(o)).collect();
            if shapes.iter().any(|s| !matches!(s, Shape::Vector { .. })) {
                return Err(OnnxError::Graph(format!(
                    "has {} outputs; several outputs must each be one (B,K) vector per sample",
                    outs.len()
                )));
            }
            let c = shapes.iter().map(Shape::channels).sum();
            let output = im.g.values.len();
            im.g.values.push(Shape::Vector { c });
            im.g.layers.push(Layer {
                name: "outputs".into(),
                op: Op::Concat,
                inputs: outs,
                output,
            });
            output
        }
    };
    prune(&mut im.g);
    Ok(Imported {
        graph: im.g,
        input_name: input.name().into(),
        input_layout: layout,
        fixed_batch: dims.first().copied().flatten(),
        outputs: parts,
        opset,
    })
}

/// Drops layers whose results never reach the output.
fn prune(g: &mut Graph) {
    let mut live = vec![false; g.values.len()];
    live[g.output] = true;
    let mut keep = vec![false; g.layers.len()];
    for (i, l) in g.layers.iter().enumerate().rev() {
        if live[l.output] {
            keep[i] = true;
            l.inputs.iter().for_each(|&v| live[v] = true);
        }
    }
    let mut it = keep.into_iter();
    g.layers.retain(|_| it.next().unwrap_or(false));
}

impl Importer {
    fn bind(&mut self, name: &str, sym: Sym) {
        if let Sym::Act(a) = &sym {
            self.aliases.entry(a.id).or_default().push(name.to_string());
        }
        self.syms.insert(name.to_string(), sym);
    }

    /// Input `i` of the node, if given.
    pub(crate) fn opt(&self, n: NodeRef<'_>, i: usize) -> Result<Option<&Sym>, OnnxError> {
        match n.node.input.get(i).map(String::as_str) {
            None | Some("") => Ok(None),
            Some(name) => {
                self.syms.get(name).map(Some).ok_or_else(|| {
                    n.err(format!("input '{name}' is not computed before this node"))
                })
            }
        }
    }

    /// Input `i` of the node.
    pub(crate) fn sym(&self, n: NodeRef<'_>, i: usize) -> Result<&Sym, OnnxError> {
        self.opt(n, i)?
            .ok_or_else(|| n.err(format!("input {i} is missing")))
    }

    /// Input `i`, which must be computed from the model input.
    pub(crate) fn act(&self, n: NodeRef<'_>, i: usize) -> Result<Act, OnnxError> {
        match self.sym(n, i)? {
            Sym::Act(a) => Ok(a.clone()),
            Sym::Expr(_) => Err(n.err(format!(
                "input {i} is an element-wise expression that was not turned into a layer"
            ))),
            Sym::Const(_) => Err(n.err(format!(
                "input {i} is a constant where an activation is expected"
            ))),
        }
    }

    /// Input `i`, which must be a constant.
    pub(crate) fn konst(&self, n: NodeRef<'_>, i: usize) -> Result<Tensor, OnnxError> {
        match self.sym(n, i)? {
            Sym::Const(t) => Ok(t.clone()),
            Sym::Act(_) | Sym::Expr(_) => Err(n.err(format!(
                "input {i} must be a constant (an initializer), not computed from the input"
            ))),
        }
    }

    /// Optional constant input `i`.
    pub(crate) fn opt_konst(&self, n: NodeRef<'_>, i: usize) -> Result<Option<Tensor>, OnnxError> {
        match self.opt(n, i)? {
            None => Ok(None),
            Some(_) => self.konst(n, i).map(Some),
        }
    }

    /// Shape of an IR value.
    pub(crate) fn shape(&self, id: ValueId) -> Shape {
        self.g.values[id]
    }

    /// Adds a layer writing a new value of `shape`; returns the value.
    pub(crate) fn push(
        &mut self,
        n: NodeRef<'_>,
        op: Op,
        inputs: Vec<ValueId>,
        shape: Shape,
    ) -> ValueId {
        self.push_named(n.name(), op, inputs, shape)
    }

    /// [`Importer::push`] with the layer's name given.
    pub(crate) fn push_named(
        &mut self,
        name: String,
        op: Op,
        inputs: Vec<ValueId>,
        shape: Shape,
    ) -> ValueId {
        let output = self.g.values.len();
        self.g.values.push(shape);
        self.producer.insert(output, self.g.layers.len());
        self.g.layers.push(Layer {
            name,
            op,
            inputs,
            output,
        });
        output
    }

    /// The layer producing `id`, when the value is read exactly once (so the layer may absorb
    /// a following bias or activation).
    pub(crate) fn sole_producer(&mut self, id: ValueId) -> Option<&mut Layer> {
        let names = self.aliases.get(&id)?;
        let reads: usize = names
            .iter()
            .map(|n| self.consumers.get(n).copied().unwrap_or(0))
            .sum();
        // Each alias beyond the first is one read of its source; exactly one real read may remain.
        if reads.saturating_sub(names.len() - 1) != 1 {
            return None;
        }
        let li = *self.producer.get(&id)?;
        self.g.layers.get_mut(li)
    }

    /// Applies the pending BatchNormalization of every activation input of `n`, which cannot
    /// carry it further.
    fn settle_inputs(&mut self, n: NodeRef<'_>) -> Result<(), OnnxError> {
        for name in n.node.input.iter().filter(|i| !i.is_empty()) {
            if let Some(Sym::Act(a)) = self.syms.get(name).cloned() {
                if let Some(pre) = &a.pre {
                    let id = lower_norm::materialize_affine(self, n, a.id, pre);
                    let mut out = a.with(a.dims.clone());
                    out.id = id;
                    out.pre = None;
                    self.bind(name, Sym::Act(out));
                }
            }
        }
        Ok(())
    }

    /// Turns every element-wise expression `n` reads into an activation layer.
    fn materialize_inputs(&mut self, n: NodeRef<'_>) -> Result<(), OnnxError> {
        for name in n.node.input.iter().filter(|i| !i.is_empty()) {
            if let Some(Sym::Expr(e)) = self.syms.get(name).cloned() {
                let act = lower_expr::materialize_named(self, (n.op(), &n.name()), &e)?;
                self.bind(name, Sym::Act(act));
            }
        }
        Ok(())
    }

    /// A window flattened into channels may only be read by a Linear layer, a channel slice
    /// only by a per-row norm.
    fn check_flat(&self, n: NodeRef<'_>) -> Result<(), OnnxError> {
        for i in 0..n.node.input.len() {
            let chans = match self.opt(n, i)? {
                Some(Sym::Act(a)) => a.chans.is_some(),
                Some(Sym::Expr(e)) => e.base.chans.is_some(),
                _ => false,
            };
            if chans && !matches!(n.op(), "ReduceL2" | "ReduceSumSquare" | "ReduceSum") {
                return Err(n.err(
                    "reads a slice of the channels: only a per-row norm of it (x[..., a:b].norm(dim=-1, keepdim=True)) is supported",
                ));
            }
            if let Some(Sym::Act(a)) = self.opt(n, i)? {
                if a.flat.is_some() && !matches!(n.op(), "Gemm" | "MatMul" | "Identity" | "Dropout")
                {
                    return Err(n.err(
                        "reads a window flattened into channels: only a Linear layer (Gemm/MatMul) directly after the flatten is supported",
                    ));
                }
            }
        }
        Ok(())
    }

    fn lower_node(&mut self, n: NodeRef<'_>) -> Result<Vec<Sym>, OnnxError> {
        let all_const = n
            .node
            .input
            .iter()
            .filter(|i| !i.is_empty())
            .all(|i| matches!(self.syms.get(i), Some(Sym::Const(_))));
        if n.op() == "Constant" {
            return fold::constant(n).map(|t| vec![Sym::Const(t)]);
        }
        if n.op() == "Shape" {
            return fold::shape(self, n).map(|t| vec![Sym::Const(t)]);
        }
        if all_const && !n.node.input.is_empty() {
            let inputs: Vec<Option<Tensor>> = (0..n.node.input.len())
                .map(|i| self.opt_konst(n, i))
                .collect::<Result<_, _>>()?;
            return fold::fold(self, n, &inputs).map(|t| vec![Sym::Const(t)]);
        }
        if matches!(n.op(), "Relu" | "Clip") && lower_expr::clip_continues(self, n) {
            let u = lower_expr::clip_op(self, n)?;
            return lower_expr::unary(self, n, u).map(|s| vec![s]);
        }
        if let Some(u) = lower_expr::unary_op(n) {
            return lower_expr::unary(self, n, u).map(|s| vec![s]);
        }
        if matches!(n.op(), "Add" | "Sub" | "Mul" | "Div" | "Pow") && lower_expr::continues(self, n)
        {
            return lower_expr::binary(self, n).map(|s| vec![s]);
        }
        if n.op() == "ReduceSum" {
            if let Ok(Some(Sym::Expr(e))) = self.opt(n, 0) {
                if lower_expr::is_square(&e.e) {
                    let base = e.base.clone();
                    return lower_shape::row_norm(self, n, base, true).map(|s| vec![s]);
                }
            }
        }
        self.materialize_inputs(n)?;
        if !KNOWN_OPS.contains(&n.op()) {
            return Err(OnnxError::UnsupportedOp {
                node: n.name(),
                op_type: n.op().to_string(),
            });
        }
        self.check_flat(n)?;
        let two_acts = (0..2).all(|i| matches!(self.opt(n, i), Ok(Some(Sym::Act(_)))));
        if two_acts && matches!(n.op(), "Add" | "Sub" | "Mul" | "Div") {
            self.settle_inputs(n)?;
        }
        if !matches!(
            n.op(),
            "Identity"
                | "Dropout"
                | "Transpose"
                | "Reshape"
                | "Flatten"
                | "Squeeze"
                | "Unsqueeze"
                | "MatMul"
                | "Gemm"
                | "Conv"
                | "BatchNormalization"
                | "Add"
                | "Sub"
                | "Mul"
                | "Div"
        ) {
            self.settle_inputs(n)?;
        }
        let out = match n.op() {
            "Identity" | "Dropout" => Sym::Act(self.act(n, 0)?),
            "BatchNormalization" => lower_norm::batch_norm(self, n)?,
            "Sub" | "Mul" | "Div" => lower_norm::const_arith(self, n)?,
            "MatMul" => lower_linear::matmul(self, n)?,
            "Gemm" => lower_linear::gemm(self, n)?,
            "Conv" => lower_linear::conv(self, n)?,
            "Add" => lower_linear::add(self, n)?,
            "Relu" | "Clip" | "LeakyRelu" => lower_linear::activation(self, n)?,
            "ReduceMax" | "ReduceMean" | "ReduceSum" => lower_shape::reduce(self, n)?,
            "GlobalMaxPool" | "GlobalAveragePool" => lower_shape::global_pool(self, n)?,
            "MaxPool" => lower_shape::max_pool(self, n)?,
            "AveragePool" => lower_shape::average_pool(self, n)?,
            "Transpose" => lower_shape::transpose(self, n)?,
            "Reshape" => lower_shape::reshape(self, n)?,
            "Flatten" => lower_shape::flatten(self, n)?,
            "Squeeze" => lower_shape::squeeze(self, n)?,
            "Unsqueeze" => lower_shape::unsqueeze(self, n)?,
            "Concat" => lower_shape::concat(self, n)?,
            "Softmax" | "LogSoftmax" => lower_expr::softmax(self, n, self.opset)?,
            "LayerNormalization" => lower_expr::layer_norm(self, n)?,
            "Gather" | "Slice" => lower_shape::gather_rows(self, n)?,
            "ReduceL2" | "ReduceSumSquare" => lower_shape::reduce(self, n)?,
            "Sqrt" => lower_shape::sqrt(self, n)?,
            other => {
                return Err(OnnxError::UnsupportedOp {
                    node: n.name(),
                    op_type: other.to_string(),
                })
            }
        };
        Ok(vec![out])
    }
}

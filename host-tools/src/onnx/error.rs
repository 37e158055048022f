//! Errors of the ONNX import: one line each, naming the PyTorch layer (where the node name
//! shows it), the ONNX op and the node.

use std::path::PathBuf;

/// The ops the importer understands, listed once in `equiframe convert --help`.
pub const SUPPORTED_OPS: &str =
    "MatMul, Gemm, Conv (1D: kernel 1, or any kernel on a fixed-length window; \
grouped, depthwise, dilated; auto_pad SAME), AveragePool (1D), \
BatchNormalization (folded into the MatMul/Gemm/Conv before or after it), Add (bias, or two \
activations of one shape), Mul/Div/Sub/Add by a per-channel or scalar constant (folded like a \
BatchNormalization where a linear layer is next to it), Add/Sub/Mul of two activations \
broadcasting over rows or channels (x - x.mean(1, keepdim=True)), ReduceL2, ReduceSumSquare, \
Sqrt(ReduceSum(x * x)), ReduceSum(Pow(x, 2)) (per-row norms over the channels), Sigmoid, Tanh, \
Elu, Selu, HardSwish, HardSigmoid, Softplus, Mish, Gelu, and their exported forms (GELU as \
Div/Erf/Add/Mul or with Tanh, SiLU as Sigmoid * x), Softmax, LogSoftmax, LayerNormalization \
(over the channels), Gather / Slice of time steps of a fixed-length window, Relu, Clip, LeakyRelu, ReduceMax, ReduceMean, ReduceSum (over \
points), GlobalMaxPool, GlobalAveragePool, MaxPool (1D), Transpose, Reshape, Flatten (also a fixed-length \
window into a following Gemm/MatMul), Squeeze, Unsqueeze, Concat (channels), Identity, Dropout (inference), Constant; on constants only: \
Shape, Gather, Cast, Mul, Sub, Div, Pow, Sqrt, Reciprocal, Neg, Expand, ConstantOfShape";

/// Why an ONNX model could not be imported.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OnnxError {
    /// The file (or its external-data file) could not be read.
    #[error("{}: {error}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error (part of the message, not a separate cause).
        error: std::io::Error,
    },
    /// The bytes are not a protobuf `ModelProto`.
    #[error("not an ONNX model ({0})")]
    Decode(prost::DecodeError),
    /// The default-domain opset is outside 11..=24.
    #[error("opset {0} is not supported (supported: 11 to 24)")]
    Opset(i64),
    /// An op the importer does not know.
    #[error("{}ONNX op {op_type} is not supported (node '{node}'; `equiframe convert --help` lists the supported ops)", layer_prefix(node))]
    UnsupportedOp {
        /// Node name.
        node: String,
        /// Op type.
        op_type: String,
    },
    /// A recurrent layer (LSTM, GRU, RNN).
    #[error("{}{op_type} is not supported: recurrent layers are not converted (node '{node}'); use Conv1d over the window instead", layer_prefix(node))]
    Recurrent {
        /// Node name.
        node: String,
        /// `LSTM`, `GRU` or `RNN`.
        op_type: String,
    },
    /// A known op with an attribute value it cannot handle.
    #[error("{}ONNX {op_type} (node '{node}'): {attribute} = {value} is not supported (supported: {supported})", layer_prefix(node))]
    UnsupportedAttribute {
        /// Node name.
        node: String,
        /// Op type.
        op_type: String,
        /// Attribute name.
        attribute: String,
        /// The value found.
        value: String,
        /// What is supported.
        supported: String,
    },
    /// A known op used in a way the importer cannot lower (shapes, layouts, inputs).
    #[error("{}ONNX {op_type} (node '{node}'): {problem}", layer_prefix(node))]
    Node {
        /// Node name.
        node: String,
        /// Op type.
        op_type: String,
        /// What is wrong.
        problem: String,
    },
    /// An initializer or constant the importer cannot read.
    #[error("tensor '{name}': {problem}")]
    Tensor {
        /// Tensor name.
        name: String,
        /// What is wrong.
        problem: String,
    },
    /// The graph's inputs or outputs are not one (B,N,C) input and (B,K) outputs.
    #[error("graph {0}")]
    Graph(String),
}

/// The PyTorch module a node comes from, from TorchScript-style names (`/act1/Div` -> `act1`,
/// `/blocks/blocks.0/conv/Conv` -> `blocks.0.conv`); `None` for names without a scope.
pub fn layer_of(node: &str) -> Option<String> {
    let node = node.split(" (").next().unwrap_or(node);
    let parts: Vec<&str> = node.split('/').filter(|p| !p.is_empty()).collect();
    let (_, scope) = parts.split_last()?;
    let mut out: Vec<&str> = Vec::new();
    for p in scope {
        // TorchScript repeats the parent's path: /blocks/blocks.0/... -> blocks.0.
        if let Some(prev) = out.last() {
            if p.starts_with(&format!("{prev}.")) {
                out.pop();
            }
        }
        out.push(p);
    }
    let joined = out.join(".");
    let joined = joined.replace("..", ".");
    (!joined.is_empty()).then_some(joined)
}

/// `layer 'act1': ` for scoped node names, else nothing.
fn layer_prefix(node: &str) -> String {
    match layer_of(node) {
        Some(l) => format!("layer '{l}': "),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::layer_of;

    #[test]
    fn layers_from_node_names() {
        assert_eq!(layer_of("/act1/Div").as_deref(), Some("act1"));
        assert_eq!(layer_of("/act1/Div_1").as_deref(), Some("act1"));
        assert_eq!(
            layer_of("/blocks/blocks.0/conv/Conv").as_deref(),
            Some("blocks.0.conv")
        );
        assert_eq!(layer_of("/lstm/LSTM").as_deref(), Some("lstm"));
        assert_eq!(layer_of("/Transpose").as_deref(), None);
        assert_eq!(layer_of("node_Div_3").as_deref(), None);
        assert_eq!(layer_of("act1 (node_Div_3)").as_deref(), None);
    }
}

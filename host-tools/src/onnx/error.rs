//! Errors of the ONNX import, each naming the node, its op type and what is supported.

use std::path::PathBuf;

/// The ops the importer understands (printed with every unsupported-op error).
pub const SUPPORTED_OPS: &str = "MatMul, Add, Gemm, Conv (1D, group 1), Relu, Clip, LeakyRelu, \
ReduceMax, ReduceMean, ReduceSum, GlobalMaxPool, GlobalAveragePool, MaxPool (1D), Transpose, \
Reshape, Flatten, Squeeze, Unsqueeze, Concat, Identity, Constant, and on constants only: Shape, \
Gather, Cast, Mul, Sub, Div";

/// Why an ONNX model could not be imported.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OnnxError {
    /// The file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// The bytes are not a protobuf `ModelProto`.
    #[error("not an ONNX model: {0}")]
    Decode(#[from] prost::DecodeError),
    /// The default-domain opset is outside 13..=21.
    #[error("opset {0} is not supported (supported: 13 to 21)")]
    Opset(i64),
    /// An op the importer does not know.
    #[error("node '{node}' (op {op_type}) is not supported; supported ops: {SUPPORTED_OPS}")]
    UnsupportedOp {
        /// Node name.
        node: String,
        /// Op type.
        op_type: String,
    },
    /// A known op with an attribute value it cannot handle.
    #[error("node '{node}' (op {op_type}): attribute {attribute} = {value} is not supported (supported: {supported})")]
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
    #[error("node '{node}' (op {op_type}): {problem}")]
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
    /// The graph's inputs or outputs are not one (B,N,C) input and one output.
    #[error("graph {0}")]
    Graph(String),
}

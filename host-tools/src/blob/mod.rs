//! The only writer of the `.eqf` model blob format (specified in docs/FORMAT.md).
//!
//! Describe a backbone as a [`BlobModel`] -- frame options, input schema, output ranges,
//! precision, input quantization and a list of [`BlobLayer`]s in execution order -- and
//! [`write()`] infers every tensor shape, plans the arena ([`plan()`]), counts MACs, serializes,
//! checksums and finally re-reads the bytes with `equiframe::model::Model::from_bytes`, so a
//! blob that `write` returns always loads.
//!
//! Tensor ids: tensor 0 is the backbone input `(max_points, channels)`; layer `i` produces
//! tensor `i + 1`; the last layer's output is the model output and must have `(1, K)` shape
//! where `K` is the total length of [`BlobModel::outputs`]. A layer reads any earlier tensor
//! through [`BlobLayer::input`] (usually `i`, its predecessor).
//!
//! ```
//! use equiframe_cli::blob::*;
//! let mut m = BlobModel::points(3, 3, 16);        // dim 3, 3 channels (xyz), up to 16 points
//! m.precision = Precision::F32;
//! m.outputs = vec![OutputSpec::new(OutputKind::Invariant, 2)];
//! m.layers = vec![
//!     BlobLayer::f32(Op::PointwiseMax, 0, vec![0.5; 4 * 3], vec![0.0; 4]).with_activation(Activation::Relu),
//!     BlobLayer::f32(Op::Dense, 1, vec![1.0; 2 * 4], vec![0.0; 2]),
//! ];
//! let bytes = write(&m).unwrap();
//! let buf = AlignedBuf::from_slice(&bytes);
//! let model = equiframe::model::Model::from_bytes(buf.as_bytes()).unwrap();
//! assert_eq!(model.output_len(), 2);
//! ```

mod aligned;
mod error;
pub mod fuzz;
pub mod plan;
mod shapes;
pub mod synth;
mod types;
mod write;

pub use aligned::AlignedBuf;
pub use equiframe::frame::{AxisOrder, Field, FieldKind, Group, Robust};
pub use equiframe::model::{Activation, FrameMode, Op, OutputKind, Precision, FORMAT_VERSION};
pub use error::BlobError;
pub use plan::{plan, Plan, PlanItem};
pub use types::{BlobLayer, BlobModel, Constant, ConvParams, LayerParams, OutputSpec, Quant};
pub use write::{format_version, layout, write, Layout};

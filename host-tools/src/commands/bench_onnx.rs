//! The f32 backbone of a model blob written as an ONNX model (opset 13), so onnxruntime can
//! run the very same weights: input `x` `(B, N, C)` canonical coordinates, output `y`
//! `(B, K)` backbone outputs before frame averaging. Pointwise layers become `MatMul` + `Add`
//! on `(B, N, cin)`, fused max pooling a `ReduceMax` over the points, dense layers `MatMul` +
//! `Add` on `(B, cin)`, activations `Relu` / `Clip`.

use anyhow::{bail, Context};
use equiframe::model::{Activation, Model, Op, Precision};
use prost::Message;

use crate::onnx::proto::{
    attribute_proto::AttributeType, tensor_proto::DataType, tensor_shape_proto::dimension,
    tensor_shape_proto::Dimension, type_proto, AttributeProto, GraphProto, ModelProto, NodeProto,
    OperatorSetIdProto, TensorProto, TensorShapeProto, TypeProto, ValueInfoProto,
};

fn node(op: &str, inputs: &[&str], output: &str) -> NodeProto {
    NodeProto {
        op_type: Some(op.into()),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: vec![output.into()],
        name: Some(format!("{op}_{output}")),
        ..Default::default()
    }
}

fn tensor(name: &str, dims: &[usize], data: Vec<f32>) -> TensorProto {
    TensorProto {
        name: Some(name.into()),
        dims: dims.iter().map(|&d| d as i64).collect(),
        data_type: Some(DataType::Float as i32),
        float_data: data,
        ..Default::default()
    }
}

fn value_info(name: &str, dims: &[Option<usize>]) -> ValueInfoProto {
    let dim = dims
        .iter()
        .map(|d| Dimension {
            value: Some(match d {
                Some(v) => dimension::Value::DimValue(*v as i64),
                None => dimension::Value::DimParam("batch".into()),
            }),
            ..Default::default()
        })
        .collect();
    ValueInfoProto {
        name: Some(name.into()),
        r#type: Some(TypeProto {
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: Some(DataType::Float as i32),
                shape: Some(TensorShapeProto { dim }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn tname(id: u16) -> String {
    if id == 0 {
        "x".into()
    } else {
        format!("t{id}")
    }
}

/// Appends the activation of a layer whose pre-activation value is `pre`, writing `out`.
fn activation(g: &mut GraphProto, act: Activation, pre: &str, out: &str) -> anyhow::Result<()> {
    let clip = |g: &mut GraphProto, lo: f32, hi: f32| {
        let (l, h) = (format!("{out}_lo"), format!("{out}_hi"));
        g.initializer.push(tensor(&l, &[], vec![lo]));
        g.initializer.push(tensor(&h, &[], vec![hi]));
        g.node.push(node("Clip", &[pre, &l, &h], out));
    };
    match act {
        Activation::None => g.node.push(node("Identity", &[pre], out)),
        Activation::Relu => g.node.push(node("Relu", &[pre], out)),
        Activation::Relu6 => clip(g, 0.0, 6.0),
        Activation::ReluN1To1 => clip(g, -1.0, 1.0),
    }
    Ok(())
}

/// The ONNX bytes of an f32 blob's backbone.
pub fn backbone_onnx(model: &Model<'_>) -> anyhow::Result<Vec<u8>> {
    if model.precision() != Precision::F32 {
        bail!("an int8 blob has no f32 weights to export: pass --onnx with its backbone");
    }
    let mut g = GraphProto {
        name: Some("equiframe_backbone".into()),
        ..Default::default()
    };
    let n = model.max_points();
    g.input.push(value_info(
        "x",
        &[None, Some(n), Some(model.input_channels())],
    ));
    for (li, l) in model.layers().enumerate() {
        let ti = model.tensor(l.input).context("tensor table")?;
        let to = model.tensor(l.output).context("tensor table")?;
        let (cin, cout) = (ti.cols as usize, to.cols as usize);
        let (x, y) = (tname(l.input), tname(l.output));
        let mm = |g: &mut GraphProto, x: &str, out: &str| -> anyhow::Result<()> {
            let w = l.weights_f32.get(..cin * cout).context("weights")?;
            let mut wt = vec![0.0f32; cin * cout];
            for (c, row) in w.chunks_exact(cin).enumerate() {
                for (i, &v) in row.iter().enumerate() {
                    wt[i * cout + c] = v;
                }
            }
            let (wn, bn, m) = (format!("w{li}"), format!("b{li}"), format!("mm{li}"));
            g.initializer.push(tensor(&wn, &[cin, cout], wt));
            let b = l.bias_f32.get(..cout).context("bias")?.to_vec();
            g.initializer.push(tensor(&bn, &[cout], b));
            g.node.push(node("MatMul", &[x, &wn], &m));
            g.node.push(node("Add", &[&m, &bn], out));
            Ok(())
        };
        let pre = format!("pre{li}");
        match l.op {
            Op::Pointwise | Op::Dense => {
                mm(&mut g, &x, &pre)?;
                activation(&mut g, l.activation, &pre, &y)?;
            }
            Op::PointwiseMax => {
                let act = format!("act{li}");
                mm(&mut g, &x, &pre)?;
                activation(&mut g, l.activation, &pre, &act)?;
                g.node.push(reduce_max(&act, &y));
            }
            Op::MaxPool => g.node.push(reduce_max(&x, &y)),
            other => bail!("layer {li} ({other:?}) has no ONNX export here: pass --onnx"),
        }
    }
    g.node
        .push(node("Identity", &[&tname(model.output_tensor_id())], "y"));
    g.output
        .push(value_info("y", &[None, Some(model.output_len())]));
    let m = ModelProto {
        ir_version: Some(8),
        producer_name: Some("equiframe".into()),
        opset_import: vec![OperatorSetIdProto {
            domain: Some(String::new()),
            version: Some(13),
        }],
        graph: Some(g),
        ..Default::default()
    };
    Ok(m.encode_to_vec())
}

fn reduce_max(x: &str, y: &str) -> NodeProto {
    let mut n = node("ReduceMax", &[x], y);
    n.attribute.push(AttributeProto {
        name: Some("axes".into()),
        r#type: Some(AttributeType::Ints as i32),
        ints: vec![1],
        ..Default::default()
    });
    n.attribute.push(AttributeProto {
        name: Some("keepdims".into()),
        r#type: Some(AttributeType::Int as i32),
        i: Some(0),
        ..Default::default()
    });
    n
}

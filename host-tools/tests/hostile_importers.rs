//! Hostile model files for the importers: ONNX graphs with cycles, missing initializers, huge
//! declared shapes and duplicate producers (built by editing a valid fixture's protobuf), and
//! TFLite files whose buffer and tensor references point out of range (edited in place in a
//! valid fixture's flatbuffer). Each must be a typed error (never a panic, never a hang).

use equiframe_cli::onnx::proto::{self, tensor_shape_proto::dimension, type_proto};
use equiframe_cli::onnx::{self as onnx};
use equiframe_cli::tflite::{import_bytes, TfliteError};
use prost::Message;

fn fixture(name: &str) -> Vec<u8> {
    let p = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn pointnet() -> proto::ModelProto {
    let b = fixture("pointnet_conv.onnx");
    assert!(onnx::from_bytes(&b).is_ok(), "the fixture itself imports");
    proto::ModelProto::decode(&b[..]).unwrap()
}

fn graph(m: &mut proto::ModelProto) -> &mut proto::GraphProto {
    m.graph.as_mut().unwrap()
}

/// Imports an edited model; it must be refused. Returns the error's text.
fn refused(m: &proto::ModelProto, what: &str) -> String {
    let bytes = m.encode_to_vec();
    match onnx::from_bytes(&bytes) {
        Ok(_) => panic!("{what}: accepted"),
        Err(e) => {
            let s = e.to_string();
            assert!(!s.is_empty(), "{what}: empty error text");
            s
        }
    }
}

#[test]
fn onnx_cycles_are_refused() {
    // The first Conv reads the last node's output: a cycle through the whole graph.
    let mut m = pointnet();
    let g = graph(&mut m);
    let last = g.node.last().unwrap().output[0].clone();
    g.node[1].input[0] = last;
    eprintln!("cycle: {}", refused(&m, "whole-graph cycle"));
    // A node reading its own output.
    let mut m = pointnet();
    let g = graph(&mut m);
    let own = g.node[2].output[0].clone();
    g.node[2].input[0] = own;
    eprintln!("self loop: {}", refused(&m, "self loop"));
    // Two nodes feeding each other, listed in either order.
    for swap in [false, true] {
        let mut m = pointnet();
        let g = graph(&mut m);
        let (a, b) = (g.node[2].output[0].clone(), g.node[3].output[0].clone());
        g.node[2].input[0] = b;
        g.node[3].input[0] = a;
        if swap {
            g.node.swap(2, 3);
        }
        eprintln!("two-node cycle: {}", refused(&m, "two-node cycle"));
    }
}

#[test]
fn onnx_missing_initializers_are_refused() {
    let base = pointnet();
    let names: Vec<String> = base
        .graph
        .as_ref()
        .unwrap()
        .initializer
        .iter()
        .map(|t| t.name().to_string())
        .collect();
    assert!(!names.is_empty());
    for name in &names {
        let mut m = base.clone();
        graph(&mut m).initializer.retain(|t| t.name() != name);
        let used = m
            .graph
            .as_ref()
            .unwrap()
            .node
            .iter()
            .any(|n| n.input.iter().any(|i| i == name));
        if used {
            let e = refused(&m, &format!("initializer {name} removed"));
            assert!(e.contains(name.as_str()), "the error names {name}: {e}");
        }
    }
    // An initializer whose data is missing (dims say 16x3x1, no bytes).
    let mut m = base.clone();
    let t = &mut graph(&mut m).initializer[0];
    t.raw_data = None;
    t.float_data.clear();
    refused(&m, "initializer without data");
}

fn set_input_dims(m: &mut proto::ModelProto, dims: &[i64]) {
    let input = &mut graph(m).input[0];
    let Some(type_proto::Value::TensorType(t)) = input.r#type.as_mut().unwrap().value.as_mut()
    else {
        panic!("tensor input");
    };
    let shape = t.shape.as_mut().unwrap();
    shape.dim = dims
        .iter()
        .map(|&d| proto::tensor_shape_proto::Dimension {
            value: Some(dimension::Value::DimValue(d)),
            ..Default::default()
        })
        .collect();
}

#[test]
fn onnx_huge_declared_shapes_are_refused() {
    // Initializers whose dims claim far more elements than the file has (or than usize holds).
    for dims in [
        vec![1i64 << 40, 3, 1],
        vec![i64::MAX, 2],
        vec![-1, 3, 1],
        vec![1 << 31, 1 << 31, 1 << 31],
    ] {
        let mut m = pointnet();
        graph(&mut m).initializer[0].dims = dims.clone();
        eprintln!("dims {dims:?}: {}", refused(&m, "huge initializer dims"));
    }
    // An input declaring a negative size: refused, naming it.
    for dims in [vec![1i64, -5, 3], vec![-1, 64, 3]] {
        let mut m = pointnet();
        set_input_dims(&mut m, &dims);
        let e = refused(&m, "negative input dimension");
        assert!(e.contains("negative"), "{e}");
    }
    // Huge channel counts are refused by the first layer's weight shape.
    let mut m = pointnet();
    set_input_dims(&mut m, &[1, 64, 1 << 40]);
    refused(&m, "huge channel count");
    // A huge declared point count is a defined result: the import does not allocate by it
    // (the point count of a blob is chosen at conversion, `--points`), so it imports.
    for n in [1i64 << 40, i64::MAX] {
        let mut m = pointnet();
        set_input_dims(&mut m, &[1, n, 3]);
        let imp = onnx::from_bytes(&m.encode_to_vec()).unwrap();
        assert_eq!(imp.fixed_batch, Some(1));
    }
}

#[test]
fn onnx_duplicate_producers_are_refused() {
    // The same node twice.
    let mut m = pointnet();
    let g = graph(&mut m);
    let dup = g.node[2].clone();
    g.node.insert(3, dup);
    eprintln!("duplicate node: {}", refused(&m, "duplicated node"));
    // Two different nodes writing one name.
    let mut m = pointnet();
    let g = graph(&mut m);
    let name = g.node[2].output[0].clone();
    g.node[4].output[0] = name.clone();
    eprintln!("two producers: {}", refused(&m, "two producers"));
    // A node writing over an initializer or the graph input.
    for target in ["c2", "x"] {
        let mut m = pointnet();
        graph(&mut m).node[2].output[0] = target.into();
        eprintln!(
            "writes {target}: {}",
            refused(&m, "node overwrites a named value")
        );
    }
    // Two initializers of one name.
    let mut m = pointnet();
    let g = graph(&mut m);
    let mut t = g.initializer[1].clone();
    t.name = g.initializer[0].name.clone();
    g.initializer.push(t);
    eprintln!(
        "duplicate initializer: {}",
        refused(&m, "duplicate initializer")
    );
}

/// Minimal FlatBuffers navigation to find fields to corrupt in place.
struct Fb<'a>(&'a [u8]);

impl Fb<'_> {
    fn u32(&self, at: usize) -> usize {
        u32::from_le_bytes(self.0[at..at + 4].try_into().unwrap()) as usize
    }
    fn field(&self, table: usize, slot: usize) -> Option<usize> {
        let soff = i32::from_le_bytes(self.0[table..table + 4].try_into().unwrap());
        let vt = (table as i64 - i64::from(soff)) as usize;
        let vlen = usize::from(u16::from_le_bytes([self.0[vt], self.0[vt + 1]]));
        let at = 4 + 2 * slot;
        if at + 2 > vlen {
            return None;
        }
        let off = usize::from(u16::from_le_bytes([self.0[vt + at], self.0[vt + at + 1]]));
        (off != 0).then_some(table + off)
    }
    fn follow(&self, at: usize) -> usize {
        at + self.u32(at)
    }
    /// Position of element `i` of the vector of tables at reference field `slot`.
    fn elem(&self, table: usize, slot: usize, i: usize) -> (usize, usize) {
        let v = self.follow(self.field(table, slot).unwrap());
        let len = self.u32(v);
        let at = v + 4 + 4 * i;
        (len, self.follow(at))
    }
}

fn sine_tflite() -> Vec<u8> {
    let p = format!(
        "{}/tests/data/tflite/sine.tflite",
        env!("CARGO_MANIFEST_DIR")
    );
    let b = std::fs::read(p).unwrap();
    assert!(import_bytes(&b).is_ok());
    b
}

fn out_of_bounds(b: &[u8], what: &str) {
    match import_bytes(b) {
        Ok(_) => panic!("{what}: accepted"),
        Err(e @ (TfliteError::OutOfBounds { .. } | TfliteError::BadIndex { .. })) => {
            eprintln!("{what}: {e}");
        }
        Err(e) => eprintln!("{what}: {e} (typed, not a bounds error)"),
    }
}

#[test]
fn tflite_out_of_range_buffer_offsets_are_refused() {
    let b = sine_tflite();
    let fb = Fb(&b);
    let root = fb.follow(0);
    let (nbuf, _) = fb.elem(root, 4, 0);
    let mut corrupted = 0;
    for i in 0..nbuf {
        let (_, buf) = fb.elem(root, 4, i);
        let Some(data_ref) = fb.field(buf, 0) else {
            continue;
        };
        let data = fb.follow(data_ref);
        // The data vector's offset pointing past the end of the file, and far past it.
        for target in [b.len() as u32, b.len() as u32 + 1, u32::MAX - 8] {
            let mut c = b.clone();
            let rel = target.wrapping_sub(data_ref as u32);
            c[data_ref..data_ref + 4].copy_from_slice(&rel.to_le_bytes());
            out_of_bounds(&c, &format!("buffer {i} data offset -> {target}"));
        }
        // The data vector's length running past the end.
        for len in [(b.len() - data) as u32, u32::MAX, 1 << 31] {
            let mut c = b.clone();
            c[data..data + 4].copy_from_slice(&len.to_le_bytes());
            out_of_bounds(&c, &format!("buffer {i} data length {len}"));
        }
        corrupted += 1;
    }
    assert!(corrupted > 0, "the fixture has constant buffers");
    // The buffers vector itself: its offset and its length out of range.
    let bref = fb.field(root, 4).unwrap();
    let mut c = b.clone();
    c[bref..bref + 4].copy_from_slice(&(b.len() as u32).to_le_bytes());
    out_of_bounds(&c, "buffers vector offset");
    let bv = fb.follow(bref);
    let mut c = b.clone();
    c[bv..bv + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    out_of_bounds(&c, "buffers vector length");
}

#[test]
fn tflite_out_of_range_tensor_buffer_indices_are_refused() {
    let b = sine_tflite();
    let fb = Fb(&b);
    let root = fb.follow(0);
    let (_, sub) = fb.elem(root, 2, 0);
    let (ntensors, _) = fb.elem(sub, 0, 0);
    let (nbuf, _) = fb.elem(root, 4, 0);
    let mut corrupted = 0;
    for i in 0..ntensors {
        let (_, t) = fb.elem(sub, 0, i);
        let Some(at) = fb.field(t, 2) else { continue };
        for idx in [nbuf as u32, nbuf as u32 + 7, u32::MAX] {
            let mut c = b.clone();
            c[at..at + 4].copy_from_slice(&idx.to_le_bytes());
            out_of_bounds(&c, &format!("tensor {i} buffer index {idx}"));
        }
        corrupted += 1;
    }
    assert!(corrupted > 0);
    // Subgraph inputs/outputs and operator tensor indices past the tensor count.
    for slot in [1usize, 2] {
        let v = fb.follow(fb.field(sub, slot).unwrap());
        let mut c = b.clone();
        c[v + 4..v + 8].copy_from_slice(&(ntensors as u32 + 3).to_le_bytes());
        out_of_bounds(&c, &format!("subgraph field {slot} tensor index"));
    }
}

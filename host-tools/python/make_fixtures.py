#!/usr/bin/env python3
"""Writes the ONNX test fixtures of the host tool and their onnxruntime reference outputs.

Run from the repository root with the venv (`.venv/bin/python host-tools/python/make_fixtures.py`).
Seeded: the same files come out every time (numpy 2.3, onnx 1.19, onnxruntime 1.23).

Every supported op pattern appears in at least one good model:
  pointnet_conv     Transpose, Conv k=1 (+bias), Relu, ReduceMax (axes attribute, keepdims),
                    Flatten, Gemm transB=1                                        opset 13
  pointnet_matmul   MatMul + Add, LeakyRelu, Clip (min/max inputs, ReLU6), ReduceMax (axes
                    input, keepdims=0), Identity                                  opset 18
  imu_conv          Conv k=5 stride 2 pads, MaxPool, Conv k=3, Clip (general range),
                    GlobalAveragePool, Squeeze, Gemm transB=0 alpha/beta, C (1,K) opset 17
  branches          Conv, Add of two activations, Concat (channels), GlobalMaxPool,
                    Shape/Gather/Unsqueeze/Concat/Reshape (x.view(x.size(0), -1)),
                    ReduceMean keepdims=0, Unsqueeze, Transposed weight folded   opset 21
  per_point         per-point outputs (B,N,K): MatMul, Relu, Gemm-free head     opset 14
  reduce_sum        ReduceSum over points, Reshape with -1 batch, Gemm no bias   opset 13
  imu_pooled        the shipped IMU pattern: Conv k=3 (pads), Conv stride 2, LeakyRelu,
                    ReduceMean and ReduceMax over time (keepdims=0), Concat of the pooled
                    features, Relu on the concatenation, two Gemm branches added (Add + Relu),
                    Gemm head                                                     opset 17
Bad models (each must be refused with an error naming node, op and what is supported; the
converter has since learnt Softmax, dilation and opset 11, which three of them use):
  bad_op (Softmax), bad_group (Conv group=2), bad_dilation (Conv dilations=2),
  bad_opset (opset 11), bad_flatten (flattening points into channels), bad_ceil (MaxPool
  ceil_mode=1), bad_unsupported (Cos in layer 'spin')
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures")
RNG = np.random.default_rng(20261128)


def w(*shape, scale=None):
    fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
    s = scale if scale is not None else 1.0 / np.sqrt(fan_in)
    return (RNG.standard_normal(shape) * s).astype(np.float32)


class G:
    """A small graph builder: initializers + nodes with generated names."""

    def __init__(self):
        self.nodes, self.inits, self.k = [], [], 0

    def const(self, arr, name=None):
        self.k += 1
        name = name or f"c{self.k}"
        self.inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def op(self, op_type, inputs, outputs=1, name=None, **attrs):
        self.k += 1
        name = name or f"{op_type.lower()}_{self.k}"
        outs = [f"{name}_out{i}" for i in range(outputs)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=name, **attrs))
        return outs[0] if outputs == 1 else outs

    def model(self, x_shape, out_name, y_shape, opset):
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)
        y = helper.make_tensor_value_info(out_name, TensorProto.FLOAT, y_shape)
        graph = helper.make_graph(self.nodes, "g", [x], [y], self.inits)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        m.ir_version = 8 if opset <= 18 else 10
        return m


def conv(g, x, cin, cout, k=1, bias=True, **attrs):
    ins = [x, g.const(w(cout, cin, k))]
    if bias:
        ins.append(g.const(w(cout, scale=0.1)))
    return g.op("Conv", ins, **attrs)


def pointnet_conv():
    g = G()
    t = g.op("Transpose", ["x"], perm=[0, 2, 1])
    h = g.op("Relu", [conv(g, t, 3, 16)])
    h = g.op("Relu", [conv(g, h, 16, 32, kernel_shape=[1])])
    h = g.op("ReduceMax", [h], axes=[2], keepdims=1)
    h = g.op("Flatten", [h], axis=1)
    h = g.op("Relu", [g.op("Gemm", [h, g.const(w(16, 32)), g.const(w(16, scale=0.1))], transB=1)])
    y = g.op("Gemm", [h, g.const(w(4, 16)), g.const(w(4, scale=0.1))], transB=1, name="head")
    return g.model(["B", "N", 3], y, ["B", 4], 13), (4, 32, 3)


def pointnet_matmul():
    g = G()
    h = g.op("Add", [g.op("MatMul", ["x", g.const(w(3, 16))]), g.const(w(16, scale=0.1))])
    h = g.op("LeakyRelu", [h], alpha=0.2)
    h = g.op("Add", [g.const(w(32, scale=0.1)), g.op("MatMul", [h, g.const(w(16, 32))])])
    h = g.op("Clip", [h, g.const(np.float32(0.0)), g.const(np.float32(6.0))])
    h = g.op("ReduceMax", [h, g.const(np.array([1], dtype=np.int64))], keepdims=0)
    h = g.op("Identity", [h])
    h = g.op("Relu", [g.op("Add", [g.op("MatMul", [h, g.const(w(32, 8))]), g.const(w(8, scale=0.1))])])
    y = g.op("Add", [g.op("MatMul", [h, g.const(w(8, 3))]), g.const(w(3, scale=0.1))], name="out")
    return g.model(["B", "N", 3], y, ["B", 3], 18), (4, 40, 3)


def imu_conv():
    g = G()
    t = g.op("Transpose", ["x"], perm=[0, 2, 1])
    h = g.op("Relu", [conv(g, t, 6, 16, k=5, strides=[2], pads=[2, 2])])
    h = g.op("MaxPool", [h], kernel_shape=[2], strides=[2])
    h = conv(g, h, 16, 24, k=3, pads=[1, 1])
    h = g.op("Clip", [h, g.const(np.float32(-0.5)), g.const(np.float32(1.5))])
    h = g.op("GlobalAveragePool", [h])
    h = g.op("Squeeze", [h, g.const(np.array([2], dtype=np.int64))])
    y = g.op("Gemm", [h, g.const(w(24, 5)), g.const(w(1, 5, scale=0.1))], alpha=0.5, beta=2.0, name="head")
    return g.model(["B", 32, 6], y, ["B", 5], 17), (4, 32, 6)


def branches():
    g = G()
    t = g.op("Transpose", ["x"], perm=[0, 2, 1])
    a = g.op("Relu", [conv(g, t, 3, 8)])
    b = conv(g, a, 8, 8)
    c = conv(g, a, 8, 8, bias=False)
    s = g.op("Relu", [g.op("Add", [b, c])])
    h = g.op("Concat", [a, s], axis=1)
    p = g.op("GlobalMaxPool", [h])
    # x.view(x.size(0), -1)
    shp = g.op("Shape", [p])
    b0 = g.op("Gather", [shp, g.const(np.array(0, dtype=np.int64))], axis=0)
    b0 = g.op("Unsqueeze", [b0, g.const(np.array([0], dtype=np.int64))])
    tgt = g.op("Concat", [b0, g.const(np.array([-1], dtype=np.int64))], axis=0)
    p = g.op("Reshape", [p, tgt])
    m = g.op("ReduceMean", [g.op("Transpose", [h], perm=[0, 2, 1]), g.const(np.array([1], dtype=np.int64))], keepdims=0)
    f = g.op("Concat", [p, m], axis=-1)
    wt = g.op("Transpose", [g.const(w(6, 32))], perm=[1, 0])
    y = g.op("Add", [g.op("MatMul", [f, wt]), g.const(w(6, scale=0.1))], name="out")
    y = g.op("Unsqueeze", [y, g.const(np.array([1], dtype=np.int64))])
    y = g.op("Reshape", [y, g.const(np.array([0, 6], dtype=np.int64))], name="final")
    return g.model(["B", "N", 3], y, ["B", 6], 21), (4, 24, 3)


def per_point():
    g = G()
    h = g.op("Relu", [g.op("Add", [g.op("MatMul", ["x", g.const(w(4, 12))]), g.const(w(12, scale=0.1))])])
    y = g.op("MatMul", [h, g.const(w(12, 2))], name="out")
    return g.model(["B", "N", 4], y, ["B", "N", 2], 14), (3, 20, 4)


def reduce_sum():
    g = G()
    t = g.op("Transpose", ["x"], perm=[0, 2, 1])
    h = g.op("Relu", [conv(g, t, 3, 8)])
    h = g.op("ReduceSum", [h, g.const(np.array([-1], dtype=np.int64))], keepdims=1)
    h = g.op("Reshape", [h, g.const(np.array([-1, 8], dtype=np.int64))])
    y = g.op("Gemm", [h, g.const(w(2, 8, scale=0.05))], transB=1, name="head")
    return g.model(["B", "N", 3], y, ["B", 2], 13), (2, 16, 3)


def imu_pooled():
    g = G()
    t = g.op("Transpose", ["x"], perm=[0, 2, 1])
    h = g.op("Relu", [conv(g, t, 6, 12, k=3, pads=[1, 1])])
    h = g.op("LeakyRelu", [conv(g, h, 12, 16, k=3, strides=[2], pads=[1, 1])], alpha=0.1)
    m = g.op("ReduceMean", [h], axes=[2], keepdims=0)
    x = g.op("ReduceMax", [h], axes=[2], keepdims=0)
    f = g.op("Relu", [g.op("Concat", [m, x], axis=1)])
    a = g.op("Gemm", [f, g.const(w(16, 32)), g.const(w(16, scale=0.1))], transB=1)
    b = g.op("Gemm", [f, g.const(w(16, 32))], transB=1)
    s = g.op("Relu", [g.op("Add", [a, b])])
    y = g.op("Gemm", [s, g.const(w(4, 16)), g.const(w(4, scale=0.1))], transB=1, name="head")
    return g.model(["B", 32, 6], y, ["B", 4], 17), (4, 32, 6)


def bad(kind):
    g = G()
    t = g.op("Transpose", ["x"], perm=[0, 2, 1])
    opset = 13
    if kind == "bad_unsupported":
        h = conv(g, t, 3, 4)
        h = g.op("Cos", [h], name="/spin/Cos")
        y = g.op("ReduceMax", [h], axes=[2], keepdims=0)
        return g.model(["B", "N", 3], y, ["B", 4], opset)
    if kind == "bad_op":
        h = conv(g, t, 3, 4)
        h = g.op("ReduceMax", [h], axes=[2], keepdims=0)
        y = g.op("Softmax", [h], axis=1, name="probs")
        return g.model(["B", "N", 3], y, ["B", 4], opset)
    if kind == "bad_group":
        g.nodes.append(helper.make_node("Conv", [t, g.const(w(4, 1, 1))], ["h"], name="grouped", group=3))
        h = "h"
    elif kind == "bad_dilation":
        h = conv(g, t, 3, 4, k=3, dilations=[2], name="dilated")
    elif kind == "bad_opset":
        h = conv(g, t, 3, 4)
        opset = 11
    elif kind == "bad_flatten":
        h = conv(g, t, 3, 4)
        y = g.op("Flatten", [h], axis=1, name="flat")
        return g.model(["B", 8, 3], y, ["B", 32], opset)
    elif kind == "bad_ceil":
        h = g.op("MaxPool", [conv(g, t, 3, 4)], kernel_shape=[2], strides=[2], ceil_mode=1, name="pool")
    y = g.op("ReduceMax", [h], axes=[2], keepdims=0)
    return g.model(["B", "N", 3], y, ["B", 4], opset)


def main():
    os.makedirs(OUT, exist_ok=True)
    import onnxruntime as ort

    good = [pointnet_conv, pointnet_matmul, imu_conv, branches, per_point, reduce_sum, imu_pooled]
    for make in good:
        name = make.__name__
        model, x_shape = make()
        onnx.checker.check_model(model)
        path = os.path.join(OUT, f"{name}.onnx")
        onnx.save(model, path)
        x = RNG.standard_normal(x_shape).astype(np.float32)
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        y = sess.run(None, {"x": x})[0].astype(np.float32)
        np.save(os.path.join(OUT, f"{name}.input.npy"), x)
        np.save(os.path.join(OUT, f"{name}.output.npy"), y)
        print(f"{name}: x {x.shape} -> y {y.shape}")
    for kind in ["bad_op", "bad_group", "bad_dilation", "bad_opset", "bad_flatten", "bad_ceil",
                 "bad_unsupported"]:
        model = bad(kind)
        onnx.save(model, os.path.join(OUT, f"{kind}.onnx"))
        print(f"{kind}: written")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""ONNX export of a backbone and onnxruntime evaluation."""

import numpy as np


def export(model, n, c, path, opset=17):
    """Exports `model` ((B, N, C) float32 -> (B, K)) with a dynamic batch axis."""
    import torch
    model.eval()
    dummy = torch.zeros(2, n, c)
    args = dict(input_names=["x"], output_names=["y"],
                dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, opset_version=opset)
    try:
        torch.onnx.export(model, dummy, path, dynamo=False, **args)
    except TypeError:  # torch without the dynamo switch: the TorchScript exporter anyway
        torch.onnx.export(model, dummy, path, **args)


def session(path):
    """A function (M, N, C) float32 -> (M, K) float32 running the ONNX file."""
    import onnxruntime as ort
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name

    def run(x):
        out = []
        for i in range(0, len(x), 512):
            out.append(sess.run(None, {name: np.ascontiguousarray(x[i:i + 512], np.float32)})[0])
        return np.concatenate(out)
    return run


def op_types(path):
    """Sorted set of op types in the ONNX graph."""
    import onnx
    return sorted({n.op_type for n in onnx.load(str(path)).graph.node})

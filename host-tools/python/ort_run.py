#!/usr/bin/env python3
"""Runs an ONNX backbone with onnxruntime on canonicalized inputs for `equiframe verify`.

Usage: ort_run.py MODEL.onnx X.npy Y.npy
X is float32 (M, N, C): every sample already expressed in each of its frames (the frames are
computed by equiframe, so they are the engine's); Y is float32 (M, K), one backbone output per
canonical input. equiframe maps each output back per output kind and averages with the frame
weights, as the engine does around its own backbone.
"""

import sys

import numpy as np
import onnxruntime as ort


def main(argv):
    if len(argv) != 4:
        print("usage: ort_run.py MODEL.onnx X.npy Y.npy", file=sys.stderr)
        return 2
    sess = ort.InferenceSession(argv[1], providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    x = np.load(argv[2]).astype(np.float32)
    out = []
    for i in range(0, len(x), 256):
        y = sess.run(None, {name: np.ascontiguousarray(x[i:i + 256])})[0]
        out.append(y.reshape(len(y), -1).astype(np.float32))
    np.save(argv[3], np.concatenate(out) if out else np.zeros((0, 0), np.float32))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

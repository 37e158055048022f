#!/usr/bin/env python3
"""Runs an ONNX backbone with onnxruntime on canonicalized inputs for `equiframe verify`.

Usage: ort_run.py MODEL.onnx X.npy Y.npy [--channels-first]
X is float32 (M, N, C): every sample already expressed in each of its frames (the frames are
computed by equiframe, so they are the engine's); Y is float32 (M, K), one backbone output per
canonical input (several graph outputs are concatenated in order). With --channels-first the
model takes (M, C, N) and X is transposed for it. A model exported with a fixed batch runs that
many inputs at a time. Errors are printed as one line on stderr, exit status 1.
"""

import sys


def run(argv):
    import numpy as np
    import onnxruntime as ort

    sess = ort.InferenceSession(argv[0], providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    x = np.load(argv[1]).astype(np.float32)
    if "--channels-first" in argv[3:]:
        x = x.transpose(0, 2, 1)
    batch = inp.shape[0] if isinstance(inp.shape[0], int) and inp.shape[0] > 0 else 256
    out = []
    for i in range(0, len(x), batch):
        ys = sess.run(None, {inp.name: np.ascontiguousarray(x[i:i + batch])})
        n = len(ys[0])
        out.append(np.concatenate([y.reshape(n, -1) for y in ys], axis=1).astype(np.float32))
    np.save(argv[2], np.concatenate(out) if out else np.zeros((0, 0), np.float32))


def main(argv):
    if len(argv) < 4:
        print("usage: ort_run.py MODEL.onnx X.npy Y.npy [--channels-first]", file=sys.stderr)
        return 2
    try:
        run(argv[1:])
    except Exception as e:  # noqa: BLE001 -- reported to equiframe as one line
        msg = " ".join(f"{type(e).__name__}: {e}".split())
        print(msg, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Times onnxruntime on a frame-averaged backbone: the frames (centroid, scatter matrix,
eigenvectors, every sign pattern) are computed with numpy, the inputs canonicalized, the ONNX
backbone run on all (sample, frame) pairs, and the outputs averaged over the frames -- all
inside the timed region. One JSON line per thread count on stdout:
{"threads": T, "seconds": S, "sets_per_s": R}. With --out, writes the averaged outputs
(float32, (B, K)) of the last run.

Used by `equiframe bench --vs onnxruntime`; runs on its own too:
  python ort_bench.py --onnx backbone.onnx --input x.npy --group o3 --threads 1 --threads 0
"""

import argparse
import itertools
import json
import os
import sys
import time

import numpy as np
import onnxruntime as ort


def sign_patterns(group):
    """Sign vectors of the frame set (descending axes; SO(3): third axis = cross product)."""
    if group == "o3":
        return np.array(list(itertools.product([1.0, -1.0], repeat=3)), dtype=np.float32)
    if group == "so3":
        two = np.array(list(itertools.product([1.0, -1.0], repeat=2)), dtype=np.float32)
        return np.concatenate([two, two[:, :1] * two[:, 1:2]], axis=1)
    if group == "none":
        return None
    raise SystemExit(f"ort_bench: group {group} is not supported (o3, so3, none)")


def frames(x, signs):
    """(B, S, 3, 3) frame matrices (columns = axes) and (B, 3) centroids of x[..., :3]."""
    p = x[..., :3]
    c = p.mean(axis=1)
    d = p - c[:, None, :]
    scatter = np.einsum("bni,bnj->bij", d, d)
    _, vecs = np.linalg.eigh(scatter)
    vecs = vecs[..., ::-1]  # descending eigenvalues
    if signs.shape[0] == 4:  # SO(3): right-handed base frame
        vecs = vecs.copy()
        vecs[..., 2] = np.cross(vecs[..., 0], vecs[..., 1])
    f = vecs[:, None, :, :] * signs[None, :, None, :]
    return f.astype(np.float32), c.astype(np.float32)


def evaluate(sess, name, x, signs, chunk):
    """Frame-averaged outputs of the backbone on raw inputs x (B, N, C)."""
    b, n, ch = x.shape
    out = []
    for s in range(0, b, chunk):
        xs = x[s : s + chunk]
        if signs is None:
            y = sess.run(None, {name: xs})[0]
            out.append(y.reshape(len(xs), -1))
            continue
        f, c = frames(xs, signs)
        d = xs[..., :3] - c[:, None, :]
        canon = np.matmul(d[:, None, :, :], f)  # rows (x - c)^T F = (F^T (x - c))^T
        if ch > 3:
            rest = np.broadcast_to(xs[:, None, :, 3:], canon.shape[:3] + (ch - 3,))
            canon = np.concatenate([canon, rest], axis=-1)
        k = canon.shape[1]
        y = sess.run(None, {name: canon.reshape(-1, n, ch).astype(np.float32, copy=False)})[0]
        out.append(y.reshape(len(xs), k, -1).mean(axis=1))
    return np.concatenate(out, axis=0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--onnx", required=True)
    ap.add_argument("--input", required=True, help="raw inputs (B, N, C) float32 .npy")
    ap.add_argument("--group", default="o3")
    ap.add_argument("--threads", type=int, action="append", help="0 = all cores")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--chunk", type=int, default=256, help="samples per onnxruntime call")
    ap.add_argument("--out")
    a = ap.parse_args()
    x = np.load(a.input).astype(np.float32)
    if x.ndim != 3:
        raise SystemExit(f"ort_bench: input must be (B, N, C), got shape {x.shape}")
    signs = sign_patterns(a.group)
    y = None
    for t in a.threads or [1]:
        so = ort.SessionOptions()
        so.intra_op_num_threads = t if t > 0 else (os.cpu_count() or 1)
        so.inter_op_num_threads = 1
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        sess = ort.InferenceSession(a.onnx, so, providers=["CPUExecutionProvider"])
        name = sess.get_inputs()[0].name
        evaluate(sess, name, x[: min(len(x), a.chunk)], signs, a.chunk)  # warm-up
        best = float("inf")
        for _ in range(max(1, a.repeat)):
            t0 = time.perf_counter()
            y = evaluate(sess, name, x, signs, a.chunk)
            best = min(best, time.perf_counter() - t0)
        used = so.intra_op_num_threads
        print(json.dumps({"threads": used, "seconds": best, "sets_per_s": len(x) / best}))
        sys.stdout.flush()
    if a.out and y is not None:
        np.save(a.out, y.astype(np.float32))


if __name__ == "__main__":
    main()

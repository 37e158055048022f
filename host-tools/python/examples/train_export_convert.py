#!/usr/bin/env python3
"""Train a small PointNet with frame averaging, export it with torch, convert and verify it.

    python3 -m venv /tmp/venv-torch && /tmp/venv-torch/bin/pip install torch onnx onnxscript numpy
    cargo build --release -p equiframe-cli
    /tmp/venv-torch/bin/python host-tools/python/examples/train_export_convert.py OUT_DIR

The task: tell boxes from rods from discs (synthetic anisotropic clouds of 64 points) whatever
their orientation. The backbone is written the usual way (Linear + BatchNorm1d + ReLU per
point, max pool, Linear head) and trained on stochastic frame averaging (one random frame of
each cloud's O(3) set per step, from `equiframe_frames`); the exported backbone is wrapped in
the same frames by `equiframe convert --frames o3`, so the blob is exactly O(3)-invariant.
Uses the binary at $EQUIFRAME (default: target/release/equiframe, then `equiframe`).
"""

import os
import shutil
import subprocess
import sys

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(HERE, ".."))
import equiframe_frames as ef  # noqa: E402


def clouds(n, rng):
    """n clouds (n, 64, 3) of three shapes, randomly rotated and shifted; labels (n,)."""
    shapes = np.array([[1.0, 1.0, 1.0], [2.5, 0.3, 0.3], [1.6, 1.6, 0.15]])
    y = rng.integers(0, 3, n)
    x = rng.uniform(-1, 1, (n, 64, 3)) * shapes[y][:, None, :] * [1.0, 0.8, 0.6]
    R = ef.random_rotations(n, rng, reflections=True)
    return ef.transform(x, ef.POINTS, R, rng.normal(size=(n, 3)) * 3), y


def bn(c):
    return nn.BatchNorm1d(c)


class PointNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.bn1 = nn.Linear(3, 32), bn(32)
        self.fc2, self.bn2 = nn.Linear(32, 64), bn(64)
        self.head = nn.Sequential(nn.Linear(64, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 3))

    def forward(self, x):  # x: (B, N, 3), already in a canonical frame
        h = torch.relu(self.bn1(self.fc1(x).transpose(1, 2)).transpose(1, 2))
        h = torch.relu(self.bn2(self.fc2(h).transpose(1, 2)).transpose(1, 2))
        return self.head(h.max(dim=1)[0])


def equiframe(*args):
    exe = os.environ.get("EQUIFRAME") or os.path.join(ROOT, "target", "release", "equiframe")
    if not os.path.exists(exe):
        exe = shutil.which("equiframe") or exe
    print("$ equiframe " + " ".join(args), flush=True)
    subprocess.run([exe, *args], check=True)


def main(out):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(7)
    torch.manual_seed(7)
    xtr, ytr = clouds(1024, rng)
    xte, yte = clouds(256, rng)
    model = PointNet()
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    xt, yt = torch.from_numpy(xtr), torch.from_numpy(ytr)
    for epoch in range(8):
        model.train()
        for i in range(0, len(xt), 64):
            logits = ef.average_torch(model, xt[i:i + 64], ef.POINTS, "o3", sample_frame=True)
            loss = nn.functional.cross_entropy(logits, yt[i:i + 64])
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        run = lambda a: model(torch.from_numpy(a)).numpy()  # noqa: E731
        acc = (ef.average(run, xte, "o3").argmax(1) == yte).mean()
    print(f"test accuracy with full frame averaging (numpy): {acc:.3f}")
    onnx_path = os.path.join(out, "pointnet.onnx")
    # The default export call (dynamo, weights in pointnet.onnx.data, batch 1) ...
    torch.onnx.export(model, (torch.from_numpy(xte[:1]),), onnx_path)
    # ... or the TorchScript exporter with a dynamic batch: both convert.
    torch.onnx.export(model, (torch.from_numpy(xte[:1]),), os.path.join(out, "pointnet_ts.onnx"),
                      dynamo=False, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    np.save(os.path.join(out, "cal.npy"), xtr[:128])
    np.save(os.path.join(out, "test_x.npy"), xte)
    blob = os.path.join(out, "pointnet.eqf")
    equiframe("convert", onnx_path, "-o", blob, "--frames", "o3", "--calibration",
              os.path.join(out, "cal.npy"))
    equiframe("verify", blob, "--onnx", onnx_path, "--input", os.path.join(out, "test_x.npy"))
    equiframe("run", blob, "--input", os.path.join(out, "test_x.npy"), "-o",
              os.path.join(out, "y.npy"))
    y = np.load(os.path.join(out, "y.npy"))
    print(f"int8 blob test accuracy: {(y.argmax(1) == yte).mean():.3f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "pointnet-example")

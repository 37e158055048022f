#!/usr/bin/env python3
"""Lidar object classification under any pose: an O(3) frame-averaged PointNet.

Data: gen.py (committed generator; 5 classes of convex objects as a rotating lidar sees them),
train seed 1 (800 per class), test seed 2 (200 per class), N = 128 returns per sample.
Frames: positions at channels 0..3 (centred), O(3), 8 frames, descending axes. Training uses
stochastic frame averaging (one random member of the set per sample and step), then the full
8-frame average for the last epochs; evaluation always averages all 8.

Baselines: the same PointNet on centred coordinates (translation removed, no frames), trained
without and with random-rotation augmentation. Evaluation: the test set as generated (objects
upright, sensor frame), and under random poses (uniform rotation, reflection with p = 1/2,
translation up to 20 m; 5 draws). Invariance on real clouds (../shared/data: bunny, kitten,
Ouster frames): 128-point segments (nearest neighbours of a random point; whole-object random
subsets for bunny / kitten), 100 random poses each, max |logit change| relative to the logit
range, with the segment's relative eigengap.

Writes model.onnx, calib.npy (raw train samples), test_x.npy / test_y.npy (raw test samples,
first 500), expected.npy (frame-averaged float logits of test_x) and results.json.
"""

import json
import sys
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from common import data, frames, nets, onnx_io  # noqa: E402
import gen  # noqa: E402

SEED = 0
N = 128
SCHEMA = frames.POINTS_SCHEMA
GROUP = "o3"
EPOCHS_SFA = 32
EPOCHS_FULL = 2
EPOCHS_PLAIN = 20
DRAWS = 5


def make():
    return nets.PointNet(3, [32, 64, 128], [64], len(gen.CLASSES))


def random_pose(x, rng):
    R = frames.random_rotations(len(x), rng, reflections=True)
    t = rng.uniform(-20, 20, size=(len(x), 3))
    return frames.transform_np(x, SCHEMA, R, t)


def centred(x):
    return x - x.mean(axis=1, keepdims=True)


def train(xtr, ytr, mode, seed):
    """mode: "fa", "plain" (centred), "plain_aug" (centred, random rotations)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    gen_t = torch.Generator().manual_seed(seed)
    model = make()
    epochs = EPOCHS_SFA + EPOCHS_FULL if mode == "fa" else EPOCHS_PLAIN
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    for epoch in range(epochs):
        model.train()
        perm = rng.permutation(len(xtr))
        total = 0.0
        for i in range(0, len(perm), 64):
            idx = perm[i:i + 64]
            xb, yb = xtr[idx], torch.as_tensor(ytr[idx])
            if mode == "fa":
                logits = frames.average_torch(model, torch.as_tensor(xb), SCHEMA, GROUP,
                                              sample_frame=epoch < EPOCHS_SFA, gen=gen_t)
            else:
                xb = centred(xb)
                if mode == "plain_aug":
                    xb = frames.transform_np(xb, SCHEMA, frames.random_rotations(len(xb), rng, True))
                logits = model(torch.as_tensor(xb))
            loss = torch.nn.functional.cross_entropy(logits, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        sched.step()
        print(f"  {mode} epoch {epoch} loss {total / len(xtr):.4f}", flush=True)
    model.eval()
    return model


def predict(model, x, mode):
    out = []
    with torch.no_grad():
        for i in range(0, len(x), 256):
            xb = torch.as_tensor(x[i:i + 256])
            if mode == "fa":
                out.append(frames.average_torch(model, xb, SCHEMA, GROUP).numpy())
            else:
                out.append(model(torch.as_tensor(centred(x[i:i + 256]))).numpy())
    return np.concatenate(out)


def evaluate(model, x, y, mode, seed):
    acc = float((predict(model, x, mode).argmax(1) == y).mean())
    rng = np.random.default_rng(seed + 1000)
    rot = [float((predict(model, random_pose(x, rng), mode).argmax(1) == y).mean())
           for _ in range(DRAWS)]
    return {"test": acc, "posed_mean": float(np.mean(rot)), "posed_min": float(np.min(rot))}


def segments(rng):
    """128-point real segments: {name: (N, 3)}."""
    out = {}
    for name, cloud in data.real_clouds().items():
        cloud = cloud.astype(np.float64)
        if name in ("bunny", "kitten"):
            out[name] = cloud[rng.choice(len(cloud), N, replace=False)]
            continue
        for k in range(3):
            seed_pt = cloud[rng.integers(len(cloud))]
            d = np.linalg.norm(cloud - seed_pt, axis=1)
            out[f"{name}#{k}"] = cloud[np.argsort(d)[:N]]
    return out


def rel_gap(x):
    d = x - x.mean(0)
    w = np.linalg.eigvalsh(d.T @ d)[::-1]
    return float(min(w[0] - w[1], w[1] - w[2]) / w[0])


def invariance(run, seed):
    rng = np.random.default_rng(seed + 2000)
    rows = {}
    for name, seg in segments(rng).items():
        x = seg[None].astype(np.float32)
        base = frames.average_np(run, x, SCHEMA, GROUP)
        xs = np.repeat(x, 100, 0)
        posed = random_pose(xs, rng)
        posed = posed[:, rng.permutation(N)]
        out = frames.average_np(run, posed, SCHEMA, GROUP)
        span = float(base.max() - base.min())
        rows[name] = {"rel_gap": rel_gap(seg), "max_abs": float(np.abs(out - base).max()),
                      "max_rel": float(np.abs(out - base).max() / span),
                      "same_class": float((out.argmax(1) == base.argmax(1)).mean()),
                      "class": gen.CLASSES[int(base.argmax())]}
        print(" ", name, rows[name], flush=True)
    return rows


def main():
    torch.set_num_threads(2)
    xtr, ytr = gen.dataset(800, N, 1)
    xte, yte = gen.dataset(200, N, 2)
    results = {}
    models = {}
    for mode in ("fa", "plain", "plain_aug"):
        m = train(xtr, ytr, mode, SEED)
        models[mode] = m
        results[mode] = evaluate(m, xte, yte, mode, SEED)
        print(mode, json.dumps(results[mode]), flush=True)
    fa = models["fa"]
    fa.fold_scale()
    onnx_io.export(fa, N, 3, HERE / "model.onnx")
    run = onnx_io.session(HERE / "model.onnx")
    test_x, test_y = xte[:500], yte[:500]
    expected = frames.average_np(run, test_x, SCHEMA, GROUP)
    results["fa_onnx_numpy_test500"] = float((expected.argmax(1) == test_y).mean())
    results["ops"] = onnx_io.op_types(HERE / "model.onnx")
    print("onnx + numpy frames:", results["fa_onnx_numpy_test500"], results["ops"])
    results["invariance"] = invariance(run, SEED)
    np.save(HERE / "calib.npy", xtr[::25].astype(np.float32))
    np.save(HERE / "test_x.npy", test_x.astype(np.float32))
    np.save(HERE / "test_y.npy", test_y.astype(np.int64))
    np.save(HERE / "expected.npy", expected.astype(np.float32))
    (HERE / "results.json").write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""BasicMotions activity under any watch mounting: an SO(3) frame-averaged Conv1d backbone.

Data: UEA BasicMotions (6 channels: accelerometer xyz, gyroscope xyz; 100 steps at 10 Hz;
4 classes), the original 40 train / 40 test split, from ../shared/data/imu/basicmotions (the
same files as in the aeon 1.6.0 wheel). Frames: the core's IMU schema (accelerometer =
vector field at channel 0 and frame source, uncentred second moment; gyroscope = axial field at
channel 3), SO(3), 4 frames, descending axes. Logits are averaged over the 4 frames in training.

Baselines: the same backbone without frames, trained without and with random-rotation
augmentation. Evaluation: the original test set, and the test set with every window rotated
by its own uniformly random rotation (100 draws).

Writes model.onnx, calib.npy (raw train windows), test_x.npy / test_y.npy (raw test windows),
expected.npy (frame-averaged float logits of test_x) and results.json beside this file.
"""

import json
import sys
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from common import data, frames, nets, onnx_io  # noqa: E402

SEED = 0
SCHEMA = frames.IMU_SCHEMA
GROUP = "so3"
DRAWS = 100
SCALE = [0.1] * 3 + [0.3] * 3
EPOCHS = 400


def make():
    return nets.ConvNet(6, [(16, 5, 1), (32, 5, 2), (32, 5, 2)], [32], 4, in_scale=SCALE)


def rotate_batch(x, rng):
    return frames.transform_np(x, SCHEMA, frames.random_rotations(len(x), rng))


def train(xtr, ytr, mode, seed):
    """mode: "fa" (frame averaging), "plain", "plain_aug" (random rotations every step)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = make()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-4)
    yt = torch.as_tensor(ytr)
    for epoch in range(EPOCHS):
        model.train()
        xb = rotate_batch(xtr, rng) if mode != "plain" else xtr
        # Small multiplicative noise: 40 windows are few.
        xb = xb * rng.uniform(0.9, 1.1, size=(len(xb), 1, 1)).astype(np.float32)
        xt = torch.as_tensor(xb)
        if mode == "fa":
            logits = frames.average_torch(model, xt, SCHEMA, GROUP)
        else:
            logits = model(xt)
        loss = torch.nn.functional.cross_entropy(logits, yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    return model


def predict(model, x, mode):
    with torch.no_grad():
        xt = torch.as_tensor(x)
        if mode == "fa":
            return frames.average_torch(model, xt, SCHEMA, GROUP).numpy()
        return model(xt).numpy()


def evaluate(model, x, y, mode, seed):
    acc = float((predict(model, x, mode).argmax(1) == y).mean())
    rng = np.random.default_rng(seed + 1000)
    rot = [float((predict(model, rotate_batch(x, rng), mode).argmax(1) == y).mean())
           for _ in range(DRAWS)]
    return {"test": acc, "rotated_mean": float(np.mean(rot)), "rotated_min": float(np.min(rot)),
            "rotated_max": float(np.max(rot))}


def main():
    torch.set_num_threads(1)
    xtr, ytr = data.basicmotions("TRAIN")
    xte, yte = data.basicmotions("TEST")
    results = {}
    models = {}
    for mode in ("fa", "plain", "plain_aug"):
        m = train(xtr, ytr, mode, SEED)
        models[mode] = m
        results[mode] = evaluate(m, xte, yte, mode, SEED)
        print(mode, json.dumps(results[mode]), flush=True)
    fa = models["fa"]
    fa.fold_scale()
    onnx_io.export(fa, 100, 6, HERE / "model.onnx")
    run = onnx_io.session(HERE / "model.onnx")
    expected = frames.average_np(run, xte, SCHEMA, GROUP)
    onnx_acc = float((expected.argmax(1) == yte).mean())
    results["fa_onnx_numpy_test"] = onnx_acc
    results["ops"] = onnx_io.op_types(HERE / "model.onnx")
    print("onnx + numpy frames:", onnx_acc, results["ops"])
    np.save(HERE / "calib.npy", xtr.astype(np.float32))
    np.save(HERE / "test_x.npy", xte.astype(np.float32))
    np.save(HERE / "test_y.npy", yte.astype(np.int64))
    np.save(HERE / "expected.npy", expected.astype(np.float32))
    (HERE / "results.json").write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""IMU inclination (gravity direction in the sensor frame) from a short window: an SO(3)
frame-averaged Conv1d backbone with a vector output, on the BROAD trials.

Input of the model: one window of N = 128 rows x 6 channels ending at sample k, the rows being
consecutive blocks of D = 16 raw samples (285.7 Hz; the window spans 7.2 s):
  channels 0..3  accelerometer, block mean, each sample first rotated into the sensor frame at
                 sample k by the gyroscope's strapdown integration over the window (vector);
  channels 3..6  gyroscope, the same (axial).
This preprocessing is equivariant (a mounting rotation Q turns every row by Q), so the model
stays SO(3)-equivariant; it costs one quaternion update per raw sample on the device.
Output: the up direction (ENU z) at sample k in the sensor frame (a vector output, mapped back
by F y); normalise it. Frames: the core's IMU schema (vector field 0 = frame source,
uncentred; axial field 3), SO(3), 4 frames, descending axes. Training: one random frame of
the set per window and step (stochastic frame averaging), the full 4-frame average in the last
EPOCHS_FULL epochs.

Split (per trial, in time): the movement phase [s, e) of each trial is cut at
p = s + 0.6 (e - s). Training windows end before p; test windows end in [p + window, e) (no
raw sample shared with training). Errors: inclination angle over every 4th test sample with a
valid optical reference; mean and 95th percentile per trial.
References on the same test samples: Madgwick 6D (numpy, beta from {0.01, 0.033, 0.1}, the
best per trial, started from the true orientation at sample 0), the gyro-compensated window
mean (4 s); beside the published VQF / Madgwick means over the whole movement phase.
"""

import json
import sys
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from common import data, frames, imu, nets, onnx_io  # noqa: E402

SEED = 0
N, D = 128, 16
SCHEMA = frames.IMU_SCHEMA
GROUP = "so3"
SCALE = [0.1] * 3 + [0.2] * 3
TRAIN_STRIDE, TEST_STRIDE = 8, 4
SPLIT = 0.6
EPOCHS = 48
EPOCHS_FULL = 4
PUBLISHED = {  # mean inclination error during movement, degrees (data README)
    "02_undisturbed_slow_rotation_B": {"VQF": 0.36, "Madgwick": 0.71},
    "07_undisturbed_fast_rotation_B": {"VQF": 0.81, "Madgwick": 1.87},
    "15_undisturbed_fast_translation_A": {"VQF": 0.67, "Madgwick": 8.24},
}


def prepare(name):
    """Per trial: prefix sums of world-frame (dead-reckoned) accel / gyro, rotations, targets."""
    d = data.broad_trial(name)
    q = imu.integrate_gyro(d["gyr"], d["rate"])
    R = imu.quat_matrix(q)
    aw = np.einsum("nij,nj->ni", R, d["acc"])
    ww = np.einsum("nij,nj->ni", R, d["gyr"])
    z = np.zeros((1, 3))
    g = imu.gravity_in_sensor(d["quat"])
    mov = np.flatnonzero(d["movement"])
    s, e = mov[0], mov[-1] + 1
    return {"R": R, "ca": np.concatenate([z, np.cumsum(aw, 0)]),
            "cw": np.concatenate([z, np.cumsum(ww, 0)]), "g": g, "move": d["movement"],
            "split": int(s + SPLIT * (e - s)), "end": int(e), "d": d}


def windows(t, ends):
    """Model inputs (len(ends), N, 6) float32 for windows ending at sample indices `ends`."""
    starts = ends[:, None] + 1 - N * D + D * np.arange(N)[None, :]  # block starts
    out = np.empty((len(ends), N, 6))
    for c0, cs in ((0, t["ca"]), (3, t["cw"])):
        blk = (cs[starts + D] - cs[starts]) / D  # world-frame block means
        out[..., c0:c0 + 3] = np.einsum("bji,bnj->bni", t["R"][ends], blk)  # R_k^T
    return out.astype(np.float32)


def valid(t, ends):
    return ~np.isnan(t["g"][ends]).any(1)


def train_ends(t):
    ends = np.arange(N * D, t["split"], TRAIN_STRIDE)
    return ends[valid(t, ends)]


def test_ends(t):
    ends = np.arange(t["split"] + N * D, t["end"], TEST_STRIDE)
    return ends[valid(t, ends) & t["move"][ends]]


def make():
    return nets.ConvNet(6, [(32, 5, 2), (64, 5, 2), (64, 5, 2)], [64], 3, in_scale=SCALE)


def predict_torch(model, x):
    out = []
    with torch.no_grad():
        for i in range(0, len(x), 512):
            out.append(frames.average_torch(model, torch.as_tensor(x[i:i + 512]), SCHEMA,
                                            GROUP, vector_out=True).numpy())
    return np.concatenate(out)


def angle_loss(y, g):
    """Mean angle (radians) between outputs and unit targets, plus a small pull of |y| to 1
    (keeps the output range fixed for int8)."""
    cross = torch.linalg.norm(torch.linalg.cross(y, g), dim=1)
    ang = torch.atan2(cross + 1e-9, (y * g).sum(1))
    return ang.mean() + 0.1 * ((torch.linalg.norm(y, dim=1) - 1) ** 2).mean()


def stats(err):
    return {"mean": float(np.mean(err)), "p95": float(np.percentile(err, 95))}


def main():
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    gen_t = torch.Generator().manual_seed(SEED)
    names = data.broad_trials()
    trials = {n: prepare(n) for n in names}
    xs, ys = [], []
    for n, t in trials.items():
        e = train_ends(t)
        xs.append(windows(t, e))
        ys.append(t["g"][e])
    xtr, ytr = np.concatenate(xs), np.concatenate(ys).astype(np.float32)
    print("train windows", xtr.shape, flush=True)
    model = make()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, EPOCHS)
    for epoch in range(EPOCHS):
        model.train()
        perm = rng.permutation(len(xtr))
        tot = 0.0
        for i in range(0, len(perm), 64):
            idx = perm[i:i + 64]
            y = frames.average_torch(model, torch.as_tensor(xtr[idx]), SCHEMA, GROUP,
                                     vector_out=True,
                                     sample_frame=epoch < EPOCHS - EPOCHS_FULL, gen=gen_t)
            loss = angle_loss(y, torch.as_tensor(ytr[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item() * len(idx)
        sched.step()
        print(f"epoch {epoch} loss {tot / len(xtr):.6f}", flush=True)
    model.eval()
    model.fold_scale()
    onnx_io.export(model, N, 6, HERE / "model.onnx")
    run = onnx_io.session(HERE / "model.onnx")
    results = {"ops": onnx_io.op_types(HERE / "model.onnx"), "trials": {}}
    test_x, test_y = [], []
    for n, t in trials.items():
        e = test_ends(t)
        x = windows(t, e)
        y = frames.average_np(run, x, SCHEMA, GROUP, outputs=(("vector", 3),))
        err = imu.angle_deg(y, t["g"][e])
        L = int(4 * t["d"]["rate"])
        mw = (t["ca"][e + 1] - t["ca"][e + 1 - L]) / L
        err_mean = imu.angle_deg(np.einsum("nji,nj->ni", t["R"][e], mw), t["g"][e])
        mad = {}
        for beta in (0.01, 0.033, 0.1):
            qm = imu.madgwick6(t["d"]["acc"], t["d"]["gyr"], t["d"]["rate"], beta,
                               q0=t["d"]["quat"][np.flatnonzero(~np.isnan(t["d"]["quat"]).any(1))[0]])
            mad[beta] = imu.angle_deg(imu.gravity_in_sensor(qm[e]), t["g"][e])
        best = min(mad, key=lambda b: mad[b].mean())
        row = {"model": stats(err), "window_mean_4s": stats(err_mean),
               "madgwick6_same_samples": dict(stats(mad[best]), beta=best),
               "published": PUBLISHED.get(n), "test_samples": int(len(e))}
        results["trials"][n] = row
        print(n, json.dumps(row), flush=True)
        pick = rng.choice(len(e), 34, replace=False)
        test_x.append(x[pick])
        test_y.append(t["g"][e][pick])
    test_x = np.concatenate(test_x).astype(np.float32)
    test_y = np.concatenate(test_y).astype(np.float32)
    expected = frames.average_np(run, test_x, SCHEMA, GROUP, outputs=(("vector", 3),))
    results["test_x_mean_err"] = float(imu.angle_deg(expected, test_y).mean())
    np.save(HERE / "calib.npy", xtr[rng.choice(len(xtr), 96, replace=False)])
    np.save(HERE / "test_x.npy", test_x)
    np.save(HERE / "test_y.npy", test_y)
    np.save(HERE / "expected.npy", expected.astype(np.float32))
    (HERE / "results.json").write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Per-trial inclination error of the converted blob (model.eqf) on every test window of
train.py's split, through `equiframe run`; also under one random mounting rotation per
window (the target rotated with it)."""

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from common import blob, frames, imu  # noqa: E402

import train  # noqa: E402


def main():
    eqf = sys.argv[1] if len(sys.argv) > 1 else HERE / "model.eqf"
    rng = np.random.default_rng(7)
    out = {}
    for name in train.data.broad_trials():
        t = train.prepare(name)
        e = train.test_ends(t)
        x, g = train.windows(t, e), t["g"][e]
        err = imu.angle_deg(blob.run(eqf, x), g)
        R = frames.random_rotations(len(x), rng)
        xr = frames.transform_np(x, train.SCHEMA, R)
        err_r = imu.angle_deg(blob.run(eqf, xr), np.einsum("bij,bj->bi", R, g))
        out[name] = {"mean": float(err.mean()), "p95": float(np.percentile(err, 95)),
                     "rotated_mean": float(err_r.mean()),
                     "rotated_p95": float(np.percentile(err_r, 95))}
        print(name, json.dumps(out[name]), flush=True)


if __name__ == "__main__":
    main()

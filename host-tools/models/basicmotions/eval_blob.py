#!/usr/bin/env python3
"""Accuracy of the converted blob (model.eqf) on the 40 test windows and under random
rotations (100 draws, the same draws as train.py), through `equiframe run`."""

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from common import blob, data  # noqa: E402

import train  # noqa: E402


def main():
    eqf = sys.argv[1] if len(sys.argv) > 1 else HERE / "model.eqf"
    x, y = data.basicmotions("TEST")
    acc = float((blob.run(eqf, x).argmax(1) == y).mean())
    rng = np.random.default_rng(train.SEED + 1000)
    xs = np.concatenate([train.rotate_batch(x, rng) for _ in range(train.DRAWS)])
    pred = blob.run(eqf, xs).argmax(1).reshape(train.DRAWS, len(x))
    rot = (pred == y[None]).mean(1)
    print(json.dumps({"blob": str(eqf), "test": acc, "rotated_mean": float(rot.mean()),
                      "rotated_min": float(rot.min()), "rotated_max": float(rot.max())}))


if __name__ == "__main__":
    main()

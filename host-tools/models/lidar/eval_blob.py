#!/usr/bin/env python3
"""Accuracy of the converted blob (model.eqf) on train.py's test set, as generated and under
random poses (the same draws as train.py), and its invariance on the real-cloud segments,
through `equiframe run`."""

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from common import blob  # noqa: E402

import gen  # noqa: E402
import train  # noqa: E402


def main():
    eqf = sys.argv[1] if len(sys.argv) > 1 else HERE / "model.eqf"
    x, y = gen.dataset(200, train.N, 2)
    acc = float((blob.run(eqf, x).argmax(1) == y).mean())
    rng = np.random.default_rng(train.SEED + 1000)
    posed = [float((blob.run(eqf, train.random_pose(x, rng)).argmax(1) == y).mean())
             for _ in range(train.DRAWS)]
    res = {"blob": str(eqf), "test": acc, "posed_mean": float(np.mean(posed)),
           "posed_min": float(np.min(posed)), "invariance": {}}
    print(json.dumps({k: v for k, v in res.items() if k != "invariance"}), flush=True)
    rng = np.random.default_rng(train.SEED + 2000)
    worst_rel, same = 0.0, []
    for name, seg in train.segments(rng).items():
        xs = seg[None].astype(np.float32)
        base = blob.run(eqf, xs)
        moved = train.random_pose(np.repeat(xs, 100, 0), rng)
        moved = moved[:, rng.permutation(train.N)]
        out = blob.run(eqf, moved)
        rel = float(np.abs(out - base).max() / (base.max() - base.min()))
        agree = float((out.argmax(1) == base.argmax(1)).mean())
        res["invariance"][name] = {"max_rel": rel, "same_class": agree, "rel_gap": train.rel_gap(seg)}
        worst_rel, same = max(worst_rel, rel), same + [agree]
        print(" ", name, json.dumps(res["invariance"][name]), flush=True)
    print(json.dumps({"worst_max_rel": worst_rel, "min_same_class": min(same)}))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Scores a shipped model's outputs on its committed test windows (numpy only).

    python3 score.py MODEL_DIR OUTPUTS.npy

Classification models (test_y integer labels): accuracy, and agreement with the float
frame-averaged reference expected.npy. Vector models (test_y unit vectors): mean / 95th
percentile angle in degrees, and the angle to expected.npy.
"""

import json
import sys
from pathlib import Path

import numpy as np


def angle_deg(a, b):
    c = np.cross(a, b)
    return np.degrees(np.arctan2(np.linalg.norm(c, axis=-1), np.einsum("...i,...i->...", a, b)))


def score(folder, out):
    folder = Path(folder)
    y = np.load(folder / "test_y.npy")
    ref = np.load(folder / "expected.npy")
    out = np.asarray(out, dtype=np.float64)
    if out.shape != ref.shape:
        raise SystemExit(f"outputs {out.shape} do not match expected.npy {ref.shape}")
    if y.ndim == 1:
        return {"accuracy": float((out.argmax(1) == y).mean()),
                "float_accuracy": float((ref.argmax(1) == y).mean()),
                "agreement_with_float": float((out.argmax(1) == ref.argmax(1)).mean()),
                "max_abs_diff_to_float": float(np.abs(out - ref).max())}
    e = angle_deg(out, y)
    ef = angle_deg(ref, y)
    return {"mean_deg": float(e.mean()), "p95_deg": float(np.percentile(e, 95)),
            "float_mean_deg": float(ef.mean()), "float_p95_deg": float(np.percentile(ef, 95)),
            "max_deg_to_float": float(angle_deg(out, ref).max())}


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    print(json.dumps(score(sys.argv[1], np.load(sys.argv[2])), indent=1))

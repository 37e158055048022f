"""Runs an `.eqf` blob with `equiframe run` on a batch of raw inputs."""

import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[3]


def binary():
    """The `equiframe` binary: $EQUIFRAME, else target/release/equiframe of this checkout."""
    return os.environ.get("EQUIFRAME", str(REPO / "target" / "release" / "equiframe"))


def run(eqf, x):
    """Outputs (B, K) float32 of the blob on raw inputs x (B, N, C)."""
    with tempfile.TemporaryDirectory() as tmp:
        xi, yo = Path(tmp) / "x.npy", Path(tmp) / "y.npy"
        np.save(xi, np.ascontiguousarray(x, dtype=np.float32))
        subprocess.run([binary(), "-q", "run", str(eqf), "--input", str(xi), "-o", str(yo)],
                       check=True, stdout=subprocess.DEVNULL)
        return np.load(yo)

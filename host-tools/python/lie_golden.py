#!/usr/bin/env python3
"""Writes tests/golden/so3_scipy.txt: SO(3) exp/log reference values from scipy's Rotation.

Each line: rotation vector (3), rotation matrix row-major (9), quaternion w x y z (4), all in
float64 printed with 9 significant digits. Angles cover 0, tiny (1e-7..1e-3), moderate and
close to pi. Run with a venv that has numpy and scipy:

    /path/to/venv/bin/python host-tools/python/lie_golden.py
"""

import pathlib

import numpy as np
from scipy.spatial.transform import Rotation

OUT = pathlib.Path(__file__).resolve().parents[2] / "tests" / "golden" / "so3_scipy.txt"


def main() -> None:
    rng = np.random.default_rng(20261204)
    rows = []
    angles = [0.0, 1e-7, 1e-5, 1e-3, 0.05, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.1, 3.14]
    for a in angles:
        for _ in range(4):
            axis = rng.normal(size=3)
            axis /= np.linalg.norm(axis)
            rows.append(axis * a)
    for _ in range(48):
        axis = rng.normal(size=3)
        axis /= np.linalg.norm(axis)
        rows.append(axis * rng.uniform(0.0, np.pi - 0.01))
    with OUT.open("w") as f:
        f.write("# rotvec(3) matrix(9, row-major) quat_wxyz(4); scipy %s\n" % __import__("scipy").__version__)
        for rv in rows:
            r = Rotation.from_rotvec(rv)
            m = r.as_matrix().reshape(-1)
            x, y, z, w = r.as_quat()
            if w < 0:
                x, y, z, w = -x, -y, -z, -w
            back = r.as_rotvec()  # scipy's log of the same rotation
            assert np.allclose(back, rv, atol=1e-9)
            vals = list(rv) + list(m) + [w, x, y, z]
            f.write(" ".join("%.9e" % v for v in vals) + "\n")
    print(f"wrote {len(rows)} rotations to {OUT}")


if __name__ == "__main__":
    main()

"""Loaders for the data in ../shared/data (never copied into the repository)."""

import os
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
DATA = Path(os.environ.get("EQUIFRAME_DATA", REPO.parent / "shared" / "data"))

BASICMOTIONS_CLASSES = ["Standing", "Running", "Walking", "Badminton"]


def load_ts(path):
    """sktime .ts multivariate file -> X (B, T, D) float32 (time first), labels (B,) str."""
    xs, ys, data = [], [], False
    for line in open(path):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.lower().startswith("@data"):
            data = True
            continue
        if not data:
            continue
        parts = line.split(":")
        xs.append([[float(v) for v in d.split(",")] for d in parts[:-1]])
        ys.append(parts[-1])
    return np.array(xs, dtype=np.float32).transpose(0, 2, 1), np.array(ys)


def basicmotions(split):
    """BasicMotions split "TRAIN" or "TEST": X (B, 100, 6) [acc xyz, gyro xyz], y (B,) int in
    BASICMOTIONS_CLASSES order."""
    x, labels = load_ts(DATA / "imu" / "basicmotions" / f"BasicMotions_{split}.ts")
    y = np.array([BASICMOTIONS_CLASSES.index(s) for s in labels], dtype=np.int64)
    return x, y


def broad_trial(name):
    """One BROAD trial: dict with acc (m/s^2), gyr (rad/s), quat (w,x,y,z IMU->ENU), movement
    (bool), rate (Hz)."""
    import h5py
    with h5py.File(DATA / "imu" / "broad" / f"{name}.hdf5", "r") as h:
        return {
            "acc": h["imu_acc"][:].astype(np.float64),
            "gyr": h["imu_gyr"][:].astype(np.float64),
            "quat": h["opt_quat"][:].astype(np.float64),
            "movement": h["movement"][:].astype(bool),
            "rate": float(h.attrs["sampling_rate"]),
        }


def broad_trials():
    """Names of the BROAD trials present, sorted."""
    return sorted(p.stem for p in (DATA / "imu" / "broad").glob("*.hdf5"))


def load_off(path):
    """Vertices of an OFF mesh (N, 3) float32."""
    with open(path) as f:
        head = f.readline().strip()
        if head != "OFF":
            raise ValueError(f"{path}: not OFF")
        line = f.readline()
        while line.startswith("#") or not line.strip():
            line = f.readline()
        nv = int(line.split()[0])
        rows = []
        while len(rows) < nv:
            parts = f.readline().split()
            if parts:
                rows.append([float(t) for t in parts[:3]])
    return np.array(rows, dtype=np.float32)


def real_clouds():
    """Real clouds for invariance checks: {name: (N, 3) float32}, those present."""
    out = {}
    p = DATA / "pointcloud" / "cgal" / "bunny00.off"
    if p.exists():
        out["bunny"] = load_off(p)
    p = DATA / "pointcloud" / "cgal" / "kitten.xyz"
    if p.exists():
        out["kitten"] = np.loadtxt(p, usecols=(0, 1, 2)).astype(np.float32)
    for f in sorted((DATA / "lidar3d" / "ouster").glob("*_xyz.npy")):
        out[f.stem.removesuffix("_xyz")] = np.load(f).astype(np.float32)
    return out

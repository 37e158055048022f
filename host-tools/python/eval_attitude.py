#!/usr/bin/env python3
"""Inclination RMSE of `equiframe attitude` and its peers on the BROAD trials.

Every estimator runs on the same samples of each trial (gyroscope rad/s and accelerometer
m/s^2 as recorded, 285.7 Hz, no magnetometer), from its own initialization; the error is
BROAD's inclination error (heading-free) as `broad_utils.calculateRMSE` computes it: RMSE in
degrees over the trial's `movement` phase, samples without an optical reference skipped.

Estimators:
  equiframe            `equiframe attitude IMU.npy --rate HZ -o Q.npy` (learned gravity on)
  equiframe-filter     the same with `--no-model` (filter alone)
  VQF 6D               `vqf.VQF(Ts).updateBatch(gyr, acc)['quat6D']` (default parameters)
  Madgwick, Mahony     `ahrs.filters.Madgwick/Mahony(gyr=..., acc=..., frequency=fs)` (defaults)
  Fusion               `imufusion.Ahrs` (default settings: NWU, gain 0.5), `update_no_magnetometer`
  RIANN                `riann.riann.RIANN().predict(acc, gyr, fs)` (its shipped ONNX model)

The learned gravity model shipped in host-tools/models/inclination was trained on the first
60 % of the movement phase of trials 02, 07, 11, 15, 24 and 32 (marked * in the table); the
other 16 trials are held out entirely.

Usage (a venv with numpy scipy h5py vqf ahrs imufusion riann; release build of the CLI):
  cargo build --release -p equiframe-cli
  /path/to/venv/bin/python host-tools/python/eval_attitude.py [--data DIR] [--json out.json]
      [--series TRIAL --series-out errors.csv] [--no-peers] [--extra "--accel-noise 0.08"]
  /path/to/venv/bin/python host-tools/python/eval_attitude.py --tune

`--extra` passes filter options to both equiframe runs. `--tune` runs a coordinate search of
the filter options (two sweeps over the grid in TUNE_GRID, learned update on) on the six
training trials only, minimising their mean inclination RMSE, and prints each step and the
best options; no held-out trial is read.
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
TRAINED = {"02", "07", "11", "15", "24", "32"}
# Defaults of `AttitudeConfig` / `equiframe attitude` and the values `--tune` tries.
TUNE_BASE = {"--accel-noise": 0.05, "--accel-tau": 3.0, "--gyro-noise": 2e-3, "--k-norm": 1.0,
             "--k-dev": 0.0, "--rest-gyro": 0.03, "--bias-walk": 1e-4, "--model-sigma": 0.02}
TUNE_GRID = {"--accel-noise": [0.05, 0.06, 0.08, 0.1, 0.13, 0.17],
             "--accel-tau": [2.0, 3.0, 4.0, 6.0],
             "--gyro-noise": [1e-3, 2e-3, 4e-3, 8e-3],
             "--k-norm": [0.0, 0.5, 1.0, 2.0, 4.0],
             "--k-dev": [0.0, 0.5, 1.0, 2.0],
             "--rest-gyro": [0.0, 0.02, 0.03, 0.05],
             "--bias-walk": [3e-5, 1e-4, 3e-4, 1e-3],
             "--model-sigma": [0.01, 0.02, 0.04, 0.08]}


def load_trial(path):
    if path.suffix == ".hdf5":
        import h5py

        with h5py.File(path, "r") as f:
            d = {k: np.asarray(f[k]) for k in ("imu_gyr", "imu_acc", "imu_mag", "opt_quat", "movement")}
            fs = float(f.attrs["sampling_rate"])
    else:
        import scipy.io as sio

        m = sio.loadmat(path)
        d = {k: np.asarray(m[k]) for k in ("imu_gyr", "imu_acc", "imu_mag", "opt_quat", "movement")}
        fs = float(np.asarray(m["sampling_rate"]).reshape(-1)[0])
    d = {k: np.ascontiguousarray(v) for k, v in d.items()}
    d["movement"] = d["movement"].reshape(-1).astype(bool)
    return d, fs


def run_equiframe(exe, gyr, acc, fs, extra):
    with tempfile.TemporaryDirectory() as tmp:
        x = os.path.join(tmp, "imu.npy")
        q = os.path.join(tmp, "q.npy")
        np.save(x, np.hstack([gyr, acc]).astype(np.float32))
        t0 = time.perf_counter()
        subprocess.run([exe, "-q", "attitude", x, "--rate", str(fs), "-o", q] + extra, check=True)
        dt = time.perf_counter() - t0
        return np.load(q).astype(np.float64), dt


def run_vqf(gyr, acc, fs):
    from vqf import VQF

    v = VQF(1.0 / fs)
    return v.updateBatch(np.ascontiguousarray(gyr), np.ascontiguousarray(acc))["quat6D"]


def run_madgwick(gyr, acc, fs):
    from ahrs.filters import Madgwick

    return Madgwick(gyr=gyr, acc=acc, frequency=fs).Q


def run_mahony(gyr, acc, fs):
    from ahrs.filters import Mahony

    return Mahony(gyr=gyr, acc=acc, frequency=fs).Q


def run_fusion(gyr, acc, fs):
    import imufusion

    a = imufusion.Ahrs()
    a.set_sample_period(1.0 / fs)
    out = np.empty((len(gyr), 4))
    g = np.rad2deg(gyr)
    ag = acc / 9.81
    for i in range(len(gyr)):
        a.update_no_magnetometer(g[i], ag[i])
        out[i] = a.get_quaternion()
    return out


def run_riann(gyr, acc, fs):
    import riann
    from riann.riann import RIANN

    model = pathlib.Path(riann.__file__).parent / "riann.onnx"  # its default lookup fails here
    return RIANN(str(model)).predict(acc.astype(np.float32), gyr.astype(np.float32), fs)


PEERS = [
    ("VQF 6D", run_vqf),
    ("Madgwick", run_madgwick),
    ("Mahony", run_mahony),
    ("Fusion", run_fusion),
    ("RIANN", run_riann),
]


def inclination_series(q, opt):
    sys.path.insert(0, str(DATA))
    import broad_utils as bu

    qd = bu.calculateErrorQuatEarth(q, opt)
    return np.rad2deg(bu.calculateInclinationError(qd))


def tune(exe, files, bu):
    """Coordinate search of TUNE_GRID from TUNE_BASE on `files` (the training trials)."""
    trials = []
    for p in files:
        d, fs = load_trial(p)
        trials.append((p.stem, d, fs))

    def score(opts):
        flags = [x for k, v in opts.items() for x in (k, str(v))]
        per = {}
        for name, d, fs in trials:
            q, _ = run_equiframe(exe, d["imu_gyr"].astype(np.float64),
                                 d["imu_acc"].astype(np.float64), fs, flags)
            r = bu.calculateRMSE(q, d["opt_quat"].astype(np.float64), d["movement"])
            per[name[:2]] = round(float(r["inclination_rmse_deg"]), 3)
        return float(np.mean(list(per.values()))), per

    base = dict(TUNE_BASE)
    best, per = score(base)
    print(f"defaults: {best:.4f} {per}", flush=True)
    for sweep in range(2):
        for key, values in TUNE_GRID.items():
            for v in values:
                if v == base[key]:
                    continue
                cand = dict(base, **{key: v})
                m, p = score(cand)
                print(f"  sweep {sweep} {key} {v}: {m:.4f}", flush=True)
                if m < best - 1e-4:
                    best, base, per = m, cand, p
            print(f"sweep {sweep} {key} -> {base[key]}: {best:.4f} {per}", flush=True)
    print("best on the training trials:", f"{best:.4f}",
          " ".join(f"{k} {v}" for k, v in base.items()), per)


def main():
    global DATA
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=os.environ.get("EQUIFRAME_DATA", str(ROOT / "../shared/data")))
    ap.add_argument("--exe", default=str(ROOT / "target/release/equiframe"))
    ap.add_argument("--json", help="write the per-trial figures here")
    ap.add_argument("--trials", nargs="*", help="trial number prefixes (default: all)")
    ap.add_argument("--series", help="trial prefix whose error time series to write")
    ap.add_argument("--series-out", help="CSV: time s, equiframe, VQF inclination error deg")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--extra", default="", help="filter options for both equiframe runs")
    ap.add_argument("--tune", action="store_true", help="coordinate search on the training trials")
    args = ap.parse_args()
    DATA = pathlib.Path(args.data) / "imu" / "broad"
    sys.path.insert(0, str(DATA))
    import broad_utils as bu

    files = sorted(p for p in DATA.iterdir() if p.suffix in (".hdf5", ".mat"))
    if args.tune:
        tune(args.exe, [p for p in files if p.name[:2] in TRAINED], bu)
        return
    if args.trials:
        files = [p for p in files if p.name[:2] in args.trials]
    extra = args.extra.split()
    names = ["equiframe", "equiframe-filter"] + ([] if args.no_peers else [n for n, _ in PEERS])
    results = {}
    for p in files:
        d, fs = load_trial(p)
        gyr = d["imu_gyr"].astype(np.float64)
        acc = d["imu_acc"].astype(np.float64)
        opt = d["opt_quat"].astype(np.float64)
        row = {}
        qs = {}
        qs["equiframe"], t_model = run_equiframe(args.exe, gyr, acc, fs, extra)
        qs["equiframe-filter"], t_filter = run_equiframe(args.exe, gyr, acc, fs,
                                                         extra + ["--no-model"])
        if not args.no_peers:
            for name, fn in PEERS:
                try:
                    qs[name] = np.asarray(fn(gyr, acc, fs), dtype=np.float64)
                except Exception as e:  # a peer that fails is reported, not fatal
                    print(f"{p.name}: {name} failed: {e}", file=sys.stderr)
        for name, q in qs.items():
            r = bu.calculateRMSE(q, opt, d["movement"])
            row[name] = float(r["inclination_rmse_deg"])
        row["_samples"] = int(len(gyr))
        row["_seconds_model"] = t_model
        row["_seconds_filter"] = t_filter
        results[p.stem] = row
        print(p.stem, " ".join(f"{n}={row.get(n, float('nan')):.2f}" for n in names), flush=True)
        if args.series and p.name.startswith(args.series) and args.series_out:
            t = np.arange(len(gyr)) / fs
            e1 = inclination_series(qs["equiframe"], opt)
            e2 = inclination_series(qs["VQF 6D"], opt) if "VQF 6D" in qs else np.full(len(t), np.nan)
            np.savetxt(args.series_out, np.column_stack([t, e1, e2, d["movement"]])[::8],
                       delimiter=",", header="t_s,equiframe_deg,vqf_deg,movement", fmt="%.4f")

    # Markdown table.
    print()
    print("| trial | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for trial, row in results.items():
        mark = "*" if trial[:2] in TRAINED else ""
        cells = []
        best = min(row[n] for n in names if n in row)
        for n in names:
            v = row.get(n)
            cells.append("-" if v is None else (f"**{v:.2f}**" if v == best else f"{v:.2f}"))
        print(f"| {trial}{mark} | " + " | ".join(cells) + " |")
    for label, sel in (("mean, held-out trials", lambda t: t[:2] not in TRAINED),
                       ("mean, all trials", lambda t: True)):
        rows = [r for t, r in results.items() if sel(t)]
        if rows:
            cells = [f"{np.mean([r[n] for r in rows if n in r]):.2f}" for n in names]
            print(f"| {label} ({len(rows)}) | " + " | ".join(cells) + " |")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()

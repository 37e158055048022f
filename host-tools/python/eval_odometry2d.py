#!/usr/bin/env python3
"""Relation errors of `equiframe odometry2d` on the CARMEN logs with corrected poses, against
zero motion and small_gicp (GICP scan-to-scan from the identity, scans as z = 0 points), and
recall of the relocalisation descriptor on revisits.

Metric: for every scan i and k in (1, 5, 10), the motion from scan i to scan i + k in the frame
of scan i, estimated vs corrected: translational |dt_est - dt_true| (m) and rotational
|wrap(dtheta_est - dtheta_true)| (deg), mean over all relations (and per k).

Revisits: scan j is a query when some scan i with t_j - t_i >= 30 s lies within 1 m of it
(corrected poses); its descriptor is matched (L1) against those of all scans at least 30 s
older; a hit is a retrieved scan within 1 m. `chance` is the fraction of candidates within 1 m,
averaged over queries (the recall of a random pick).

Needs numpy and small_gicp (own venv: python3 -m venv /work/venv-lidar &&
/work/venv-lidar/bin/pip install numpy small_gicp). Usage:
  cargo build --release -p equiframe-cli
  /work/venv-lidar/bin/python host-tools/python/eval_odometry2d.py [--data DIR] [--logs a,b] [--json out.json]
"""
import argparse
import gzip
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

KUMMERLE = {"intel": (0.220, 0.296), "freiburg-079": (0.258, 0.427)}
LOGS = ["intel", "freiburg-079", "freiburg-101", "acapulco", "belgioioso", "edmonton", "fhw",
        "orebro", "seattle"]
KS = (1, 5, 10)


def read_log(path):
    """FLASER ranges, corrected poses (x, y, theta) and timestamps."""
    scans, poses, times = [], [], []
    with gzip.open(path, "rt") if path.endswith(".gz") else open(path) as f:
        for line in f:
            if not line.startswith("FLASER"):
                continue
            v = line.split()
            n = int(v[1])
            scans.append(np.array(v[2:2 + n], dtype=np.float64))
            poses.append([float(x) for x in v[2 + n:5 + n]])
            times.append(float(v[8 + n]))
    return scans, np.array(poses), np.array(times)


def wrap(a):
    return (a + np.pi) % (2 * np.pi) - np.pi


def relations(poses, k):
    """(dx, dy, dtheta) from scan i to scan i + k in the frame of scan i."""
    a, b = poses[:-k], poses[k:]
    d = b[:, :2] - a[:, :2]
    c, s = np.cos(a[:, 2]), np.sin(a[:, 2])
    return np.stack([c * d[:, 0] + s * d[:, 1], -s * d[:, 0] + c * d[:, 1],
                     wrap(b[:, 2] - a[:, 2])], axis=1)


def relation_errors(est, gt):
    out = {}
    allt, allr = [], []
    for k in KS:
        if len(gt) <= k:
            continue
        re, rt = relations(est, k), relations(gt, k)
        et = np.hypot(re[:, 0] - rt[:, 0], re[:, 1] - rt[:, 1])
        er = np.degrees(np.abs(wrap(re[:, 2] - rt[:, 2])))
        out[f"k{k}"] = (float(et.mean()), float(er.mean()))
        allt.append(et)
        allr.append(er)
    et, er = np.concatenate(allt), np.concatenate(allr)
    out["all"] = (float(et.mean()), float(er.mean()), float(et.std()))
    return out


def points_of(r, fov=math.pi, rmin=0.05, rmax=50.0):
    n = len(r)
    a = -0.5 * fov + np.arange(n) * fov / (n - 1)
    ok = (r >= rmin) & (r < rmax)
    return np.stack([r[ok] * np.cos(a[ok]), r[ok] * np.sin(a[ok]), np.zeros(ok.sum())], axis=1)


def small_gicp_poses(scans):
    import small_gicp
    pose = np.eye(4)
    out = [[0.0, 0.0, 0.0]]
    prev = points_of(scans[0])
    for r in scans[1:]:
        cur = points_of(r)
        res = small_gicp.align(prev, cur, registration_type="GICP",
                               downsampling_resolution=0.1, max_correspondence_distance=1.0,
                               num_threads=2)
        pose = pose @ res.T_target_source
        out.append([pose[0, 3], pose[1, 3], math.atan2(pose[1, 0], pose[0, 0])])
        prev = cur
    return np.array(out)


def revisit_recall(desc, gt, times, dist=1.0, gap=30.0):
    queries = hits = 0
    chance = 0.0
    for j in range(len(gt)):
        cand = np.nonzero(times <= times[j] - gap)[0]
        if len(cand) == 0:
            continue
        near = np.hypot(gt[cand, 0] - gt[j, 0], gt[cand, 1] - gt[j, 1]) < dist
        if not near.any():
            continue
        queries += 1
        chance += near.mean()
        d = np.abs(desc[cand] - desc[j]).sum(axis=1)
        best = cand[int(np.argmin(d))]
        hits += math.hypot(gt[best, 0] - gt[j, 0], gt[best, 1] - gt[j, 1]) < dist
    return queries, hits, chance / max(queries, 1)


def reloc_recall(rows, gt, times, dist=1.0, gap=30.0):
    """Revisit queries (as in revisit_recall) relocalised by `odometry2d --relocalise`: hits of
    the descriptor's top-1 (before) and of the candidate that registered best (after); for the
    hits after, the error of the relocalised pose (candidate's corrected pose times the match)
    against the query's corrected pose: median m / deg."""
    queries = before = after = 0
    et, er = [], []
    for j in range(len(gt)):
        cand = np.nonzero(times <= times[j] - gap)[0]
        if len(cand) == 0:
            continue
        if not (np.hypot(gt[cand, 0] - gt[j, 0], gt[cand, 1] - gt[j, 1]) < dist).any():
            continue
        queries += 1
        top1, best, dx, dy, dth = int(rows[j][0]), int(rows[j][1]), rows[j][2], rows[j][3], rows[j][4]
        near = lambda i: i >= 0 and math.hypot(gt[i, 0] - gt[j, 0], gt[i, 1] - gt[j, 1]) < dist
        before += near(top1)
        if near(best):
            after += 1
            x, y, th = gt[best]
            px = x + math.cos(th) * dx - math.sin(th) * dy
            py = y + math.sin(th) * dx + math.cos(th) * dy
            et.append(math.hypot(px - gt[j, 0], py - gt[j, 1]))
            er.append(abs(math.degrees(wrap(th + dth - gt[j, 2]))))
    med = (float(np.median(et)), float(np.median(er))) if et else (float("nan"), float("nan"))
    return queries, before, after, med


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    default_data = os.environ.get("EQUIFRAME_DATA", os.path.join(root, "..", "shared", "data"))
    ap.add_argument("--data", default=os.path.join(default_data, "lidar2d", "carmen"))
    ap.add_argument("--bin", default=os.path.join(root, "target", "release", "equiframe"))
    ap.add_argument("--logs", default=",".join(LOGS))
    ap.add_argument("--no-gicp", action="store_true", help="skip small_gicp")
    ap.add_argument("--json")
    ap.add_argument("--extra", default="", help="extra arguments for odometry2d")
    ap.add_argument("--reloc", action="store_true",
                    help="also relocalise every scan (odometry2d --relocalise) and report recall "
                         "before / after registration")
    args = ap.parse_args()
    rows = {}
    print("| log | scans | equiframe m / deg | zero motion m / deg | small_gicp m / deg | ratio | "
          "revisit recall@1 (chance) | ms/scan |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name in args.logs.split(","):
        path = os.path.join(args.data, f"{name}-corrected.log.gz")
        scans, gt, times = read_log(path)
        with tempfile.TemporaryDirectory() as tmp:
            out, dsc = os.path.join(tmp, "p.txt"), os.path.join(tmp, "d.txt")
            rel = os.path.join(tmp, "r.txt")
            t0 = time.time()
            subprocess.run([args.bin, "-q", "odometry2d", path, "-o", out, "--descriptors", dsc]
                           + args.extra.split(), check=True)
            ms = 1e3 * (time.time() - t0) / len(scans)
            est = np.loadtxt(out).reshape(-1, 3)
            desc = np.loadtxt(dsc).reshape(len(scans), -1)
            reloc = None
            if args.reloc:
                subprocess.run([args.bin, "-q", "odometry2d", path, "-o", out, "--relocalise", rel]
                               + args.extra.split(), check=True)
                reloc = np.loadtxt(rel).reshape(len(scans), -1)
        assert len(est) == len(gt), (len(est), len(gt))
        ours = relation_errors(est, gt)
        zero = relation_errors(np.zeros_like(gt), gt)
        row = {"scans": len(gt), "ours": ours, "zero": zero, "ms_per_scan": ms}
        if not args.no_gicp:
            row["small_gicp"] = relation_errors(small_gicp_poses(scans), gt)
        q, h, ch = revisit_recall(desc, gt, times)
        row["revisits"] = {"queries": q, "hits": h, "chance": ch}
        if reloc is not None:
            rq, rb, ra, med = reloc_recall(reloc, gt, times)
            row["reloc"] = {"queries": rq, "before": rb, "after": ra, "median_error": med}
        rows[name] = row
        g = row.get("small_gicp", {}).get("all")
        ratio = f"{g[0] / ours['all'][0]:.1f}x" if g else "-"
        gs = f"{g[0]:.3f} / {g[1]:.2f}" if g else "-"
        rec = f"{h}/{q} = {h / q:.2f} ({ch:.2f})" if q else "no revisits"
        print(f"| {name} | {len(gt)} | {ours['all'][0]:.3f} / {ours['all'][1]:.2f} | "
              f"{zero['all'][0]:.3f} / {zero['all'][1]:.2f} | {gs} | {ratio} | {rec} | {ms:.1f} |",
              flush=True)
    print("\nper k (equiframe, m / deg):")
    for name, row in rows.items():
        print(name, " ".join(f"{k}: {v[0]:.3f} / {v[1]:.2f}" for k, v in row["ours"].items() if k != "all"))
    if args.reloc:
        print("\nrelocalisation on revisits (top-5 by descriptor, registered with no prior, best "
              "score kept): recall before / after registration, median pose error of the hits")
        print("| log | queries | recall@1 descriptor | recall after registration | median error m / deg |")
        print("|---|---:|---:|---:|---:|")
        for name, row in rows.items():
            r = row.get("reloc")
            if not r or not r["queries"]:
                print(f"| {name} | 0 | no revisits | - | - |")
                continue
            q = r["queries"]
            print(f"| {name} | {q} | {r['before'] / q:.2f} | {r['after'] / q:.2f} | "
                  f"{r['median_error'][0]:.3f} / {r['median_error'][1]:.2f} |")
    print("\nKummerle et al. 2009 scan matching (their relations): "
          + ", ".join(f"{k} {m:.3f} +- {s:.3f} m" for k, (m, s) in KUMMERLE.items()))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())

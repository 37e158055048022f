#!/usr/bin/env python3
"""Builds data/inputs.bin: the recorded sensor windows and point sets the QEMU firmware embeds.

Sources are only those the project may download itself:
  - BasicMotions (UEA), shipped in the `aeon` 1.6.0 wheel on PyPI
    (aeon/datasets/data/BasicMotions/BasicMotions_TEST.ts): smartwatch accel + gyro,
    6 channels x 100 steps;
  - the CGAL data set in Debian's `libcgal-demo` package
    (/usr/share/doc/libcgal-dev/data.tar.gz): Stanford bunny, kitten, b9 lidar points, sphere.

Usage:
  gen/make_inputs.py                 # downloads both (pip download, apt-get download) into a cache
  gen/make_inputs.py --from DIR      # DIR holds BasicMotions_TEST.ts, bunny00.off, kitten.xyz,
                                     # b9_training.ply, sphere_20k.xyz (e.g. ../shared/data copies)

Format (little endian): b"EQFI", u32 version=1, u32 case count; per case: u32 kind (0 = IMU
window with accel @0 and gyro @3, 1 = 3D point set), u32 rows, u32 channels, 16-byte name
(NUL padded), rows*channels f32 row-major.
"""
import argparse
import io
import os
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data", "inputs.bin")
POINTS = 512


def fetch(cache):
    """Downloads the aeon wheel and the libcgal-demo package; returns a dict name -> bytes."""
    os.makedirs(cache, exist_ok=True)
    files = {}
    wheel = os.path.join(cache, "aeon-1.6.0-py3-none-any.whl")
    if not os.path.exists(wheel):
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "aeon==1.6.0", "-d", cache, "-q"], check=True)
    with zipfile.ZipFile(wheel) as z:
        files["BasicMotions_TEST.ts"] = z.read("aeon/datasets/data/BasicMotions/BasicMotions_TEST.ts")
    debs = [f for f in os.listdir(cache) if f.startswith("libcgal-demo_") and f.endswith(".deb")]
    if not debs:
        subprocess.run(["apt-get", "download", "libcgal-demo"], check=True, cwd=cache)
        debs = [f for f in os.listdir(cache) if f.startswith("libcgal-demo_") and f.endswith(".deb")]
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["dpkg-deb", "-x", os.path.join(cache, debs[0]), tmp], check=True)
        with tarfile.open(os.path.join(tmp, "usr/share/doc/libcgal-dev/data.tar.gz")) as t:
            for member, name in [
                ("data/meshes/bunny00.off", "bunny00.off"),
                ("data/points_3/kitten.xyz", "kitten.xyz"),
                ("data/points_3/b9_training.ply", "b9_training.ply"),
                ("data/points_3/sphere_20k.xyz", "sphere_20k.xyz"),
            ]:
                files[name] = t.extractfile(member).read()
    return files


def local(d):
    names = ["BasicMotions_TEST.ts", "bunny00.off", "kitten.xyz", "b9_training.ply", "sphere_20k.xyz"]
    return {n: open(os.path.join(d, n), "rb").read() for n in names}


def basicmotions(ts):
    """First test case of each class: (name, rows) with rows = 100 x [ax ay az gx gy gz]."""
    lines = ts.decode().splitlines()
    start = next(i for i, l in enumerate(lines) if l.strip().lower() == "@data") + 1
    seen = {}
    for line in lines[start:]:
        if not line.strip():
            continue
        *dims, label = line.strip().split(":")
        if label in seen:
            continue
        series = [[float(v) for v in d.split(",")] for d in dims]
        seen[label] = [[series[c][t] for c in range(6)] for t in range(len(series[0]))]
    return [("bm-" + label.lower()[:13], rows) for label, rows in seen.items()]


def stride(points, n=POINTS):
    step = len(points) / n
    return [points[int(i * step)] for i in range(n)]


def off_vertices(b):
    tokens = b.decode().split()
    assert tokens[0] == "OFF"
    nv = int(tokens[1])
    v = tokens[4 : 4 + 3 * nv]
    return [[float(v[3 * i]), float(v[3 * i + 1]), float(v[3 * i + 2])] for i in range(nv)]


def xyz(b):
    return [[float(t) for t in l.split()[:3]] for l in b.decode().splitlines() if l.strip()]


def ply_b9(b):
    """Binary little-endian PLY: double x y z, uchar r g b, int label (31 bytes a vertex).
    Shifted by the first point (in double) so f32 keeps centimetre detail of UTM coordinates."""
    head, _, body = b.partition(b"end_header\n")
    n = int(next(l.split()[2] for l in head.decode().splitlines() if l.startswith("element vertex")))
    pts = [struct.unpack_from("<3d", body, 31 * i) for i in range(n)]
    x0 = pts[0]
    return [[p[0] - x0[0], p[1] - x0[1], p[2] - x0[2]] for p in pts]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--from", dest="src")
    ap.add_argument("--cache", default=os.path.join(HERE, "..", "target", "gen-cache"))
    a = ap.parse_args()
    files = local(a.src) if a.src else fetch(a.cache)
    cases = [(0, name, rows) for name, rows in basicmotions(files["BasicMotions_TEST.ts"])]
    cases.append((1, "bunny", stride(off_vertices(files["bunny00.off"]))))
    cases.append((1, "kitten", stride(xyz(files["kitten.xyz"]))))
    cases.append((1, "b9-lidar", stride(ply_b9(files["b9_training.ply"]))))
    cases.append((1, "sphere", stride(xyz(files["sphere_20k.xyz"]))))
    out = io.BytesIO()
    out.write(b"EQFI" + struct.pack("<II", 1, len(cases)))
    for kind, name, rows in cases:
        ch = len(rows[0])
        out.write(struct.pack("<III", kind, len(rows), ch) + name.encode()[:16].ljust(16, b"\0"))
        for r in rows:
            out.write(struct.pack("<%df" % ch, *r))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "wb") as f:
        f.write(out.getvalue())
    for kind, name, rows in cases:
        print(f"{name:16s} kind {kind} rows {len(rows)} channels {len(rows[0])}")
    print(f"wrote {os.path.relpath(OUT)} ({out.tell()} bytes)")


if __name__ == "__main__":
    main()

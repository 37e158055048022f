#!/usr/bin/env python3
"""Objects as a rotating lidar sees them: partial surfaces from one viewpoint, scan-line
sampling, range noise, dropouts. Deterministic for a given seed.

Classes (convex primitives, random dimensions): box, sphere, cylinder, cone, pyramid.
Scene: the sensor at the origin; the object upright with a random yaw and a tilt of up to 15
degrees, at 4-15 m range, random azimuth, -1.5..0.5 m height. Only surface points facing the
sensor are visible (convex objects: no self-occlusion otherwise). The lidar has B beams
(32, 64 or 128) over 45 degrees of elevation and 1024 columns: every visible surface sample
falls into an (azimuth, elevation) cell; the nearest one per cell is the return, placed on
the cell's centre ray at its range plus Gaussian range noise (1-3 cm); each return is then
dropped with probability 0-30%. A sample is N returns drawn from the object's returns
(with repetition only when it has fewer than N).
"""

import numpy as np

CLASSES = ["box", "sphere", "cylinder", "cone", "pyramid"]
SURFACE = 6000


def _tri(rng, a, b, c, n):
    u, v = rng.random(n), rng.random(n)
    s = np.sqrt(u)
    p = (1 - s)[:, None] * a + (s * (1 - v))[:, None] * b + (s * v)[:, None] * c
    nrm = np.cross(b - a, c - a)
    nrm = nrm / np.linalg.norm(nrm)
    return p, np.repeat(nrm[None], n, 0)


def _area_split(rng, areas, n):
    areas = np.asarray(areas, float)
    return rng.multinomial(n, areas / areas.sum())


def _orient_tris(tris, inside):
    """Makes each triangle's normal point away from `inside` (a point inside the solid)."""
    out = []
    for a, b, c in tris:
        if np.dot(np.cross(b - a, c - a), a - inside) < 0:
            b, c = c, b
        out.append((a, b, c))
    return out


def surface(cls, rng, n=SURFACE):
    """Surface samples (n, 3) and outward normals (n, 3) of a random instance, object frame
    (z up, centred near the origin)."""
    if cls == "sphere":
        r = rng.uniform(0.2, 0.8)
        d = rng.normal(size=(n, 3))
        d /= np.linalg.norm(d, axis=1, keepdims=True)
        return r * d, d
    if cls == "box":
        s = rng.uniform(0.3, 1.5, 3) / 2
        areas, faces = [], []
        for ax in range(3):
            o = [i for i in range(3) if i != ax]
            for sign in (-1, 1):
                areas.append(4 * s[o[0]] * s[o[1]])
                faces.append((ax, sign, o))
        counts = _area_split(rng, areas, n)
        ps, ns = [], []
        for (ax, sign, o), k in zip(faces, counts):
            p = np.zeros((k, 3))
            p[:, ax] = sign * s[ax]
            p[:, o[0]] = rng.uniform(-s[o[0]], s[o[0]], k)
            p[:, o[1]] = rng.uniform(-s[o[1]], s[o[1]], k)
            nn = np.zeros((k, 3))
            nn[:, ax] = sign
            ps.append(p)
            ns.append(nn)
        return np.concatenate(ps), np.concatenate(ns)
    if cls == "cylinder":
        r, h = rng.uniform(0.15, 0.6), rng.uniform(0.4, 2.0)
        k_side, k_top, k_bot = _area_split(rng, [2 * np.pi * r * h, np.pi * r * r, np.pi * r * r], n)
        t = rng.uniform(0, 2 * np.pi, k_side)
        side = np.stack([r * np.cos(t), r * np.sin(t), rng.uniform(-h / 2, h / 2, k_side)], 1)
        nside = np.stack([np.cos(t), np.sin(t), np.zeros(k_side)], 1)
        caps, ncaps = [], []
        for k, z in ((k_top, h / 2), (k_bot, -h / 2)):
            rr, tt = r * np.sqrt(rng.random(k)), rng.uniform(0, 2 * np.pi, k)
            caps.append(np.stack([rr * np.cos(tt), rr * np.sin(tt), np.full(k, z)], 1))
            ncaps.append(np.tile([0, 0, np.sign(z)], (k, 1)))
        return np.concatenate([side] + caps), np.concatenate([nside] + ncaps)
    if cls == "cone":
        r, h = rng.uniform(0.2, 0.7), rng.uniform(0.4, 1.5)
        slant = np.hypot(r, h)
        k_side, k_base = _area_split(rng, [np.pi * r * slant, np.pi * r * r], n)
        t = rng.uniform(0, 2 * np.pi, k_side)
        f = np.sqrt(rng.random(k_side))  # fraction of the way from apex to base (area-uniform)
        side = np.stack([f * r * np.cos(t), f * r * np.sin(t), h / 2 - f * h], 1)
        nside = np.stack([h * np.cos(t), h * np.sin(t), np.full(k_side, r)], 1) / slant
        rr, tt = r * np.sqrt(rng.random(k_base)), rng.uniform(0, 2 * np.pi, k_base)
        base = np.stack([rr * np.cos(tt), rr * np.sin(tt), np.full(k_base, -h / 2)], 1)
        return (np.concatenate([side, base]),
                np.concatenate([nside, np.tile([0, 0, -1.0], (k_base, 1))]))
    if cls == "pyramid":
        a, b, h = rng.uniform(0.4, 1.5) / 2, rng.uniform(0.4, 1.5) / 2, rng.uniform(0.4, 1.5)
        apex = np.array([0, 0, h / 2])
        c = [np.array([sx * a, sy * b, -h / 2]) for sx, sy in ((1, 1), (-1, 1), (-1, -1), (1, -1))]
        tris = [(apex, c[i], c[(i + 1) % 4]) for i in range(4)] + [(c[0], c[1], c[2]), (c[0], c[2], c[3])]
        tris = _orient_tris(tris, np.array([0, 0, -h / 4]))
        areas = [0.5 * np.linalg.norm(np.cross(q - p, r_ - p)) for p, q, r_ in tris]
        ps, ns = [], []
        for (p, q, r_), k in zip(tris, _area_split(rng, areas, n)):
            pp, nn = _tri(rng, p, q, r_, k)
            ps.append(pp)
            ns.append(nn)
        return np.concatenate(ps), np.concatenate(ns)
    raise ValueError(cls)


def _rot(yaw, tilt_axis, tilt):
    cy, sy = np.cos(yaw), np.sin(yaw)
    rz = np.array([[cy, -sy, 0], [sy, cy, 0], [0, 0, 1]])
    k = np.array([np.cos(tilt_axis), np.sin(tilt_axis), 0.0])
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    rt = np.eye(3) + np.sin(tilt) * kx + (1 - np.cos(tilt)) * kx @ kx
    return rt @ rz


def scan(cls, rng):
    """All lidar returns (M, 3) of one random object of class `cls`, sensor frame."""
    p, nrm = surface(cls, rng)
    R = _rot(rng.uniform(0, 2 * np.pi), rng.uniform(0, 2 * np.pi), np.radians(rng.uniform(0, 15)))
    rng_m, az = rng.uniform(4, 15), rng.uniform(-np.pi, np.pi)
    centre = np.array([rng_m * np.cos(az), rng_m * np.sin(az), rng.uniform(-1.5, 0.5)])
    p = p @ R.T + centre
    nrm = nrm @ R.T
    vis = np.einsum("ij,ij->i", nrm, -p) > 0
    p = p[vis]
    beams = rng.choice([32, 64, 128])
    d_el = np.radians(45.0) / beams
    d_az = 2 * np.pi / 1024
    r = np.linalg.norm(p, axis=1)
    azi = np.arctan2(p[:, 1], p[:, 0])
    ele = np.arcsin(p[:, 2] / r)
    ia = np.floor(azi / d_az).astype(np.int64)
    ie = np.floor(ele / d_el).astype(np.int64)
    ok = np.abs(ele) < np.radians(22.5)
    ia, ie, r = ia[ok], ie[ok], r[ok]
    key = ia * 100000 + ie
    order = np.lexsort((r, key))
    key, r, ia, ie = key[order], r[order], ia[order], ie[order]
    first = np.ones(len(key), bool)
    first[1:] = key[1:] != key[:-1]
    ia, ie, r = ia[first], ie[first], r[first]
    a, e = (ia + 0.5) * d_az, (ie + 0.5) * d_el
    r = r + rng.normal(0, rng.uniform(0.01, 0.03), len(r))
    pts = np.stack([r * np.cos(e) * np.cos(a), r * np.cos(e) * np.sin(a), r * np.sin(e)], 1)
    keep = rng.random(len(pts)) >= rng.uniform(0, 0.3)
    return pts[keep]


def sample(cls, rng, n, min_returns=24):
    """One training sample: n returns (n, 3) float32 of a random object of class `cls`."""
    while True:
        pts = scan(cls, rng)
        if len(pts) >= min_returns:
            break
    idx = rng.choice(len(pts), n, replace=len(pts) < n)
    return pts[idx].astype(np.float32)


def dataset(count, n, seed):
    """`count` samples per class: X (count * classes, n, 3) float32, y int64."""
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for _ in range(count):
        for k, cls in enumerate(CLASSES):
            xs.append(sample(cls, rng, n))
            ys.append(k)
    return np.stack(xs), np.array(ys, dtype=np.int64)


if __name__ == "__main__":
    import time
    t = time.time()
    x, y = dataset(20, 128, 0)
    print(x.shape, time.time() - t)
    rng = np.random.default_rng(1)
    for cls in CLASSES:
        m = [len(scan(cls, rng)) for _ in range(50)]
        print(cls, "returns min/median/max", min(m), int(np.median(m)), max(m))

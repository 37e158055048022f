"""Frame averaging for training, computing exactly the frames of the equiframe engine.

Train a backbone on inputs expressed in their canonical frames, export it to ONNX, and
`equiframe convert` wraps the same frames around it on the device. This module is plain numpy
(torch optional, imported only by the ``*_torch`` functions), importable with
``sys.path.insert(0, "host-tools/python")`` or ``PYTHONPATH=host-tools/python``.

Conventions (the engine's, see ARCHITECTURE.md and docs/FORMAT.md):

* A sample is ``(N, C)``, channels last; a batch ``(B, N, C)``.
* A schema lists the geometric fields as ``(kind, first_channel)`` with kind ``"pos"``,
  ``"vec"`` or ``"axial"`` (``dim`` channels each); other channels are scalars, unchanged.
  :data:`POINTS` is ``[("pos", 0)]``, :data:`IMU` is ``[("vec", 0), ("axial", 3)]``
  (accelerometer, gyroscope), as ``--schema points`` / ``--schema imu``.
* The frame comes from the first position field, centred (origin = centroid, scatter
  ``sum (x - c)(x - c)^T``); without one from the first vector field, uncentred (origin 0).
* Axes are the scatter matrix's eigenvectors, largest eigenvalue first (``"descending"``,
  the default) or smallest first (``"ascending"``), as ``--axis-order``.
* Frame sets, with ``F`` the matrix whose columns are the axes ``e0, e1(, e2)``:
  ``o3``: ``(s0 e0, s1 e1, s2 e2)``, 8 frames, ``det = s0 s1 s2 det E``;
  ``so3``: ``(s0 e0, s1 e1, s0 s1 (e0 x e1))``, 4 frames, det +1;
  ``o2``: ``(s0 e0, s1 e1)``, 4 frames; ``so2``: ``(s e0, s perp(e0))``, 2 frames, det +1.
  Each frame has weight ``1 / K``. The *set* is the engine's; the order of its members and
  the sign of each eigenvector may differ (averages over the set do not depend on either).
* Canonical coordinates: positions ``(x - c) @ F``, vectors ``v @ F``, axial vectors
  ``det(F) * (w @ F)`` (2D: ``det(F) * w``), scalars unchanged.
* Outputs per frame are mapped back (invariant: ``y``; vector: ``F y``; point: ``F y + c``)
  and averaged.

Example (training loop with frame averaging, then export and conversion)::

    import equiframe_frames as ef
    y = ef.average_torch(model, x, ef.POINTS, "o3")          # full average, differentiable
    y = ef.average_torch(model, x, ef.POINTS, "o3", sample_frame=True)   # one random frame
    torch.onnx.export(model, (x[:1],), "backbone.onnx")      # the backbone alone
    # equiframe convert backbone.onnx -o model.eqf --frames o3 --calibration cal.npy

See host-tools/python/examples/train_export_convert.py for a complete run.
"""

import numpy as np

__all__ = [
    "POINTS", "IMU", "GROUPS", "frames", "canonicalize", "average", "frames_torch",
    "canonicalize_torch", "average_torch", "random_rotations", "transform",
]

#: Positions in channels 0..3 (``--schema points``).
POINTS = [("pos", 0)]
#: Accelerometer (vector) in 0..3, gyroscope (axial vector) in 3..6 (``--schema imu``).
IMU = [("vec", 0), ("axial", 3)]
#: Frames per set and spatial dimension of each group.
GROUPS = {"o3": (8, 3), "so3": (4, 3), "o2": (4, 2), "so2": (2, 2)}


def _source(schema):
    for kind in ("pos", "vec", "axial"):
        for k, off in schema:
            if k == kind:
                return off, kind == "pos"
    raise ValueError(f"schema {schema} has no geometric field")


def _group(group):
    if group not in GROUPS:
        raise ValueError(f"group {group!r}: expected one of {sorted(GROUPS)}")
    return GROUPS[group]


def _sign_frames(e, group, xp):
    """Frame set of base axes e (B, d, d), columns = axes in the chosen order.
    Returns F (B, K, d, d) and det (B, K)."""
    k, d = _group(group)
    ones = xp.ones(e.shape[0], dtype=e.dtype) if xp is np else \
        xp.ones(e.shape[0], dtype=e.dtype, device=e.device)
    dete = xp.sign(xp.linalg.det(e))
    dete = xp.where(dete == 0, ones, dete)
    cols = [e[:, :, i] for i in range(d)]
    if group == "so3":
        c2 = xp.cross(cols[0], cols[1]) if xp is np else xp.linalg.cross(cols[0], cols[1])
        n = np.linalg.norm(c2, axis=-1, keepdims=True) if xp is np else \
            xp.linalg.norm(c2, dim=-1, keepdim=True)
        cols = [cols[0], cols[1], c2 / n]
    elif group == "so2":
        cols = [cols[0], xp.stack([-cols[0][:, 1], cols[0][:, 0]], -1)]
    fs, ds = [], []
    for mask in range(k):
        s = [-1.0 if mask >> b & 1 else 1.0 for b in range(3)]
        if group == "o3":
            axes, det = [s[0] * cols[0], s[1] * cols[1], s[2] * cols[2]], dete * s[0] * s[1] * s[2]
        elif group == "so3":
            axes, det = [s[0] * cols[0], s[1] * cols[1], s[0] * s[1] * cols[2]], ones
        elif group == "o2":
            axes, det = [s[0] * cols[0], s[1] * cols[1]], dete * s[0] * s[1]
        else:
            axes, det = [s[0] * cols[0], s[0] * cols[1]], ones
        fs.append(xp.stack(axes, -1))
        ds.append(det)
    return xp.stack(fs, 1), xp.stack(ds, 1)


def frames(x, group, schema=None, axis_order="descending"):
    """Frame sets of a batch ``x`` (B, N, C) (or one sample (N, C)), in float64.

    Returns ``(F, origin, det)``: F (B, K, d, d) with the frame axes as columns, origin (B, d),
    det (B, K). ``schema`` defaults to :data:`POINTS`. These are the frames that
    ``equiframe frames`` prints (rows 0..d of its output hold F, row d the origin)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2:
        x = x[None]
    _, d = _group(group)
    off, centred = _source(schema or POINTS)
    p = x[:, :, off:off + d]
    c = p.mean(axis=1) if centred else np.zeros((x.shape[0], d))
    q = p - c[:, None, :]
    s = np.einsum("bni,bnj->bij", q, q)
    _, vec = np.linalg.eigh(s)  # ascending
    if axis_order == "descending":
        vec = vec[:, :, ::-1]
    elif axis_order != "ascending":
        raise ValueError(f"axis_order {axis_order!r}: descending or ascending")
    F, det = _sign_frames(np.ascontiguousarray(vec), group, np)
    return F, c, det


def canonicalize(x, F, origin, det, schema=None):
    """Every sample of ``x`` (B, N, C) in each of its frames: (B, K, N, C) float32."""
    x = np.asarray(x, dtype=np.float64)
    B, N, _ = x.shape
    K, d = F.shape[1], F.shape[-1]
    out = np.repeat(x[:, None], K, axis=1)
    for kind, off in schema or POINTS:
        v = x[:, None, :, off:off + d]
        if kind == "pos":
            v = v - origin[:, None, None, :]
        y = np.einsum("bkni,bkij->bknj", np.broadcast_to(v, (B, K, N, d)), F)
        if kind == "axial":
            y = y * det[:, :, None, None] if d == 3 else x[:, None, :, off:off + d] * \
                det[:, :, None, None]
        out[..., off:off + d] = y
    return out.astype(np.float32)


def _map_back(y, F, origin, outputs, xp):
    """Maps per-frame outputs y (B, K, L) back to the sensor frame per output range."""
    d = F.shape[-1]
    parts, start = [], 0
    for kind, n in outputs:
        n = y.shape[-1] - start if n is None else n
        seg = y[..., start:start + n]
        if kind in ("vector", "point"):
            seg = xp.einsum("bkij,bkj->bki", F.to(seg.dtype) if xp is not np else F, seg)
            if kind == "point":
                seg = seg + origin[:, None, :].to(seg.dtype) if xp is not np else \
                    seg + origin[:, None, :]
        elif kind != "invariant":
            raise ValueError(f"output kind {kind!r}: invariant, vector or point")
        parts.append(seg)
        start += n if kind == "invariant" else d
    return xp.concatenate(parts, -1) if xp is np else xp.cat(parts, -1)


def average(backbone, x, group, schema=None, outputs=(("invariant", None),),
            axis_order="descending"):
    """Frame-averaged outputs of ``backbone`` (a function (M, N, C) float32 -> (M, L)) on raw
    inputs ``x`` (B, N, C), as the engine computes them. ``outputs`` lists ``(kind, length)``
    ranges tiling L: ``"invariant"`` (any length; ``None`` = the rest), ``"vector"`` and
    ``"point"`` (d channels, mapped back by F y, plus the origin for points)."""
    F, c, det = frames(x, group, schema, axis_order)
    xc = canonicalize(x, F, c, det, schema)
    B, K = F.shape[:2]
    y = np.asarray(backbone(xc.reshape(B * K, *xc.shape[2:])), dtype=np.float64)
    y = _map_back(y.reshape(B, K, -1), F, c, outputs, np)
    return y.mean(axis=1).astype(np.float32)


def frames_torch(x, group, schema=None, axis_order="descending"):
    """:func:`frames` for a torch batch (no gradient through the frames): (F, origin, det)."""
    F, c, det = frames(x.detach().cpu().double().numpy(), group, schema, axis_order)
    import torch
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a)).to(x.device)  # noqa: E731
    return t(F), t(c), t(det)


def canonicalize_torch(x, F, origin, det, schema=None):
    """x (B, N, C) -> (B, K, N, C) float32, differentiable in x."""
    import torch
    B, N, C = x.shape
    K, d = F.shape[1], F.shape[-1]
    fields = dict((off, kind) for kind, off in (schema or POINTS))
    xd, parts, ch = x.double(), [], 0
    while ch < C:
        kind = fields.get(ch)
        if kind is None:
            parts.append(xd[:, None, :, ch:ch + 1].expand(B, K, N, 1))
            ch += 1
            continue
        v = xd[:, None, :, ch:ch + d].expand(B, K, N, d)
        if kind == "pos":
            v = v - origin[:, None, None, :]
        if kind == "axial" and d == 2:
            y = v * det[:, :, None, None]
        else:
            y = torch.einsum("bkni,bkij->bknj", v, F)
            if kind == "axial":
                y = y * det[:, :, None, None]
        parts.append(y)
        ch += d
    return torch.cat(parts, -1).float()


def average_torch(model, x, schema, group, outputs=(("invariant", None),),
                  sample_frame=False, generator=None, axis_order="descending"):
    """Frame-averaged ``model`` outputs on raw ``x`` (B, N, C), differentiable in the model.
    ``sample_frame=True``: one random member of each sample's set (stochastic frame
    averaging, the usual training mode) instead of the full average."""
    import torch
    F, c, det = frames_torch(x, group, schema, axis_order)
    B, K = F.shape[:2]
    if sample_frame:
        idx = torch.randint(0, K, (B,), generator=generator).to(x.device)
        F, det = F[torch.arange(B), idx][:, None], det[torch.arange(B), idx][:, None]
        K = 1
    xc = canonicalize_torch(x, F, c, det, schema)
    y = model(xc.reshape(B * K, *xc.shape[2:])).reshape(B, K, -1)
    return _map_back(y, F, c, outputs, torch).mean(1)


def random_rotations(n, rng, reflections=False):
    """``n`` uniform random 3D rotations (n, 3, 3); with reflections, half get det -1."""
    q = rng.normal(size=(n, 4))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    w, a, b, c = q.T
    R = np.stack([
        np.stack([1 - 2 * (b * b + c * c), 2 * (a * b - w * c), 2 * (a * c + w * b)], -1),
        np.stack([2 * (a * b + w * c), 1 - 2 * (a * a + c * c), 2 * (b * c - w * a)], -1),
        np.stack([2 * (a * c - w * b), 2 * (b * c + w * a), 1 - 2 * (a * a + b * b)], -1),
    ], -2)
    if reflections:
        flip = rng.random(n) < 0.5
        R[flip] = R[flip] @ np.diag([1.0, 1.0, -1.0])
    return R


def transform(x, schema, R, t=None):
    """Applies ``x -> R x`` (+ ``t`` for positions) to every geometric field of ``x``
    (B, N, C), R (B, 3, 3); axial vectors get ``det(R) R w``."""
    x = np.array(x, dtype=np.float64)
    det = np.linalg.det(R)
    for kind, off in schema:
        v = x[..., off:off + 3] @ np.swapaxes(R, 1, 2)
        if kind == "axial":
            v = v * det[:, None, None]
        if kind == "pos" and t is not None:
            v = v + t[:, None, :]
        x[..., off:off + 3] = v
    return x.astype(np.float32)

"""Frame averaging exactly as the equiframe core does it, in numpy and in torch.

Conventions (src/frame/schema.rs, src/frame/set.rs, docs/FORMAT.md):
- A sample is (N, C), channels last. A schema is a list of (kind, first_channel) with kind in
  {"pos", "vec", "axial"}; uncovered channels are scalars (copied unchanged).
- Frame source: the first "pos" field, centred (origin = mean, scatter sum (x-c)(x-c)^T);
  without one, the first "vec" field, UNCENTRED (origin 0, second moment sum v v^T): an IMU
  window's frame comes from the accelerometer alone, gravity kept.
- Axes: eigenvectors of the scatter matrix, eigenvalues descending.
- O(3): all 8 sign patterns of (e0, e1, e2); det = s0 s1 s2 det E.
  SO(3): (s0 e0, s1 e1, (s0 e0) x (s1 e1)), 4 frames, det +1.
- Canonical coordinates, with F the matrix whose COLUMNS are the axes:
  positions (x - c) @ F, vectors v @ F, axial vectors det(F) * (w @ F), scalars unchanged.
- Outputs per frame y are mapped back (invariant: y; vector: y @ F^T) and averaged.
"""

import numpy as np

IMU_SCHEMA = [("vec", 0), ("axial", 3)]
POINTS_SCHEMA = [("pos", 0)]


def _source(schema):
    for kind in ("pos", "vec", "axial"):
        for k, off in schema:
            if k == kind:
                return off, kind == "pos"
    raise ValueError("schema has no geometric field")


def frames_np(x, schema, group):
    """Frames of a batch x (B, N, C): returns F (B, K, 3, 3) (columns = axes), origin (B, 3),
    det (B, K). Computed in float64."""
    x = np.asarray(x, dtype=np.float64)
    off, centred = _source(schema)
    p = x[:, :, off:off + 3]
    c = p.mean(axis=1) if centred else np.zeros((x.shape[0], 3))
    d = p - c[:, None, :]
    s = np.einsum("bni,bnj->bij", d, d)
    _, vec = np.linalg.eigh(s)  # ascending
    e = vec[:, :, ::-1]  # columns e0, e1, e2 descending
    return _sign_frames(e, group, np) + (c,)


def _sign_frames(e, group, xp):
    """e (B, 3, 3) columns = base axes. Returns (F (B, K, 3, 3), det (B, K))."""
    e0, e1, e2 = e[:, :, 0], e[:, :, 1], e[:, :, 2]
    fs, ds = [], []
    if group == "so3":
        for mask in range(4):
            s0 = -1.0 if mask & 1 else 1.0
            s1 = -1.0 if mask & 2 else 1.0
            a0, a1 = s0 * e0, s1 * e1
            a2 = xp.cross(a0, a1) if xp is np else xp.linalg.cross(a0, a1)
            a2 = a2 / _norm(a2, xp)
            fs.append(xp.stack([a0, a1, a2], -1))
            ds.append(xp.ones(e.shape[0], dtype=e.dtype) if xp is np
                      else xp.ones(e.shape[0], dtype=e.dtype, device=e.device))
    elif group == "o3":
        dete = xp.sign(xp.linalg.det(e))
        dete = xp.where(dete == 0, 1.0, dete)
        for mask in range(8):
            s = [-1.0 if mask >> b & 1 else 1.0 for b in range(3)]
            fs.append(xp.stack([s[0] * e0, s[1] * e1, s[2] * e2], -1))
            ds.append(dete * s[0] * s[1] * s[2])
    else:
        raise ValueError(group)
    return xp.stack(fs, 1), xp.stack(ds, 1)


def _norm(v, xp):
    if xp is np:
        return np.linalg.norm(v, axis=-1, keepdims=True)
    return xp.linalg.norm(v, dim=-1, keepdim=True)


def canonicalize_np(x, schema, F, c, det):
    """All frames of a batch: x (B, N, C) -> (B, K, N, C) float32."""
    x = np.asarray(x, dtype=np.float64)
    B, N, C = x.shape
    K = F.shape[1]
    out = np.repeat(x[:, None], K, axis=1)
    for kind, off in schema:
        v = x[:, None, :, off:off + 3]
        if kind == "pos":
            v = v - c[:, None, None, :]
        y = np.einsum("bkni,bkij->bknj", np.broadcast_to(v, (B, K, N, 3)), F)
        if kind == "axial":
            y = y * det[:, :, None, None]
        out[..., off:off + 3] = y
    return out.astype(np.float32)


def average_np(backbone, x, schema, group, outputs=(("invariant", None),)):
    """Frame-averaged outputs of `backbone` (a function (M, N, C) float32 -> (M, K) float32)
    on raw inputs x (B, N, C). `outputs`: list of (kind, length) tiling the output; kind is
    "invariant" or "vector" (length 3, mapped back by F y)."""
    F, det, c = frames_np(x, schema, group)
    xc = canonicalize_np(x, schema, F, c, det)
    B, K = F.shape[:2]
    y = np.asarray(backbone(xc.reshape(B * K, *xc.shape[2:])), dtype=np.float64)
    y = y.reshape(B, K, -1)
    start = 0
    res = y.copy()
    for kind, n in outputs:
        if kind == "vector":
            res[..., start:start + 3] = np.einsum("bkij,bkj->bki", F, y[..., start:start + 3])
            start += 3
        else:
            start = y.shape[-1] if n is None else start + n
    return res.mean(axis=1).astype(np.float32)


def frames_torch(x, schema, group):
    """Torch twin of frames_np (no gradient through the frames)."""
    import torch
    with torch.no_grad():
        xd = x.double()
        off, centred = _source(schema)
        p = xd[:, :, off:off + 3]
        c = p.mean(1) if centred else torch.zeros(x.shape[0], 3, dtype=xd.dtype)
        d = p - c[:, None, :]
        s = torch.einsum("bni,bnj->bij", d, d)
        _, vec = torch.linalg.eigh(s)
        e = torch.flip(vec, dims=[2])
        F, det = _sign_frames(e, group, torch)
    return F, det, c


def canonicalize_torch(x, schema, F, c, det):
    """x (B, N, C) -> (B, K, N, C) float32, differentiable in x."""
    import torch
    B, N, C = x.shape
    K = F.shape[1]
    xd = x.double()
    parts = []
    covered = {}
    for kind, off in schema:
        covered[off] = kind
    ch = 0
    while ch < C:
        if ch in covered:
            kind = covered[ch]
            v = xd[:, None, :, ch:ch + 3].expand(B, K, N, 3)
            if kind == "pos":
                v = v - c[:, None, None, :]
            y = torch.einsum("bkni,bkij->bknj", v, F)
            if kind == "axial":
                y = y * det[:, :, None, None]
            parts.append(y)
            ch += 3
        else:
            parts.append(xd[:, None, :, ch:ch + 1].expand(B, K, N, 1))
            ch += 1
    return torch.cat(parts, -1).float()


def average_torch(model, x, schema, group, vector_out=False, sample_frame=False, gen=None):
    """Frame-averaged model outputs on raw x (B, N, C). With vector_out the whole output is a
    3-vector mapped back by F y. sample_frame: one random member of the set per sample
    (stochastic frame averaging) instead of the full average."""
    import torch
    F, det, c = frames_torch(x, schema, group)
    B, K = F.shape[:2]
    if sample_frame:
        idx = torch.randint(0, K, (B,), generator=gen)
        F = F[torch.arange(B), idx][:, None]
        det = det[torch.arange(B), idx][:, None]
        K = 1
    xc = canonicalize_torch(x, schema, F, c, det)
    y = model(xc.reshape(B * K, *xc.shape[2:])).reshape(B, K, -1)
    if vector_out:
        y = torch.einsum("bkij,bkj->bki", F.float(), y)
    return y.mean(1)


def random_rotations(n, rng, reflections=False):
    """n uniform random rotations (n, 3, 3); with reflections, half get det -1."""
    q = rng.normal(size=(n, 4))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    w, x, y, z = q.T
    R = np.stack([
        np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], -1),
        np.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], -1),
        np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], -1),
    ], -2)
    if reflections:
        flip = rng.random(n) < 0.5
        R[flip] = R[flip] @ np.diag([1.0, 1.0, -1.0])
    return R


def transform_np(x, schema, R, t=None):
    """Applies x -> R x (+ t for positions) to every geometric field of x (B, N, C); R (B, 3, 3).
    Axial vectors get det(R) R w."""
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

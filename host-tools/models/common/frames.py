"""The shipped training scripts' frame helpers: thin wrappers, with the scripts' argument
order, around the documented module host-tools/python/equiframe_frames (the engine's frames
in numpy and torch). New code should import equiframe_frames directly."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))

import equiframe_frames as ef  # noqa: E402

IMU_SCHEMA = ef.IMU
POINTS_SCHEMA = ef.POINTS
random_rotations = ef.random_rotations
transform_np = ef.transform


def frames_np(x, schema, group):
    """(F (B, K, 3, 3), det (B, K), origin (B, 3)) of a batch (B, N, C), float64."""
    F, c, det = ef.frames(x, group, schema)
    return F, det, c


def canonicalize_np(x, schema, F, c, det):
    """All frames of a batch: x (B, N, C) -> (B, K, N, C) float32."""
    return ef.canonicalize(x, F, c, det, schema)


def average_np(backbone, x, schema, group, outputs=(("invariant", None),)):
    """Frame-averaged outputs of `backbone` on raw inputs x (B, N, C)."""
    return ef.average(backbone, x, group, schema, outputs)


def frames_torch(x, schema, group):
    """(F, det, origin) of a torch batch, no gradient through the frames."""
    F, c, det = ef.frames_torch(x, group, schema)
    return F, det, c


def canonicalize_torch(x, schema, F, c, det):
    """x (B, N, C) -> (B, K, N, C) float32, differentiable in x."""
    return ef.canonicalize_torch(x, F, c, det, schema)


def average_torch(model, x, schema, group, vector_out=False, sample_frame=False, gen=None):
    """Frame-averaged model outputs on raw x; vector_out: the whole output is a 3-vector."""
    outputs = (("vector", 3),) if vector_out else (("invariant", None),)
    return ef.average_torch(model, x, schema, group, outputs, sample_frame, gen)

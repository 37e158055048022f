"""Backbones built only from ops the converter maps onto the blob's kernels: Conv (1D),
MatMul/Gemm, Relu, ReduceMax over points / time, Reshape/Transpose."""

import torch
from torch import nn


class ConvNet(nn.Module):
    """Time-series backbone: Conv1d stack (ReLU) -> max over time -> MLP head.
    Input (B, N, C) channels last. `in_scale` (C,) multiplies the input channels; it is folded
    into the first convolution by `fold_scale()` before export."""

    def __init__(self, c_in, convs, head, out, in_scale=None):
        super().__init__()
        layers, c = [], c_in
        for c_out, k, stride in convs:
            layers.append(nn.Conv1d(c, c_out, k, stride=stride, padding=k // 2))
            c = c_out
        self.convs = nn.ModuleList(layers)
        fcs = []
        for h in head:
            fcs.append(nn.Linear(c, h))
            c = h
        self.fcs = nn.ModuleList(fcs)
        self.out = nn.Linear(c, out)
        scale = torch.ones(c_in) if in_scale is None else torch.as_tensor(in_scale).float()
        self.register_buffer("in_scale", scale)

    def forward(self, x):
        h = (x * self.in_scale).transpose(1, 2) if self.in_scale is not None else x.transpose(1, 2)
        for conv in self.convs:
            h = torch.relu(conv(h))
        h = torch.amax(h, dim=2)
        for fc in self.fcs:
            h = torch.relu(fc(h))
        return self.out(h)

    @torch.no_grad()
    def fold_scale(self):
        """Moves the input scale into the first convolution's weights (exactly)."""
        self.convs[0].weight.mul_(self.in_scale[None, :, None])
        self.in_scale = None


class PointNet(nn.Module):
    """Point-set backbone: shared per-point MLP (ReLU) -> max over points -> MLP head.
    `in_scale` is folded into the first layer by `fold_scale()`."""

    def __init__(self, c_in, widths, head, out, in_scale=1.0):
        super().__init__()
        pts, c = [], c_in
        for w in widths:
            pts.append(nn.Linear(c, w))
            c = w
        self.pts = nn.ModuleList(pts)
        fcs = []
        for h in head:
            fcs.append(nn.Linear(c, h))
            c = h
        self.fcs = nn.ModuleList(fcs)
        self.out = nn.Linear(c, out)
        self.in_scale = in_scale

    def forward(self, x):
        h = x * self.in_scale if self.in_scale is not None else x
        for layer in self.pts:
            h = torch.relu(layer(h))
        h = torch.amax(h, dim=1)
        for fc in self.fcs:
            h = torch.relu(fc(h))
        return self.out(h)

    @torch.no_grad()
    def fold_scale(self):
        """Moves the input scale into the first layer's weights (exactly)."""
        self.pts[0].weight.mul_(self.in_scale)
        self.in_scale = None

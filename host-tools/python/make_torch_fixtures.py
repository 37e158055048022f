#!/usr/bin/env python3
"""Writes the PyTorch-export fixtures: small networks written the usual way in PyTorch, each
exported with the real exporters (TorchScript, `dynamo=False`, and the default dynamo export),
with torch's own outputs beside them.

Needs torch, onnx, onnxscript (a throwaway venv outside the repository; CI only reads the
committed files):
    python3 -m venv /tmp/venv-torch && /tmp/venv-torch/bin/pip install torch onnx onnxscript numpy
    /tmp/venv-torch/bin/python host-tools/python/make_torch_fixtures.py [NET ...]
(with NET names, only those nets are rewritten and the manifest keeps the others)

Writes host-tools/tests/fixtures/torch/:
  NET.input.npy     float32 (B, N, C) rows, as `equiframe run` takes them (channels-first nets
                    get the transpose inside the script, not in the file)
  NET.output.npy    float32 (B, K): torch's outputs (several outputs concatenated in order)
  NET.VARIANT.onnx  the export (dynamo: weights in NET.VARIANT.onnx.data when large enough)
  manifest.json     one entry per export: net, variant, exporter, opset, batch, layout, and
                    `needs` ("" when it must convert, "refused: LSTM" / "refused: GRU")
Variants: ts (TorchScript, dynamic batch, opset 17), ts1 (TorchScript, batch 1), ts11 / ts12
(opsets 11, 12), dy (the default `torch.onnx.export(model, (x,), path)`: dynamo, batch 1),
dyb (dynamo, dynamic batch), dy24 (dynamo, opset 24).
"""

import json
import os
import sys
import warnings

import numpy as np
import torch
from torch import nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "torch")
B = 4
warnings.filterwarnings("ignore")


def bn(c):
    """A BatchNorm1d with non-trivial running statistics (so folding is visible)."""
    m = nn.BatchNorm1d(c)
    with torch.no_grad():
        m.running_mean.uniform_(-0.5, 0.5)
        m.running_var.uniform_(0.5, 2.0)
        m.weight.uniform_(0.5, 1.5)
        m.bias.uniform_(-0.2, 0.2)
    return m


class PnLinearBn(nn.Module):
    """PointNet with per-point Linear + BatchNorm1d (through the transposes), BN in the head."""
    def __init__(self):
        super().__init__()
        self.fc1, self.bn1 = nn.Linear(3, 32), bn(32)
        self.fc2, self.bn2 = nn.Linear(32, 64), bn(64)
        self.fc3, self.bn3 = nn.Linear(64, 32), bn(32)
        self.out = nn.Linear(32, 5)

    def forward(self, x):
        h = torch.relu(self.bn1(self.fc1(x).transpose(1, 2)).transpose(1, 2))
        h = torch.relu(self.bn2(self.fc2(h).transpose(1, 2)).transpose(1, 2))
        g = h.max(dim=1)[0]
        return self.out(torch.relu(self.bn3(self.fc3(g))))


class PnConvBnCf(nn.Module):
    """The classic PointNet: (B, 3, N) input, Conv1d + BN, Linear + BN head."""
    cf = True

    def __init__(self):
        super().__init__()
        self.c1, self.b1 = nn.Conv1d(3, 32, 1), bn(32)
        self.c2, self.b2 = nn.Conv1d(32, 64, 1), bn(64)
        self.fc, self.bf = nn.Linear(64, 32), bn(32)
        self.out = nn.Linear(32, 5)

    def forward(self, x):
        h = torch.relu(self.b1(self.c1(x)))
        h = torch.relu(self.b2(self.c2(h)))
        g = torch.max(h, 2, keepdim=True)[0].view(-1, 64)
        return self.out(torch.relu(self.bf(self.fc(g))))


class PnBnAfterRelu(nn.Module):
    """BatchNorm after the activation: folded forward into the next Linear."""
    def __init__(self):
        super().__init__()
        self.fc1, self.bn1 = nn.Linear(3, 32), bn(32)
        self.fc2 = nn.Linear(32, 64)
        self.out = nn.Linear(64, 4)

    def forward(self, x):
        h = self.bn1(torch.relu(self.fc1(x)).transpose(1, 2)).transpose(1, 2)
        h = torch.relu(self.fc2(h))
        return self.out(h.max(dim=1)[0])


class ImuConvBn(nn.Module):
    """IMU window (B, 32, 6): Conv1d + BN + ReLU, MaxPool1d, Conv1d + BN, mean over time."""
    n = 32

    def __init__(self):
        super().__init__()
        self.c1, self.b1 = nn.Conv1d(6, 16, 5, padding=2), bn(16)
        self.pool = nn.MaxPool1d(2)
        self.c2, self.b2 = nn.Conv1d(16, 32, 3), bn(32)
        self.out = nn.Linear(32, 4)

    def forward(self, x):
        h = x.transpose(1, 2)
        h = self.pool(torch.relu(self.b1(self.c1(h))))
        h = torch.relu(self.b2(self.c2(h)))
        return self.out(h.mean(dim=2))


class ImuPoolLen1(nn.Module):
    """A max pool over the whole remaining window (length 1), then Flatten / Squeeze."""
    n = 16

    def __init__(self, squeeze=False):
        super().__init__()
        self.squeeze = squeeze
        self.c1 = nn.Conv1d(6, 16, 3)
        self.pool = nn.MaxPool1d(14)
        self.out = nn.Linear(16, 3)

    def forward(self, x):
        h = self.pool(torch.relu(self.c1(x.transpose(1, 2))))
        h = h.squeeze(-1) if self.squeeze else torch.flatten(h, 1)
        return self.out(h)


class TwoHeads(nn.Module):
    """Two graph outputs: class logits and a vector."""
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(3, 32), nn.Linear(32, 64)
        self.cls, self.vec = nn.Linear(64, 4), nn.Linear(64, 3)

    def forward(self, x):
        g = torch.relu(self.fc2(torch.relu(self.fc1(x)))).max(dim=1)[0]
        return self.cls(g), self.vec(g)


class GravityImu(nn.Module):
    """A gravity regressor: IMU window to a 3-vector."""
    n = 32

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv1d(6, 16, 3, stride=2, padding=1)
        self.c2 = nn.Conv1d(16, 32, 3, padding=1)
        self.head = nn.Linear(32, 3)

    def forward(self, x):
        h = torch.relu(self.c1(x.transpose(1, 2)))
        h = torch.relu(self.c2(h))
        return self.head(h.amax(dim=2))


class Act(nn.Module):
    """A PointNet with one of the common activations between its layers."""
    def __init__(self, act):
        super().__init__()
        self.fc1, self.act1, self.fc2 = nn.Linear(3, 32), act, nn.Linear(32, 64)
        self.out = nn.Linear(64, 4)

    def forward(self, x):
        h = torch.relu(self.fc2(self.act1(self.fc1(x))))
        return self.out(h.max(dim=1)[0])


class Head(nn.Module):
    """A PointNet whose output goes through `fn` (softmax / log-softmax)."""
    def __init__(self, fn):
        super().__init__()
        self.fn = fn
        self.fc1, self.fc2, self.out = nn.Linear(3, 32), nn.Linear(32, 64), nn.Linear(64, 4)

    def forward(self, x):
        h = torch.relu(self.fc2(torch.relu(self.fc1(x))))
        return self.fn(self.out(h.max(dim=1)[0]))


class LayerNormNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.ln, self.fc2 = nn.Linear(3, 32), nn.LayerNorm(32), nn.Linear(32, 64)
        self.out = nn.Linear(64, 4)

    def forward(self, x):
        h = torch.relu(self.ln(self.fc1(x)))
        return self.out(torch.relu(self.fc2(h)).max(dim=1)[0])


class NormFeature(nn.Module):
    """Invariant features inside the model: per-point norms (x.norm, Sqrt(ReduceSum(x*x)), Pow)."""
    def __init__(self, how):
        super().__init__()
        self.how = how
        self.fc1, self.fc2, self.out = nn.Linear(4, 32), nn.Linear(32, 64), nn.Linear(64, 4)

    def forward(self, x):
        if self.how == "norm":
            r = x.norm(dim=-1, keepdim=True)
        elif self.how == "slice":
            r = x[..., :2].norm(dim=-1, keepdim=True)
        elif self.how == "sqrt":
            r = torch.sqrt((x * x).sum(dim=-1, keepdim=True))
        else:
            r = x.pow(2).sum(dim=-1, keepdim=True)
        h = torch.relu(self.fc2(torch.relu(self.fc1(torch.cat([x, r], dim=-1)))))
        return self.out(h.max(dim=1)[0])


class Centred(nn.Module):
    """Centring and input scaling inside the model."""
    def __init__(self, scale=False):
        super().__init__()
        self.scale = scale
        self.fc1, self.fc2, self.out = nn.Linear(3, 32), nn.Linear(32, 64), nn.Linear(64, 4)

    def forward(self, x):
        x = x * 0.1 if self.scale else x - x.mean(dim=1, keepdim=True)
        h = torch.relu(self.fc2(torch.relu(self.fc1(x))))
        return self.out(h.max(dim=1)[0])


class ImuVariant(nn.Module):
    """IMU Conv1d nets with AveragePool1d, grouped/depthwise/dilated/'same' convolutions, a
    Conv -> Flatten -> Linear head, or the last time step."""
    n = 32

    def __init__(self, kind):
        super().__init__()
        self.kind = kind
        self.c1 = nn.Conv1d(6, 16, 3, padding=1)
        if kind == "depthwise":
            self.c2 = nn.Conv1d(16, 16, 3, padding=1, groups=16)
        elif kind == "grouped":
            self.c2 = nn.Conv1d(16, 32, 3, padding=1, groups=4)
        elif kind == "dilated":
            self.c2 = nn.Conv1d(16, 32, 3, padding=2, dilation=2)
        elif kind == "same":
            self.c2 = nn.Conv1d(16, 32, 4, padding="same")
        else:
            self.c2 = nn.Conv1d(16, 32, 3, padding=1)
        self.pool = nn.AvgPool1d(2)
        cout = 16 if kind == "depthwise" else 32
        self.out = nn.Linear(cout * (8 if kind == "flatten" else 1), 4)
        if kind == "flatten":
            self.c3 = nn.Conv1d(32, 32, 4, stride=4)

    def forward(self, x):
        h = torch.relu(self.c1(x.transpose(1, 2)))
        if self.kind == "avgpool":
            h = self.pool(h)
        h = torch.relu(self.c2(h))
        if self.kind == "flatten":
            return self.out(torch.flatten(torch.relu(self.c3(h)), 1))
        if self.kind == "last":
            return self.out(h[:, :, -1])
        return self.out(h.mean(dim=2))


class Recurrent(nn.Module):
    n = 32

    def __init__(self, cell):
        super().__init__()
        self.rnn = cell(6, 16, batch_first=True)
        self.out = nn.Linear(16, 4)

    def forward(self, x):
        h, _ = self.rnn(x)
        return self.out(h[:, -1])


# (name, module, points, channels, needs): `needs` is "" for a net the converter must take,
# or "refused: KIND" for one it must refuse naming KIND.
NETS = [
    ("pn_linear_bn", PnLinearBn(), 32, 3, ""),
    ("pn_conv_bn_cf", PnConvBnCf(), 32, 3, ""),
    ("pn_bn_after_relu", PnBnAfterRelu(), 32, 3, ""),
    ("imu_conv_bn", ImuConvBn(), 32, 6, ""),
    ("imu_pool_len1", ImuPoolLen1(), 16, 6, ""),
    ("imu_pool_len1_squeeze", ImuPoolLen1(squeeze=True), 16, 6, ""),
    ("two_heads", TwoHeads(), 32, 3, ""),
    ("gravity_imu", GravityImu(), 32, 6, ""),
    ("act_sigmoid", Act(nn.Sigmoid()), 32, 3, ""),
    ("act_tanh", Act(nn.Tanh()), 32, 3, ""),
    ("act_gelu", Act(nn.GELU()), 32, 3, ""),
    ("act_gelu_tanh", Act(nn.GELU(approximate="tanh")), 32, 3, ""),
    ("act_silu", Act(nn.SiLU()), 32, 3, ""),
    ("act_elu", Act(nn.ELU()), 32, 3, ""),
    ("act_hardswish", Act(nn.Hardswish()), 32, 3, ""),
    ("head_softmax", Head(lambda t: torch.softmax(t, dim=-1)), 32, 3, ""),
    ("head_log_softmax", Head(lambda t: torch.log_softmax(t, dim=-1)), 32, 3, ""),
    ("layernorm", LayerNormNet(), 32, 3, ""),
    ("norm_feature", NormFeature("norm"), 32, 3, ""),
    ("norm_sqrt_sum", NormFeature("sqrt"), 32, 3, ""),
    ("norm_pow", NormFeature("pow"), 32, 3, ""),
    ("norm_slice", NormFeature("slice"), 32, 3, ""),
    ("centred", Centred(), 32, 3, ""),
    ("input_scale", Centred(scale=True), 32, 3, ""),
    ("imu_avgpool", ImuVariant("avgpool"), 32, 6, ""),
    ("imu_depthwise", ImuVariant("depthwise"), 32, 6, ""),
    ("imu_grouped", ImuVariant("grouped"), 32, 6, ""),
    ("imu_dilated", ImuVariant("dilated"), 32, 6, ""),
    ("imu_same", ImuVariant("same"), 32, 6, ""),
    ("imu_flatten_head", ImuVariant("flatten"), 32, 6, ""),
    ("imu_last_step", ImuVariant("last"), 32, 6, ""),
    ("imu_lstm", Recurrent(nn.LSTM), 32, 6, "refused: LSTM"),
    ("imu_gru", Recurrent(nn.GRU), 32, 6, "refused: GRU"),
]
# Extra export variants of some nets (every net gets ts and dy).
EXTRA = {
    "pn_linear_bn": ["ts1", "ts11", "ts12", "dyb", "dy24"],
    "pn_conv_bn_cf": ["ts1", "ts11", "dyb"],
    "imu_conv_bn": ["ts1", "ts11", "dy24"],
    "two_heads": ["ts1"],
}


def export(model, x, path, variant, names_out):
    dyn_axes = {"x": {0: "batch"}, **{o: {0: "batch"} for o in names_out}}
    if variant.startswith("ts"):
        opset = {"ts": 17, "ts1": 17, "ts11": 11, "ts12": 12}[variant]
        torch.onnx.export(model, (x,), path, dynamo=False, opset_version=opset,
                          input_names=["x"], output_names=names_out,
                          dynamic_axes=None if variant == "ts1" else dyn_axes)
        return opset
    if variant == "dy":
        torch.onnx.export(model, (x,), path)  # the default call
    elif variant == "dyb":
        torch.onnx.export(model, (x[:2],), path, input_names=["x"], output_names=names_out,
                          dynamic_shapes={"x": {0: torch.export.Dim("batch", min=1)}})
    elif variant == "dy24":
        torch.onnx.export(model, (x,), path, opset_version=24)
    import onnx
    m = onnx.load(path, load_external_data=False)
    return next(o.version for o in m.opset_import if o.domain in ("", "ai.onnx"))


def main():
    os.makedirs(OUT, exist_ok=True)
    only = set(sys.argv[1:])
    torch.manual_seed(20261204)
    manifest = []
    for name, model, n, c, needs in NETS:
        if only and name not in only:
            continue
        model.eval()
        cf = getattr(model, "cf", False)
        rows = torch.randn(B, n, c) * torch.tensor([1.0, 0.6, 0.3] * (c // 3))[None, None, :]
        x = rows.transpose(1, 2).contiguous() if cf else rows
        with torch.no_grad():
            y = model(x)
        ys = y if isinstance(y, tuple) else (y,)
        names_out = [f"y{i}" for i in range(len(ys))] if len(ys) > 1 else ["y"]
        np.save(os.path.join(OUT, f"{name}.input.npy"), rows.numpy().astype(np.float32))
        np.save(os.path.join(OUT, f"{name}.output.npy"),
                np.concatenate([t.reshape(B, -1).numpy() for t in ys], 1).astype(np.float32))
        for variant in ["ts", "dy"] + EXTRA.get(name, []):
            path = os.path.join(OUT, f"{name}.{variant}.onnx")
            for old in (path, path + ".data"):
                if os.path.exists(old):
                    os.remove(old)
            one = x[:1]
            try:
                opset = export(model, one if variant in ("dy", "ts1", "dy24") else x, path,
                               variant, names_out)
            except Exception as e:  # an exporter that cannot export the net is recorded
                print(f"{name}.{variant}: export failed: {type(e).__name__}: {str(e)[:200]}")
                continue
            manifest.append({
                "file": f"{name}.{variant}.onnx", "net": name, "variant": variant,
                "exporter": "torchscript" if variant.startswith("ts") else "dynamo",
                "opset": opset, "batch": 1 if variant in ("dy", "ts1", "dy24") else "dynamic",
                "layout": "(B,C,N)" if cf else "(B,N,C)", "needs": needs,
            })
            print(f"{name}.{variant}: opset {opset}", flush=True)
    path = os.path.join(OUT, "manifest.json")
    if only and os.path.exists(path):  # regenerating some nets: keep the others' entries
        with open(path) as f:
            kept = [e for e in json.load(f)["fixtures"] if e["net"] not in only]
        order = [n for n, *_ in NETS]
        manifest = sorted(kept + manifest, key=lambda e: order.index(e["net"]))
    with open(path, "w") as f:
        json.dump({"torch": torch.__version__, "fixtures": manifest}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Golden vectors for equiframe's int8 kernels (tests/golden/).

Two sources of truth, cross-checked against each other:

1. A transcription of TFLite Micro's integer rounding functions in Python integers
   (SaturatingRoundingDoublingHighMul, RoundingDivideByPOT, MultiplyByQuantizedMultiplier with
   double rounding, QuantizeMultiplier). Used for the MultiplyByQuantizedMultiplier and
   QuantizeMultiplier vectors (needs only the standard library).
2. The TFLite Micro interpreter itself (pip package `tflite-micro`, x86 build of the reference
   kernels): small int8 .tflite models are built in memory with its model editor, run, and the
   outputs recorded for FULLY_CONNECTED, CONV_2D (1 x n images: pointwise and k > 1 with
   stride and SAME/VALID padding), ADD, MEAN, SUM, REDUCE_MAX, LEAKY_RELU, QUANTIZE
   (int8 -> int8), CONCATENATION, AVERAGE_POOL_2D and MAX_POOL_2D (1 x n windows). Every FULLY_CONNECTED output is also recomputed with
   the transcription and must agree (the script aborts otherwise).

Usage:  python3 -m venv /tmp/tflm && /tmp/tflm/bin/pip install tflite-micro numpy
        /tmp/tflm/bin/python host-tools/python/golden_requant.py tests/golden
Deterministic: SEED below; re-running reproduces the committed files byte for byte.

File formats (all little-endian / plain text, parsed by tests/kernels_golden.rs):
- mbqm_edge.txt: `x multiplier shift expected` per line (edge cases, exhaustive product).
- mbqm_blocks.txt: `block_index fnv1a64_hex` per line; block b holds cases
  MBQM_BLOCK*b .. MBQM_BLOCK*(b+1) of the splitmix64 case stream `mbqm_case` (reimplemented in
  the Rust test), hashed as FNV-1a 64 over the expected outputs' little-endian i32 bytes.
- quantize_multiplier.txt: `f64_bits_hex multiplier shift` per line.
- tflm_ops.txt: blocks `case OP` ... `end`, each line `key values...`; float scales are
  written as the f32 bit pattern in hex (`f32:3d4ccccd`).
"""

import math
import os
import struct
import sys

SEED = 20261128
MBQM_BLOCKS = 128
MBQM_BLOCK = 1024
INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1


def to_i32(v):
    """Two's-complement wrap to int32 (what the C++ int32 arithmetic does on overflow)."""
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def c_div(a, b):
    """C++ integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def srdhm(a, b):
    """gemmlowp SaturatingRoundingDoublingHighMul."""
    if a == b == INT32_MIN:
        return INT32_MAX
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
    return to_i32(c_div(ab + nudge, 1 << 31))


def rdbpot(x, exponent):
    """gemmlowp RoundingDivideByPOT (exponent in 0..=31)."""
    assert 0 <= exponent <= 31
    mask = (1 << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return to_i32((x >> exponent) + (1 if remainder > threshold else 0))


def mbqm(x, multiplier, shift):
    """TFLite Micro MultiplyByQuantizedMultiplier (default, double rounding)."""
    left = shift if shift > 0 else 0
    right = 0 if shift > 0 else -shift
    return rdbpot(srdhm(to_i32(x * (1 << left)), multiplier), right)


def tflite_round(v):
    """std::round: halfway cases away from zero."""
    r = math.floor(abs(v) + 0.5)
    return int(math.copysign(r, v))


def quantize_multiplier(d):
    """TFLite Micro QuantizeMultiplier(double) -> (multiplier, shift)."""
    if d == 0.0:
        return 0, 0
    q, shift = math.frexp(d)
    q_fixed = tflite_round(q * (1 << 31))
    assert q_fixed <= (1 << 31)
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if shift < -31:
        shift = 0
        q_fixed = 0
    return q_fixed, shift


class SplitMix64:
    """splitmix64, reimplemented bit for bit in tests/kernels_golden.rs."""

    def __init__(self, seed):
        self.s = seed & 0xFFFFFFFFFFFFFFFF

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
        return z ^ (z >> 31)


EDGE_X = [INT32_MIN, INT32_MIN + 1, -(1 << 30), -65536, -257, -2, -1, 0, 1, 2, 3, 255,
          65535, (1 << 24) + 1, (1 << 30) - 1, 1 << 30, INT32_MAX - 1, INT32_MAX]
EDGE_M = [0, 1, -1, 1 << 30, (1 << 30) + 1, INT32_MAX, INT32_MIN, INT32_MIN + 1, 1518500250,
          -(1 << 30), (1 << 30) - 1]


def mbqm_case(rng):
    """One (x, multiplier, shift) of the random stream; mirrored in Rust."""
    r1, r2, r3 = rng.next(), rng.next(), rng.next()
    if r1 & 7 == 0:
        x = EDGE_X[(r1 >> 8) % len(EDGE_X)]
    else:
        x = to_i32(r1 >> 32) >> ((r1 >> 3) & 31)
    sel = r2 & 3
    if sel == 0:
        m = EDGE_M[(r2 >> 8) % len(EDGE_M)]
    elif sel == 1:
        m = to_i32(r2 >> 32)
    else:
        m = (1 << 30) + ((r2 >> 33) & ((1 << 30) - 1))
        if (r2 >> 2) & 1:
            m = -m
    shift = -31 + (r3 % 39)
    return x, m, shift


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def write_requant_vectors(out):
    with open(os.path.join(out, "mbqm_edge.txt"), "w") as f:
        f.write("# x multiplier shift expected  (TFLite Micro MultiplyByQuantizedMultiplier)\n")
        for x in EDGE_X:
            for m in EDGE_M:
                for s in range(-31, 8):
                    f.write(f"{x} {m} {s} {mbqm(x, m, s)}\n")
    rng = SplitMix64(SEED)
    with open(os.path.join(out, "mbqm_blocks.txt"), "w") as f:
        f.write(f"# seed {SEED} block {MBQM_BLOCK}: block fnv1a64(outputs as i32 le)\n")
        for b in range(MBQM_BLOCKS):
            outs = bytearray()
            for _ in range(MBQM_BLOCK):
                x, m, s = mbqm_case(rng)
                outs += struct.pack("<i", mbqm(x, m, s))
            f.write(f"{b} {fnv1a64(outs):016x}\n")
    rng = SplitMix64(SEED ^ 0xABCDEF)
    reals = [0.0, 1.0, 0.5, 0.25, 2.0, 1.0 - 1e-12, 1.0 - 2.0 ** -33, 0.5 - 2.0 ** -34,
             2.0 ** -31, 2.0 ** -32, 2.0 ** -33, 3.0 * 2.0 ** -34, 2.0 ** -40, 1e-300, 100.0,
             -0.5, -0.75, -(1.0 - 2.0 ** -40), 0.0007812500186264515, 2.0 ** 31 - 1]
    for _ in range(1500):
        u = (rng.next() >> 11) / float(1 << 53)
        e = (rng.next() % 50) - 40
        reals.append((0.5 + 0.5 * u) * 2.0 ** e)
    with open(os.path.join(out, "quantize_multiplier.txt"), "w") as f:
        f.write("# f64 bits, multiplier, shift  (TFLite Micro QuantizeMultiplier)\n")
        for d in reals:
            m, s = quantize_multiplier(d)
            f.write(f"{struct.unpack('<Q', struct.pack('<d', d))[0]:016x} {m} {s}\n")



# ---------------------------------------------------------------------------------------------
# TFLite Micro interpreter cases


def f32(v):
    """Rounds to float32 (the precision of .tflite scales)."""
    return struct.unpack("<f", struct.pack("<f", v))[0]


def f32hex(v):
    return "0x%08x" % struct.unpack("<I", struct.pack("<f", v))[0]


ACTS = {"none": 0, "relu": 1, "relu6": 3}


class OpRunner:
    """Builds a one-operator int8 model with TFLite Micro's model editor and runs it."""

    def __init__(self):
        from tflite_micro.tensorflow.lite.micro.compression import model_editor as me
        from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as tfl
        from tflite_micro.python.tflite_micro import runtime
        self.me, self.tfl, self.runtime = me, tfl, runtime

    def tensor(self, sg, shape, dtype="int8", scales=None, zps=0, axis=None, data=None):
        tfl, me = self.tfl, self.me
        types = {"int8": tfl.TensorType.INT8, "int32": tfl.TensorType.INT32}
        q = None
        if scales is not None:
            if isinstance(scales, (list, tuple)):
                q = me.Quantization([float(s) for s in scales], list(zps), axis=axis)
            else:
                q = me.Quantization(float(scales), int(zps))
        return sg.add_tensor(shape=tuple(shape), dtype=types[dtype], quantization=q, data=data)

    def run(self, opcode, inputs, outputs, opt_type, options, feeds):
        """inputs/outputs: tensor spec dicts; feeds: arrays for the non-constant inputs."""
        model = self.me.Model()
        sg = model.add_subgraph()
        ins = [self.tensor(sg, **spec) for spec in inputs]
        outs = [self.tensor(sg, **spec) for spec in outputs]
        op = sg.add_operator(opcode=opcode, inputs=ins, outputs=outs)
        if opt_type is not None:
            op._fb.builtinOptionsType = opt_type
            op._fb.builtinOptions = options
        sg.inputs = [t for t, spec in zip(ins, inputs) if spec.get("data") is None]
        sg.outputs = outs
        interp = self.runtime.Interpreter.from_bytes(bytes(model.build()), arena_size=1 << 20)
        for i, a in enumerate(feeds):
            interp.set_input(a, i)
        interp.invoke()
        return interp.get_output(0)


def write_tflm_cases(out):
    import numpy as np
    r = OpRunner()
    tfl = r.tfl
    rng = np.random.default_rng(SEED)
    lines = ["# TFLite Micro interpreter outputs; generated by host-tools/python/golden_requant.py",
             f"# seed {SEED}"]

    def emit(op, **kv):
        lines.append(f"case {op}")
        for k, v in kv.items():
            if isinstance(v, (list, tuple, np.ndarray)):
                v = " ".join(str(int(t)) if not isinstance(t, str) else t for t in np.ravel(v))
            lines.append(f"{k} {v}")
        lines.append("end")

    def act_opt(o, act):
        o.fusedActivationFunction = ACTS[act]
        return o

    def rand_scale(lo, hi):
        return f32(float(np.exp(rng.uniform(np.log(lo), np.log(hi)))))

    # ---- FULLY_CONNECTED and CONV_2D (pointwise and k > 1) -------------------------------
    def conv_like(kind, n, cin, cout, k, stride, padding, act):
        s_in, zp_in = rand_scale(0.01, 0.2), int(rng.integers(-128, 128))
        s_w = [rand_scale(0.001, 0.05) for _ in range(cout)]
        s_out, zp_out = rand_scale(0.02, 0.5), int(rng.integers(-128, 128))
        w = rng.integers(-127, 128, (cout, k * cin), dtype=np.int8)
        b = rng.integers(-20000, 20000, cout, dtype=np.int32)
        x = rng.integers(-128, 128, (n, cin), dtype=np.int8)
        b_spec = dict(shape=(cout,), dtype="int32", scales=[f32(s_in * s) for s in s_w],
                      zps=[0] * cout, axis=0, data=b)
        if kind == "fc":
            w_spec = dict(shape=(cout, cin), scales=s_w, zps=[0] * cout, axis=0, data=w)
            o = act_opt(tfl.FullyConnectedOptionsT(), act)
            y = r.run(tfl.BuiltinOperator.FULLY_CONNECTED,
                      [dict(shape=(n, cin), scales=s_in, zps=zp_in), w_spec, b_spec],
                      [dict(shape=(n, cout), scales=s_out, zps=zp_out)],
                      tfl.BuiltinOptions.FullyConnectedOptions, o, [x])
            # cross-check against the integer transcription
            lo, hi = act_range(act, s_out, zp_out)
            for p in range(n):
                for c in range(cout):
                    acc = int(b[c]) + sum((int(x[p, i]) - zp_in) * int(w[c, i]) for i in range(cin))
                    m, s = quantize_multiplier(float(s_in) * float(s_w[c]) / float(s_out))
                    v = min(hi, max(lo, mbqm(acc, m, s) + zp_out))
                    assert v == int(y[p, c]), ("fc transcription mismatch", p, c, v, int(y[p, c]))
        else:
            w_spec = dict(shape=(cout, 1, k, cin), scales=s_w, zps=[0] * cout, axis=0,
                          data=w.reshape(cout, 1, k, cin))
            o = act_opt(tfl.Conv2DOptionsT(), act)
            o.padding = tfl.Padding.SAME if padding == "same" else tfl.Padding.VALID
            o.strideW, o.strideH = stride, 1
            o.dilationWFactor = o.dilationHFactor = 1
            n_out = -(-n // stride) if padding == "same" else (n - k) // stride + 1
            y = r.run(tfl.BuiltinOperator.CONV_2D,
                      [dict(shape=(1, 1, n, cin), scales=s_in, zps=zp_in), w_spec, b_spec],
                      [dict(shape=(1, 1, n_out, cout), scales=s_out, zps=zp_out)],
                      tfl.BuiltinOptions.Conv2DOptions, o, [x.reshape(1, 1, n, cin)])
        emit(kind, n=n, cin=cin, cout=cout, k=k, stride=stride, padding=padding, act=act,
             s_in=f32hex(s_in), zp_in=zp_in, s_w=[f32hex(s) for s in s_w], s_out=f32hex(s_out),
             zp_out=zp_out, w=w, bias=b, x=x, y=y)

    for _ in range(40):
        conv_like("fc", int(rng.integers(1, 4)), int(rng.integers(1, 70)), int(rng.integers(1, 20)),
                  1, 1, "valid", ["none", "relu", "relu6"][int(rng.integers(0, 3))])
    for _ in range(15):
        conv_like("conv", int(rng.integers(1, 24)), int(rng.integers(1, 40)), int(rng.integers(1, 20)),
                  1, 1, "valid", ["none", "relu", "relu6"][int(rng.integers(0, 3))])
    for _ in range(30):
        k = int(rng.integers(2, 6))
        padding = ["same", "valid"][int(rng.integers(0, 2))]
        n = int(rng.integers(k, 30))
        conv_like("conv", n, int(rng.integers(1, 10)), int(rng.integers(1, 12)), k,
                  int(rng.integers(1, 4)), padding, ["none", "relu", "relu6"][int(rng.integers(0, 3))])

    # ---- ADD --------------------------------------------------------------------------------
    for i in range(20):
        L = int(rng.integers(1, 200))
        s1, s2, so = rand_scale(0.01, 0.3), rand_scale(0.01, 0.3), rand_scale(0.02, 0.6)
        if i < 3:
            s2 = s1
        z1, z2, zo = (int(v) for v in rng.integers(-128, 128, 3))
        act = ["none", "relu", "relu6"][i % 3]
        a = rng.integers(-128, 128, (1, L), dtype=np.int8)
        b = rng.integers(-128, 128, (1, L), dtype=np.int8)
        y = r.run(tfl.BuiltinOperator.ADD,
                  [dict(shape=(1, L), scales=s1, zps=z1), dict(shape=(1, L), scales=s2, zps=z2)],
                  [dict(shape=(1, L), scales=so, zps=zo)],
                  tfl.BuiltinOptions.AddOptions, act_opt(tfl.AddOptionsT(), act), [a, b])
        emit("add", len=L, act=act, s1=f32hex(s1), zp1=z1, s2=f32hex(s2), zp2=z2,
             s_out=f32hex(so), zp_out=zo, a=a, b=b, y=y)

    # ---- MEAN / SUM / REDUCE_MAX over the points axis ---------------------------------------
    axis_data = np.array([1], dtype=np.int32)
    for op, code in (("mean", tfl.BuiltinOperator.MEAN), ("sum", tfl.BuiltinOperator.SUM),
                     ("max", tfl.BuiltinOperator.REDUCE_MAX)):
        for i in range(12):
            n, c = int(rng.integers(1, 64)), int(rng.integers(1, 40))
            s_in, zp_in = rand_scale(0.01, 0.3), int(rng.integers(-128, 128))
            if op == "max" or i < 3:
                s_out, zp_out = s_in, zp_in
            else:
                s_out, zp_out = rand_scale(0.01, 0.3) * (n if op == "sum" else 1), int(rng.integers(-128, 128))
                s_out = f32(s_out)
            x = rng.integers(-128, 128, (1, n, c), dtype=np.int8)
            o = tfl.ReducerOptionsT()
            o.keepDims = False
            y = r.run(code, [dict(shape=(1, n, c), scales=s_in, zps=zp_in),
                             dict(shape=(1,), dtype="int32", data=axis_data)],
                      [dict(shape=(1, c), scales=s_out, zps=zp_out)],
                      tfl.BuiltinOptions.ReducerOptions, o, [x])
            emit(op, n=n, c=c, s_in=f32hex(s_in), zp_in=zp_in, s_out=f32hex(s_out),
                 zp_out=zp_out, x=x, y=y)

    # ---- LEAKY_RELU -------------------------------------------------------------------------
    for i in range(12):
        L = int(rng.integers(1, 256))
        s_in, zp_in = rand_scale(0.01, 0.3), int(rng.integers(-128, 128))
        s_out, zp_out = rand_scale(0.01, 0.3), int(rng.integers(-128, 128))
        alpha = f32([0.01, 0.1, 0.2, 0.3, 0.5][i % 5])
        x = rng.integers(-128, 128, (1, L), dtype=np.int8)
        o = tfl.LeakyReluOptionsT()
        o.alpha = alpha
        y = r.run(tfl.BuiltinOperator.LEAKY_RELU, [dict(shape=(1, L), scales=s_in, zps=zp_in)],
                  [dict(shape=(1, L), scales=s_out, zps=zp_out)],
                  tfl.BuiltinOptions.LeakyReluOptions, o, [x])
        emit("leaky_relu", len=L, alpha=f32hex(alpha), s_in=f32hex(s_in), zp_in=zp_in,
             s_out=f32hex(s_out), zp_out=zp_out, x=x, y=y)

    # ---- QUANTIZE int8 -> int8 (requantize) -------------------------------------------------
    for i in range(10):
        L = int(rng.integers(1, 256))
        s_in, zp_in = rand_scale(0.01, 0.3), int(rng.integers(-128, 128))
        s_out, zp_out = rand_scale(0.01, 0.3), int(rng.integers(-128, 128))
        x = rng.integers(-128, 128, (1, L), dtype=np.int8)
        y = r.run(tfl.BuiltinOperator.QUANTIZE, [dict(shape=(1, L), scales=s_in, zps=zp_in)],
                  [dict(shape=(1, L), scales=s_out, zps=zp_out)], None, None, [x])
        emit("requantize", len=L, s_in=f32hex(s_in), zp_in=zp_in, s_out=f32hex(s_out),
             zp_out=zp_out, x=x, y=y)

    # ---- CONCATENATION along channels (same quantization) -----------------------------------
    for i in range(6):
        n = int(rng.integers(1, 20))
        cs = [int(v) for v in rng.integers(1, 12, int(rng.integers(2, 4)))]
        s, zp = rand_scale(0.01, 0.3), int(rng.integers(-128, 128))
        xs = [rng.integers(-128, 128, (1, n, c), dtype=np.int8) for c in cs]
        o = tfl.ConcatenationOptionsT()
        o.axis = 2
        y = r.run(tfl.BuiltinOperator.CONCATENATION,
                  [dict(shape=(1, n, c), scales=s, zps=zp) for c in cs],
                  [dict(shape=(1, n, sum(cs)), scales=s, zps=zp)],
                  tfl.BuiltinOptions.ConcatenationOptions, o, xs)
        emit("concat", n=n, cs=cs, x=np.concatenate([x.ravel() for x in xs]), y=y)

    # ---- AVERAGE_POOL_2D / MAX_POOL_2D on 1 x n images (windowed pooling over time) --------
    for op, code in (("avg_pool1d", tfl.BuiltinOperator.AVERAGE_POOL_2D),
                     ("max_pool1d", tfl.BuiltinOperator.MAX_POOL_2D)):
        for i in range(12):
            k = int(rng.integers(1, 6))
            stride = int(rng.integers(1, 4))
            padding = ["same", "valid"][i % 2]
            n, c = int(rng.integers(k, 40)), int(rng.integers(1, 40))
            act = ["none", "relu", "relu6"][int(rng.integers(0, 3))]
            s, zp = rand_scale(0.01, 0.3), int(rng.integers(-128, 128))
            x = rng.integers(-128, 128, (1, 1, n, c), dtype=np.int8)
            o = act_opt(tfl.Pool2DOptionsT(), act)
            o.padding = tfl.Padding.SAME if padding == "same" else tfl.Padding.VALID
            o.strideW, o.strideH, o.filterWidth, o.filterHeight = stride, 1, k, 1
            n_out = -(-n // stride) if padding == "same" else (n - k) // stride + 1
            y = r.run(code, [dict(shape=(1, 1, n, c), scales=s, zps=zp)],
                      [dict(shape=(1, 1, n_out, c), scales=s, zps=zp)],
                      tfl.BuiltinOptions.Pool2DOptions, o, [x])
            emit(op, n=n, c=c, k=k, stride=stride, padding=padding, act=act, s=f32hex(s),
                 zp=zp, x=x, y=y)

    with open(os.path.join(out, "tflm_ops.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {sum(1 for l in lines if l.startswith('case'))} TFLite Micro cases")


def act_range(act, s_out, zp_out):
    """TFLite Micro CalculateActivationRangeQuantized for int8 (f32 division, std::round)."""
    import numpy as np
    q = lambda v: zp_out + tflite_round(float(np.float32(v) / np.float32(s_out)))
    if act == "relu":
        return max(-128, q(0.0)), 127
    if act == "relu6":
        return max(-128, q(0.0)), min(127, q(6.0))
    return -128, 127


if __name__ == "__main__":
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "tests/golden"
    os.makedirs(out_dir, exist_ok=True)
    write_requant_vectors(out_dir)
    try:
        import numpy  # noqa: F401
        import tflite_micro  # noqa: F401
    except ImportError as e:
        print(f"tflite-micro not available ({e}); wrote transcription vectors only")
        sys.exit(0)
    write_tflm_cases(out_dir)

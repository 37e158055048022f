#!/usr/bin/env python3
"""Writes the TFLite int8 test fixtures and their TFLite Micro golden outputs.

Run from the repository root with a venv that has `tensorflow-cpu`, `tflite-micro` and numpy
(outside the repository, e.g. `python3 -m venv /tmp/tfl && /tmp/tfl/bin/pip install
tensorflow-cpu tflite-micro numpy`):

    /tmp/tfl/bin/python host-tools/python/make_tflite_fixtures.py

Seeded. Every model is a small Keras model converted by TensorFlow's converter with full-integer
quantization (int8 weights per channel, int8 activations, int8 input and output). The goldens
are the outputs of the TFLite Micro interpreter (the `tflite-micro` package, the reference
kernels on x86) on 256 int8 inputs per model: all -128, all 127, all the input zero point, then
quantized samples of the calibration distribution and uniform random int8. CI uses only the
committed files written here (host-tools/tests/data/tflite/):

  NAME.tflite             the model
  NAME_in.npy             int8 inputs (B, N, C): the model's input tensor without its batch dim
  NAME_out.npy            int8 TFLite Micro outputs (B, K)
  manifest.json           per model: input/output shapes, quantization, the ops it contains

Models (together every op the importer maps):
  sine        MLP 1-16-16-1 (FULLY_CONNECTED, fused RELU), trained on sin(x)
  imu_conv    1D-conv IMU classifier (64, 6): Conv1D same (RESHAPE/EXPAND_DIMS + CONV_2D),
              MaxPool1D (MAX_POOL_2D), Conv1D valid + ReLU6, GlobalAveragePooling1D (MEAN),
              Dense, SOFTMAX
  imu_logits  the same IMU model without the SOFTMAX
  pointnet    per-point PointNet (32, 3): Dense on points (FULLY_CONNECTED keep_num_dims),
              ADD (same shape), CONCATENATION, RELU, REDUCE_MAX, RELU6, Dense head
  act_mix     (32, 4): DepthwiseConv1D (DEPTHWISE_CONV_2D), LOGISTIC, TANH, MUL,
              AveragePooling1D (AVERAGE_POOL_2D), ADD with broadcasting (MEAN keepdims)
  sine_fio    the sine MLP with float input and output (QUANTIZE, DEQUANTIZE)
Refused models (the importer must exit with one line naming the problem):
  bad_op      an ABS between two Dense layers (unsupported op)
  float_only  the sine MLP without quantization
  hybrid      dynamic-range quantization of a 1-64-64-1 MLP: int8 weights, float activations
"""

import json
import os
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "tflite")
SEED = 20261204
GOLDEN = 256


def seeded():
    np.random.seed(SEED)
    tf.random.set_seed(SEED)
    keras.utils.set_random_seed(SEED)


def convert(model, rep, mode="int8"):
    """The Keras model as .tflite bytes: full int8, float I/O int8, float-only or hybrid."""
    import tempfile

    shape = [1] + list(model.input_shape[1:])
    d = tempfile.mkdtemp()
    model.export(d, format="tf_saved_model", input_signature=[tf.TensorSpec(shape, tf.float32)], verbose=False)
    conv = tf.lite.TFLiteConverter.from_saved_model(d)
    if mode in ("int8", "float_io", "hybrid"):
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
    if mode in ("int8", "float_io"):

        def gen():
            for i in range(min(len(rep), 200)):
                yield [rep[i : i + 1].astype(np.float32)]

        conv.representative_dataset = gen
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    if mode == "int8":
        conv.inference_input_type = tf.int8
        conv.inference_output_type = tf.int8
    return conv.convert()


def ops_of(tfl):
    """Builtin op names of a .tflite file (through TensorFlow's analyzer-free schema reader)."""
    from tensorflow.lite.python import schema_py_generated as schema

    m = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(tfl, 0))
    names = {v: k for k, v in schema.BuiltinOperator.__dict__.items() if not k.startswith("_")}
    out = []
    for sg in m.subgraphs:
        for op in sg.operators:
            oc = m.operatorCodes[op.opcodeIndex]
            code = max(oc.builtinCode, oc.deprecatedBuiltinCode)
            out.append(names.get(code, str(code)))
    return out


def tflm(tfl):
    from tflite_micro.python.tflite_micro import runtime

    return runtime.Interpreter.from_bytes(tfl, arena_size=256 * 1024)


def quant_of(detail):
    scale, zp = detail["quantization"]
    return float(scale), int(zp)


def golden_inputs(shape, zp, rep, in_scale):
    """256 int8 inputs: extremes and zero point first, then calibration-like, then uniform."""
    rng = np.random.default_rng(SEED)
    xs = [np.full(shape, -128, np.int8), np.full(shape, 127, np.int8), np.full(shape, zp, np.int8)]
    n_rep = (GOLDEN - 3) // 2
    for i in range(n_rep):
        r = rep[i % len(rep)] * (1.0 + 0.25 * rng.standard_normal())
        q = np.clip(np.round(r / in_scale) + zp, -128, 127).astype(np.int8)
        xs.append(q.reshape(shape))
    while len(xs) < GOLDEN:
        xs.append(rng.integers(-128, 128, size=shape, dtype=np.int16).astype(np.int8))
    return np.stack(xs)


def write_golden(name, tfl, rep, manifest):
    path = os.path.join(OUT, name + ".tflite")
    with open(path, "wb") as f:
        f.write(tfl)
    interp = tflm(tfl)
    tf_interp = tf.lite.Interpreter(model_content=tfl)
    ind = tf_interp.get_input_details()[0]
    outd = tf_interp.get_output_details()[0]
    in_scale, in_zp = quant_of(ind)
    shape = tuple(int(d) for d in ind["shape"])
    xs = golden_inputs(shape, in_zp, rep, in_scale)
    ys = []
    for x in xs:
        interp.set_input(x, 0)
        interp.invoke()
        ys.append(np.array(interp.get_output(0)).astype(np.int8).reshape(-1))
    ys = np.stack(ys)
    # (B, N, C): drop the batch dim; rank-2 inputs (1, C) become one row.
    per = shape[1:] if len(shape) > 2 else (1, shape[-1])
    if len(per) > 2:
        per = (int(np.prod(per[:-1])), per[-1])
    np.save(os.path.join(OUT, name + "_in.npy"), xs.reshape((GOLDEN,) + tuple(per)))
    np.save(os.path.join(OUT, name + "_out.npy"), ys)
    out_scale, out_zp = quant_of(outd)
    manifest[name] = {
        "input_shape": [int(d) for d in shape],
        "input_quant": [in_scale, in_zp],
        "output_shape": [int(d) for d in outd["shape"]],
        "output_quant": [out_scale, out_zp],
        "ops": ops_of(tfl),
        "goldens": GOLDEN,
        "distinct_outputs": int(len({tuple(y) for y in ys})),
    }
    print(f"{name}: {len(tfl)} bytes, ops {sorted(set(manifest[name]['ops']))}", file=sys.stderr)


def sine_model():
    seeded()
    x = np.random.uniform(0, 2 * np.pi, (2000, 1)).astype(np.float32)
    y = np.sin(x) + 0.05 * np.random.standard_normal(x.shape).astype(np.float32)
    m = keras.Sequential(
        [
            keras.Input((1,)),
            layers.Dense(16, activation="relu"),
            layers.Dense(16, activation="relu"),
            layers.Dense(1),
        ]
    )
    m.compile(optimizer="adam", loss="mse")
    m.fit(x, y, epochs=60, batch_size=64, verbose=0)
    return m, x


def imu_model():
    seeded()
    x = np.random.standard_normal((300, 64, 6)).astype(np.float32)
    inp = keras.Input((64, 6))
    h = layers.Conv1D(8, 5, padding="same", activation="relu")(inp)
    h = layers.MaxPooling1D(2)(h)
    h = layers.Conv1D(12, 3, strides=2, padding="valid", activation="relu6")(h)
    h = layers.GlobalAveragePooling1D()(h)
    h = layers.Dense(4)(h)
    out = layers.Softmax()(h)
    return keras.Model(inp, out), x


def imu_logits_model():
    """The IMU classifier without its SOFTMAX (same seed, same layers)."""
    m, x = imu_model()
    return keras.Model(m.input, m.layers[-2].output), x


def pointnet_model():
    seeded()
    x = np.random.standard_normal((300, 32, 3)).astype(np.float32)
    inp = keras.Input((32, 3))
    h1 = layers.Dense(16, activation="relu")(inp)
    h2 = layers.Dense(16)(h1)
    a = layers.Add()([h1, h2])
    c = layers.Concatenate()([a, h1])
    c = layers.ReLU()(c)
    h = layers.Dense(24)(c)
    g = layers.ReLU(max_value=6.0)(layers.GlobalMaxPooling1D()(h))
    out = layers.Dense(5)(g)
    return keras.Model(inp, out), x


def act_model():
    seeded()
    x = np.random.standard_normal((300, 32, 4)).astype(np.float32)
    inp = keras.Input((32, 4))
    d = layers.DepthwiseConv1D(3, padding="same")(inp)
    s = layers.Activation("sigmoid")(d)
    t = layers.Activation("tanh")(d)
    g = layers.Multiply()([s, t])
    p = layers.AveragePooling1D(2)(g)
    m = keras.ops.mean(p, axis=1, keepdims=True)
    b = layers.Add()([p, m])
    h = layers.GlobalMaxPooling1D()(b)
    out = layers.Dense(3, activation="sigmoid")(h)
    return keras.Model(inp, out), x


def bad_op_model():
    seeded()
    x = np.random.standard_normal((200, 4)).astype(np.float32)
    inp = keras.Input((4,))
    h = layers.Dense(8)(inp)
    h = keras.ops.abs(h)
    out = layers.Dense(2)(h)
    return keras.Model(inp, out), x


def main():
    os.makedirs(OUT, exist_ok=True)
    manifest = {}
    sine, xs = sine_model()
    write_golden("sine", convert(sine, xs), xs, manifest)
    for name, build in [
        ("imu_conv", imu_model),
        ("imu_logits", imu_logits_model),
        ("pointnet", pointnet_model),
        ("act_mix", act_model),
    ]:
        m, x = build()
        write_golden(name, convert(m, x), x, manifest)
    # Float I/O: QUANTIZE at the input, DEQUANTIZE at the output.
    fio = convert(sine, xs, "float_io")
    with open(os.path.join(OUT, "sine_fio.tflite"), "wb") as f:
        f.write(fio)
    manifest["sine_fio"] = {"ops": ops_of(fio)}
    m, x = bad_op_model()
    bad = convert(m, x)
    with open(os.path.join(OUT, "bad_op.tflite"), "wb") as f:
        f.write(bad)
    manifest["bad_op"] = {"ops": ops_of(bad)}
    # Dynamic-range quantization leaves layers under 1024 weights in float: a wider MLP.
    seeded()
    wide = keras.Sequential([keras.Input((1,)), layers.Dense(64, activation="relu"), layers.Dense(64, activation="relu"), layers.Dense(1)])
    for name, model, mode in [("float_only", sine, "float"), ("hybrid", wide, "hybrid")]:
        b = convert(model, xs, mode)
        with open(os.path.join(OUT, name + ".tflite"), "wb") as f:
            f.write(b)
        manifest[name] = {"ops": ops_of(b)}
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    for k, v in manifest.items():
        print(k, v.get("ops"), v.get("distinct_outputs"), file=sys.stderr)


if __name__ == "__main__":
    main()

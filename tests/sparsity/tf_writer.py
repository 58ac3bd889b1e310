"""Write one Keras model every way a TensorFlow user saves it, then load each file back with
TensorFlow and count its variables with TensorFlow's own ops: the ground truth of
test_tensorflow.py. Run as `python tf_writer.py OUT_DIR keras3|keras2` (keras2 = tf-keras with
TF_USE_LEGACY_KERAS=1); one process per flavour, since importing TensorFlow takes seconds.

OUT_DIR/truth.json: {format: {"path": ..., "layers": {layer: {"zeros", "nan", "size", "dtype",
"shape"}}, "all": {"zeros", "size", "tensors"}}}; OUT_DIR/<format>.npz: each layer's first weight
as TensorFlow loaded it (float32 copies, -0.0 and NaN kept) for the block references.
"""

from __future__ import annotations

import json
import os
import sys

out, flavour = sys.argv[1], sys.argv[2]
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
if flavour == "keras2":
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

keras = tf.keras
LAYERS = ("conv", "hidden", "half", "bf", "fc")


def build():
    inp = keras.Input((6, 6, 4))
    x = keras.layers.Conv2D(8, 3, name="conv")(inp)
    x = keras.layers.Flatten(name="flat")(x)
    x = keras.layers.Dense(16, name="hidden")(x)
    x = keras.layers.Dense(16, name="half", dtype="float16")(x)
    x = keras.layers.Dense(8, name="bf", dtype="bfloat16")(x)
    x = keras.layers.Dense(4, name="fc")(x)
    return keras.Model(inp, x, name="net")


def build_sequential():
    return keras.Sequential([keras.Input((6, 6, 4)), keras.layers.Conv2D(8, 3, name="conv"),
                             keras.layers.Flatten(name="flat"), keras.layers.Dense(16, name="hidden"),
                             keras.layers.Dense(16, name="half", dtype="float16"),
                             keras.layers.Dense(8, name="bf", dtype="bfloat16"), keras.layers.Dense(4, name="fc")],
                            name="seq")


def set_zeros(m):
    rng = np.random.default_rng(0)
    for ly in m.layers:
        ws = ly.get_weights()
        if ws:
            ly.set_weights([rng.standard_normal(w.shape).astype(w.dtype) for w in ws])
    c = m.get_layer("conv").get_weights()
    c[0][..., :4] = 0  # output channels 0..3
    c[0][0, 0, 0, 5] = -0.0
    m.get_layer("conv").set_weights(c)
    h = m.get_layer("hidden").get_weights()
    h[0][:, :8] = 0  # output units 0..7: whole columns of INC's Keras view
    h[0][0, 8] = -0.0
    h[0][1, 8] = np.nan
    h[0][4:8, 9] = 0  # one 4x1 block of INC's Keras view (4 inputs, 1 output), no block in torch's axes
    h[1][:3] = 0
    m.get_layer("hidden").set_weights(h)
    f = m.get_layer("half").get_weights()
    f[0][:8, :] = 0  # inputs 0..7: rows of INC's Keras view, two of four 4x1 row groups
    f[0][8, 0] = -0.0
    m.get_layer("half").set_weights(f)
    b = m.get_layer("bf").get_weights()
    b[0][:, :4] = 0
    b[0][5, 5] = np.nan
    b[0][6, 6] = -0.0
    m.get_layer("bf").set_weights(b)


def tf_counts(v):
    """Zeros, NaNs and size of one variable, by TensorFlow's ops (count_nonzero: -0.0 is zero)."""
    t = tf.convert_to_tensor(v)
    size = int(tf.size(t))
    nonzero = int(tf.math.count_nonzero(t))
    nan = int(tf.math.count_nonzero(tf.math.is_nan(tf.cast(t, tf.float32))))
    return {"zeros": size - nonzero, "nan": nan, "size": size, "dtype": t.dtype.name, "shape": list(t.shape)}


def from_model(m, fmt: str, path: str) -> dict:
    layers, arrays, zeros, size, n = {}, {}, 0, 0, 0
    for ly in m.layers:
        if not ly.weights:
            continue
        layers[ly.name] = tf_counts(ly.weights[0])
        arrays[ly.name] = tf.cast(tf.convert_to_tensor(ly.weights[0]), tf.float32).numpy()
        for w in ly.weights:
            c = tf_counts(w)
            zeros, size, n = zeros + c["zeros"], size + c["size"], n + 1
    np.savez(os.path.join(out, f"{fmt}.npz"), **arrays)
    return {"path": path, "layers": layers, "all": {"zeros": zeros, "size": size, "tensors": n}}


def from_variables(variables, fmt: str, path: str) -> dict:
    """A SavedModel loaded by tf.saved_model.load: its variables, named by their paths."""
    layers, arrays, zeros, size, n, seen = {}, {}, 0, 0, 0, set()
    for v in variables:
        if id(v) in seen or "seed_generator" in v.name:
            continue
        seen.add(id(v))
        c = tf_counts(v)
        zeros, size, n = zeros + c["zeros"], size + c["size"], n + 1
        parts = v.name.split(":")[0].split("/")
        if parts[-1] == "kernel":
            layers[parts[-2]] = c
            arrays[parts[-2]] = tf.cast(tf.convert_to_tensor(v), tf.float32).numpy()
    np.savez(os.path.join(out, f"{fmt}.npz"), **arrays)
    return {"path": path, "layers": layers, "all": {"zeros": zeros, "size": size, "tensors": n}}


m = build()
set_zeros(m)
# a model mid-training: Adam's slots (all zeros at first) sit beside the weights in checkpoints
# and tf-keras SavedModels, and must not be counted as the model's parameters
m.compile(optimizer=keras.optimizers.Adam(), loss="mse")
m.optimizer.build(m.trainable_variables)
j = lambda *p: os.path.join(out, *p)  # noqa: E731
truth = {}
ckpt = tf.train.Checkpoint(model=m, optimizer=m.optimizer).write(j("tfckpt", "model"))
if flavour == "keras3":
    m.export(j("export"))
    m.save_weights(j("w.weights.h5"))
    m.save(j("m.keras"))
    loaded = tf.saved_model.load(j("export"))
    truth["savedmodel"] = from_variables(loaded.variables, "savedmodel", j("export"))
    fresh = build()
    fresh.load_weights(j("w.weights.h5"))
    truth["weights_h5"] = from_model(fresh, "weights_h5", j("w.weights.h5"))
    truth["keras_zip"] = from_model(keras.models.load_model(j("m.keras")), "keras_zip", j("m.keras"))
    fresh = build()
    fresh(np.zeros((1, 6, 6, 4), np.float32))
else:
    m.save(j("savedmodel"))  # tf-keras: a folder name saves a SavedModel
    m.save_weights(j("w.h5"))
    m.save_weights(j("weights", "ckpt"))  # no .h5 suffix: the TF checkpoint format
    m.save(j("m.h5"))
    loaded = keras.models.load_model(j("savedmodel"))
    truth["savedmodel"] = from_model(loaded, "savedmodel", j("savedmodel"))
    fresh = build()
    fresh.load_weights(j("weights", "ckpt")).assert_existing_objects_matched()
    truth["weights_prefix"] = from_model(fresh, "weights_prefix", j("weights", "ckpt"))
    # tf-keras 2.21 writes bfloat16 weights to h5 but cannot load them back ("No cast function
    # available"): the h5 files' truth is the model they were written from, counted the same way
    truth["weights_h5"] = from_model(m, "weights_h5", j("w.h5"))
    truth["full_h5"] = from_model(m, "full_h5", j("m.h5"))
    # TF1's Saver: keys are the variables' own names, no object graph
    names = lambda model: {v.name.split(":")[0]: v for v in model.weights}  # noqa: E731
    tf.compat.v1.train.Saver(names(m)).save(None, j("saver", "model"))
    fresh = build()
    tf.compat.v1.train.Saver(names(fresh)).restore(None, j("saver", "model"))
    truth["saver"] = from_model(fresh, "saver", j("saver", "model"))
    fresh = build()
tf.train.Checkpoint(model=fresh).read(ckpt).assert_existing_objects_matched()
truth["checkpoint"] = from_model(fresh, "checkpoint", j("tfckpt", "model"))
# the same weights in a Sequential model (Keras 3 keys it under _functional/_operations)
seq = build_sequential()
seq.set_weights(m.get_weights())
seq_ckpt = tf.train.Checkpoint(model=seq).write(j("seqckpt", "model"))
fresh = build_sequential()
tf.train.Checkpoint(model=fresh).read(seq_ckpt).assert_existing_objects_matched()
truth["seq_checkpoint"] = from_model(fresh, "seq_checkpoint", j("seqckpt", "model"))
# a nested model: INC sees `block` as one top-level layer (a Sequential, neither Dense nor Conv)
def build_nested():
    inner = keras.Sequential([keras.Input((8,)), keras.layers.Dense(6, name="a"), keras.layers.Dense(5, name="b")],
                             name="block")
    inp = keras.Input((8,))
    return keras.Model(inp, keras.layers.Dense(3, name="head")(inner(inp)), name="outer")


nested = build_nested()
w = nested.get_weights()
w[0][:4] = 0  # 4 of block's first kernel's 8 input rows
nested.set_weights(w)
nested_ckpt = tf.train.Checkpoint(model=nested).write(j("nestedckpt", "model"))
fresh = build_nested()
tf.train.Checkpoint(model=fresh).read(nested_ckpt).assert_existing_objects_matched()
truth["nested_checkpoint"] = from_model(fresh, "nested_checkpoint", j("nestedckpt", "model"))
# layers tracked outside any model (a list on a tf.train.Checkpoint): their variables may share
# a name, and their zero biases have equal bytes; each is still its own tensor
loose = []
for i in range(3):
    ly = keras.layers.Dense(4, name=f"l{i}")
    ly.build((None, 4))
    loose.append(ly)
loose[1].kernel.assign(np.zeros((4, 4), np.float32))
tf.train.Checkpoint(layers=loose).write(j("loose", "model"))
c = [tf_counts(v) for ly in loose for v in ly.weights]
truth["loose"] = {"path": j("loose", "model"), "layers": {}, "all": {
    "zeros": sum(x["zeros"] for x in c), "size": sum(x["size"] for x in c), "tensors": len(c)}}
with open(j("truth.json"), "w") as f:
    json.dump({"flavour": flavour, "tf": tf.__version__, "formats": truth}, f, indent=1)

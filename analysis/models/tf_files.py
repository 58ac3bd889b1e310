"""Layer indexes of TensorFlow SavedModel folders and checkpoints (tensor bundles).

Read from the bytes (analysis/formats/tf_bundle.py, tf_objects.py): no TensorFlow, nothing
executed. Where the bundle cannot be read directly (a `saved_model.pbtxt`-only folder, a
corrupt or exotic index) a SavedModel falls back to TensorFlow in the limited worker
(`tf.saved_model.load`, which restores graphs and variables but runs no Python from the file);
its weights then cannot be counted, and the sparsity report says so per layer.

Measured on this machine (bench/bench_sparsity.py prints it): the direct read lists a
SavedModel's layers in a few milliseconds; the worker needs TensorFlow's ~3 s import first.
"""

from __future__ import annotations

import os

from ..formats.errors import ModelFormatError
from ..formats.tf_bundle import prefix_of
from ..formats.tf_objects import TFModel, read_tf_model
from .infer import numel
from .types import LayerIndex, LayerInfo, ModelLoadError

# Order in which a layer's variables are the weight INC prunes (get_weights()[0]): Keras creates
# these first in every built-in layer that has them.
_WEIGHT_FIRST = ("kernel", "depthwise_kernel", "embeddings", "gamma", "alpha")


def keras_class(leaves: dict[str, tuple[int, ...]]) -> str:
    """A Keras class guessed from a layer's variable names and shapes ("" when unsure)."""
    if "depthwise_kernel" in leaves:
        return "SeparableConv2D" if "pointwise_kernel" in leaves else "DepthwiseConv2D"
    k = leaves.get("kernel")
    if k is not None:
        if "recurrent_kernel" in leaves:
            return ""  # an RNN cell: LSTM/GRU/SimpleRNN cannot be told apart by shapes
        return {2: "Dense", 3: "Conv1D", 4: "Conv2D", 5: "Conv3D"}.get(len(k), "")
    if "embeddings" in leaves:
        return "Embedding"
    if "gamma" in leaves or "beta" in leaves:
        return "BatchNormalization" if "moving_mean" in leaves else "LayerNormalization"
    return ""


def is_tf_checkpoint(path: str | os.PathLike) -> bool:
    """True for a checkpoint prefix, its `.index` or a `.data-*` shard (the prefix need not exist
    as a file), or a folder with a `checkpoint` state file naming one."""
    p = os.fspath(path)
    if os.path.isdir(p) and os.path.isfile(os.path.join(p, "saved_model.pb")):
        return False
    return prefix_of(p) is not None


def index_from_tf(path: str, model: TFModel, source: str) -> LayerIndex:
    layers: list[LayerInfo] = []
    inferred_any = False
    for ly in model.layers:
        leaves = {v.name.rpartition("/")[2]: v.entry.shape for v in ly.variables}
        cls, inferred = ly.class_name, False
        if not cls and ly.variables:
            # variables of sub-layers ("block/dense/kernel"): a nested model or a composite layer
            # (MultiHeadAttention); its class cannot be told, and it is no Dense or Conv
            nested = any("/" in v.name[len(ly.name) + 1:] for v in ly.variables)
            cls, inferred = ("" if nested else keras_class(leaves)), True
            inferred_any = True
        params = tuple(v.name for v in ly.variables)
        if not ly.variables:
            layers.append(LayerInfo(ly.name, cls, inferred, None, (), "", 0, ()))
            continue
        w = next((v for leaf in _WEIGHT_FIRST for v in ly.variables if v.name.rpartition("/")[2] == leaf),
                 ly.variables[0])
        layers.append(LayerInfo(ly.name, cls, inferred, w.name, tuple(w.entry.shape), w.entry.dtype,
                                numel(tuple(w.entry.shape)), params))
    notes = list(model.notes)
    notes.append("Keras: INC looks at top-level layers only and ignores op_names")
    return LayerIndex(path=path, framework="keras", layers=layers, source=source, exact_classes=not inferred_any,
                      tied={}, ordered=model.ordered, complete=model.complete, notes=notes)


def load_tf_checkpoint(path: str) -> LayerIndex:
    try:
        return index_from_tf(path, read_tf_model(path), "tf-checkpoint")
    except ModelFormatError as e:
        raise ModelLoadError(path, e.reason) from None


def load_savedmodel(path: str, *, timeout_s: float, memory_mb: int) -> LayerIndex:
    """A SavedModel folder: its variables bundle read directly; TensorFlow in the limited worker
    only when that fails (the index then says its weights cannot be counted)."""
    try:
        return index_from_tf(path, read_tf_model(path), "savedmodel")
    except ModelFormatError as e:
        direct = e.reason
    from .keras_files import load_savedmodel_with_tf

    try:
        index = load_savedmodel_with_tf(path, timeout_s=timeout_s, memory_mb=memory_mb)
    except ModelLoadError as e:
        raise ModelLoadError(path, f"{direct}; TensorFlow could not load it either ({e.reason})") from None
    index.notes.append(f"variables read by TensorFlow: {direct}; their values cannot be counted")
    return index

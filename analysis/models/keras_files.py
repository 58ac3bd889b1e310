"""Layer indexes of Keras/TensorFlow models: `.keras`, legacy `.h5` (no TensorFlow) and SavedModel folders."""

from __future__ import annotations

from ..formats.errors import ModelFormatError
from ..formats.keras import KerasModel, read_keras_h5, read_keras_zip
from .infer import numel
from .sandbox import run_worker
from .types import LayerIndex, LayerInfo, ModelLoadError


def index_from_keras(path: str, model: KerasModel, source: str) -> LayerIndex:
    layers: list[LayerInfo] = []
    locations: dict[str, tuple[str, str]] = {}
    from .tf_files import keras_class

    exact = True
    for ly in model.layers:
        params = tuple(w.name for w in ly.weights)
        for w in ly.weights:
            locations[w.name] = (path, w.h5_path)
        cls = ly.class_name
        if not cls and ly.weights:
            cls = keras_class({w.name.rpartition("/")[2]: w.shape for w in ly.weights})
        exact = exact and not ly.class_inferred
        if ly.weights:
            w = ly.weights[0]  # INC prunes layer.get_weights()[0]
            layers.append(LayerInfo(ly.name, cls, ly.class_inferred, w.name, w.shape, w.dtype, numel(w.shape), params))
        elif cls:
            layers.append(LayerInfo(ly.name, cls, ly.class_inferred, None, (), "", 0, ()))
    notes = list(model.notes)
    notes.append("Keras: INC looks at top-level layers only and ignores op_names")
    return LayerIndex(path=path, framework="keras", layers=layers, source=source, exact_classes=exact,
                      tied={}, ordered=model.ordered, complete=exact, locations=locations, notes=notes)


def load_keras_zip(path: str) -> LayerIndex:
    try:
        return index_from_keras(path, read_keras_zip(path), "keras-zip")
    except ModelFormatError as e:
        raise ModelLoadError(path, e.reason) from None


def load_keras_h5(path: str) -> LayerIndex:
    try:
        return index_from_keras(path, read_keras_h5(path), "h5")
    except ModelFormatError as e:
        raise ModelLoadError(path, e.reason) from None


def load_savedmodel_with_tf(path: str, *, timeout_s: float, memory_mb: int) -> LayerIndex:
    """A TF SavedModel that the bundle reader (tf_files.py) could not read: TensorFlow loads it in
    a limited child; layers are the variables' name prefixes. Values are not read this way."""
    from .tf_files import keras_class
    ans = run_worker(path, {"kind": "savedmodel", "path": path}, timeout_s=timeout_s, memory_mb=memory_mb)
    groups: dict[str, dict[str, dict]] = {}
    for v in ans.get("variables", []):
        layer, _, leaf = v["name"].rpartition("/")
        if not layer or layer.startswith("seed_generator"):
            continue
        groups.setdefault(layer, {})[leaf] = v
    layers = []
    for layer, vs in groups.items():
        shapes = {k: tuple(v["shape"]) for k, v in vs.items()}
        cls = keras_class(shapes)
        first = next(iter(vs.values()))
        params = tuple(v["name"] for v in vs.values())
        layers.append(LayerInfo(layer, cls, True, first["name"], tuple(first["shape"]), first["dtype"],
                                numel(tuple(first["shape"])), params))
    return LayerIndex(path=path, framework="keras", layers=layers, source="savedmodel-tf", exact_classes=False,
                      tied={}, ordered=True, complete=False,
                      notes=["SavedModel: layer classes inferred from variable names; INC prunes only Keras models"])

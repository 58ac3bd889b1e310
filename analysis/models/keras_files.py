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
    for ly in model.layers:
        params = tuple(w.name for w in ly.weights)
        for w in ly.weights:
            locations[w.name] = (path, w.h5_path)
        if ly.weights:
            w = ly.weights[0]  # INC prunes layer.get_weights()[0]
            layers.append(LayerInfo(ly.name, ly.class_name, False, w.name, w.shape, w.dtype, numel(w.shape), params))
        else:
            layers.append(LayerInfo(ly.name, ly.class_name, False, None, (), "", 0, ()))
    notes = list(model.notes)
    notes.append("Keras: INC looks at top-level layers only and ignores op_names")
    return LayerIndex(path=path, framework="keras", layers=layers, source=source, exact_classes=True,
                      tied={}, ordered=True, complete=True, locations=locations, notes=notes)


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


def _keras_class(vars_: dict[str, tuple[int, ...]]) -> str:
    if "depthwise_kernel" in vars_:
        return "SeparableConv2D" if "pointwise_kernel" in vars_ else "DepthwiseConv2D"
    k = vars_.get("kernel")
    if k is not None:
        return {2: "Dense", 3: "Conv1D", 4: "Conv2D", 5: "Conv3D"}.get(len(k), "")
    if "embeddings" in vars_:
        return "Embedding"
    if "gamma" in vars_ or "beta" in vars_:
        return "BatchNormalization" if "moving_mean" in vars_ else "LayerNormalization"
    return ""


def load_savedmodel(path: str, *, timeout_s: float, memory_mb: int) -> LayerIndex:
    """A TF SavedModel: TensorFlow loads it in a limited child; layers are the variables' name prefixes."""
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
        cls = _keras_class(shapes)
        first = next(iter(vs.values()))
        params = tuple(v["name"] for v in vs.values())
        layers.append(LayerInfo(layer, cls, True, first["name"], tuple(first["shape"]), first["dtype"],
                                numel(tuple(first["shape"])), params))
    return LayerIndex(path=path, framework="keras", layers=layers, source="savedmodel", exact_classes=False,
                      tied={}, ordered=True, complete=False,
                      notes=["SavedModel: layer classes inferred from variable names; INC prunes only Keras models"])

"""Keras model files read WITHOUT TensorFlow: `.keras` (Keras 3 zip) and legacy `.h5`.

`.keras` = zip of `config.json` (layer names and classes), `metadata.json` and a stored
`model.weights.h5`. Pitfall: the h5 groups are NOT named after layers: Keras' saving_lib names
each child `to_snake_case(type(layer).__name__)` made unique per container (`dense`, `dense_1`,
...), in `model.layers` order (Functional models list their InputLayer, Sequential ones do not).
We replay that rule to map layers to their h5 groups.

Legacy `.h5` = root attribute `model_config` (JSON), group `model_weights/<layer>` with attribute
`weight_names` and datasets at `model_weights/<layer>/<weight name>`.

h5py is imported lazily, only to read shapes/dtypes; without it names and classes still come
from the config. Each weight carries its h5 dataset path and, when the dataset is contiguous and
uncompressed, its absolute byte offset in the outer file (so numpy can memmap it).
"""

from __future__ import annotations

import json
import os
import re
import struct
import zipfile
from dataclasses import dataclass, field

from .errors import ModelFormatError

# Variable names, in creation order, of the Keras layers whose names we know; others get
# "vars/<i>". The first one is the layer's "weight" (what INC prunes: get_weights()[0]).
_VAR_NAMES: dict[str, tuple[str, ...]] = {
    "Dense": ("kernel", "bias"),
    "EinsumDense": ("kernel", "bias"),
    "Conv1D": ("kernel", "bias"),
    "Conv2D": ("kernel", "bias"),
    "Conv3D": ("kernel", "bias"),
    "Conv1DTranspose": ("kernel", "bias"),
    "Conv2DTranspose": ("kernel", "bias"),
    "Conv3DTranspose": ("kernel", "bias"),
    "DepthwiseConv1D": ("kernel", "bias"),
    "DepthwiseConv2D": ("kernel", "bias"),
    "SeparableConv1D": ("depthwise_kernel", "pointwise_kernel", "bias"),
    "SeparableConv2D": ("depthwise_kernel", "pointwise_kernel", "bias"),
    "Embedding": ("embeddings",),
    "LayerNormalization": ("gamma", "beta"),
    "BatchNormalization": ("gamma", "beta", "moving_mean", "moving_variance"),
    "GroupNormalization": ("gamma", "beta"),
    "PReLU": ("alpha",),
}


@dataclass(frozen=True)
class KerasWeight:
    """One variable of a Keras layer."""

    name: str  # Keras-style path: "fc1/kernel"
    shape: tuple[int, ...]
    dtype: str  # numpy-style name ("" when h5py is unavailable)
    h5_path: str  # dataset path inside the h5 file ("layers/dense/vars/0", "model_weights/fc1/fc1/kernel")
    data_offset: int | None = None  # absolute byte offset in the outer file, if contiguous & uncompressed


@dataclass
class KerasLayer:
    """One top-level layer (INC's parse_to_prune_tf looks at model.layers only)."""

    name: str
    class_name: str
    weights: list[KerasWeight] = field(default_factory=list)
    nested: bool = False  # a Sequential/Functional model used as a layer
    class_inferred: bool = False  # the file records no class: guessed (or "" left for the caller)


@dataclass
class KerasModel:
    path: str
    model_class: str  # "Functional", "Sequential", ...
    layers: list[KerasLayer]
    weights_file: str  # "model.weights.h5" member (.keras) or "" for .h5
    notes: list[str] = field(default_factory=list)
    ordered: bool = True  # False when the file does not record the layers' order


def _snake(name: str) -> str:
    # keras.src.utils.naming.to_snake_case
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _config_layers(cfg: dict) -> tuple[str, list[dict]]:
    if not isinstance(cfg, dict):
        raise ValueError("model config is not an object")
    cls = str(cfg.get("class_name", ""))
    inner = cfg.get("config") or {}
    layers = inner.get("layers") if isinstance(inner, dict) else None
    if not isinstance(layers, list):
        raise ValueError(f"model config of class {cls or '?'} has no layer list")
    if cls == "Sequential":
        layers = [ly for ly in layers if isinstance(ly, dict) and ly.get("class_name") != "InputLayer"]
    return cls, [ly for ly in layers if isinstance(ly, dict)]


def _layer_name(ly: dict) -> str:
    c = ly.get("config")
    if isinstance(c, dict) and isinstance(c.get("name"), str):
        return c["name"]
    return str(ly.get("name", ""))


def _is_container(ly: dict) -> bool:
    c = ly.get("config")
    return isinstance(c, dict) and isinstance(c.get("layers"), list)


def _datasets(group, base: str) -> list[tuple[str, object]]:
    """All datasets under an h5 group, in creation-ish (sorted numeric) order, as (relpath, ds)."""
    import h5py

    out: list[tuple[str, object]] = []

    def key(k: str):
        return (0, int(k), "") if k.isdigit() else (1, 0, k)

    def walk(g, rel: str):
        for k in sorted(g.keys(), key=key):
            obj = g[k]
            r = f"{rel}/{k}" if rel else k
            if isinstance(obj, h5py.Dataset):
                out.append((r, obj))
            else:
                walk(obj, r)

    walk(group, "")
    return out


def _h5_dtype(ds) -> str:
    """numpy-style dtype name of an h5 dataset; Keras writes bfloat16 as an opaque 2-byte type."""
    dt = ds.dtype
    if dt.kind == "V" and dt.itemsize == 2:
        return "bfloat16"
    return str(dt)


def _offset(ds, base_offset: int) -> int | None:
    try:
        if ds.compression is None and ds.chunks is None:
            off = ds.id.get_offset()
            if off is not None:
                return base_offset + int(off)
    except Exception:
        pass
    return None


def _weight_names(class_name: str, layer: str, rels: list[str]) -> list[str]:
    known = _VAR_NAMES.get(class_name)
    direct = [r for r in rels if re.fullmatch(r"vars/\d+", r)]
    names = []
    for r in rels:
        if known and r in direct and int(r.split("/")[1]) < len(known):
            names.append(f"{layer}/{known[int(r.split('/')[1])]}")
        else:
            names.append(f"{layer}/{r.replace('vars/', '').replace('layers/', '')}")
    return names


def read_keras_zip(path: str | os.PathLike) -> KerasModel:
    """Read a Keras 3 `.keras` file: top-level layers, classes, and (with h5py) weight shapes.

    Raises ModelFormatError when the zip, its config.json or its weights file is unreadable.
    """
    p = os.fspath(path)
    try:
        with zipfile.ZipFile(p) as z:
            names = z.namelist()
            if "config.json" not in names:
                raise ModelFormatError(p, "zip has no config.json: not a .keras file")
            cfg = json.loads(z.read("config.json"))
            cls, layers_cfg = _config_layers(cfg)
            winfo = z.getinfo("model.weights.h5") if "model.weights.h5" in names else None
    except ModelFormatError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise ModelFormatError(p, f"damaged or truncated .keras zip: {e}") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise ModelFormatError(p, f"config.json is not a Keras model config: {e}") from None
    layers = [KerasLayer(_layer_name(ly), str(ly.get("class_name", "")), [], _is_container(ly)) for ly in layers_cfg]
    model = KerasModel(p, cls, layers, "model.weights.h5" if winfo else "")
    if winfo is None:
        model.notes.append("no model.weights.h5 in the .keras file: weight shapes unknown")
        return model
    try:
        import h5py
    except ImportError:
        model.notes.append("h5py is not installed: weight shapes unknown")
        return model
    base = None
    if winfo.compress_type == zipfile.ZIP_STORED:
        with open(p, "rb") as f:
            f.seek(winfo.header_offset)
            local = f.read(30)
            if local[:4] == b"PK\x03\x04":
                n, e = struct.unpack("<HH", local[26:30])
                base = winfo.header_offset + 30 + n + e
    try:
        with zipfile.ZipFile(p) as z, z.open("model.weights.h5") as fh, h5py.File(fh, "r") as h:
            root = h.get("layers")
            used: dict[str, int] = {}
            for ly, lcfg in zip(layers, layers_cfg):
                snake = _snake(ly.class_name)
                if snake in used:
                    used[snake] += 1
                    gname = f"{snake}_{used[snake]}"
                else:
                    used[snake] = 0
                    gname = snake
                grp = root.get(gname) if root is not None else None
                if grp is None:
                    continue
                dsets = _datasets(grp, "")
                wnames = _weight_names(ly.class_name, ly.name, [r for r, _ in dsets])
                for wn, (rel, ds) in zip(wnames, dsets):
                    ly.weights.append(
                        KerasWeight(wn, tuple(int(d) for d in ds.shape), _h5_dtype(ds), f"layers/{gname}/{rel}",
                                    _offset(ds, base) if base is not None else None)
                    )
    except (OSError, ValueError, KeyError) as e:
        raise ModelFormatError(p, f"model.weights.h5 is unreadable: {e}") from None
    return model


def read_keras_h5(path: str | os.PathLike) -> KerasModel:
    """Read a legacy Keras `.h5` model: `model_config` attribute and `model_weights` datasets.

    Needs h5py (imported here). Raises ModelFormatError for an h5 file without a model config
    (e.g. a weights-only file) or a damaged file.
    """
    p = os.fspath(path)
    try:
        import h5py
    except ImportError:
        raise ModelFormatError(p, "reading .h5 models needs h5py (pip install h5py)") from None
    try:
        with h5py.File(p, "r") as h:
            raw = h.attrs.get("model_config")
            if raw is None:
                return _read_weights_only(p, h)
            if isinstance(raw, bytes):
                raw = raw.decode("utf-8")
            full = json.loads(raw)
            cls, layers_cfg = _config_layers(full)
            model_name = str((full.get("config") or {}).get("name") or "")
            layers = [KerasLayer(_layer_name(ly), str(ly.get("class_name", "")), [], _is_container(ly)) for ly in layers_cfg]
            mw = h.get("model_weights")
            for ly in layers:
                grp = mw.get(ly.name) if mw is not None else None
                if grp is None:
                    continue
                wn = [w.decode() if isinstance(w, bytes) else str(w) for w in grp.attrs.get("weight_names", [])]
                for w in wn:
                    ds = grp.get(w)
                    if ds is None:
                        continue
                    name = w[:-2] if w.endswith(":0") else w
                    if model_name and name.startswith(model_name + "/") and name.count("/") >= 2:
                        name = name[len(model_name) + 1:]  # Sequential models prefix their own name
                    ly.weights.append(KerasWeight(name, tuple(int(d) for d in ds.shape), _h5_dtype(ds),
                                                  f"model_weights/{ly.name}/{w}", _offset(ds, 0)))
    except ModelFormatError:
        raise
    except (OSError, ValueError, KeyError, UnicodeDecodeError) as e:
        raise ModelFormatError(p, f"not a readable Keras .h5 model: {e}") from None
    return KerasModel(p, cls, layers, "")


# Keras 3 names each layer's group in a .weights.h5 after its class (saving_lib): snake name -> class
_SNAKE_CLASSES = {_snake(c): c for c in _VAR_NAMES} | {"flatten": "Flatten", "dropout": "Dropout",
                                                       "input_layer": "InputLayer", "activation": "Activation"}


def _natural(name: str):
    """'dense_10' after 'dense_2': Keras numbers same-class layers in model order."""
    base, _, num = name.rpartition("_")
    return (base, int(num)) if num.isdigit() and base else (name, -1)


def _read_weights_only(p: str, h) -> KerasModel:
    """A weights-only h5: tf-keras `save_weights("w.h5")` (root attribute `layer_names`, one group
    per layer with `weight_names`) or Keras 3 `save_weights("x.weights.h5")` (`layers/<snake class
    name>[_N]/vars/<i>`, the layer's name in the `vars` group's `name` attribute). No classes are
    recorded: tf-keras layers get "" (the caller infers from shapes), Keras 3 ones the class their
    group is named after."""
    import h5py

    names = h.attrs.get("layer_names")
    if names is not None:
        layers = []
        for raw_name in names:
            lname = raw_name.decode() if isinstance(raw_name, bytes) else str(raw_name)
            grp = h.get(lname)
            ly = KerasLayer(lname, "", [], False, True)
            if isinstance(grp, h5py.Group):
                for w in grp.attrs.get("weight_names", []):
                    w = w.decode() if isinstance(w, bytes) else str(w)
                    ds = grp.get(w)
                    if isinstance(ds, h5py.Dataset):
                        wname = w[:-2] if w.endswith(":0") else w
                        ly.weights.append(KerasWeight(wname, tuple(int(d) for d in ds.shape), _h5_dtype(ds),
                                                      f"{lname}/{w}", _offset(ds, 0)))
            layers.append(ly)
        model = KerasModel(p, "", layers, "")
        model.notes.append("weights-only .h5 (tf-keras save_weights): layer classes inferred from weight shapes")
        return model
    root = h.get("layers")
    if not isinstance(root, h5py.Group):
        raise ModelFormatError(p, "h5 file has neither a model config nor Keras weights (no 'model_config', "
                                  "'layer_names' or 'layers')")
    layers = []
    for gname in sorted(root.keys(), key=_natural):
        grp = root[gname]
        if not isinstance(grp, h5py.Group):
            continue
        vars_grp = grp.get("vars")
        lname = gname
        if isinstance(vars_grp, h5py.Group) and vars_grp.attrs.get("name") is not None:
            n = vars_grp.attrs["name"]
            lname = n.decode() if isinstance(n, bytes) else str(n)
        cls = _SNAKE_CLASSES.get(re.sub(r"_\d+$", "", gname), "")
        ly = KerasLayer(lname, cls, [], "layers" in grp, True)
        dsets = _datasets(grp, "")
        for wn, (rel, ds) in zip(_weight_names(cls, lname, [r for r, _ in dsets]), dsets):
            ly.weights.append(KerasWeight(wn, tuple(int(d) for d in ds.shape), _h5_dtype(ds), f"layers/{gname}/{rel}",
                                          _offset(ds, 0)))
        if ly.weights:  # weightless layers (Flatten, Dropout) say nothing here, and their order is unknown
            layers.append(ly)
    model = KerasModel(p, "", layers, "", ordered=False)
    model.notes.append("weights-only Keras 3 file (.weights.h5): it records neither layer order nor classes; "
                       "classes taken from its group names (dense, conv2d_1, ...), layers listed by them")
    return model

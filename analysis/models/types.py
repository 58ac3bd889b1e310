"""The layer index's data types: what every loader produces and every caller reads."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import NamedTuple


class ModelLoadError(Exception):
    """A model path could not be read; `reason` is one human line (missing, truncated, unsafe, ...)."""

    def __init__(self, path: str | os.PathLike, reason: str):
        self.path = os.fspath(path)
        self.reason = reason
        super().__init__(f"cannot read model {self.path}: {reason}")


class LayerInfo(NamedTuple):
    """One module (torch) or layer (Keras) of a model, named as INC sees it. Immutable; a named
    tuple rather than a frozen dataclass because it is built 3x faster (10,000 per big model)."""

    name: str  # torch named_modules() name ("bert.encoder.layer.0.attention.self.query"); Keras layer.name
    class_name: str  # "Linear", "Conv2d", "Embedding", "LayerNorm", "Dense", ... ("" when unknown)
    class_inferred: bool  # True when guessed from the weight's shape/name rather than read from the file
    weight: str | None  # full name of the module's weight tensor ("...query.weight"), None if weightless
    shape: tuple[int, ...]  # weight shape (() when none)
    dtype: str  # numpy-style name: "float32", "float16", "bfloat16", "float8_e4m3fn", "int8", ...
    size: int  # number of elements of the weight
    params: tuple[str, ...] = ()  # all parameter tensor names of the module (own, not children's)


@dataclass
class LayerIndex:
    """All modules of one model, in registration order (INC's named_modules() order)."""

    path: str
    framework: str  # "pytorch" or "keras"
    layers: list[LayerInfo]
    source: str  # the loader: "safetensors-header", "torch-zip", "torchscript", "hf-folder", "keras-zip", ...
    exact_classes: bool  # True when every class name was read, not inferred
    tied: dict[str, str] = field(default_factory=dict)  # tensor -> tensor it shares storage with
    # False when the file does not record registration order (safetensors sorts names), so
    # INC's classifier-head search (last module wins) can only be guessed
    ordered: bool = True
    # True when weightless modules (Dropout, activations, containers) are listed too
    complete: bool = False
    # tensor name -> (file, location in it) where the data lives: an h5 dataset path for Keras,
    # the zip member for torch zips, "" for a byte range of a flat file (safetensors shards);
    # a tensor with no entry lives in `path` itself
    locations: dict[str, tuple[str, str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # caveats worth showing a user

    def by_name(self) -> dict[str, LayerInfo]:
        return {layer.name: layer for layer in self.layers}

    def weighted(self) -> list[LayerInfo]:
        """The layers that own a weight tensor."""
        return [layer for layer in self.layers if layer.weight is not None]

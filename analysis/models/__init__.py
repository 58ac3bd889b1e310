"""The layer index: a model's modules (names as INC sees them, classes, weight shapes, dtypes).

    from analysis.models import load_layer_index, cached_layer_index
    index = cached_layer_index("model.safetensors")
    for layer in index.layers: print(layer.name, layer.class_name, layer.shape)

Loaders read file formats directly where they can (safetensors header, torch zip pickle with
an allow-list, Keras config + h5 metadata) and run torch/transformers/TensorFlow only in a
limited child process. No framework is imported by this package.
"""

from __future__ import annotations

from .cache import cached_layer_index, clear_cache
from .load import is_factory_spec, load_layer_index
from .types import LayerIndex, LayerInfo, ModelLoadError

__all__ = [
    "LayerInfo",
    "LayerIndex",
    "ModelLoadError",
    "load_layer_index",
    "cached_layer_index",
    "clear_cache",
    "is_factory_spec",
]

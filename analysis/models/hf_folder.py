"""Hugging Face model folders: `config.json` + weights (safetensors, sharded, or pytorch_model.bin).

With `transformers` importable, the model class named in `config.architectures` is built on the
meta device in a limited child (no weights loaded, no remote code unless allowed): exact class
names and the weightless modules INC's head search needs. Otherwise classes are inferred from
the weights' names and shapes.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from ..formats.errors import ModelFormatError
from ..formats.safetensors import read_header
from .sandbox import run_worker
from .torch_files import index_from_safetensors, index_from_worker_modules, load_torch_zip, load_torch_legacy
from .types import LayerIndex, ModelLoadError

WEIGHT_FILES = (
    "model.safetensors.index.json",
    "model.safetensors",
    "pytorch_model.bin.index.json",
    "pytorch_model.bin",
)


def weight_files(folder: Path) -> list[Path]:
    """The weight files a HF folder loads from, in transformers' order of preference."""
    for name in WEIGHT_FILES:
        p = folder / name
        if p.is_file():
            if name == "pytorch_model.bin.index.json":
                try:
                    wmap = json.loads(p.read_text()).get("weight_map", {})
                except (OSError, ValueError):
                    return [p]
                return [p] + [folder / s for s in dict.fromkeys(wmap.values())]
            if name == "model.safetensors.index.json":
                try:
                    wmap = json.loads(p.read_text()).get("weight_map", {})
                except (OSError, ValueError):
                    return [p]
                return [p] + [folder / s for s in dict.fromkeys(wmap.values())]
            return [p]
    return []


def _transformers_available() -> bool:
    return importlib.util.find_spec("transformers") is not None and importlib.util.find_spec("torch") is not None


def load_hf_folder(folder: str, *, allow_code_execution: bool, timeout_s: float, memory_mb: int) -> LayerIndex:
    root = Path(folder)
    cfg_path = root / "config.json"
    has_config = cfg_path.is_file()
    cfg: dict = {}
    if has_config:
        try:
            cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
        except OSError as e:
            raise ModelLoadError(folder, f"config.json: {e.strerror}") from None
        except ValueError as e:
            raise ModelLoadError(folder, f"config.json is not valid JSON: {e}") from None
        if not isinstance(cfg, dict):
            raise ModelLoadError(folder, "config.json is not a JSON object")
    model_type = str(cfg.get("model_type", ""))
    files = weight_files(root)

    # the weights: dtypes (and, without transformers, the whole index)
    weights_index: LayerIndex | None = None
    dtypes: dict[str, str] = {}
    if files:
        first = files[0]
        if first.name.startswith("model.safetensors"):
            try:
                header = read_header(first)
            except ModelFormatError as e:
                raise ModelLoadError(folder, f"{first.name}: {e.reason}") from None
            weights_index = index_from_safetensors(folder, header, hf_model_type=model_type, source="hf-folder")
            dtypes = {t.name: t.numpy_dtype for t in header.tensors.values()}
        elif first.name == "pytorch_model.bin":
            weights_index = _load_bin(str(first), allow_code_execution, timeout_s, memory_mb)
            weights_index.path = folder
            dtypes = {ly.weight: ly.dtype for ly in weights_index.layers if ly.weight}
        elif first.name == "pytorch_model.bin.index.json":
            parts = [_load_bin(str(f), allow_code_execution, timeout_s, memory_mb) for f in files[1:] if f.is_file()]
            if len(parts) != len(files) - 1:
                raise ModelLoadError(folder, "a shard named in pytorch_model.bin.index.json is missing")
            weights_index = parts[0]
            weights_index.path = folder
            for part in parts[1:]:
                weights_index.layers.extend(part.layers)
                weights_index.tied.update(part.tied)
                weights_index.locations.update(part.locations)
            weights_index.complete = False
            dtypes = {ly.weight: ly.dtype for ly in weights_index.layers if ly.weight}

    if has_config and _transformers_available():
        try:
            ans = run_worker(folder, {"kind": "hf", "path": folder, "allow_code_execution": allow_code_execution},
                             timeout_s=timeout_s, memory_mb=memory_mb)
        except ModelLoadError as e:
            if weights_index is None:
                raise
            weights_index.notes.append(f"transformers could not build the model ({e.reason}); classes inferred")
            return weights_index
        idx = index_from_worker_modules(folder, ans, "hf-folder", dtypes=dtypes)
        idx.notes.append(f"model built from config.json as {ans.get('architecture', '?')} on the meta device")
        if weights_index is not None:
            idx.locations = weights_index.locations
            built = {ly.weight for ly in idx.layers if ly.weight}
            have = {ly.weight for ly in weights_index.layers if ly.weight}
            if have and len(built & have) < 0.5 * len(have):
                weights_index.notes.append(
                    f"the weights' names do not match {ans.get('architecture', 'the config architecture')}: "
                    "classes inferred from the weights instead")
                return weights_index
        return idx
    if weights_index is None:
        raise ModelLoadError(folder, "no weights (model.safetensors, pytorch_model.bin) and transformers is not "
                                     "installed to build the model from config.json")
    if has_config:
        weights_index.notes.append("install transformers for exact class names")
    return weights_index


def load_hf_folder_without_config(folder: str, **kw) -> LayerIndex:
    """A folder holding only weight files (no config.json): classes inferred from the weights."""
    return load_hf_folder(folder, **kw)


def _load_bin(path: str, allow: bool, timeout_s: float, memory_mb: int) -> LayerIndex:
    with open(path, "rb") as f:
        magic = f.read(2)
    if magic == b"PK":
        return load_torch_zip(path, allow_code_execution=allow, timeout_s=timeout_s, memory_mb=memory_mb)
    return load_torch_legacy(path, allow_code_execution=allow, timeout_s=timeout_s, memory_mb=memory_mb)


def fingerprint_files(folder: Path) -> list[Path]:
    """Files whose change invalidates a cached index of this folder."""
    return [folder / "config.json"] + weight_files(folder)



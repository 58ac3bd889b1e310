"""load_layer_index: recognise a model path by its content and hand it to the right loader."""

from __future__ import annotations

import errno
import os
import re
import zipfile
from pathlib import Path

from ..formats.torch_zip import is_torchscript_zip
from ..gc_pause import gc_paused
from .types import LayerIndex, ModelLoadError

FACTORY_RE = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")

_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def is_factory_spec(path: str | os.PathLike) -> bool:
    """True for `package.module:callable` strings that are not an existing path."""
    s = os.fspath(path)
    return bool(FACTORY_RE.match(s)) and not os.path.lexists(s)


def _stat_reason(e: OSError) -> str:
    if e.errno == errno.ELOOP:
        return "symlink loop (too many levels of symbolic links)"
    if e.errno == errno.ENOENT:
        return "no such file or directory"
    if e.errno == errno.EACCES:
        return "permission denied"
    return e.strerror or str(e)


def load_layer_index(
    path: str | os.PathLike,
    *,
    allow_code_execution: bool = False,
    timeout_s: float = 60,
    memory_mb: int = 4096,
) -> LayerIndex:
    """Index the layers of the model at `path` (file, folder, or `package.module:callable`).

    Formats are recognised by content, not extension. Nothing from the file is executed unless
    `allow_code_execution` (factories, full pickled modules); framework loaders run in a child
    process limited to `timeout_s` seconds and `memory_mb` MB. Raises ModelLoadError(path, reason).
    """
    # Building tens of thousands of small objects triggers the cyclic GC over and over (a third
    # of the time on a 20,000-tensor header); none of them form cycles, so pause it (counted, so
    # that a check running on another thread is not affected: analysis/gc_pause.py).
    with gc_paused():
        return _load(path, allow_code_execution=allow_code_execution, timeout_s=timeout_s, memory_mb=memory_mb)


def _load(path, *, allow_code_execution: bool, timeout_s: float, memory_mb: int) -> LayerIndex:
    from . import hf_folder, keras_files, torch_files

    spec = os.fspath(path)
    kw = dict(timeout_s=timeout_s, memory_mb=memory_mb)
    if is_factory_spec(spec):
        return torch_files.load_factory(spec, allow_code_execution=allow_code_execution, **kw)
    from . import tf_files

    p = Path(spec)
    if (p / "saved_model.pb").is_file() or (p / "saved_model.pbtxt").is_file():
        return tf_files.load_savedmodel(spec, **kw)
    if not (p / "config.json").is_file() and tf_files.is_tf_checkpoint(spec):
        # PREFIX, PREFIX.index, PREFIX.data-*, or a folder whose `checkpoint` file names one
        return tf_files.load_tf_checkpoint(spec)
    try:
        st = os.stat(spec)
    except OSError as e:
        raise ModelLoadError(spec, _stat_reason(e)) from None
    if os.path.isdir(spec):
        if (p / "config.json").is_file():
            return hf_folder.load_hf_folder(spec, allow_code_execution=allow_code_execution, **kw)
        if hf_folder.weight_files(p):
            return hf_folder.load_hf_folder_without_config(spec, allow_code_execution=allow_code_execution, **kw)
        raise ModelLoadError(spec, "folder is neither a Hugging Face model (config.json + weights), "
                                   "a TensorFlow SavedModel (saved_model.pb) nor a checkpoint folder")
    if p.name == "config.json":
        return _load(p.parent, allow_code_execution=allow_code_execution, **kw)
    try:
        with open(spec, "rb") as f:
            head = f.read(16)
    except OSError as e:
        raise ModelLoadError(spec, _stat_reason(e)) from None
    size = st.st_size
    if size == 0:
        raise ModelLoadError(spec, "empty file")
    if spec.endswith(".json"):
        return torch_files.load_safetensors(spec)  # a sharded model.safetensors.index.json
    if head[:2] == b"PK":
        return _load_zip(spec, allow_code_execution, **kw)
    if head[:8] == _HDF5_MAGIC:
        return keras_files.load_keras_h5(spec)
    if head[8:9] == b"{" or spec.endswith(".safetensors"):  # u64 header length, then the JSON header
        return torch_files.load_safetensors(spec)
    if head[:1] == b"\x80":  # a pickle: torch's legacy (pre-zip) serialization
        return torch_files.load_torch_legacy(spec, allow_code_execution=allow_code_execution, **kw)
    raise ModelLoadError(spec, "not a recognised model format (expected safetensors, a torch checkpoint, "
                               "TorchScript, .keras, .h5, a SavedModel or a TensorFlow checkpoint)")


def _load_zip(spec: str, allow: bool, *, timeout_s: float, memory_mb: int) -> LayerIndex:
    from . import keras_files, torch_files

    try:
        with zipfile.ZipFile(spec) as z:
            names = z.namelist()
    except (zipfile.BadZipFile, OSError) as e:
        raise ModelLoadError(spec, f"damaged or truncated zip archive ({e})") from None
    if "config.json" in names and ("model.weights.h5" in names or "metadata.json" in names):
        return keras_files.load_keras_zip(spec)
    if is_torchscript_zip(names):
        return torch_files.load_torchscript(spec, timeout_s=timeout_s, memory_mb=memory_mb)
    if any(n.endswith("data.pkl") for n in names):
        return torch_files.load_torch_zip(spec, allow_code_execution=allow, timeout_s=timeout_s, memory_mb=memory_mb)
    raise ModelLoadError(spec, "zip archive is neither a torch checkpoint, TorchScript, nor a .keras model")

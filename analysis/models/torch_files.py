"""Layer indexes of torch files: safetensors, torch.save zips, legacy pickles, TorchScript, full modules."""

from __future__ import annotations

import os

from ..formats.dtypes import SAFETENSORS_DTYPES, normalize_dtype
from ..formats.errors import ModelFormatError, UnsafePickleError
from ..formats.safetensors import SafetensorsHeader, read_header
from ..formats.torch_zip import TorchCheckpoint, UnsupportedPickleError, read_torch_zip
from .infer import Tensor, layers_from_tensors, numel
from .sandbox import run_worker
from .types import LayerIndex, LayerInfo, ModelLoadError

# Keys under which training scripts nest the state dict in a checkpoint dict.
_WRAPPERS = ("state_dict", "model_state_dict", "model", "module_state", "net", "network", "model_ema", "ema")


def index_from_safetensors(path: str, header: SafetensorsHeader, *, hf_model_type: str = "", source: str = "safetensors-header") -> LayerIndex:
    # The header's own tensor objects go straight in (no per-tensor copy: 20,000-tensor headers
    # are indexed within the 100 ms budget); their dtype names are mapped per layer weight only.
    tensors = list(header.tensors.values())
    # safetensors' save_model drops tied duplicates and records {dropped: kept} in __metadata__;
    # the dropped name is still a module of the model, sharing the kept tensor
    aliases = header.aliases()
    for dropped, kept in aliases.items():
        t = header.tensors[kept]
        tensors.append(Tensor(dropped, t.shape, t.dtype))
    layers = layers_from_tensors(tensors, hf_model_type=hf_model_type, natural_order=True,
                                 dtype_name=_st_dtype)
    locations: dict[str, tuple[str, str]] = {}
    if len(header.files) > 1:  # sharded: say which shard holds each tensor (else: all in `path`)
        locations = {t.name: (t.path, "") for t in header.tensors.values()}
        for dropped, kept in aliases.items():
            locations[dropped] = locations[kept]
    return LayerIndex(
        path=path, framework="pytorch", layers=layers, source=source, exact_classes=False,
        tied=dict(aliases), ordered=False, complete=False, locations=locations,
        notes=["safetensors does not record module order or classes: classes are inferred from names and shapes"],
    )


def _st_dtype(name: str) -> str:
    return SAFETENSORS_DTYPES.get(name, name.lower())


def _pick_state_dict(ck: TorchCheckpoint) -> tuple[str, list[str] | None]:
    """The dotted prefix of the model's state dict inside a checkpoint, and its module order."""
    if ck.module_names:
        # the dict that carried state_dict()'s `_metadata`, holding the most tensors
        best = max(ck.module_names, key=lambda pre: sum(1 for n in ck.tensors if pre == "" or n.startswith(pre + ".")))
        return best, ck.module_names[best]
    firsts = {n.split(".", 1)[0] for n in ck.tensors}
    if len(firsts) == 1:
        (first,) = firsts
        if first in _WRAPPERS and all("." in n for n in ck.tensors):
            return first, None
    return "", None


def index_from_torch_zip(path: str, ck: TorchCheckpoint) -> LayerIndex:
    prefix, order = _pick_state_dict(ck)
    strip = len(prefix) + 1 if prefix else 0
    tensors = [
        Tensor(n[strip:], t.shape, t.dtype)
        for n, t in ck.tensors.items()
        if not prefix or n.startswith(prefix + ".")
    ]
    layers = layers_from_tensors(tensors, module_order=order)
    tied = {a[strip:]: b[strip:] for a, b in ck.shared().items() if not prefix or a.startswith(prefix + ".")}
    locations = {n[strip:]: (path, t.storage.member) for n, t in ck.tensors.items() if not prefix or n.startswith(prefix + ".")}
    notes = ["classes are inferred from tensor names and shapes (a state dict does not record them)"]
    if prefix:
        notes.append(f"layers read from the checkpoint's {prefix!r} entry")
    if order is None:
        notes.append("the file does not list weightless modules (Dropout, activations)")
    return LayerIndex(path=path, framework="pytorch", layers=layers, source="torch-zip", exact_classes=False,
                      tied=tied, ordered=True, complete=order is not None, locations=locations, notes=notes)


def index_from_worker_tensors(path: str, ans: dict, source: str) -> LayerIndex:
    """A LayerIndex from the worker's flat tensor list (torch.load weights_only in a child)."""
    metas: dict = ans.get("module_order") or {}
    names = [t["name"] for t in ans.get("tensors", [])]
    prefix, order = "", None
    if metas:
        prefix = max(metas, key=lambda pre: sum(1 for n in names if pre == "" or n.startswith(pre + ".")))
        order = metas[prefix]
    elif len({n.split(".", 1)[0] for n in names}) == 1 and names and names[0].split(".", 1)[0] in _WRAPPERS:
        prefix = names[0].split(".", 1)[0]
    strip = len(prefix) + 1 if prefix else 0
    tensors = [Tensor(t["name"][strip:], tuple(t["shape"]), normalize_dtype(t["dtype"]))
               for t in ans.get("tensors", []) if not prefix or t["name"].startswith(prefix + ".")]
    layers = layers_from_tensors(tensors, module_order=order)
    tied = {a[strip:]: b[strip:] for a, b in (ans.get("tied") or {}).items() if not prefix or a.startswith(prefix + ".")}
    return LayerIndex(path=path, framework="pytorch", layers=layers, source=source, exact_classes=False,
                      tied=tied, ordered=True, complete=order is not None,
                      notes=["classes are inferred from tensor names and shapes (a state dict does not record them)"])


def index_from_worker_modules(path: str, ans: dict, source: str, *, dtypes: dict[str, str] | None = None) -> LayerIndex:
    """A LayerIndex from the worker's named_modules() description (exact classes)."""
    layers: list[LayerInfo] = []
    for m in ans.get("modules", []):
        name = m["name"]
        w = m.get("weight")
        if name == "" and w is None:
            continue  # the root is selectable by INC only when it owns a weight
        shape = tuple(m.get("shape") or ())
        dtype = normalize_dtype(m.get("dtype") or "") if w else ""
        if w and dtypes and w in dtypes:
            dtype = dtypes[w]  # the weights file's dtype, not the meta model's default
        layers.append(LayerInfo(name, m.get("class", ""), False, w, shape if w else (), dtype,
                                numel(shape) if w else 0, tuple(m.get("params") or ())))
    return LayerIndex(path=path, framework="pytorch", layers=layers, source=source, exact_classes=True,
                      tied=dict(ans.get("tied") or {}), ordered=True, complete=True, notes=list(ans.get("notes") or []))


def load_safetensors(path: str) -> LayerIndex:
    try:
        header = read_header(path)
    except ModelFormatError as e:
        raise ModelLoadError(path, e.reason) from None
    return index_from_safetensors(path, header)


def load_torch_zip(path: str, *, allow_code_execution: bool, timeout_s: float, memory_mb: int) -> LayerIndex:
    try:
        ck = read_torch_zip(path)
    except UnsafePickleError as e:
        if not allow_code_execution:
            raise ModelLoadError(path, e.reason) from None
        ans = run_worker(path, {"kind": "pickle_module", "path": path, "cwd": os.getcwd()},
                         timeout_s=timeout_s, memory_mb=memory_mb)
        if "modules" in ans:
            return index_from_worker_modules(path, ans, "torch-pickle")
        return index_from_worker_tensors(path, ans, "torch-pickle")
    except UnsupportedPickleError:
        # weights_only-safe but not modelled here (quantized/sparse tensors): let torch read it
        ans = run_worker(path, {"kind": "torch_weights_only", "path": path}, timeout_s=timeout_s, memory_mb=memory_mb)
        return index_from_worker_tensors(path, ans, "torch-weights-only")
    except ModelFormatError as e:
        raise ModelLoadError(path, e.reason) from None
    return index_from_torch_zip(path, ck)


def load_torch_legacy(path: str, *, allow_code_execution: bool, timeout_s: float, memory_mb: int) -> LayerIndex:
    """Non-zip torch pickles (torch < 1.6 or _use_new_zipfile_serialization=False): torch's own
    weights_only loader in a child; with code execution allowed, a full pickle on refusal."""
    try:
        ans = run_worker(path, {"kind": "torch_weights_only", "path": path}, timeout_s=timeout_s, memory_mb=memory_mb)
    except ModelLoadError as e:
        if "Weights only load failed" in e.reason or "UnpicklingError" in e.reason:
            if not allow_code_execution:
                raise ModelLoadError(path, "refused to unpickle: the file holds more than tensors "
                                           "(torch weights_only load failed); allow code execution to load it") from None
            ans = run_worker(path, {"kind": "pickle_module", "path": path, "cwd": os.getcwd()},
                             timeout_s=timeout_s, memory_mb=memory_mb)
            if "modules" in ans:
                return index_from_worker_modules(path, ans, "torch-pickle")
            return index_from_worker_tensors(path, ans, "torch-pickle")
        raise
    return index_from_worker_tensors(path, ans, "torch-legacy")


def load_torchscript(path: str, *, timeout_s: float, memory_mb: int) -> LayerIndex:
    ans = run_worker(path, {"kind": "torchscript", "path": path}, timeout_s=timeout_s, memory_mb=memory_mb)
    return index_from_worker_modules(path, ans, "torchscript")


def load_factory(spec: str, *, allow_code_execution: bool, timeout_s: float, memory_mb: int) -> LayerIndex:
    if not allow_code_execution:
        raise ModelLoadError(spec, "a Python factory runs user code: not run unless code execution is allowed "
                                   "(pruneLsp.allowCodeExecution)")
    ans = run_worker(spec, {"kind": "factory", "factory": spec, "cwd": os.getcwd()}, timeout_s=timeout_s, memory_mb=memory_mb)
    return index_from_worker_modules(spec, ans, "factory")

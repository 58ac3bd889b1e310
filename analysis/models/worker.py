"""Child-process side of sandbox.run_worker: load a model with its framework, describe its modules.

Run as `python -m analysis.models.worker TASK.json OUT.json`. The task says what to load;
the answer is JSON: {"modules": [{"name", "class", "weight", "shape", "dtype", "params"}],
"tied": {...}, "tensors": [...], "module_order": [...], "notes": [...]} or {"error": "..."}.
Only this file imports torch / transformers / tensorflow, and only in the child.
"""

from __future__ import annotations

import json
import os
import sys


def _apply_memory_limit(memory_mb: int) -> None:
    import resource

    if memory_mb and memory_mb > 0:
        lim = int(memory_mb) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _dtype(d) -> str:
    s = str(d)
    for pre in ("torch.", "<dtype: '"):
        if s.startswith(pre):
            s = s[len(pre):]
    return s.rstrip("'>")


def _describe_torch_module(model, *, script: bool = False) -> dict:
    """named_modules() with exact class names, own parameters and the `weight` tensor."""
    import torch

    modules = []
    for name, m in model.named_modules():
        cls = m.original_name if script and hasattr(m, "original_name") else type(m).__name__
        params = [f"{name}.{pn}" if name else pn for pn, _ in m.named_parameters(recurse=False)]
        w = None
        try:
            w = getattr(m, "weight", None)
        except Exception:  # properties of user modules may raise
            w = None
        entry = {"name": name, "class": cls, "params": params, "weight": None, "shape": [], "dtype": ""}
        if isinstance(w, torch.Tensor):
            entry.update(weight=f"{name}.weight" if name else "weight", shape=list(w.shape), dtype=_dtype(w.dtype))
        modules.append(entry)
    tied: dict[str, str] = {}
    first: dict[int, str] = {}
    for pn, p in model.named_parameters(remove_duplicate=False):
        if id(p) in first:
            tied[pn] = first[id(p)]
        else:
            first[id(p)] = pn
    return {"modules": modules, "tied": tied}


def _flatten_tensors(obj, metas: dict) -> list:
    """(name, shape, dtype, storage key) of every tensor in a loaded object (a state dict)."""
    import torch

    from analysis.formats.torch_zip import walk_state

    out = []
    for name, t in walk_state(obj, lambda x: isinstance(x, torch.Tensor), metas):
        try:
            key = (t.untyped_storage().data_ptr(), t.storage_offset(), tuple(t.shape), tuple(t.stride()))
        except Exception:
            key = None
        out.append((name, list(t.shape), _dtype(t.dtype), key))
    return out


def _tensor_answer(obj) -> dict:
    metas: dict = {}
    found = _flatten_tensors(obj, metas)
    tied: dict[str, str] = {}
    seen: dict = {}
    for name, _, _, key in found:
        if key is None or key[0] == 0:
            continue
        if key in seen:
            tied[name] = seen[key]
        else:
            seen[key] = name
    return {
        "tensors": [{"name": n, "shape": s, "dtype": d} for n, s, d, _ in found],
        "module_order": metas,
        "tied": tied,
    }


def task_torch_weights_only(task: dict) -> dict:
    import torch

    kw = {"weights_only": True, "map_location": "cpu"}
    try:
        obj = torch.load(task["path"], mmap=True, **kw)
    except Exception:  # legacy (non-zip) files cannot be memory-mapped
        obj = torch.load(task["path"], **kw)
    return _tensor_answer(obj)


def task_torchscript(task: dict) -> dict:
    import torch

    model = torch.jit.load(task["path"], map_location="cpu")
    return _describe_torch_module(model, script=True)


def task_torchscript_state_dict(task: dict) -> dict:
    """Write a TorchScript module's state_dict as a plain torch zip checkpoint (tensors only, shared
    storage kept, so tied weights stay tied), which the torch-free readers can then map."""
    import torch

    model = torch.jit.load(task["path"], map_location="cpu")
    torch.save({k: v.detach() for k, v in model.state_dict().items()}, task["out"])
    return {"out": task["out"]}


def task_pickle_module(task: dict) -> dict:
    import torch

    sys.path.insert(0, task.get("cwd") or os.getcwd())
    obj = torch.load(task["path"], weights_only=False, map_location="cpu")
    if isinstance(obj, torch.nn.Module):
        return _describe_torch_module(obj)
    return _tensor_answer(obj)


def task_factory(task: dict) -> dict:
    import importlib

    import torch

    sys.path.insert(0, task.get("cwd") or os.getcwd())
    mod_name, _, attr = task["factory"].partition(":")
    fn = importlib.import_module(mod_name)
    for part in attr.split("."):
        fn = getattr(fn, part)
    notes = []
    try:
        with torch.device("meta"):  # no weights are allocated or initialised
            model = fn()
    except Exception as e:
        notes.append(f"building on the meta device failed ({type(e).__name__}); built on cpu")
        model = fn()
    if not isinstance(model, torch.nn.Module):
        return {"error": f"factory {task['factory']} returned {type(model).__name__}, not a torch.nn.Module"}
    ans = _describe_torch_module(model)
    ans["notes"] = notes
    return ans


def task_hf(task: dict) -> dict:
    import torch
    import transformers

    folder = task["path"]
    allow = bool(task.get("allow_code_execution"))
    cfg = transformers.AutoConfig.from_pretrained(folder, local_files_only=True, trust_remote_code=allow)
    archs = list(getattr(cfg, "architectures", None) or [])
    cls = getattr(transformers, archs[0], None) if archs else None
    with torch.device("meta"):
        if cls is not None and hasattr(cls, "_from_config"):
            model = cls._from_config(cfg)
        else:
            model = transformers.AutoModel.from_config(cfg, trust_remote_code=allow)
    ans = _describe_torch_module(model)
    ans["architecture"] = type(model).__name__
    return ans


def task_savedmodel(task: dict) -> dict:
    import tensorflow as tf

    obj = tf.saved_model.load(task["path"])
    variables = list(getattr(obj, "variables", []) or [])
    return {
        "variables": [
            {"name": v.name[:-2] if v.name.endswith(":0") else v.name, "shape": [int(d) for d in v.shape],
             "dtype": v.dtype.name}
            for v in variables
        ]
    }


TASKS = {
    "torch_weights_only": task_torch_weights_only,
    "torchscript": task_torchscript,
    "torchscript_state_dict": task_torchscript_state_dict,
    "pickle_module": task_pickle_module,
    "factory": task_factory,
    "hf": task_hf,
    "savedmodel": task_savedmodel,
}


def main(argv: list[str]) -> int:
    task_file, out_file = argv[1], argv[2]
    with open(task_file) as f:
        task = json.load(f)
    _apply_memory_limit(int(task.get("memory_mb") or 0))
    try:
        ans = TASKS[task["kind"]](task)
    except MemoryError:
        ans = {"error": "out of memory", "oom": True}
    except BaseException as e:  # report any failure as one line; the parent turns it into ModelLoadError
        msg = str(e).strip().splitlines()[0] if str(e).strip() else ""
        ans = {"error": f"{type(e).__name__}: {msg}"[:300]}
        # torch reports a refused allocation as a RuntimeError, not MemoryError
        if any(s in str(e) for s in ("can't allocate memory", "Cannot allocate memory", "bad_alloc", "out of memory")):
            ans["oom"] = True
    with open(out_file, "w") as f:
        json.dump(ans, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

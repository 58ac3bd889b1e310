"""cached_layer_index: one load per model version, shared by threads.

The key is (realpath, size, mtime_ns) of every file the index was read from, plus the load
options; editing or replacing a file makes a new key. A per-key lock makes concurrent callers
wait for the first load instead of loading the same model twice.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections import OrderedDict
from pathlib import Path

from .load import is_factory_spec, load_layer_index
from .types import LayerIndex

_MAX_ENTRIES = 32
_lock = threading.Lock()
_entries: "OrderedDict[tuple, LayerIndex]" = OrderedDict()
_key_locks: dict[tuple, threading.Lock] = {}


def _stat(p: Path) -> tuple:
    try:
        st = os.stat(p)
        return (os.path.realpath(p), st.st_size, st.st_mtime_ns)
    except OSError:
        return (str(p), -1, -1)


def _files_of(path: str) -> list[Path]:
    """The files whose content determines the index of `path`."""
    from .hf_folder import fingerprint_files

    p = Path(path)
    from ..formats.tf_bundle import prefix_of

    if not (p / "saved_model.pb").is_file() and (prefix := prefix_of(path)) is not None:
        # a checkpoint prefix (which need not exist as a file): its index and shards
        folder, base = os.path.split(prefix)
        try:
            shards = sorted(f for f in os.listdir(folder or ".") if f.startswith(base + ".data-"))
        except OSError:
            shards = []
        return [Path(prefix + ".index")] + [Path(folder, f) for f in shards]
    if is_factory_spec(path):
        mod = path.split(":", 1)[0].replace(".", os.sep)
        # find the module's source without importing it (importing runs user code)
        for base in [os.getcwd(), *sys.path]:
            for cand in (Path(base) / f"{mod}.py", Path(base) / mod / "__init__.py"):
                if cand.is_file():
                    return [cand]
        return []
    if p.is_dir():
        if (p / "saved_model.pb").is_file():
            var = p / "variables"
            return [p / "saved_model.pb"] + (sorted(var.iterdir()) if var.is_dir() else [])
        return fingerprint_files(p)
    files = [p]
    if p.name.endswith(".json"):
        try:
            wmap = json.loads(p.read_text()).get("weight_map", {})
            files += [p.parent / s for s in dict.fromkeys(wmap.values())]
        except (OSError, ValueError, AttributeError):
            pass
    return files


def cache_key(path: str | os.PathLike, **kw) -> tuple:
    spec = os.fspath(path)
    files = tuple(_stat(f) for f in _files_of(spec))
    return (os.path.realpath(spec) if not is_factory_spec(spec) else spec, files, tuple(sorted(kw.items())))


def cached_layer_index(path: str | os.PathLike, **kw) -> LayerIndex:
    """load_layer_index(path, **kw), memoised on the files' (realpath, size, mtime_ns); thread-safe.

    Errors are not cached: a fixed file is retried on the next call.
    """
    key = cache_key(path, **kw)
    with _lock:
        hit = _entries.get(key)
        if hit is not None:
            _entries.move_to_end(key)
            return hit
        klock = _key_locks.setdefault(key, threading.Lock())
    with klock:
        with _lock:
            hit = _entries.get(key)
            if hit is not None:
                return hit
        index = load_layer_index(path, **kw)
        with _lock:
            _entries[key] = index
            _entries.move_to_end(key)
            while len(_entries) > _MAX_ENTRIES:
                old, _ = _entries.popitem(last=False)
                _key_locks.pop(old, None)
            _key_locks.pop(key, None)
        return index


def clear_cache() -> None:
    with _lock:
        _entries.clear()
        _key_locks.clear()

"""Keras layers of a TensorFlow checkpoint or SavedModel, named as INC's Keras pruning names them.

INC's `get_sparsity_ratio_tf` walks `model.layers` (top level only) and counts each layer's
`get_weights()[0]` under `layer.name`. A bundle's keys are object-graph paths, not layer names:

- tf-keras (Keras 2) `save_weights(prefix)`, `tf.train.Checkpoint(model=m)` and `model.save(dir)`:
  `[model/]layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE`, with `layer-N` children
  giving every top-level layer in order;
- Keras 3 `tf.train.Checkpoint(model=m)`: `model/_functional/_operations/1/_kernel/...`;
- Keras 3 `model.export(dir)`: `variables/0/.ATTRIBUTES/VARIABLE_VALUE` (flat lists only);
- TF1 `Saver`: the variable names themselves ("dense/kernel").

The checkpoint's own object graph (`_CHECKPOINTABLE_OBJECT_GRAPH`, a TrackableObjectGraph:
nodes = 1 {children = 1 {node_id = 1, local_name = 2}, attributes = 2 {name = 1, full_name = 2,
checkpoint_key = 3}}) links each key to its variable's full name: tf-keras names variables
`<layer>/<weight>` ("hidden/kernel"), Keras 3 by path `<model>/<layer>/<weight>`. A top-level
layer found in the graph (a `layer-N` or `_operations/N` child) takes the name its variables
share; where the graph has no layer list (Keras 3 export), layers are the variables' paths
with the model's own name removed. tf-keras SavedModels also hold `keras_metadata.pb`
(SavedMetadata: nodes = 1 {node_path = 3, metadata = 5 JSON with name and class_name}): exact
names and classes. Classes are otherwise left empty for the caller to infer from shapes.
"""

from __future__ import annotations

import json
import os
import re
from collections import deque
from dataclasses import dataclass, field

from . import protobuf_wire as pw
from .errors import ModelFormatError
from .tf_bundle import OBJECT_GRAPH_KEY, Bundle, BundleEntry, read_bundle

_LAYER_N = re.compile(r"layer-(\d+)$")
# variables that are not model weights: counters, optimizer state, RNG state
_NOT_WEIGHTS = re.compile(r"(^|/)(save_counter|global_step|optimizer|seed_generator[^/]*|\.OPTIMIZER_SLOT)(/|$)")


@dataclass
class TFVariable:
    name: str  # Keras-style "<layer>/<weight path>" ("hidden/kernel", "mha/query/kernel")
    entry: BundleEntry
    full_name: str = ""  # the variable's own name in the file ("seq/hidden/kernel")


@dataclass
class TFLayer:
    name: str
    class_name: str = ""  # "" = not recorded in the file
    variables: list[TFVariable] = field(default_factory=list)


@dataclass
class TFModel:
    path: str
    kind: str  # "savedmodel" or "checkpoint"
    bundle: Bundle
    layers: list[TFLayer]
    ordered: bool  # True when the top-level layer order comes from the file's layer list
    complete: bool  # True when weightless layers are listed too
    naming: str  # "keras2-graph", "keras3-graph", "variable-paths", "keys"
    notes: list[str] = field(default_factory=list)


def _graph(bundle: Bundle):
    """[(children [(node id, local name)], attributes [(name, full_name, checkpoint_key)])] or None."""
    if OBJECT_GRAPH_KEY not in bundle.entries:
        return None
    g = pw.message(bundle.read_string_scalar(OBJECT_GRAPH_KEY))
    nodes = []
    for node in g.get(1, []):
        n = pw.message(node)
        children = []
        for c in n.get(1, []):
            cm = pw.message(c)
            children.append((pw.first(cm, 1, 0), pw.text(pw.first(cm, 2, b""))))
        attrs = []
        for a in n.get(2, []):
            am = pw.message(a)
            attrs.append(tuple(pw.text(pw.first(am, k, b"")) for k in (1, 2, 3)))
        nodes.append((children, attrs))
    return nodes


def _layer_list(nodes) -> tuple[list[tuple[str, int]], str] | None:
    """The top-level layers [(graph path, node id)] in model.layers order, found breadth-first
    from the root: a node with `layer-N` children (tf-keras) or an `_operations`/`_layers` list
    (Keras 3)."""
    seen, queue = {0}, deque([(0, "")])
    while queue:
        nid, path = queue.popleft()
        children = nodes[nid][0]
        numbered = [(int(m.group(1)), c, ln) for c, ln in children if (m := _LAYER_N.match(ln))]
        if numbered:
            numbered.sort()
            return [(f"{path}{ln}", c) for _, c, ln in numbered], "keras2-graph"
        for c, ln in children:
            if ln in ("_operations", "_layers") and c < len(nodes):
                items = [(int(n), cc) for cc, n in nodes[c][0] if n.isdigit()]
                if items:
                    items.sort()
                    return [(f"{path}{ln}/{i}", cc) for i, cc in items], "keras3-graph"
        for c, ln in children:
            if c not in seen and c < len(nodes) and not ln.startswith(("optimizer", "_self_")) \
                    and ln not in ("variables", "trainable_variables", "non_trainable_variables", "_all_variables",
                                   "keras_api", "signatures"):
                seen.add(c)
                queue.append((c, f"{path}{ln}/"))
    return None


def _variables_under(nodes, nid: int, var_of: dict[int, tuple[str, str]]) -> list[int]:
    """Variable node ids reachable from `nid` (depth first, children in order, each once)."""
    out, seen, stack = [], set(), [nid]
    while stack:
        n = stack.pop()
        if n in seen or n >= len(nodes):
            continue
        seen.add(n)
        if n in var_of:
            out.append(n)
        stack.extend(c for c, ln in reversed(nodes[n][0])
                     if ln not in ("keras_api", "_self_saveable_object_factories") and not ln.startswith("optimizer"))
    return out


def _common_parent(full_names: list[str]) -> str:
    parts = [fn.split("/")[:-1] for fn in full_names]
    common = parts[0]
    for p in parts[1:]:
        k = 0
        while k < min(len(common), len(p)) and common[k] == p[k]:
            k += 1
        common = common[:k]
    return "/".join(common)


def _layer_from_vars(vars_: list[tuple[str, BundleEntry]], fallback: str) -> tuple[str, list[TFVariable]]:
    """A top-level layer's name (the path its variables share, last part) and its variables."""
    names = [fn for fn, _ in vars_]
    common = _common_parent(names) if all("/" in n for n in names) else ""
    lname = common.rpartition("/")[2] if common else fallback
    out = []
    for fn, e in vars_:
        rest = fn[len(common) + 1:] if common else fn
        out.append(TFVariable(f"{lname}/{rest}", e, fn))
    return lname, out


def _metadata(folder: str) -> dict:
    """tf-keras keras_metadata.pb: {node id: metadata JSON} (SavedModel node ids, the same as the
    variables' object graph's)."""
    p = os.path.join(folder, "keras_metadata.pb")
    if not os.path.isfile(p):
        return {}
    out = {}
    try:
        with open(p, "rb") as f:
            for obj in pw.message(f.read()).get(1, []):
                m = pw.message(obj)
                try:
                    out[pw.first(m, 2, 0)] = json.loads(pw.text(pw.first(m, 5, b"{}")))
                except ValueError:
                    continue
    except (OSError, ValueError):
        return {}
    return out


def _dedup_key(e: BundleEntry, full_name: str):
    return (full_name, e.dtype, e.shape, e.crc32c)


_MEMO: dict[tuple, TFModel] = {}  # the layer index and the sparsity count read a bundle once


def read_tf_model(path: str | os.PathLike) -> TFModel:
    """read_tf_model_uncached(path), memoised on the index file's (path, size, mtime) (4 entries)."""
    from .tf_bundle import prefix_of

    p = os.fspath(path)
    prefix = prefix_of(p)
    try:
        st = os.stat(prefix + ".index") if prefix else None
    except OSError:
        st = None
    if st is None:
        return read_tf_model_uncached(p)
    key = (os.path.realpath(p), os.path.realpath(prefix), st.st_size, st.st_mtime_ns)
    hit = _MEMO.get(key)
    if hit is None:
        hit = read_tf_model_uncached(p)
        if len(_MEMO) >= 4:
            _MEMO.pop(next(iter(_MEMO)))
        _MEMO[key] = hit
    return hit


def read_tf_model_uncached(path: str | os.PathLike) -> TFModel:
    """Top-level Keras layers of a SavedModel folder or a checkpoint prefix, with the bundle
    entries of their variables (first = the layer's weight as INC takes it). ModelFormatError
    when the bundle or its object graph cannot be read."""
    p = os.fspath(path)
    bundle = read_bundle(p)
    kind = "savedmodel" if os.path.isdir(p) and os.path.isfile(os.path.join(p, "saved_model.pb")) else "checkpoint"
    try:
        nodes = _graph(bundle)
    except ModelFormatError as e:
        raise ModelFormatError(p, f"cannot read the checkpoint's object graph (it names the layers): {e.reason}") from None
    except ValueError as e:
        raise ModelFormatError(p, f"the checkpoint's object graph is corrupt: {e}") from None
    notes: list[str] = []
    if nodes is None:
        # a TF1 Saver checkpoint: keys are the variable names
        vars_ = [(k, e) for k, e in bundle.entries.items() if not _NOT_WEIGHTS.search(k)]
        layers = _group_by_path(vars_)
        notes.append("a name-based (TF1 Saver) checkpoint: layers listed in name order, the file records no other")
        return TFModel(p, kind, bundle, layers, False, False, "keys", notes + bundle.notes)
    var_of: dict[int, tuple[str, str]] = {}
    for nid, (_, attrs) in enumerate(nodes):
        for name, full, key in attrs:
            if name == "VARIABLE_VALUE" and key in bundle.entries:
                var_of[nid] = (full or key.replace("/.ATTRIBUTES/VARIABLE_VALUE", ""), key)
    found = _layer_list(nodes)
    meta = _metadata(p) if kind == "savedmodel" else {}
    if found is not None:
        items, naming = found
        layers: list[TFLayer] = []
        claimed: set[int] = set()
        for gpath, nid in items:
            vids = [v for v in _variables_under(nodes, nid, var_of) if v not in claimed]
            claimed.update(vids)
            md = meta.get(nid)
            vars_ = [(var_of[v][0], bundle.entries[var_of[v][1]]) for v in vids]
            if vars_:
                lname, tvars = _layer_from_vars(vars_, gpath.rpartition("/")[2] if naming == "keras2-graph" else gpath)
            else:
                lname, tvars = gpath, []
            cls = ""
            if md:
                named = str(md.get("name") or lname)
                if named != lname:  # tensors carry the layer's recorded name
                    tvars = [TFVariable(named + v.name[len(lname):], v.entry, v.full_name) for v in tvars]
                lname = named
                cls = str(md.get("class_name") or "")
            if not vars_ and not md:
                continue  # a weightless layer (InputLayer, Flatten) whose name the file does not record
            layers.append(TFLayer(lname, cls, tvars))
        if meta:
            _ensure_unique(layers)
        ordered, complete = True, bool(meta)
        if not complete:
            notes.append("the checkpoint records no names for weightless layers; only layers with weights are listed")
        return TFModel(p, kind, bundle, layers, ordered, complete, naming, notes + bundle.notes)
    # no layer list (Keras 3 model.export(), tf.Module): group the distinct variables by path
    seen: dict[tuple, str] = {}
    vars_ = []
    for nid in sorted(var_of, key=lambda n: _order_key(var_of[n][1])):
        full, key = var_of[nid]
        if _NOT_WEIGHTS.search(full) or _NOT_WEIGHTS.search(key):
            continue
        e = bundle.entries[key]
        dk = _dedup_key(e, full)
        branch = key.split("/", 1)[0]
        if dk in seen and seen[dk] != branch:
            # the same variable in two of the export's lists (`variables`, `_all_variables`): same
            # name, same bytes; within one list equal variables are distinct ones (zero biases)
            continue
        seen.setdefault(dk, branch)
        vars_.append((full, e))
    if len({fn for fn, _ in vars_}) < len(vars_):
        # distinct variables with one name (built outside any model's name scope): name them by
        # their place in the object graph instead, so that none hides another
        vars_ = [(e.key.replace("/.ATTRIBUTES/VARIABLE_VALUE", ""), e) for _, e in vars_]
        notes.append("variable names repeat: layers named by their object-graph paths")
    layers = _group_by_path(vars_)
    notes.append("layer names taken from the variables' paths (the file records no layer list); "
                 "classes inferred from weight shapes")
    return TFModel(p, kind, bundle, layers, True, False, "variable-paths", notes + bundle.notes)


def _order_key(key: str):
    # export writes `variables/N` (model.variables order) and `_all_variables/N`: prefer the former
    head, _, rest = key.partition("/")
    num = rest.split("/", 1)[0]
    return (0 if head == "variables" else 1 if head == "trainable_variables" else 2,
            int(num) if num.isdigit() else 0, key)


def _group_by_path(vars_: list[tuple[str, BundleEntry]]) -> list[TFLayer]:
    """Layers from variable paths: the model's own name (a first part every path shares, when
    every path has one more part than `<layer>/<weight>`) is dropped; the next part names the
    top-level layer."""
    names = [fn for fn, _ in vars_]
    split = [n.split("/") for n in names]
    drop = 0
    if split and all(len(s) >= 3 for s in split) and len({s[0] for s in split}) == 1:
        drop = 1
    layers: dict[str, TFLayer] = {}
    for (full, e), parts in zip(vars_, split):
        parts = parts[drop:]
        if len(parts) < 2:
            lname, rest = "", parts[0] if parts else full
        else:
            lname, rest = parts[0], "/".join(parts[1:])
        ly = layers.setdefault(lname, TFLayer(lname))
        ly.variables.append(TFVariable(f"{lname}/{rest}" if lname else rest, e, full))
    return list(layers.values())


def _ensure_unique(layers: list[TFLayer]) -> None:
    seen: dict[str, int] = {}
    for ly in layers:
        if ly.name in seen:
            seen[ly.name] += 1
            ly.name = f"{ly.name}#{seen[ly.name]}"
        else:
            seen[ly.name] = 0

"""INC's layer selection, reproduced exactly on a LayerIndex (no model, no torch).

INC 2.x `parse_to_prune(config, model)` (compression/pruner/utils.py), for one pruner:
  1. ClassifierHeadSearcher: walk named_modules() in registration order, skipping modules whose
     class is exactly "Dropout"; the last module whose class is exactly "Linear"/"Conv2d" is the
     head if it is also the last module walked. No Linear/Conv2d at all -> IndexError.
  2. The head name is *appended* to excluded_op_names (AttributeError when that is not a list)
     and later used as a regex with re.search, so `fc` also excludes `fc1`.
  3. op_names None or [] -> [".*"]; each entry is compiled (failure -> AssertionError
     "regular expression match does not support ...") and re.search'ed on every module name; a
     module is kept when some pruning_op_types entry is a substring of its class name and it
     has a `weight` attribute. A bare string is iterated per character, as Python does.
  4. Modules matching any excluded_op_names entry (re.search; a bad regex raises re.error) go.
Keras (`parse_to_prune_tf`): op_names is ignored; top-level layers only; the class substring
test; the layer must have weights; the head search uses "Dense"/"Conv2d".
Pruners whose pattern contains "mha" skip all this and use SelfMHASearcher (a JIT trace); we
approximate it by attention-module names.

We run the same statements on stand-in objects whose class names are the index's class names,
so the odd inputs (strings iterated per character, `{}` from YAML nulls, non-string entries)
behave and fail exactly as in INC.
"""

from __future__ import annotations


import copy
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from .models.memo import per_layer_list
from .models.types import LayerIndex, LayerInfo
from .schema.patterns import parse_pattern

DEFAULTS = {"op_names": [], "excluded_op_names": [], "pruning_op_types": ["Conv", "Linear"], "pattern": "4x1"}
FLATTEN_DIM2 = 8  # INC utils.FLATTEN_DIM2: 1-D weights are viewed as [-1, 8]


@dataclass
class Selection:
    """What one pruner hooks, and why the rest does not get hooked."""

    selected: list[LayerInfo] = field(default_factory=list)  # in INC's order; [] when INC raises
    head: str | None = None  # the auto-excluded classifier head
    excluded_by_head: list[str] = field(default_factory=list)  # other layers the head's regex removed
    unmatched_op_names: list[int] = field(default_factory=list)  # op_names entries matching no layer
    unmatched_excluded: list[int] = field(default_factory=list)  # excluded_op_names entries matching no layer
    errors: list[str] = field(default_factory=list)  # the exception INC raises, as "Type: message"
    mha: bool = False  # pattern contains "mha": selection by SelfMHASearcher, not op_names
    mha_groups: list[dict] = field(default_factory=list)  # [{"qkv": [...], "ffn": [...]}] found by name
    warnings: list[str] = field(default_factory=list)  # limits of what the index could tell

    @property
    def names(self) -> list[str]:
        return [layer.name for layer in self.selected]


class _Stand:
    """A stand-in module: `type(x).__name__` is the real class name; `weight` only if it has one."""


_classes: dict[tuple[str, bool], type] = {}


def _stand_in(layer: LayerInfo, framework: str) -> object:
    has = layer.weight is not None if framework != "keras" else bool(layer.params)
    key = (layer.class_name or "Module", has)
    cls = _classes.get(key)
    if cls is None:
        attrs = {"weight": None} if has else {}
        cls = type(key[0], (_Stand,), attrs)
        _classes[key] = cls
    obj = cls()
    obj.weights = list(layer.params)  # Keras' layer.weights (used only in the Keras branch)
    return obj


def _stand_ins(layers: list[LayerInfo], framework: str) -> list[tuple[str, object]]:
    """(name, stand-in) per layer, built once per layer list: every check of every pruner walks
    them (20,000 objects on a big model), and nothing mutates them."""
    return per_layer_list(layers, f"stand-ins:{framework}",
                          lambda layers: [(layer.name, _stand_in(layer, framework)) for layer in layers])


def _err(e: BaseException) -> str:
    if isinstance(e, re.error):
        return f"re.error: {e}"
    return f"{type(e).__name__}: {e}"


def _search_any(raw, names: list[str]) -> bool | None:
    """Does the regex `raw` re.search any name? None when it does not compile."""
    try:
        pat = re.compile(raw)
    except Exception:
        return None
    return any(pat.search(n) for n in names)


def _head_torch(layers: list[LayerInfo]) -> str | None:
    # ClassifierHeadSearcher.search: named_modules() includes the root "" (never a Dropout)
    all_modules = [""]
    all_lc = []
    for layer in layers:
        if layer.name == "":
            continue
        if layer.class_name != "Dropout":
            all_modules.append(layer.name)
            if layer.class_name in ("Linear", "Conv2d"):
                all_lc.append(layer.name)
    last_lc = all_lc[-1]  # IndexError when the model has no Linear/Conv2d, as in INC
    return last_lc if last_lc == all_modules[-1] else None


def _head_keras(layers: list[LayerInfo]) -> str | None:
    # ClassifierHeadSearcherTF.search over model.layers; Keras' class is "Conv2D", so only Dense counts
    all_modules = []
    all_lc = []
    for layer in layers:
        if layer.class_name != "Dropout":
            all_modules.append(layer.name)
            if layer.class_name in ("Dense", "Conv2d"):
                all_lc.append(layer.name)
    last_lc = all_lc[-1]
    return last_lc if last_lc == all_modules[-1] else None


def select_layers(config: Mapping, index: LayerIndex) -> Selection:
    """The layers INC hooks for one pruner's effective `config` (INC's keys and raw values)."""
    cfg = {k: copy.deepcopy(config[k]) if k in config else copy.deepcopy(v) for k, v in DEFAULTS.items()}
    sel = Selection()
    keras = index.framework == "keras"
    layers = index.layers
    names = [layer.name for layer in layers]
    pattern = cfg["pattern"]
    if isinstance(pattern, str) and "mha" in pattern:
        sel.mha = True
        if keras:
            sel.errors.append("AssertionError: Currently mha only support pytorch framework.")
            return sel
        return _select_mha(index, sel)

    user_excluded = cfg["excluded_op_names"]
    _unmatched(sel, cfg, names, keras)
    if not index.ordered:
        sel.warnings.append("the model file does not record layer order: the classifier head is a guess")
    elif not index.complete and not keras:
        sel.warnings.append("the model file does not list weightless modules (Dropout, activations): "
                            "the classifier head is a guess")

    by_name = {layer.name: layer for layer in layers}
    modules: dict[str, object] = {}
    try:
        head = _head_keras(layers) if keras else _head_torch(layers)
        sel.head = head
        if head is not None:
            cfg["excluded_op_names"].append(head)  # AttributeError for a str/dict/None, like INC
        if cfg["op_names"] is None or cfg["op_names"] == []:
            cfg["op_names"] = [".*"]
        stands = _stand_ins(layers, index.framework)
        if keras:
            for name, module in stands:
                for layer_type in cfg["pruning_op_types"]:
                    if layer_type in type(module).__name__ and bool(module.weights):
                        modules[name] = module
        else:
            for raw in cfg["op_names"]:
                try:
                    pat = re.compile(raw)
                except:  # noqa: E722 - INC's own bare except turns every failure into this assertion
                    raise AssertionError(f"regular expression match does not support {raw}") from None
                for name, module in filter(lambda t: pat.search(t[0]), stands):
                    for layer_type in cfg["pruning_op_types"]:
                        if layer_type in type(module).__name__ and hasattr(module, "weight"):
                            modules[name] = module
                            break
        patterns = [re.compile(s) for s in cfg["excluded_op_names"]]
    except Exception as e:
        sel.errors.append(_err(e))  # INC raises here: the pruner hooks nothing
        return sel
    kept = [n for n in modules if not any(p.search(n) for p in patterns)]
    sel.selected = [by_name[n] for n in kept]
    if sel.head is not None:
        user_pats = patterns[:-1] if isinstance(user_excluded, list) else []
        head_pat = patterns[-1]
        sel.excluded_by_head = [
            n for n in modules
            if n != sel.head and head_pat.search(n) and not any(p.search(n) for p in user_pats)
        ]
    if keras:
        ops = config.get("op_names") if isinstance(config, Mapping) else None
        if ops:
            sel.warnings.append("op_names is ignored for Keras models (INC selects by pruning_op_types only)")
    return sel


def _unmatched(sel: Selection, cfg: dict, names: list[str], keras: bool) -> None:
    ops = cfg["op_names"]
    if not keras and ops is not None and ops != [] and _iterable(ops):
        sel.unmatched_op_names = [i for i, raw in enumerate(ops) if _search_any(raw, names) is False]
    exc = cfg["excluded_op_names"]
    if exc is not None and _iterable(exc):
        sel.unmatched_excluded = [i for i, raw in enumerate(exc) if _search_any(raw, names) is False]


def _iterable(x) -> bool:
    try:
        iter(x)
        return True
    except TypeError:
        return False


# --- MHA ------------------------------------------------------------------------------------

_QKV = [("query", "key", "value"), ("q_proj", "k_proj", "v_proj"), ("q_lin", "k_lin", "v_lin"),
        ("q", "k", "v"), ("wq", "wk", "wv"), ("to_q", "to_k", "to_v")]
_OUT_INSIDE = ("out_proj", "o_proj", "out_lin", "o", "wo", "dense", "to_out")


def _select_mha(index: LayerIndex, sel: Selection) -> Selection:
    """SelfMHASearcher finds 3 Linear layers sharing one input (q, k, v) and the Linear after them;
    by name: sibling triples like query/key/value with equal shapes, and the attention output."""
    by_name = {layer.name: layer for layer in index.layers}
    linear = {n for n, ly in by_name.items() if "Linear" in ly.class_name and ly.weight}
    parents: dict[str, set[str]] = {}
    for n in linear:
        parent, _, leaf = n.rpartition(".")
        parents.setdefault(parent, set()).add(leaf)
    order = {n: i for i, n in enumerate(by_name)}
    for parent in sorted(parents, key=lambda p: min(order[f"{p}.{leaf}" if p else leaf] for leaf in parents[p])):
        leaves = parents[parent]
        for triple in _QKV:
            if all(t in leaves for t in triple):
                full = [f"{parent}.{t}" if parent else t for t in triple]
                if len({by_name[f].shape for f in full}) != 1:
                    continue
                ffn = [f"{parent}.{o}" if parent else o for o in _OUT_INSIDE if o in leaves and o not in triple]
                if not ffn and parent:
                    grand = parent.rpartition(".")[0]
                    cand = f"{grand}.output.dense" if grand else "output.dense"
                    if cand in linear:
                        ffn = [cand]
                sel.mha_groups.append({"qkv": full, "ffn": ffn[:1]})
                break
    chosen = {n for g in sel.mha_groups for n in g["qkv"] + g["ffn"]}
    sel.selected = [ly for ly in index.layers if ly.name in chosen]
    sel.warnings.append("pattern 'mha': INC ignores op_names/excluded_op_names and finds attention modules "
                        "by tracing the model; these were recognised by name")
    if not sel.mha_groups:
        sel.warnings.append("no attention modules (query/key/value Linear triples) were recognised")
    return sel


# --- block divisibility -----------------------------------------------------------------------


def _shape_str(shape: tuple[int, ...], framework: str) -> str:
    """`256x64`: what a user reads in a message (INC's own log prints the Python object instead)."""
    return "x".join(str(d) for d in shape)


def reshape_2d(shape: tuple[int, ...], framework: str = "pytorch") -> tuple[int, int] | str:
    """INC's `_reshape_orig_to_2dims` on a shape: 4-D [cout,cin,k,k] -> [cout, k*k*cin], 3-D ->
    [cout, k*cin], 1-D -> [-1, 8]. Keras (KerasPatternNxM) applies the same 4-D permutation to the
    raw HWIO kernel and leaves other ranks alone. Returns INC's error text when it would raise."""
    if framework == "keras":
        if len(shape) == 4:
            return (shape[0], shape[2] * shape[3] * shape[1])
        if len(shape) == 2:
            return (shape[0], shape[1])
        return f"Keras weight of shape {_shape_str(shape, framework)} has no 2-D view in INC"
    if len(shape) == 2:
        return (shape[0], shape[1])
    if len(shape) == 4:
        return (shape[0], shape[2] * shape[3] * shape[1])
    if len(shape) == 3:
        return (shape[0], shape[2] * shape[1])
    if len(shape) == 1:
        if shape[0] % FLATTEN_DIM2:
            return f"shape '[-1, {FLATTEN_DIM2}]' is invalid for input of size {shape[0]}"
        return (shape[0] // FLATTEN_DIM2, FLATTEN_DIM2)
    return f"Currently only support reshape data with 1,3,4-dims, but got shape {_shape_str(shape, framework)}"


def block_divisibility(layer: LayerInfo, pattern: str, framework: str = "pytorch") -> str | None:
    """None when INC can apply `pattern` to the layer's weight, else INC's warning text
    ("{name} shape {shape} cannot be divided by {pattern}", the 2-D shape after its reshape, written 256x64).

    NxM (incl. channelxM / Nxchannel, whose channel side is the *original* weight's dim 0 / dim 1)
    needs rows % N == 0 and cols % M == 0; N:M needs cols % M == 0. Patterns INC would reject
    outright (not NxM / N:M) and 'mha' return None: the config checker reports those.
    """
    if not isinstance(pattern, str) or layer.weight is None:
        return None
    verdict = _shape_verdict(tuple(layer.shape), pattern, framework)
    return None if verdict is None else layer.name + verdict


@functools.lru_cache(maxsize=4096)
def _shape_verdict(shape: tuple[int, ...], pattern: str, framework: str) -> str | None:
    """block_divisibility's answer without the layer's name in front: a model has 20,000 layers
    but a handful of shapes, and a check asks for every selected layer on every keystroke."""
    pat = parse_pattern(pattern)  # the one grammar (analysis/schema/patterns.py) the rules use too
    if pat.problems or pat.kind not in ("nxm", "nm"):
        return None  # not a pattern INC accepts: the config checker reports it
    if pat.kind == "nm" and framework == "keras":
        return None  # kerasN:M does not exist: INC rejects the pattern itself
    two = reshape_2d(shape, framework)
    n, m = pat.n, pat.m
    if pat.kind == "nxm":
        if framework == "keras" and "channel" in (n, m):
            return None  # INC reads `layer.shape` of a Keras layer here, which Keras 3 layers lack
        try:
            # the channel side of the block comes from the ORIGINAL weight shape (get_block_size_dict)
            n = shape[0] if n == "channel" else n
            m = shape[1] if m == "channel" else m
        except IndexError:
            return f": IndexError: tuple index out of range ({len(shape)}-D weight has no " \
                   f"dimension for a channel block)"
    if isinstance(two, str):
        return f": {two}"
    rows, cols = two
    if pat.kind == "nm":
        bad = m == 0 or cols % m != 0
    else:
        bad = n == 0 or m == 0 or rows % n != 0 or cols % m != 0
    if bad:
        return f" shape {_shape_str(two, framework)} cannot be divided by {pattern}"
    return None


__all__ = ["Selection", "select_layers", "block_divisibility", "reshape_2d", "DEFAULTS"]

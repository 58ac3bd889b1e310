"""What each pruner and each `op_names` entry selects in the config's model, in words for the editor.

The counts come from INC's own selection (analysis.selection.select_layers) run on the effective
pruner (analysis.merge), so they are the layers INC would hook, classifier-head auto-exclusion
included. An entry's share is the same selection run with that entry alone (`op_names`) or with
the pruner's other entries only (`excluded_op_names`). Dialect D names parameters, not modules: its
entries are looked up by exact name. Pure: no LSP, no framework.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional, Sequence

from .models.memo import per_layer_list
from .selection import Selection, select_layers

if TYPE_CHECKING:  # pragma: no cover
    from .engine import CheckedConfig
    from .merge import EffectivePruner
    from .models.types import LayerIndex, LayerInfo
    from .yaml_tree import Pair

SELECTION_KEYS = ("op_names", "excluded_op_names", "pruning_op_types", "pattern")  # what select_layers reads
SELECTION_DIALECTS = "AB"  # the dialects whose selection select_layers reproduces
PARAM_NAME_DIALECTS = "D"  # `names`/`excluded_names` are full parameter names
SHOWN = 5  # layers listed in a hover
# The keys whose values are layer (or, in dialect D, parameter) names.
LAYER_LIST_KEYS = ("op_names", "excluded_op_names", "names", "excluded_names", "extra_excluded_names")


def count_text(n: int) -> str:
    """12 -> "12", 36864 -> "36.9K", 21_233_664 -> "21.2M"."""
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if n >= div:
            return f"{n / div:.1f}{suffix}"
    return str(n)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _is_unknown(v: Any) -> bool:
    """A value a Python file computes at run time (analysis.python_config's UNKNOWN marker)."""
    if type(v).__name__ == "Unknown":
        return True
    if isinstance(v, (list, tuple)):
        return any(_is_unknown(x) for x in v)
    if isinstance(v, dict):
        return any(_is_unknown(x) for x in v.values())
    return False


def weights_of(layers: list["LayerInfo"]) -> int:
    return sum(layer.size for layer in layers if layer.weight is not None)


def layer_line(layer: "LayerInfo") -> str:
    shape = "x".join(str(s) for s in layer.shape) if layer.shape else "no weight"
    cls = layer.class_name or "?"
    return f"`{layer.name}` {cls} {shape}"


def pruner_config(ep: "EffectivePruner") -> Optional[dict]:
    """The pruner's effective settings as INC's selection reads them; None when one of them is not
    known statically (a Python config computing it at run time)."""
    cfg = ep.as_dict()
    if any(_is_unknown(cfg.get(k)) for k in SELECTION_KEYS):
        return None
    return cfg


def pruner_selection(ep: "EffectivePruner", index: "LayerIndex") -> Optional[Selection]:
    cfg = pruner_config(ep)
    return select_layers(cfg, index) if cfg is not None else None


def summary(sel: Selection) -> str:
    """One line for a code lens: "selects 48 layers, 21.2M weights"."""
    if sel.errors:
        return f"selects nothing: INC raises {sel.errors[0].splitlines()[0][:80]}"
    n = len(sel.selected)
    what = "attention layer" if sel.mha else "layer"
    if n == 0:
        return f"selects no {what}" + (f" (the head `{sel.head}` exclusion removed them)" if sel.excluded_by_head else "")
    return f"selects {_plural(n, what)}, {count_text(weights_of(sel.selected))} weights"


def pruner_lens_title(ep: "EffectivePruner", index: "LayerIndex") -> Optional[str]:
    sel = pruner_selection(ep, index)
    if sel is None:
        return "selection not known statically"
    return summary(sel)


# -- hover on one entry -----------------------------------------------------------------------


def _listing(layers: list["LayerInfo"]) -> list[str]:
    out = [f"- {layer_line(layer)}" for layer in layers[:SHOWN]]
    if len(layers) > SHOWN:
        out.append(f"- ... and {len(layers) - SHOWN} more")
    return out


def _model_name(index: "LayerIndex") -> str:
    return os.path.basename(os.path.normpath(index.path)) or index.path


def op_names_entry(cfg: dict, i: int, index: "LayerIndex") -> list[str]:
    """Markdown lines: what the pruner's i-th `op_names` entry selects (with the pruner's exclusions)."""
    ops = cfg.get("op_names")
    raw = ops[i]
    alone = select_layers({**cfg, "op_names": [raw]}, index)
    if alone.errors:
        return [f"INC raises on this entry: `{alone.errors[0]}`"]
    if alone.mha:
        return ["pattern `mha`: INC ignores `op_names` and finds attention modules by tracing the model"]
    if index.framework == "keras":
        return ["INC ignores `op_names` for Keras models: the pruner selects by `pruning_op_types` only"]
    n = len(alone.selected)
    lines = [f"selects **{_plural(n, 'layer')}** of {_model_name(index)}, "
             f"{count_text(weights_of(alone.selected))} weights" + (":" if n else "")]
    lines += _listing(alone.selected)
    loose = select_layers({**cfg, "op_names": [raw], "excluded_op_names": []}, index)
    dropped = len(loose.selected) - n
    if dropped > 0:
        lines.append(f"{_plural(dropped, 'more layer')} match but `excluded_op_names` removes them")
    unheaded = select_layers({**cfg, "op_names": [raw], "excluded_op_names": []}, _without_head(index))
    kept = set(loose.names)
    by_head = [layer.name for layer in unheaded.selected if layer.name not in kept]
    if by_head:
        lines.append(f"INC's classifier-head exclusion (`{loose.head}`, used as a regex) removes "
                     + ", ".join(f"`{h}`" for h in by_head[:3]) + (" and more" if len(by_head) > 3 else ""))
    return lines


def _without_head(index: "LayerIndex") -> "LayerIndex":
    """The index with a weightless module last, so that INC's head search finds no head (the last
    Linear/Conv2d must also be the last module): which layers the head rule hides."""
    from dataclasses import replace

    from .models.types import LayerInfo

    stop = LayerInfo("\x00no-head", "ReLU", False, None, (), "", 0)
    return replace(index, layers=[*index.layers, stop])


def excluded_entry(cfg: dict, j: int, index: "LayerIndex") -> list[str]:
    """Markdown lines: which layers the pruner's j-th `excluded_op_names` entry takes out of its selection."""
    exc = cfg.get("excluded_op_names")
    raw = exc[j]
    sel = select_layers(cfg, index)
    if sel.errors:
        return [f"INC raises on this pruner's selection: `{sel.errors[0]}`"]
    if sel.mha:
        return ["pattern `mha`: INC ignores `excluded_op_names` and finds attention modules by tracing the model"]
    others = select_layers({**cfg, "excluded_op_names": [x for k, x in enumerate(exc) if k != j]}, index)
    kept = set(sel.names)
    removed = [layer for layer in others.selected if layer.name not in kept]
    if not removed:
        try:
            pat = re.compile(raw)
            matched = sum(1 for layer in index.layers if pat.search(layer.name))
        except Exception:
            matched = 0
        if matched:
            return [f"matches {_plural(matched, 'layer name')} of {_model_name(index)}, none of which "
                    "this pruner's `op_names` selects (or another entry excludes them already)"]
        return [f"excludes no layer of {_model_name(index)}"]
    return [f"excludes **{_plural(len(removed), 'layer')}** that `op_names` selects, "
            f"{count_text(weights_of(removed))} weights:"] + _listing(removed)


def param_entry(raw: Any, index: "LayerIndex") -> list[str]:
    """Dialect D: an entry of `names` is a full parameter name, looked up as written."""
    if not isinstance(raw, str):
        return [f"`{raw!r}` is not a parameter name"]
    for layer in index.layers:
        if raw == layer.weight:
            return [f"the weight of {layer_line(layer)}, {count_text(layer.size)} weights"]
        if raw in layer.params:
            return [f"a parameter of `{layer.name}` ({layer.class_name or '?'})"]
    return [f"no parameter of {_model_name(index)} is named `{raw}` (names here are full parameter names "
            "such as `layer1.0.conv1.weight`)"]


def entry_markdown(checked: "CheckedConfig", pruner: "Optional[EffectivePruner]", pair: "Pair", key: str, i: int,
                   index: "Optional[LayerIndex]") -> Optional[str]:
    """Hover text for the i-th item of the list `pair` (key `key`): what it selects in the model.

    `pruner` is the pruner the pair is written in (None: the global section, whose list applies to
    every pruner that does not set its own).
    """
    dialect = checked.config.dialect.id
    if index is None:
        if dialect in SELECTION_DIALECTS + PARAM_NAME_DIALECTS:
            return ("Layers: no model loaded. Name one with `# prune-lsp: model=PATH` in the first 5 lines "
                    "(or the `pruneLsp.models` setting) to see what this entry selects.")
        return None
    if dialect in PARAM_NAME_DIALECTS:
        items = _items(pair)
        return "\n".join(param_entry(items[i], index)) if i < len(items) else None
    if dialect not in SELECTION_DIALECTS or key not in ("op_names", "excluded_op_names"):
        return None
    users = [pruner] if pruner is not None else [
        ep for ep in checked.pruners if ep.settings.get(key) is not None and ep.settings[key].pair is pair]
    out: list[str] = []
    for ep in users:
        if ep is None:
            continue
        s = ep.settings.get(key)
        if s is None or s.pair is not pair:
            continue  # overridden (by `parameters`, say): this list is not what INC uses
        cfg = pruner_config(ep)
        values = cfg.get(key) if cfg is not None else None
        if cfg is None or not isinstance(values, list) or i >= len(values):
            out.append(f"{ep.label()}: not known statically")
            continue
        lines = op_names_entry(cfg, i, index) if key == "op_names" else excluded_entry(cfg, i, index)
        sel = select_layers(cfg, index)
        lines.append(f"In all, {ep.label()} {summary(sel)}.")
        if len(users) > 1:
            lines = [f"**{ep.label()}**: " + lines[0]] + lines[1:]
        out.append("\n".join(lines))
    return "\n\n".join(out) if out else None


def _items(pair: "Pair") -> list[Any]:
    from .yaml_tree import Sequence, to_python

    v = pair.value
    return [to_python(x) for x in v.items] if isinstance(v, Sequence) else []


# -- completion helpers -------------------------------------------------------------------------

_NUMBER = re.compile(r"\d+$")
def _ambiguous(layers: Sequence["LayerInfo"]) -> frozenset[str]:
    """Weighted layer names that occur inside another weighted layer's name (`fc` in `fc1`, `head.fc`):
    their escaped name alone would also select the other layer under re.search.

    Not one substring search per name over all names (2 s on 20,000 layers): a name inside
    another either starts it (then, in sorted order, the very next name starts with it) or begins
    later in it, and then its first dotted segment does too: only names holding some layer's
    first segment past their start need the real test, and real models have few such segments."""
    names = sorted({layer.name for layer in layers if weighted(layer) and layer.name})
    out = {a for a, b in zip(names, names[1:]) if b.startswith(a)}
    groups: dict[str, list[str]] = {}
    for n in names:
        groups.setdefault(n.partition(".")[0], []).append(n)
    if len(groups) * len(names) > _AMBIGUITY_WORK:
        return frozenset(names)  # pathological (thousands of root layers): anchor all, always safe
    for first, group in groups.items():
        hosts = [m for m in names if m.find(first, 1) != -1]
        if hosts:
            out.update(n for n in group if n not in out and any(m.find(n, 1) != -1 for m in hosts))
    return frozenset(out)


_AMBIGUITY_WORK = 4_000_000  # first segments x names: ~0.5 s of str.find at most


def weighted(layer: Any) -> bool:
    return getattr(layer, "weight", True) is not None  # a stand-in without the field counts as weighted


def ambiguous_names(layers: Sequence["LayerInfo"]) -> frozenset[str]:
    return per_layer_list(layers, "ambiguous", _ambiguous)


def layer_item_texts(layers: Sequence["LayerInfo"]) -> dict:
    """A per-index memo that completion fills as it offers layers (name -> regex and detail), so
    a repeated request re-formats nothing."""
    return per_layer_list(layers, "item-texts", lambda _layers: {})


def offerable_layers(layers: Sequence["LayerInfo"], params: bool = False) -> list[tuple[int, str, Any]]:
    """(position, name, layer) of each layer completion may offer: the layers with a weight (INC
    hooks no other), named by module, or by weight tensor for dialect D's parameter names."""
    def build(layers):
        return [(i, layer.weight if params else layer.name, layer)
                for i, layer in enumerate(layers) if weighted(layer)]
    return per_layer_list(layers, "offerable-params" if params else "offerable", build)


def warm_caches(layers: Sequence["LayerInfo"]) -> None:
    """Work every completion request would otherwise do first (tens of ms on 20,000 layers)."""
    ambiguous_names(layers)
    common_prefixes(layers)
    offerable_layers(layers)


@dataclass(frozen=True)
class Prefix:
    """`bert.encoder.layer.*`: the layers under a repeated block (the name part before an index)."""

    label: str  # "bert.encoder.layer.*"
    regex: str  # "bert\\.encoder\\.layer\\."
    layers: int
    weights: int


def _prefixes(layers: Sequence["LayerInfo"]) -> list[Prefix]:
    counts: dict[str, list[int]] = {}
    for layer in layers:
        if not weighted(layer):
            continue
        parts = layer.name.split(".")
        for k in range(1, len(parts)):
            if _NUMBER.fullmatch(parts[k]):
                c = counts.setdefault(".".join(parts[:k]), [0, 0])
                c[0] += 1
                c[1] += getattr(layer, "size", 0)
    out = [Prefix(f"{p}.*", re.escape(p + ".").replace("\\_", "_").replace("\\-", "-"), n, w)
           for p, (n, w) in counts.items() if n >= 2]
    return sorted(out, key=lambda x: (-x.layers, x.label))


def common_prefixes(layers: Sequence["LayerInfo"]) -> list[Prefix]:
    return per_layer_list(layers, "prefixes", _prefixes)

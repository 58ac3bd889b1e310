"""Configs for the differential test: single mutations of the corpus's dialect-B configs.

Seeds are the corpus's `weight_compression_v2` files, the configs derived from them (one seed per
pruner with the file's global keys, the global keys alone with `pruners: []`, the failing hpo
example with end_step fixed), and each seed's WeightPruningConfig form (dialect A: the global keys
at the top, the pruners in `pruning_configs`). Each mutation changes one thing at one level (the
global section or one pruner) and is labelled with its kind, for the agreement table.

A config is kept as (key, raw YAML text) pairs so that mutations can write exactly what a user
would type: `9e-1`, `yes`, an unquoted `2:4`, an empty value, a plain mapping without its tag.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Iterator, Optional

import yaml

Items = list[tuple[str, str]]


@dataclass(frozen=True)
class Case:
    id: str
    kind: str
    dialect: str  # "A" or "B"
    text: str


@dataclass
class Cfg:
    dialect: str
    globals: Items
    pruners: Optional[list[Items]]  # None: no `pruners` / `pruning_configs` key at all
    pruners_raw: Optional[str] = None  # a scalar written instead of the list ("" = null)
    untagged: frozenset = frozenset()  # B: pruner indexes written as plain mappings
    name: str = ""
    suffix: str = ""  # raw text after the config (a second document, a syntax error)

    def copy(self) -> "Cfg":
        return replace(self, globals=list(self.globals),
                       pruners=None if self.pruners is None else [list(p) for p in self.pruners])

    def render(self) -> str:
        return (_render_b(self) if self.dialect == "B" else _render_a(self)) + self.suffix


def _line(key: str, raw: str) -> str:
    return f"{key}:" if raw == "" else f"{key}: {raw}"


def _render_b(c: Cfg) -> str:
    out = ["model:", "  name: toy", "  framework: pytorch", "pruning:", "  approach:", "    weight_compression_v2:"]
    g = "      "
    out += [g + _line(k, v) for k, v in c.globals]
    if c.pruners is not None:
        out.append(g + "pruners:" + ("" if c.pruners else " []"))
        for i, items in enumerate(c.pruners):
            if i in c.untagged:
                for j, (k, v) in enumerate(items):
                    out.append(g + ("  - " if j == 0 else "    ") + _line(k, v))
            else:
                out.append(g + "  - !PrunerV2")
                out += [g + "      " + _line(k, v) for k, v in items]
    elif c.pruners_raw is not None:
        out.append(g + _line("pruners", c.pruners_raw))
    return "\n".join(out) + "\n"


def _render_a(c: Cfg) -> str:
    out = [_line(k, v) for k, v in c.globals]
    if c.pruners is not None:
        out.append("pruning_configs:" + ("" if c.pruners else " []"))
        for items in c.pruners:
            if not items:
                out.append("  - {}")
            for j, (k, v) in enumerate(items):
                out.append(("  - " if j == 0 else "    ") + _line(k, v))
    elif c.pruners_raw is not None:
        out.append(_line("pruning_configs", c.pruners_raw))
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# seeds


class _TagLoader(yaml.SafeLoader):
    pass


_TagLoader.add_constructor("!PrunerV2", lambda loader, node: loader.construct_mapping(node, deep=True))


def _raw(value) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    return text[:-4].strip() if text.endswith("\n...") else text.removesuffix("...").strip()


def _items(d: dict) -> Items:
    return [(k, _raw(v)) for k, v in d.items()]


def seeds_from_texts(texts: dict[str, str]) -> list[Cfg]:
    """B seeds from the corpus's weight_compression_v2 files, plus the configs derived from them."""
    seeds: list[Cfg] = []
    for name, text in sorted(texts.items()):
        short = name.split("__")[-2] if name.startswith("INLINE") else name.split("__")[-1]
        short = short.removesuffix(".yaml").removesuffix(".py")
        v2 = yaml.load(text, Loader=_TagLoader)["pruning"]["approach"]["weight_compression_v2"]
        glob = {k: v for k, v in v2.items() if k != "pruners"}
        pruners = [dict(p) for p in v2.get("pruners") or []]
        base = Cfg("B", _items(glob), [_items(p) for p in pruners], name=short)
        seeds.append(base)
        if len(pruners) > 1:
            for i, p in enumerate(pruners):
                seeds.append(Cfg("B", _items(glob), [_items(p)], name=f"{short}-p{i + 1}"))
        seeds.append(Cfg("B", _items(glob), [], name=f"{short}-global"))
        if glob.get("end_step", 0) == 0:  # the hpo example: rejected as it is; fixed, a seed INC accepts
            fixed = dict(glob, end_step=10)
            seeds.append(Cfg("B", _items(fixed), [_items(p) for p in pruners], name=f"{short}-end10"))
    seeds += [replace(s.copy(), dialect="A", name=s.name + "-A") for s in list(seeds)]
    return seeds


# ---------------------------------------------------------------------------------------------
# mutations: (kind, level, apply) where level is "global", "pruner" or "any"

Mut = Callable[[Cfg, Optional[int]], Optional[Cfg]]


def _items_at(c: Cfg, idx: Optional[int]) -> Optional[Items]:
    if idx is None:
        return c.globals
    if c.pruners is None or idx >= len(c.pruners):
        return None
    return c.pruners[idx]


def set_(**kv) -> Mut:
    """Set keys (raw YAML text values) at the level, replacing or appending."""
    def apply(c: Cfg, idx):
        items = _items_at(c, idx)
        if items is None:
            return None
        for k, raw in kv.items():
            for j, (key, _v) in enumerate(items):
                if key == k:
                    items[j] = (k, raw)
                    break
            else:
                items.append((k, raw))
        return c
    return apply


def drop(*keys) -> Mut:
    def apply(c: Cfg, idx):
        items = _items_at(c, idx)
        if items is None or not any(k in keys for k, _ in items):
            return None
        items[:] = [(k, v) for k, v in items if k not in keys]
        return c
    return apply


def rename(old_to_new: dict) -> Mut:
    """Misspell the first key of the level that has a misspelling listed."""
    def apply(c: Cfg, idx):
        items = _items_at(c, idx)
        if items is None:
            return None
        for j, (k, v) in enumerate(items):
            if k in old_to_new:
                items[j] = (old_to_new[k], v)
                return c
        return None
    return apply


def both(*muts: Mut) -> Mut:
    def apply(c: Cfg, idx):
        for m in muts:
            if m(c, idx) is None:
                return None
        return c
    return apply


def untag(c: Cfg, idx):
    if c.dialect != "B" or c.pruners is None or idx is None or idx >= len(c.pruners):
        return None
    c.untagged = c.untagged | {idx}
    return c


def pruners_missing(c: Cfg, idx):
    if idx is not None:
        return None
    c.pruners, c.pruners_raw = None, None
    return c


def pruners_scalar(raw: str) -> Mut:
    def apply(c: Cfg, idx):
        if idx is not None:
            return None
        c.pruners, c.pruners_raw = None, raw
        return c
    return apply


def pruners_empty(c: Cfg, idx):
    if idx is not None or not c.pruners:
        return None
    c.pruners = []
    return c


def _suffix(c: Cfg, idx, text: str):
    """Text appended after the whole config (global mutations only)."""
    if idx is not None:
        return None
    c.suffix = c.suffix + text
    return c


def _dup_first(c: Cfg, idx):
    """The level's first key written twice, the first time with another value (PyYAML keeps the last)."""
    items = _items_at(c, idx)
    if not items:
        return None
    k, v = items[0]
    items.insert(0, (k, '"overwritten"'))
    return c


_TYPOS = {"target_sparsity": "target_sparsty", "pruning_type": "pruning_typ", "start_step": "start_stpe",
          "end_step": "endstep", "pattern": "patern", "op_names": "op_name", "pruning_scope": "pruning_scop",
          "pruning_frequency": "prune_frequency", "sparsity_decay_type": "sparsity_decay",
          "excluded_op_names": "exclude_op_names", "max_sparsity_ratio_per_op": "max_sparsity_ratio",
          "parameters": "params"}

MUTATIONS: list[tuple[str, str, Mut]] = [
    # values out of range (check_config)
    ("start-negative", "any", set_(start_step="-1")),
    ("start-negative", "any", set_(start_step="-5", end_step="10")),
    ("end-negative", "any", set_(end_step="-1")),
    ("end-negative", "any", set_(end_step="-3")),
    ("end-before-start", "any", set_(start_step="6", end_step="3")),
    ("target-range", "any", set_(target_sparsity="1.2")),
    ("target-range", "any", set_(target_sparsity="1.0")),
    ("target-range", "any", set_(target_sparsity="-0.1")),
    ("target-range", "any", set_(target_sparsity="80")),
    ("target-ok", "any", set_(target_sparsity="0.0")),
    ("frequency", "any", set_(pruning_frequency="0")),
    ("frequency", "any", set_(pruning_frequency="-2")),
    ("max-range", "any", set_(max_sparsity_ratio_per_op="1.5")),
    ("max-range", "any", set_(max_sparsity_ratio_per_op="1")),
    ("max-range", "any", set_(max_sparsity_ratio_per_op="-0.2")),
    ("min-range", "any", set_(min_sparsity_ratio_per_op="-0.1")),
    ("min-range", "any", set_(min_sparsity_ratio_per_op="0.99")),
    ("min-range", "any", set_(min_sparsity_ratio_per_op="0.6", max_sparsity_ratio_per_op="0.5")),
    ("min-range", "any", set_(min_sparsity_ratio_per_op="0.4", target_sparsity="0.3", pattern='"2:8"')),
    ("target-above-max", "any", set_(target_sparsity="0.9", max_sparsity_ratio_per_op="0.7")),
    ("reg-coeff", "any", set_(parameters="{reg_coeff: -0.1}")),
    ("reg-coeff", "any", set_(parameters="{reg_coeff: 0.5}", reg_type="group_lasso")),
    ("reg-coeff", "global", set_(reg_coeff="-1")),
    # wrong types, as YAML 1.1 reads them
    ("type-quoted-number", "any", set_(target_sparsity='"0.5"')),
    ("type-quoted-number", "any", set_(start_step='"1"')),
    ("type-quoted-number", "any", set_(end_step='"10"')),
    ("type-quoted-number", "any", set_(pruning_frequency='"2"')),
    ("type-quoted-number", "any", set_(max_sparsity_ratio_per_op='"0.9"')),
    ("type-quoted-number", "any", set_(min_sparsity_ratio_per_op='"0.1"')),
    ("type-quoted-number", "any", set_(parameters='{reg_coeff: "0.1"}')),
    ("type-sci-notation", "any", set_(target_sparsity="9e-1")),
    ("type-sci-notation", "any", set_(target_sparsity="5.0e-1")),
    ("type-sci-notation", "any", set_(end_step="1e1")),
    ("type-sci-notation", "any", set_(max_sparsity_ratio_per_op="9e-1")),
    ("type-bool", "any", set_(target_sparsity="yes")),
    ("type-bool", "any", set_(start_step="no")),
    ("type-bool", "any", set_(pruning_scope="yes")),
    ("type-bool", "any", set_(pattern="on")),
    ("type-bool", "any", set_(resume_from_pruned_checkpoint="no")),
    ("type-float-step", "any", set_(end_step="10.0")),
    ("type-float-step", "any", set_(pruning_frequency="2.5")),
    ("type-list", "any", set_(target_sparsity="[0.5]")),
    ("type-list", "any", set_(pattern='["4x1"]')),
    ("type-list", "any", set_(pruning_type="[magnitude]")),
    ("type-list", "any", set_(pruning_scope="[local]")),
    ("type-list", "any", set_(sparsity_decay_type="[cos]", start_step="0", end_step="4")),
    ("type-int-string-key", "any", set_(pattern="4")),
    ("type-int-string-key", "any", set_(pruning_type="1")),
    ("type-mapping", "any", set_(pruning_scope="{a: 1}")),
    ("type-mapping", "any", set_(op_names="{a: 1}")),
    ("type-list-item", "any", set_(op_names="[1, 'layer1.*']")),
    ("type-parameters", "any", set_(parameters="[0.1]")),
    ("type-parameters", "any", set_(parameters="0.1")),
    # misspelt keys
    ("misspelt-key", "any", rename(_TYPOS)),
    ("misspelt-key", "any", set_(target_sparsities="0.5")),
    ("misspelt-key", "any", set_(Pattern='"4x1"')),
    # patterns
    ("pattern-bad", "any", set_(pattern='"4X1"')),
    ("pattern-bad", "any", set_(pattern='"4by1"')),
    ("pattern-bad", "any", set_(pattern="channelxchannel")),
    ("pattern-bad", "any", set_(pattern='"0x1"')),
    ("pattern-bad", "any", set_(pattern='"4x0"')),
    ("pattern-bad", "any", set_(pattern='"ax1"')),
    ("pattern-bad", "any", set_(pattern='"4x"')),
    ("pattern-bad", "any", set_(pattern='"3:2"', target_sparsity="0.5")),
    ("pattern-bad", "any", set_(pattern='"2:2"', target_sparsity="0.5")),
    ("pattern-bad", "any", set_(pattern='"0:4"', target_sparsity="0.5")),
    ("pattern-bad", "any", set_(pattern='"a:b"', target_sparsity="0.5")),
    ("pattern-bad", "any", set_(pattern='"2in4"')),
    ("pattern-bad", "any", set_(pattern='"1x1_"')),
    ("pattern-ok", "any", set_(pattern='"4x1x2"')),
    ("pattern-ok", "any", set_(pattern="tile_pattern_4x1")),
    ("pattern-ok", "any", set_(pattern="channelx1")),
    ("pattern-ok", "any", set_(pattern="1xchannel")),
    ("pattern-ok", "any", set_(pattern='"2xchannel"')),
    ("pattern-ok", "any", set_(pattern='"1:4:8"', target_sparsity="0.2")),
    ("pattern-ok", "any", set_(pattern='"1x1"')),
    ("pattern-ok", "any", set_(pattern='"8x2"')),
    ("pattern-ok", "any", set_(pattern='"2:4"', target_sparsity="0.5")),
    ("nm-unquoted", "any", set_(pattern="2:4", target_sparsity="0.5")),
    ("nm-unquoted", "any", set_(pattern="1:4", target_sparsity="0.2")),
    ("nm-default-target", "any", both(set_(pattern='"2:4"'), drop("target_sparsity"))),
    ("nm-default-target", "any", set_(pattern='"4:8"', target_sparsity="0.6")),
    ("nm-default-target", "any", set_(pattern='"1:4"', target_sparsity="0.3")),
    ("nm-default-target", "global", set_(pattern='"2:4"')),
    ("nm-target-ok", "any", set_(pattern='"3:4"', target_sparsity="0.75")),
    # layer selection
    ("regex-bad", "any", set_(op_names="['[bad']")),
    ("regex-bad", "any", set_(op_names="['layer1(']")),
    ("regex-bad", "any", set_(excluded_op_names="['[bad']")),
    ("regex-bad", "any", set_(excluded_op_names="['*x']")),
    ("regex-ok", "any", set_(op_names="['layer1\\.', 'layer2']")),
    ("op-names-string", "any", set_(op_names="layer1")),
    ("excluded-string", "any", set_(excluded_op_names="classifier")),
    ("excluded-string", "any", set_(excluded_op_names='"pooler"')),
    ("op-types-string", "any", set_(pruning_op_types="Linear")),
    ("op-types-ok", "any", set_(pruning_op_types="[Linear]")),
    # closed sets of values
    ("pruning-type-bad", "any", set_(pruning_type="magnitud")),
    ("pruning-type-bad", "any", set_(pruning_type="Magnitude")),
    ("pruning-type-bad", "any", set_(pruning_type="progressive")),
    ("pruning-type-bad", "any", set_(pruning_type="snip_momentum_progresive", end_step="10")),
    ("pruning-type-bad", "any", set_(pruning_type="l1")),
    ("pruning-type-ok", "any", set_(pruning_type="magnitude_progressive", start_step="0", end_step="10",
                                    pruning_frequency="2")),
    ("pruning-type-ok", "any", set_(pruning_type="gradient", start_step="1", end_step="4")),
    ("pruning-type-ok", "any", set_(pruning_type="snip_progressive", start_step="0", end_step="12",
                                    pruning_frequency="3")),
    ("decay-bad", "any", set_(sparsity_decay_type="expo", start_step="0", end_step="6")),
    ("decay-bad", "any", set_(sparsity_decay_type="Cos", start_step="1", end_step="5")),
    ("decay-bad", "any", set_(sparsity_decay_type="quadratic")),
    ("decay-oneshot-ok", "any", set_(sparsity_decay_type="expo", start_step="3", end_step="3",
                                     pruning_type="magnitude")),
    ("reduce-bad", "any", set_(criterion_reduce_type="avg")),
    ("reduce-bad", "any", set_(criterion_reduce_type="Mean", pruning_type="magnitude")),
    ("reduce-ok", "any", set_(criterion_reduce_type="max")),
    ("scope-bad", "any", set_(pruning_scope="globl")),
    ("scope-bad", "any", set_(pruning_scope="Local")),
    ("reg-type-bad", "any", set_(reg_type="l1")),
    ("reg-type-bad", "any", set_(reg_type="group_lasso", pattern='"2:4"', target_sparsity="0.5")),
    ("reg-type-bad", "any", set_(reg_type="group_lasso", pattern="channelx1")),
    ("reg-type-ok", "any", set_(reg_type="group_lasso", pattern='"8x1"')),
    # pruner constraints
    ("gradient-end-zero", "any", set_(pruning_type="snip", start_step="0", end_step="0")),
    ("gradient-end-zero", "any", set_(pruning_type="snip_momentum_progressive", start_step="0", end_step="0")),
    ("gradient-end-zero", "any", set_(pruning_type="gradient", start_step="0", end_step="0")),
    ("gradient-end-zero", "any", both(drop("pruning_type"), set_(start_step="0", end_step="0"))),
    ("oneshot-magnitude-ok", "any", set_(pruning_type="magnitude", start_step="0", end_step="0")),
    ("pattern-lock", "any", set_(pruning_type="pattern_lock", start_step="0", end_step="5")),
    ("pattern-lock", "any", set_(pruning_type="pattern_lock", start_step="2", end_step="2")),
    ("pattern-lock", "any", set_(pruning_type="pattern_lock", start_step="2", end_step="2", pattern='"2:4"',
                                 target_sparsity="0.9")),
    ("retrain-free", "any", set_(pruning_type="retrain_free", pattern='"4x1"', end_step="10")),
    ("retrain-free", "any", set_(pruning_type="retrain_free", pattern="channelx1", end_step="10")),
    ("retrain-free", "any", set_(pruning_type="retrain_free", pattern='"2:4"', target_sparsity="0.5",
                                 end_step="10")),
    ("block-mask", "any", set_(pruning_type="block_mask", pattern='"2:4"', target_sparsity="0.5",
                               end_step="10")),
    ("block-mask", "any", set_(pruning_type="block_mask", pattern='"4x1"', end_step="10")),
    ("sparse-gpt", "any", set_(pruning_type="sparse_gpt", pattern='"4x1"')),
    ("sparse-gpt", "any", set_(pruning_type="sparse_gpt", pattern='"1x1"')),
    ("sparse-gpt", "any", set_(pruning_type="sparse_gpt", pattern='"2:4"', target_sparsity="0.5")),
    ("progressive-block", "any", set_(pruning_type="magnitude_progressive", pattern='"1x1"', start_step="0",
                                      end_step="12", pruning_frequency="2")),
    ("progressive-block", "any", set_(pruning_type="snip_progressive", pattern='"2x1"', start_step="0",
                                      end_step="12", pruning_frequency="3")),
    ("progressive-block", "any", set_(pruning_type="magnitude_progressive", pattern='"2:4"', target_sparsity="0.5",
                                      start_step="0", end_step="12", pruning_frequency="2")),
    ("progressive-block", "any", set_(pruning_type="magnitude_progressive", pattern='"4:8"', target_sparsity="0.5",
                                      start_step="0", end_step="12", pruning_frequency="2")),
    ("progressive-block", "any", set_(pruning_type="magnitude_progressive", pattern='"2:4"', target_sparsity="0.5",
                                      start_step="0", end_step="12", pruning_frequency="1")),
    ("progressive-block", "any", set_(pruning_type="gradient_progressive", pattern='"2x2"', start_step="0",
                                      end_step="12", pruning_frequency="4")),
    ("progressive-block", "any", set_(pruning_type="block_mask_progressive", pattern='"1x2"', start_step="0",
                                      end_step="12", pruning_frequency="2")),
    ("progressive-block", "any", set_(pruning_type="retrain_free_progressive", pattern="channelx1", start_step="0",
                                      end_step="12", pruning_frequency="2")),
    ("type-bool", "any", set_(target_sparsity="no")),
    ("type-bool", "any", set_(end_step="yes", pruning_type="magnitude")),
    ("type-bool", "any", set_(max_sparsity_ratio_per_op="on")),
    ("type-bool", "global", set_(low_memory_usage='"yes"')),
    ("parameters-overwrite", "any", set_(parameters="{reg_coeff: 0.1, target_sparsity: 1.2}")),
    ("parameters-overwrite", "any", set_(parameters="{pattern: 4X1}")),
    ("parameters-overwrite", "any", set_(parameters="{pattern: '2:4'}")),
    ("parameters-overwrite", "any", set_(parameters="{target_sparsity: 0.4}")),
    ("empty-selection-nm", "any", set_(op_names="", pattern='"2:4"', target_sparsity="0.5")),
    ("empty-selection-nm", "any", set_(pruning_op_types="", pattern='"1:4"', target_sparsity="0.25")),
    ("empty-selection-nm", "any", set_(op_names="", pattern='"2:4"', target_sparsity="0.5",
                                       pruning_type="pattern_lock", start_step="1", end_step="1")),
    ("empty-selection-nm", "any", set_(op_names="", pattern='"4x1"')),
    ("type-mapping", "any", set_(excluded_op_names="{classifier: 1}")),
    ("type-mapping", "any", set_(pruning_op_types="{Linear: 1}")),
    ("steps-misc", "any", set_(pruning_frequency="100")),
    ("steps-misc", "any", set_(start_step="3", end_step="3", pruning_type="snip")),
    ("steps-misc", "any", set_(start_step="2.5")),
    ("ratios-misc", "any", set_(max_sparsity_ratio_per_op="0")),
    ("ratios-misc", "any", set_(min_sparsity_ratio_per_op="0.5", max_sparsity_ratio_per_op="0.5",
                                target_sparsity="0.5")),
    ("ratios-misc", "any", set_(pattern='"5:8"', target_sparsity="0.625")),
    # structure
    ("multi-document", "global", lambda c, idx: _suffix(c, idx, "---\nfoo: 1\n")),
    ("yaml-syntax", "global", lambda c, idx: _suffix(c, idx, "bad: [1, 2\n")),
    ("duplicate-key", "any", lambda c, idx: _dup_first(c, idx)),
    ("untagged-pruner", "pruner", untag),
    ("pruners-missing", "global", pruners_missing),
    ("pruners-empty", "global", pruners_empty),
    ("pruners-null", "global", pruners_scalar("")),
    ("pruners-scalar", "global", pruners_scalar("magnitude")),
    ("global-only-in-pruner", "pruner", set_(low_memory_usage="true")),
    ("global-only-in-pruner", "pruner", set_(reg_coeff="0.1")),
    ("global-only-in-pruner", "pruner", set_(criterion_type="magnitude")),
    ("global-key-ok", "global", set_(low_memory_usage="true")),
    ("global-key-ok", "global", set_(criterion_type="snip")),
    ("lock-init", "any", set_(lock_init_sparsity="true")),
    # empty values (null; {} under INC 2.x's loader)
    ("empty-value", "any", set_(op_names="")),
    ("empty-value", "any", set_(excluded_op_names="")),
    ("empty-value", "any", set_(pattern="")),
    ("empty-value", "any", set_(target_sparsity="")),
    ("empty-value", "any", set_(pruning_type="")),
    ("empty-value", "any", set_(start_step="")),
    ("empty-value", "any", set_(end_step="")),
    ("empty-value", "any", set_(reg_type="")),
    ("empty-value", "any", set_(parameters="")),
    ("empty-value", "any", set_(pruning_scope="")),
    ("empty-value", "any", set_(pruning_op_types="")),
    ("empty-value", "any", set_(sparsity_decay_type="")),
    ("empty-value", "any", set_(criterion_reduce_type="")),
    ("empty-value", "any", set_(pruning_frequency="")),
    ("empty-value", "any", set_(max_sparsity_ratio_per_op="")),
    ("empty-value", "any", set_(min_sparsity_ratio_per_op="")),
    ("empty-value", "any", set_(resume_from_pruned_checkpoint="")),
    ("empty-value", "any", set_(op_names="[]")),
]


def generate(seeds: list[Cfg], seeds_per_mutation: Optional[int] = None) -> Iterator[Case]:
    """Every seed as it is, then each mutation applied at the global level and at one pruner
    (rotating through the seed's pruners), deduplicated by text. With `seeds_per_mutation`, each
    mutation is applied to that many seeds only, spread over the list (B and A seeds alike) and
    rotating with the mutation, so that a small batch still covers every seed and every mutation."""
    seen: set[str] = set()

    def emit(kind: str, c: Cfg, label: str) -> Iterator[Case]:
        text = c.render()
        key = c.dialect + text
        if key not in seen:
            seen.add(key)
            yield Case(f"{c.name}:{label}", kind, c.dialect, text)

    for s in seeds:
        yield from emit("seed", s.copy(), "seed")
    for mi, (kind, level, mut) in enumerate(MUTATIONS):
        chosen = range(len(seeds))
        if seeds_per_mutation and seeds_per_mutation < len(seeds):
            stride = len(seeds) / seeds_per_mutation
            chosen = sorted({(mi + int(j * stride)) % len(seeds) for j in range(seeds_per_mutation)})
        for si in chosen:
            s = seeds[si]
            places: list[Optional[int]] = []
            if level in ("global", "any"):
                places.append(None)
            if level in ("pruner", "any") and s.pruners:
                places.append((mi + si) % len(s.pruners))
            for idx in places:
                c = mut(s.copy(), idx)
                if c is not None:
                    yield from emit(kind, c, f"{kind}#{mi}@{'g' if idx is None else f'p{idx + 1}'}")

"""Single mutations of C (`weight_compression_pytorch`) and D (1.x `weight_compression`) configs, for the
migrate proof: each changes one key at one level (the global section or one pruner) to a value a user
writes, so that every conversion rule of analysis/migrate/legacy.py meets INC on many configs.
Mutations INC rejects are kept: the test asks INC first and migrates only what INC accepts.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, Iterator, Optional

# (kind, level "global"|"pruner", key, value); value None = drop the key
C_MUTATIONS = [
    ("target", "global", "target_sparsity", 0.3), ("target", "pruner", "target_sparsity", 0.75),
    ("target-drop", "global", "target_sparsity", None),
    ("pattern", "pruner", "pattern", "tile_pattern_1x1"), ("pattern", "pruner", "pattern", "tile_pattern_2x2"),
    ("pattern", "pruner", "pattern", "channelx1"), ("pattern", "pruner", "pattern", "4x1"),
    ("pattern-drop", "pruner", "pattern", None), ("pattern-global", "global", "pattern", "tile_pattern_8x1"),
    ("domain", "pruner", "prune_domain", "local"), ("domain", "pruner", "prune_domain", "global"),
    ("domain", "global", "prune_domain", "local"),
    ("frequency", "pruner", "update_frequency_on_step", 3), ("frequency", "global", "update_frequency_on_step", 2),
    ("steps", "pruner", "end_step", 8), ("steps", "global", "end_step", 6), ("steps", "pruner", "start_step", 2),
    ("names", "pruner", "names", ["layer1.*", "fc"]), ("names", "global", "names", [".*fc.*"]),
    ("names-drop", "pruner", "names", None),
    ("excluded", "pruner", "extra_excluded_names", [".*fc1"]), ("excluded", "global", "excluded_names", ["layer2.*"]),
    ("excluded", "global", "extra_excluded_names", ["classifier"]),
    ("types", "global", "prune_layer_type", ["Conv2d"]), ("types", "global", "prune_layer_type", ["Linear"]),
    ("decay", "pruner", "sparsity_decay_type", "cube"), ("decay", "global", "sparsity_decay_type", "linear"),
    ("max", "global", "max_sparsity_ratio_per_layer", 0.7),
    ("type", "pruner", "prune_type", "magnitude"), ("type", "pruner", "prune_type", "snip_momentum"),
    ("unread", "pruner", "update_frequency", 3), ("unread", "global", "initial_sparsity", 0.1),
]
D_MUTATIONS = [
    ("target", "global", "target_sparsity", 0.5), ("target", "pruner", "target_sparsity", 0.35),
    ("target-drop", "global", "target_sparsity", None),
    ("type", "pruner", "prune_type", "basic_magnitude"), ("type", "pruner", "prune_type", "pattern_lock"),
    ("type-drop", "pruner", "prune_type", None),
    ("pattern", "pruner", "pattern", "tile_pattern_1x2"), ("pattern", "pruner", "pattern", "tile_pattern_2x2"),
    ("pattern", "pruner", "pattern", "tile_pattern_4x1"), ("pattern", "pruner", "pattern", "tile_pattern_1x16"),
    ("pattern-global", "global", "pattern", "tile_pattern_2x2"),
    ("epochs", "pruner", "start_epoch", 1), ("epochs", "pruner", "end_epoch", 3), ("epochs", "global", "end_epoch", 2),
    ("epochs", "global", "start_epoch", 1),
    ("frequency", "pruner", "update_frequency", 2.0), ("frequency", "global", "update_frequency", 2.0),
    ("names", "pruner", "names", ["layer1.0.weight", "fc.weight"]), ("names-drop", "pruner", "names", None),
    ("initial", "global", "initial_sparsity", 0.1), ("initial", "pruner", "initial_sparsity", 0.05),
    ("method", "pruner", "method", "per_tensor"),
    ("unread", "global", "prune_layer_type", ["Linear"]), ("unread", "global", "names", ["fc.weight"]),
]


@dataclass(frozen=True)
class LegacyCase:
    id: str
    kind: str
    text: str


def _yaml():
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 1 << 16
    return y


def _container(data: Any) -> tuple[Optional[str], Any]:
    approach = data["pruning"]["approach"]
    for key, d in (("weight_compression_pytorch", "C"), ("weight_compression", "D")):
        if key in approach:
            return d, approach[key]
    return None, None


def generate(seeds: dict[str, str], seeds_per_mutation: Optional[int] = None) -> Iterator[LegacyCase]:
    """Each mutation applied to each seed (at most `seeds_per_mutation` seeds of its dialect), at the
    global level or to each pruner in turn."""
    y = _yaml()
    used: dict[tuple, int] = {}
    for name, text in seeds.items():
        try:
            dialect, _g = _container(y.load(text))
        except Exception:
            continue
        if dialect is None:
            continue
        for n, (kind, level, key, value) in enumerate(C_MUTATIONS if dialect == "C" else D_MUTATIONS):
            if seeds_per_mutation is not None and used.get((dialect, n), 0) >= seeds_per_mutation:
                continue
            data = y.load(text)
            _d, g = _container(data)
            targets = [g] if level == "global" else list(g.get("pruners") or [])
            made = False
            for i, m in enumerate(targets):
                if not hasattr(m, "items"):
                    continue
                data = y.load(text)
                _d, g = _container(data)
                m = g if level == "global" else g["pruners"][i]
                if value is None:
                    if key not in m:
                        continue
                    del m[key]
                else:
                    m[key] = value
                    if key == "prune_type" and value == "group_lasso":
                        m["parameters"] = {"alpha": 0.01}
                buf = io.StringIO()
                y.dump(data, buf)
                where = "g" if level == "global" else f"p{i + 1}"
                made = True
                yield LegacyCase(f"{name}:{kind}#{n}@{where}", kind, buf.getvalue())
            if made:
                used[(dialect, n)] = used.get((dialect, n), 0) + 1

"""Values derived from one layer list (an index's `layers`), computed once per list.

Completion, hover, the lenses and INC's selection all derive things from the same 20,000-layer
list on every request or keystroke (stand-in modules, ambiguous names, common prefixes, ...).
Layer lists are never mutated once built, so the list object itself is the key: the memo holds
the list, so its id cannot be reused while the entry lives.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

_memo: dict[tuple[int, str], tuple[Any, Any]] = {}
_MAX_ENTRIES = 32  # a few models x a few derived values; cleared wholesale when full


def per_layer_list(layers: Sequence[Any], what: str, build: Callable[[Sequence[Any]], Any]) -> Any:
    """`build(layers)`, computed once per (list object, what)."""
    key = (id(layers), what)
    hit = _memo.get(key)
    if hit is not None and hit[0] is layers:
        return hit[1]
    if len(_memo) >= _MAX_ENTRIES:
        _memo.clear()
    value = build(layers)
    _memo[key] = (layers, value)
    return value

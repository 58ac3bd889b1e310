"""Did-you-mean: the closest known name by edit distance."""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable, Optional


def edit_distance(a: str, b: str) -> int:
    if a == b:
        return 0
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def closest(word: str, candidates: Iterable[str]) -> Optional[str]:
    """The unique best candidate within a distance that scales with the word's length."""
    if not isinstance(word, str) or not word:
        return None
    return _closest(word, tuple(candidates))


@lru_cache(maxsize=4096)  # a generated config repeats one typo thousands of times
def _closest(word: str, candidates: tuple[str, ...]) -> Optional[str]:
    w = word.lower()
    limit = max(1, min(3, len(w) // 4))
    # a length difference over the limit is a distance over it: skip those without computing it
    scored = sorted((edit_distance(w, c.lower()), c) for c in candidates if abs(len(c) - len(w)) <= limit)
    if not scored or scored[0][0] > limit:
        # also accept a prefix typed so far (`target_spars` -> target_sparsity)
        pref = [c for c in candidates if c.lower().startswith(w) and len(w) >= 4]
        return pref[0] if len(pref) == 1 else None
    if len(scored) > 1 and scored[1][0] == scored[0][0]:
        return None
    return scored[0][1]

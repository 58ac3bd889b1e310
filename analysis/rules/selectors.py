"""Rule selectors as users write them (`--disable`, the `disabledRules` setting): codes (`PL031`, any
case) or names (`unknown-key`, as docs/rules.md lists them). Unknown ones are an error with a
did-you-mean, like ruff's and eslint's rule options."""

from __future__ import annotations

from typing import Iterable

from .registry import RULES
from .suggest import closest


def _all_rules() -> None:
    """Register every rule: the registry fills as the rule modules are imported, and a settings
    pull in the server can come before the first check has imported them."""
    import analysis.rules  # noqa: F401


class UnknownRule(ValueError):
    def __init__(self, word: str):
        _all_rules()
        self.word = word
        by_code = closest(word.upper(), RULES)
        self.suggestion = by_code or closest(word.lower(), [r.name for r in RULES.values()])
        hint = (f"did you mean `{self.suggestion}`?" if self.suggestion else
                "rules are named by code (PL001..) or by name (docs/rules.md): "
                + ", ".join(f"{c} {RULES[c].name}" for c in sorted(RULES)))
        super().__init__(f"unknown rule `{word}`: {hint}")


def rule_code(word: str) -> str:
    """The code of a rule given by code or name; UnknownRule when there is none."""
    _all_rules()
    w = word.strip()
    if w.upper() in RULES:
        return w.upper()
    for r in RULES.values():
        if r.name == w.lower():
            return r.code
    raise UnknownRule(w)


def resolve(words: Iterable[str]) -> frozenset[str]:
    """The codes of comma- or list-given selectors (blank entries ignored); UnknownRule on the first unknown."""
    return frozenset(rule_code(w) for w in words if w.strip())

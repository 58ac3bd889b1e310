"""Rule metadata and the checks that report them.

A rule has a stable code (PLnnn), a kebab-case name, a severity that follows INC (INC raises:
error; INC accepts but misbehaves: warning; style: information), a summary and an explanation
for docs/rules.md. A check is a function over a RuleContext that may report one or more codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from ..diagnostics import Severity

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFORMATION


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    explanation: str = ""
    spec: str = ""  # the row of inc-pruning-spec.md section 9 (R1..R44), when there is one
    dialects: str = "ABCD"
    needs_model: bool = False
    fixable: bool = False


RULES: dict[str, Rule] = {}
CHECKS: list[tuple[tuple[Rule, ...], Callable]] = []


def rule(code: str, name: str, severity: Severity, summary: str, *, explanation: str = "", spec: str = "",
         dialects: str = "ABCD", needs_model: bool = False, fixable: bool = False) -> Rule:
    if code in RULES and RULES[code].name != name:  # a re-import (module reload) re-registers the same rule
        raise ValueError(f"duplicate rule code {code}: {RULES[code].name} and {name}")
    r = Rule(code, name, severity, summary, explanation, spec, dialects, needs_model, fixable)
    RULES[code] = r
    return r


def checker(*rules: Rule) -> Callable[[Callable], Callable]:
    def deco(fn: Callable) -> Callable:
        key = (fn.__module__, fn.__qualname__)
        CHECKS[:] = [(r, f) for r, f in CHECKS if (f.__module__, f.__qualname__) != key]  # reloads replace
        CHECKS.append((rules, fn))
        return fn
    return deco


def checks_for(dialect: str) -> Iterable[Callable]:
    for rules, fn in CHECKS:
        if any(dialect in r.dialects for r in rules):
            yield fn

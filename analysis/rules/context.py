"""What a check sees (the parsed document, its dialect, each pruner's effective config) and how
it reports: at the narrowest range, once per place, naming the pruners an inherited value breaks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Optional, Union

from ..config_doc import ConfigDoc
from ..diagnostics import Diagnostic, Fix, Related, Severity, TextEdit
from ..merge import EffectivePruner, Setting
from ..positions import Range
from ..yaml_parse import ParsedText
from ..yaml_tree import Node, Pair
from .registry import RULES

Where = Union[Node, Pair, Range]


# How a finding of a global value names the pruners that inherit it (read back by repeated_findings.py).
INHERITED_BY = "; inherited from the global section by "


def _seen_key(code: str, rng: Range) -> tuple:
    """(code, range) as plain values: a Range's dataclass hash and equality are Python calls, and a
    2 MB config makes 40,000 findings, each looked up twice."""
    s, e = rng.start, rng.end
    return (code, s.line, s.character, e.line, e.character)


@dataclass
class RuleContext:
    parsed: ParsedText
    doc: ConfigDoc
    pruners: list[EffectivePruner]
    model: Optional[object] = None  # the LayerIndex of the model the config prunes, when known
    diagnostics: list[Diagnostic] = field(default_factory=list)
    _seen: dict[tuple, Diagnostic] = field(default_factory=dict)
    # id(diag) -> (base message, labels in order, the same as a set)
    _inheritors: dict[int, tuple[str, list[str], set[str]]] = field(default_factory=dict)
    _unsettled: dict[int, Diagnostic] = field(default_factory=dict)  # inherited findings whose message is behind
    _memo: dict = field(default_factory=dict)  # what checks compute once per context (pruner_kinds.py)
    _ranges: dict[tuple[int, int], Range] = field(default_factory=dict)  # (start, end) offsets -> Range

    @property
    def dialect(self) -> str:
        return self.doc.dialect.id

    def range(self, where: Where) -> Range:
        if isinstance(where, Range):
            return where
        if isinstance(where, Pair):
            where = where.key
        # A finding converts its node's offsets for itself, its fix's edit and its duplicate check:
        # once per node (Range is immutable, so sharing it is safe).
        key = (where.start, where.end)
        got = self._ranges.get(key)
        if got is None:
            got = self._ranges[key] = self.parsed.lines.range(where.start, where.end)
        return got

    def edit(self, where: Where, new_text: str) -> TextEdit:
        return TextEdit(self.range(where), new_text)

    def report(self, code: str, where: Where, message: str, *, severity: Optional[Severity] = None,
               related: Iterable[tuple[Where, str]] = (), fixes: Iterable[Fix] = ()) -> Diagnostic:
        rng = self.range(where)
        key = _seen_key(code, rng)
        prior = self._seen.get(key)
        if prior is not None:
            return prior
        return self._add(key, code, rng, message, severity, related, fixes)

    def _add(self, key: tuple, code: str, rng: Range, message: str, severity: Optional[Severity],
             related: Iterable[tuple[Where, str]], fixes: Iterable[Fix]) -> Diagnostic:
        d = Diagnostic(code, severity or RULES[code].severity, message, rng,
                       [Related(self.range(w), m) for w, m in related] if related else [], list(fixes))
        self._seen[key] = d
        self.diagnostics.append(d)
        return d

    def report_setting(self, code: str, pruner: EffectivePruner, setting: Setting, message: str, *,
                       fallback: Optional[Where] = None, related: Iterable[tuple[Where, str]] = (),
                       fixes: Iterable[Fix] = ()) -> Optional[Diagnostic]:
        """Report a problem in a pruner's effective value where that value is written.

        An inherited value breaks each pruner that inherits it: one diagnostic at the global key,
        naming every pruner it breaks. A default value is written nowhere: report at `fallback`.
        """
        where: Optional[Where] = setting.node if setting.pair is not None else fallback
        if where is None:
            where = self.pruner_anchor(pruner)
        if where is None:
            return None
        origin = setting.origin
        inherited = origin == "global" and pruner.index is not None
        rng = self.range(where)
        key = _seen_key(code, rng)
        prior = self._seen.get(key)
        if prior is not None:
            entry = self._inheritors.get(id(prior))
            if inherited and entry is not None:
                label = pruner.label()
                if label not in entry[2]:
                    # The message names every pruner; it is written once per check (settle), not once
                    # per pruner: a global value that breaks 20,000 pruners made it quadratic.
                    entry[1].append(label)
                    entry[2].add(label)
                    self._unsettled[id(prior)] = prior
            return prior
        base = message
        if inherited:
            message = f"{base}{INHERITED_BY}{pruner.label()}"
        elif origin == "default" and pruner.index is not None:
            # after the message, not inside it: "use `magnitude` (INC's default ...)" read as if magnitude were it
            message = f"{base} ({pruner.label()} leaves `{setting.key}` at INC's default)"
        d = self._add(key, code, rng, message, None, related, fixes)  # rng: `where` converted once
        if inherited:
            label = pruner.label()
            self._inheritors[id(d)] = (base, [label], {label})
        return d

    def settle(self) -> None:
        """Write the messages of inherited findings that gained pruners since the last call (the engine
        calls it after each check, before anything reads the messages)."""
        for key, d in self._unsettled.items():
            base, labels, _ = self._inheritors[key]
            d.message = f"{base}{INHERITED_BY}{', '.join(labels)}"
        self._unsettled.clear()

    def pruner_anchor(self, pruner: EffectivePruner) -> Optional[Where]:
        """Where to report about a pruner as a whole: its tag or first key, else the container key."""
        if pruner.entry is not None:
            node = pruner.entry.node
            return Range(self.parsed.lines.position(node.start), self.parsed.lines.position(
                min(node.end, self.parsed.lines.line_end(self.parsed.lines.position(node.start).line))))
        if self.doc.container is not None:
            return self.doc.container.key
        if self.doc.pruners_pair is not None:
            return self.doc.pruners_pair.key
        root = self.doc.root
        if root.pairs:
            return root.pairs[0].key
        return None

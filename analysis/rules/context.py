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


@dataclass
class RuleContext:
    parsed: ParsedText
    doc: ConfigDoc
    pruners: list[EffectivePruner]
    model: Optional[object] = None  # the LayerIndex of the model the config prunes, when known
    diagnostics: list[Diagnostic] = field(default_factory=list)
    _seen: dict[tuple, Diagnostic] = field(default_factory=dict)
    _inheritors: dict[int, tuple[str, list[str]]] = field(default_factory=dict)  # id(diag) -> (base message, labels)
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
        key = (code, rng)
        if key in self._seen:
            return self._seen[key]
        d = Diagnostic(code, severity or RULES[code].severity, message, rng,
                       [Related(self.range(w), m) for w, m in related], list(fixes))
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
        inherited = setting.origin == "global" and pruner.index is not None
        rng = self.range(where)
        prior = self._seen.get((code, rng))
        if prior is not None:
            entry = self._inheritors.get(id(prior))
            if inherited and entry is not None and pruner.label() not in entry[1]:
                entry[1].append(pruner.label())
                prior.message = f"{entry[0]}; inherited from the global section by {', '.join(entry[1])}"
            return prior
        base = message
        if inherited:
            message = f"{base}; inherited from the global section by {pruner.label()}"
        elif setting.origin == "default" and pruner.index is not None:
            message = f"{base} (INC's default, in {pruner.label()})"
        d = self.report(code, rng, message, related=related, fixes=fixes)  # rng: `where` converted once
        if inherited:
            self._inheritors[id(d)] = (base, [pruner.label()])
        return d

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

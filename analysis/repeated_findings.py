"""Check the reduced text of a repeated-pruner config (repeated_pruners.py) and map its findings back.

The reduced text is the head of the text, the first pruner of each kind, and the tail. A finding in
the head or tail keeps its place (shifted past the list); one listing the pruners that inherit a
global value lists every pruner of those kinds. A finding inside a kept pruner is repeated in each
pruner of its kind, at the same column, with the message naming that pruner. Anything else raises
Unmappable, and the engine checks the whole text instead:
- a finding that spans pruners, or reaches where a copy is written differently (its layer names, a
  comment);
- a message, related place or fix that names another pruner, or a layer name of the kept pruner
  other than in its label.
"""

from __future__ import annotations

import bisect
import functools
import re
from typing import Optional

from .comments import Directives, parse_directives
from .diagnostics import Diagnostic, Fix, Related, TextEdit
from .merge import pruner_label
from .positions import LineIndex, Position, Range
from .rules.context import INHERITED_BY
from .repeated_pruners import Split, _blank_or_comment
from .yaml_parse import MAX_NODES
from .yaml_tree import Scalar, Sequence, walk

# How messages name a pruner by its place: merge.pruner_label, and rules/python_calls.py's entries.
_PRUNER_REF = re.compile(r"\b(?:pruner (\d+)\b|entry (\d+) of `pruning_configs`)")
_OWN = "\x01"  # stands for the copy's own label in a finding's text
_OWN_NUMBER = "\x02"  # and for its number, where the text says 'pruner N' alone


class Unmappable(Exception):
    """A finding of the reduced check that has no exact place in the whole text."""


class Reduced:
    def __init__(self, split: Split, kept: list[int], members: list[list[int]]):
        self.split, self.kept, self.members = split, kept, members
        self.kind_of = {m: k for k, group in enumerate(members) for m in group}
        self.chunk_at: list[int] = []  # the reduced text's line where each kept entry starts
        at = split.head_end
        for ci in kept:
            self.chunk_at.append(at)
            at += split.line_count(ci)
        self.tail_at = at
        text = split.text
        self.text = split.text[:split.offsets[0]] + "\n".join(split.chunk_text(ci) for ci in kept) + (
            "" if split.tail is None else "\n" + split.tail)
        self.labels: list[str] = []
        # Per kind, the lines (within an entry) that some copy writes differently: a finding there is
        # placed copy by copy (_copy), anywhere else all at once.
        self.varying: list[set[int]] = [set(split.extra(ci).differs) for ci in kept]
        for ci, found in split.comments.items():
            self.varying[self.kind_of[ci]].update(j for j, _, _ in found)

    def check(self, path: Optional[str], settings):
        from .config_doc import detect
        from .engine import CheckResult, CheckSettings, DeferredResult, collect_findings, filter_findings
        from .yaml_parse import parse_text

        parsed = parse_text(self.text)
        if parsed.problems or len(parsed.documents) != 1:
            return None
        doc = detect(parsed.documents[0])
        if doc is None or doc.unrecognised or doc.dialect.id not in "AB" or not self._confirms(parsed, doc):
            return None
        reduced = CheckResult(parsed, parse_directives(parsed.lines))
        found = collect_findings(reduced, [doc], True, None)
        pruners = reduced.configs[0].pruners
        if len(pruners) != len(self.kept) or not self._labels_confirmed(pruners):
            return None
        self.labels = [p.label() for p in pruners]
        try:
            mapped = self._map(found)
        except Unmappable:
            return None
        whole = self.split.text
        directives = parse_directives(LineIndex(whole)) if "prune-lsp:" in whole else Directives()
        return DeferredResult(whole, directives, filter_findings(mapped, directives, settings or CheckSettings()))

    # --- does the parser read the reduced text as the split did? ---------------------------------

    def _confirms(self, parsed, doc) -> bool:
        if len(doc.pruners) != len(self.kept):
            return False
        lines = parsed.lines
        for entry, at, ci in zip(doc.pruners, self.chunk_at, self.kept):
            # An entry starts on its `- ` line and ends in its chunk (its end mark may lie past the
            # comments that follow it, where the next token begins).
            if lines.position(entry.node.start).line != at:
                return False
            n = self.split.line_count(ci)
            after = lines.line_starts[at + n] if at + n < lines.line_count else None
            if after is not None and entry.node.end > after and not all(
                    _blank_or_comment(x) for x in parsed.text[after:entry.node.end].split("\n")):
                return False
            ex = self.split.extra(ci)
            if ex.items is not None and not _list_confirmed(entry, at + ex.names_line, lines):
                return False
        return self._comments_confirmed(parsed) and self._fits_budget(doc)

    def _comments_confirmed(self, parsed) -> bool:
        """Every dropped comment is one: no scalar of the reduced text runs over its '#'."""
        offsets = sorted(parsed.lines.line_starts[at + j] + col for at, ci in zip(self.chunk_at, self.kept)
                         for j, col in self.split.extra(ci).comment_cols)
        if not offsets:
            return True
        for node in walk(parsed.documents[0].root, MAX_NODES):
            if type(node) is Scalar:
                k = bisect.bisect_left(offsets, node.start)
                if k < len(offsets) and offsets[k] < node.end:
                    return False
        return True

    def _fits_budget(self, doc) -> bool:
        """The whole text's node count is within the parser's budget, as the whole check requires."""
        total = sum(1 for _ in walk(doc.document.root, MAX_NODES))
        for entry, group in zip(doc.pruners, self.members):
            total += (len(group) - 1) * sum(1 for _ in walk(entry.node, MAX_NODES))
        return total <= MAX_NODES

    def _labels_confirmed(self, pruners) -> bool:
        """The kept pruners' labels are what pruner_label makes of the split's reading."""
        for k, (p, ci) in enumerate(zip(pruners, self.kept)):
            if p.index != k or not p.label().startswith(f"pruner {k + 1}"):
                return False
            names = self.split.extra(ci).names
            if names is not None and p.label() != pruner_label(k, names):
                return False
        return True

    # --- findings back to the whole text ---------------------------------------------------------

    def _map(self, found: list[Diagnostic]) -> list[Diagnostic]:
        out: list[Diagnostic] = []
        for d in found:
            line = d.range.start.line
            if line < self.split.head_end or line >= self.tail_at:
                out.append(self._outside(d))
            else:
                out += self._copies(d, bisect.bisect_right(self.chunk_at, line) - 1)
        return out

    def _label(self, m: int) -> str:
        """The label of the whole text's pruner m."""
        names = self.split.extra(m).names
        if names is not None:
            return pruner_label(m, names)
        k = self.kind_of[m]
        kept = self.labels[k]  # 'pruner K (the same names)': only the number differs
        return f"pruner {m + 1}{kept[len(f'pruner {k + 1}'):]}"

    def _template(self, s: str, k: int) -> str:
        """`s` of kept pruner k with its label as _OWN and its bare number ('pruner 3') as _OWN_NUMBER;
        Unmappable if it names anything else of a pruner (another pruner, or a layer name that differs
        between the copies)."""
        if any(n != k + 1 for n in _refs(s)):
            raise Unmappable(s)
        out = _PRUNER_REF.sub(_number_to_own, s.replace(self.labels[k], _OWN))
        names = self.split.extra(self.kept[k]).names
        if names and _names_pattern(tuple(names)).search(out):
            raise Unmappable(s)
        return out

    def _fill(self, template: str, m: int) -> str:
        """A template of _template for the whole text's pruner m."""
        if _OWN in template:
            template = template.replace(_OWN, self._label(m))
        if _OWN_NUMBER in template:
            template = template.replace(_OWN_NUMBER, str(m + 1))
        return template

    def _copies(self, d: Diagnostic, k: int) -> list[Diagnostic]:
        at, split = self.chunk_at[k], self.split
        message = self._template(d.message, k)
        start, end = d.range.start, d.range.end
        js, je = start.line - at, end.line - at
        if not 0 <= js <= je < split.line_count(self.kept[k]):
            raise Unmappable("a range beyond its pruner")
        varying = self.varying[k]
        if d.related or d.fixes or _OWN in message or _OWN_NUMBER in message or js in varying or je in varying:
            related = [(r.range, self._template(r.message, k)) for r in d.related]
            fixes = [(self._template(f.title, k), f.edits, f.safe) for f in d.fixes]
            return [self._copy(d, k, m, message, related, fixes) for m in self.members[k]]
        # The usual finding: a plain message at a place written alike in every copy.
        code, severity, sc, ec = d.code, d.severity, start.character, end.character
        sl, el = start.line - at, end.line - at
        return [_diagnostic(code, severity, message, _range(_position(m_at + sl, sc), _position(m_at + el, ec)))
                for m_at in map(split.lines_at.__getitem__, self.members[k])]

    def _copy(self, d: Diagnostic, k: int, m: int, message: str, related: list, fixes: list) -> Diagnostic:
        at, split = self.chunk_at[k], self.split
        kept, copy = split.extra(self.kept[k]).differs, split.extra(m).differs
        n, delta = split.line_count(self.kept[k]), split.lines_at[m] - at

        def pos(p: Position) -> Position:
            j = p.line - at
            if not 0 <= j < n:
                raise Unmappable("a range beyond its pruner")
            if p.character > min(kept.get(j, p.character), copy.get(j, p.character)):
                raise Unmappable("a place the copy writes differently")
            return Position(p.line + delta, p.character)

        def rng(r: Range) -> Range:
            return Range(pos(r.start), pos(r.end))

        return Diagnostic(
            d.code, d.severity, self._fill(message, m), rng(d.range),
            [Related(rng(r), self._fill(t, m)) for r, t in related],
            [Fix(self._fill(t, m), tuple(TextEdit(rng(e.range), e.new_text) for e in edits), safe)
             for t, edits, safe in fixes])

    def _outside(self, d: Diagnostic) -> Diagnostic:
        """A finding before or after the pruners list: the same place, shifted past the list; its list
        of inheriting pruners, if it has one, lists every pruner of each kind. Its related places and
        fixes may point into the list: at the first pruner of a kind, which is the kept one."""
        message = d.message
        cut = message.find(INHERITED_BY)
        if cut >= 0:
            cut += len(INHERITED_BY)
            _no_pruner(message[:cut])
            message = message[:cut] + self._expand(message[cut:])
        else:
            _no_pruner(message)
        start, end = d.range.start, d.range.end
        if self._in_list(start) or self._in_list(end):
            raise Unmappable("a finding over the pruners list")
        rng = Range(self._shift(start), self._shift(end))
        related = [Related(*self._to_kept(r.range, r.message)) for r in d.related]
        fixes = [Fix(self._to_kept(None, f.title)[1], tuple(TextEdit(self._to_kept(e.range, "")[0], e.new_text)
                                                            for e in f.edits), f.safe) for f in d.fixes]
        return Diagnostic(d.code, d.severity, message, rng, related, fixes)

    def _in_list(self, p: Position) -> bool:
        return self.split.head_end <= p.line < self.tail_at

    def _shift(self, p: Position) -> Position:
        if p.line < self.split.head_end:
            return p
        return Position(p.line - self.tail_at + self.split.lines_at[-1], p.character)

    def _to_kept(self, rng: Optional[Range], text: str) -> tuple[Optional[Range], str]:
        """A related place or edit (and its text) of an outside finding: inside the list, at the kept
        pruner it points to (and naming that pruner by its own number)."""
        ks = {bisect.bisect_right(self.chunk_at, p.line) - 1 for p in ((rng.start, rng.end) if rng else ())
              if self._in_list(p)}
        refs = {n - 1 for n in _refs(text)}
        if len(ks | refs) > 1:
            raise Unmappable(text)
        if not ks | refs:
            return (Range(self._shift(rng.start), self._shift(rng.end)) if rng else None), text
        (k,) = ks | refs
        if not 0 <= k < len(self.kept):
            raise Unmappable(text)
        m = self.kept[k]
        if rng is not None:
            delta = self.split.lines_at[m] - self.chunk_at[k]
            rng = Range(*(Position(p.line + delta, p.character) if self._in_list(p) else self._shift(p)
                          for p in (rng.start, rng.end)))
        return rng, self._fill(self._template(text, k), m)

    def _expand(self, listed: str) -> str:
        """'pruner 1 (a), pruner 2 (b)' of the reduced text: every pruner of those kinds, in order."""
        by_label = sorted(((label, k) for k, label in enumerate(self.labels)), key=lambda x: -len(x[0]))
        picked: list[int] = []
        rest = listed
        while rest:
            for label, k in by_label:  # longest first: 'pruner 1' is a prefix of 'pruner 12'
                if rest.startswith(label) and (len(rest) == len(label) or rest.startswith(", ", len(label))):
                    picked.append(k)
                    rest = rest[len(label) + 2:]
                    break
            else:
                raise Unmappable(listed)
        return ", ".join(self._label(m) for m in sorted(m for k in picked for m in self.members[k]))


def _list_confirmed(entry, line: int, lines: LineIndex) -> bool:
    """The masked line is the entry's own op_names: a flow list of strings."""
    m = entry.mapping
    if m is None:
        return False
    pairs = [p for p in m.pairs if p.name == "op_names"]
    if len(pairs) != 1 or lines.position(pairs[0].key.start).line != line:
        return False
    v = pairs[0].value
    return isinstance(v, Sequence) and v.flow and all(type(x) is Scalar and isinstance(x.value, str)
                                                       for x in v.items)


def _refs(s: str) -> list[int]:
    return [int(a or b) for a, b in _PRUNER_REF.findall(s)]


def _number_to_own(m: re.Match) -> str:
    g = 1 if m.group(1) is not None else 2
    return m.string[m.start():m.start(g)] + _OWN_NUMBER + m.string[m.end(g):m.end()]


def _no_pruner(s: str) -> str:
    if _PRUNER_REF.search(s):
        raise Unmappable(s)
    return s


@functools.lru_cache(maxsize=256)
def _names_pattern(names: tuple) -> re.Pattern:
    return re.compile("|".join(rf"(?<![\w.]){re.escape(n)}(?!\w)" for n in names))


# 42,000 copies: their frozen positions made without the dataclasses' __init__ (half their cost; the
# same fields, compared with the whole check's in tests/engine/test_repeated_pruners.py).
_new = object.__new__


def _position(line: int, character: int) -> Position:
    p = _new(Position)
    p.__dict__.update(line=line, character=character)
    return p


def _range(start: Position, end: Position) -> Range:
    r = _new(Range)
    r.__dict__.update(start=start, end=end)
    return r


def _diagnostic(code: str, severity, message: str, rng: Range) -> Diagnostic:
    d = _new(Diagnostic)
    d.__dict__ = {"code": code, "severity": severity, "message": message, "range": rng, "related": [],
                  "fixes": []}
    return d

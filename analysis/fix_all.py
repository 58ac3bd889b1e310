"""Apply every fix that cannot change what the user meant, to a whole file: `check --fix`/`--diff` and
the server's source.fixAll both call `fix_text`.

A pass takes each diagnostic's one safe fix (analysis/fixes.py select_fixes: the fixes the editor
marks preferred) plus the structural fixes of fixes_structural.py, none overlapping, and applies them
as text edits, so whatever they do not touch (comments, blank lines, key order, quoting, indentation)
stays byte for byte. The text is checked again and the next pass applies what the first could not
(two fixes on one span, a fix that only appears once another is made), until nothing is left to fix:
the result is a fixed point, so running it again changes nothing.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Callable, Optional

from .diagnostics import Diagnostic, Fix, TextEdit
from .fixes import apply_edits, select_fixes
from .positions import LineIndex, Position, Range

MAX_PASSES = 8


@dataclass
class Applied:
    code: str
    title: str
    line: int  # 0-based, in the original text


@dataclass
class FixResult:
    original: str
    text: str
    applied: list[Applied] = field(default_factory=list)
    remaining: list[Diagnostic] = field(default_factory=list)
    passes: int = 0

    @property
    def changed(self) -> bool:
        return self.text != self.original

    def diff(self, path: str) -> str:
        """A unified diff (`--- a/PATH` / `+++ b/PATH`), empty when nothing changed."""
        if not self.changed:
            return ""
        a, b = (path, path) if path.startswith("/") else (f"a/{path}", f"b/{path}")
        out = difflib.unified_diff(self.original.splitlines(keepends=True), self.text.splitlines(keepends=True), a, b)
        return "".join(ln if ln.endswith("\n") else ln + "\n\\ No newline at end of file\n" for ln in out)


Diagnose = Callable[[str], list[Diagnostic]]


def fix_text(text: str, diagnose: Diagnose, *, yaml: bool = True,
             first: Optional[list[Diagnostic]] = None, max_passes: int = MAX_PASSES) -> FixResult:
    """Fix `text` to a fixed point. `diagnose(text)` checks a text the way the caller does (rules
    disabled, model); `first` are the diagnostics of `text` when the caller already has them;
    `yaml`: the text is YAML, so structural fixes (ruamel.yaml) apply too. `max_passes` bounds the
    passes (the editor's light-bulb offer makes one). A fix that would write a key twice is left out."""
    result = FixResult(text, text)
    seen = {text}
    diags = first if first is not None else diagnose(text)
    origin: Optional[list[int]] = None  # line of the pass's text -> line of the original text
    rejected: set = set()  # fixes that would write a key twice (a rename onto a key already there)
    while result.passes < max_passes:
        chosen = [(d, f) for d, f in pass_fixes(result.text, diags, yaml=yaml)
                  if _id(d, f, origin) not in rejected]
        if not chosen:
            break
        new = apply_edits(result.text, [e for _d, f in chosen for e in f.edits])
        new_diags = diagnose(new)
        if _duplicates(new_diags) - _duplicates(diags):
            # A fix must not change what the config means: a key renamed onto one already there would
            # make PyYAML keep only one of the two values. Find the fixes that do it; keep the others.
            keep = []
            for d, f in chosen:
                alone = diagnose(apply_edits(result.text, list(f.edits)))
                if _duplicates(alone) - _duplicates(diags):
                    rejected.add(_id(d, f, origin))
                else:
                    keep.append((d, f))
            if not keep:
                continue
            chosen = keep
            new = apply_edits(result.text, [e for _d, f in chosen for e in f.edits])
            new_diags = diagnose(new)
        if new in seen:  # two fixes undoing each other: stop rather than loop
            break
        seen.add(new)
        result.applied += [Applied(d.code, f.title, _orig(origin, d.range.start.line)) for d, f in chosen]
        origin = _follow(origin, result.text, [e for _d, f in chosen for e in f.edits])
        result.text = new
        result.passes += 1
        diags = new_diags
    result.remaining = diags
    return result


DUPLICATE_KEY = "PL059"


def _duplicates(diags: list[Diagnostic]) -> set:
    from collections import Counter

    c = Counter(d.message for d in diags if d.code == DUPLICATE_KEY)
    return {(m, i) for m, n in c.items() for i in range(n)}


def _id(d: Diagnostic, f: Fix, origin: Optional[list[int]]) -> tuple:
    return d.code, f.title, _orig(origin, d.range.start.line)


def _orig(origin: Optional[list[int]], line: int) -> int:
    if origin is None:
        return line
    return origin[min(line, len(origin) - 1)] if origin else line


def _follow(origin: Optional[list[int]], old: str, edits: list[TextEdit]) -> list[int]:
    """The original line of each line of the text `edits` make of `old`, given that of each line of
    `old`: lines outside the edits keep theirs, lines an edit writes get its first line's."""
    idx = LineIndex(old)
    prev = origin if origin is not None else list(range(idx.line_count))
    last = len(prev) - 1

    def at(line: int) -> int:
        return prev[min(line, last)]

    out = [at(0)]
    pos, line = 0, 0
    for e in sorted(edits, key=lambda e: (e.range.start, e.range.end)):
        a, b = idx.offset(e.range.start), idx.offset(e.range.end)
        for _ in range(old.count("\n", pos, a)):
            line += 1
            out.append(at(line))
        out.extend(at(e.range.start.line) for _ in range(e.new_text.count("\n")))
        line, pos = e.range.end.line, b
    for _ in range(old.count("\n", pos)):
        line += 1
        out.append(at(line))
    return out


def pass_fixes(text: str, diagnostics: list[Diagnostic], *, yaml: bool = True) -> list[tuple[Diagnostic, Fix]]:
    """One pass's fixes: the safe text fixes, then structural ones that overlap none of them."""
    taken: list[TextEdit] = []
    chosen = select_fixes(diagnostics, taken)
    if yaml:
        from .fixes_structural import structural_fixes, wanted

        if wanted(diagnostics):
            extra = structural_fixes(text, diagnostics)
            chosen += select_fixes([_with_fix(d, f) for d, f in extra], taken)
    return chosen


def _with_fix(d: Diagnostic, fix: Fix) -> Diagnostic:
    import dataclasses

    return dataclasses.replace(d, fixes=[fix])


def minimal_edits(old: str, new: str) -> list[TextEdit]:
    """Line-level edits that turn `old` into `new` (what an editor applies for fixAll): only the lines
    that differ are replaced, so the client keeps its cursor, folds and markers elsewhere."""
    if old == new:
        return []
    ia, ib = LineIndex(old), LineIndex(new)
    a, b = _lines(ia), _lines(ib)
    edits = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            edits.append(TextEdit(Range(_start(ia, i1), _start(ia, i2)), "".join(b[j1:j2])))
    return edits


def _lines(idx: LineIndex) -> list[str]:
    s = idx.line_starts + [len(idx.text)]
    return [idx.text[s[i]:s[i + 1]] for i in range(len(idx.line_starts))]


def _start(idx: LineIndex, i: int) -> Position:
    if i < idx.line_count:
        return Position(i, 0)
    return idx.position(len(idx.text))

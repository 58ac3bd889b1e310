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
        return unified_diff(self.original, self.text, a, b)


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
    that differ are replaced, so the client keeps its cursor, folds and markers elsewhere.

    Fixes change a few lines here and there, so the texts are walked together and, at each difference,
    re-aligned at the nearest place where two lines agree again (looked up in a window ahead): linear,
    where a general diff (difflib) is quadratic on configs whose lines repeat (10 s for 500 pruners)."""
    if old == new:
        return []
    ia = LineIndex(old)
    a, b = _lines(ia), _lines(LineIndex(new))
    return [TextEdit(Range(_start(ia, i1), _start(ia, i2)), "".join(b[j1:j2])) for i1, i2, j1, j2 in _changes(a, b)]


def _changes(a: list[str], b: list[str]) -> list[tuple[int, int, int, int]]:
    """(i1, i2, j1, j2) for each run of lines where a[i1:i2] became b[j1:j2], in order."""
    out = []
    i = j = 0
    while i < len(a) or j < len(b):
        if i < len(a) and j < len(b) and a[i] == b[j]:
            i, j = i + 1, j + 1
            continue
        i2, j2 = _resync(a, b, i, j)
        out.append((i, i2, j, j2))
        i, j = i2, j2
    return out


def unified_diff(old: str, new: str, a_name: str, b_name: str, context: int = 3) -> str:
    """A unified diff from the same line alignment (difflib's is quadratic on repetitive configs)."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    changes = _changes(a, b)
    if not changes:
        return ""
    out = [f"--- {a_name}\n", f"+++ {b_name}\n"]
    k = 0
    while k < len(changes):
        group = [changes[k]]
        while k + 1 < len(changes) and changes[k + 1][0] - group[-1][1] <= 2 * context:
            k += 1
            group.append(changes[k])
        k += 1
        i_start = max(0, group[0][0] - context)
        j_start = group[0][2] - (group[0][0] - i_start)
        i_end = min(len(a), group[-1][1] + context)
        j_end = group[-1][3] + (i_end - group[-1][1])
        out.append(f"@@ -{_hunk_range(i_start, i_end - i_start)} +{_hunk_range(j_start, j_end - j_start)} @@\n")
        i = i_start
        for i1, i2, j1, j2 in group:
            out += [" " + ln for ln in a[i:i1]]
            out += ["-" + ln for ln in a[i1:i2]]
            out += ["+" + ln for ln in b[j1:j2]]
            i = i2
        out += [" " + ln for ln in a[i:i_end]]
    return "".join(ln if ln.endswith("\n") else ln + "\n\\ No newline at end of file\n" for ln in out)


def _hunk_range(start: int, length: int) -> str:
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


_WINDOW = 400


def _resync(a: list[str], b: list[str], i: int, j: int) -> tuple[int, int]:
    """The nearest (i2, j2) past a difference at (i, j) where a and b agree again for two lines (or to
    their ends); (len(a), len(b)) when they do not within the window."""
    ahead: dict[str, list[int]] = {}
    for k in range(j, min(len(b), j + _WINDOW)):
        ahead.setdefault(b[k], []).append(k)
    best = None
    for di in range(0, min(len(a) - i, _WINDOW)):
        if best is not None and di >= best[0]:
            break
        for k in ahead.get(a[i + di], ()):
            dj = k - j
            if (di or dj) and _agree(a, b, i + di, k) and (best is None or di + dj < best[0]):
                best = (di + dj, i + di, k)
                break
    if best is None:
        return len(a), len(b)
    return best[1], best[2]


def _agree(a: list[str], b: list[str], i: int, j: int) -> bool:
    if a[i] != b[j]:
        return False
    if i + 1 < len(a) and j + 1 < len(b):
        return a[i + 1] == b[j + 1]
    return i + 1 == len(a) and j + 1 == len(b)


def _lines(idx: LineIndex) -> list[str]:
    s = idx.line_starts + [len(idx.text)]
    return [idx.text[s[i]:s[i + 1]] for i in range(len(idx.line_starts))]


def _start(idx: LineIndex, i: int) -> Position:
    if i < idx.line_count:
        return Position(i, 0)
    return idx.position(len(idx.text))

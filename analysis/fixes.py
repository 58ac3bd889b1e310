"""Edits a user asks for from a diagnostic: "disable CODE for this line" and "fix all".

Both are minimal: they touch only the characters they change, so formatting and comments
elsewhere stay as written. Positions are the engine's (0-based lines, code-point columns).
"""

from __future__ import annotations

import bisect
import re
from typing import Iterable, Optional

from .comments import line_comment
from .diagnostics import Diagnostic, Fix, TextEdit
from .positions import LineIndex, Position, Range
from .yaml_parse import ParsedText
from .yaml_tree import Scalar, walk

_DISABLE = re.compile(r"prune-lsp:\s*disable\s*=\s*(\S.*?)\s*$")


def suppression_edit(lines: LineIndex, line: int, code: str) -> TextEdit:
    """The edit that adds `code` to the end-of-line suppression comment of `line`.

    An existing `# prune-lsp: disable=A` gets `,CODE`; an existing other comment is kept and the
    directive goes after it (comments.py finds a directive anywhere in the comment); otherwise
    `  # prune-lsp: disable=CODE` is appended.
    """
    text = lines.line_text(line)
    col = line_comment(text)
    if col is not None:
        m = _DISABLE.search(text, col)
        if m:
            codes = [c.strip() for c in m.group(1).split(",") if c.strip()]
            if code in codes:
                end = Position(line, m.end(1))
                return TextEdit(Range(end, end), "")
            end = Position(line, m.end(1))
            return TextEdit(Range(end, end), f",{code}")
    stripped = len(text.rstrip(" \t"))
    at = Position(line, stripped)
    # Replace trailing blanks too, so the line does not end up with "x   # ..." mixed spacing.
    return TextEdit(Range(at, Position(line, len(text))), f"  # prune-lsp: disable={code}")


def suppression_fix(parsed: ParsedText, diagnostic: Diagnostic) -> Optional[Fix]:
    """A Fix "disable CODE for this line", or None where a comment would change the text's
    meaning (the line ends inside a multi-line string) or the line is not a YAML line."""
    line = diagnostic.range.start.line
    if line >= parsed.lines.line_count or comment_unsafe_lines(parsed).__contains__(line):
        return None
    edit = suppression_edit(parsed.lines, line, diagnostic.code)
    if edit.new_text == "":
        return None
    if "prune-lsp: model" in parsed.lines.line_text(line):
        return None  # the modeline would read the directive as part of the model path
    return Fix(f"Disable {diagnostic.code} for this line", (edit,), safe=False)


def comment_unsafe_lines(parsed: ParsedText) -> set[int]:
    """Lines where an appended `# ...` would become part of a string: inside block scalars
    (`|`, `>`) and multi-line quoted scalars, except their last line for quoted ones."""
    cached = getattr(parsed, "_comment_unsafe", None)
    if cached is not None:
        return cached
    out: set[int] = set()
    for doc in parsed.documents:
        if doc.root is None:
            continue
        try:
            for node in walk(doc.root):
                if not isinstance(node, Scalar):
                    continue
                a = parsed.lines.position(node.start).line
                b = parsed.lines.position(node.end).line
                if b <= a and node.style not in ("|", ">"):
                    continue
                if node.style in ("|", ">"):
                    out.update(range(a, b + 1))
                else:
                    out.update(range(a, b))  # the closing quote's line may take a comment
        except Exception:  # a tree too large to walk: be conservative about nothing
            break
    try:
        parsed._comment_unsafe = out  # type: ignore[attr-defined]
    except AttributeError:
        pass
    return out


def _overlaps(a: Range, b: Range) -> bool:
    # Two insertions at the same point conflict (their order would be arbitrary); touching
    # ranges where one is a replacement do not.
    if a.start == a.end == b.start == b.end:
        return True
    return a.start < b.end and b.start < a.end


def _span(e: TextEdit) -> tuple:
    return e.range.start, e.range.end


def _overlaps_taken(r: Range, taken: list[TextEdit]) -> bool:
    """Whether `r` overlaps an edit of `taken` (sorted by span, non-overlapping): only the neighbours of
    its place in the order can."""
    i = bisect.bisect_left(taken, (r.start, r.end), key=_span)
    return any(_overlaps(r, taken[j].range) for j in (i - 1, i, i + 1) if 0 <= j < len(taken))


def fix_all_edits(diagnostics: Iterable[Diagnostic]) -> list[TextEdit]:
    """Every safe fix's edits, merged: a fix is taken whole or not at all, and skipped when any
    of its edits overlaps an edit already taken (the next run of fixAll picks it up).
    Returned in document order, non-overlapping, as LSP's TextEdit[] requires."""
    taken = [e for _d, fix in select_fixes(diagnostics) for e in fix.edits]
    taken.sort(key=lambda e: (e.range.start, e.range.end))
    return taken


def select_fixes(diagnostics: Iterable[Diagnostic], taken: Optional[list[TextEdit]] = None) -> list[tuple[Diagnostic, Fix]]:
    """The fixes fixAll and `check --fix` apply, each with its diagnostic: the fix the editor marks
    preferred (a diagnostic's only fix, and a safe one: with alternatives, the user chooses), whole, none
    overlapping another (nor an edit of `taken`, which is extended)."""
    taken = [] if taken is None else taken
    chosen: list[tuple[Diagnostic, Fix]] = []
    seen: set[tuple] = set()
    for d in diagnostics:
        if len(d.fixes) != 1:
            continue
        for fix in d.fixes:
            if not fix.safe or not fix.edits:
                continue
            key = tuple((e.range, e.new_text) for e in fix.edits)
            if key in seen:
                continue  # the same fix reported by two diagnostics
            if any(_overlaps_taken(e.range, taken) for e in fix.edits):
                continue
            if any(_overlaps(e1.range, e2.range) for i, e1 in enumerate(fix.edits) for e2 in fix.edits[i + 1:]):
                continue
            seen.add(key)
            for e in fix.edits:
                bisect.insort(taken, e, key=_span)
            chosen.append((d, fix))
    return chosen


def apply_edits(text: str, edits: Iterable[TextEdit]) -> str:
    """Apply non-overlapping edits (engine positions) to `text`; what an editor would do."""
    lines = LineIndex(text)
    # A file whose lines all end in CRLF keeps them: an inserted line ends in CRLF too (an editor
    # normalises what it inserts to the document's line ends; the CLI's --fix must do the same).
    crlf = "\r\n" in text and text.count("\n") == text.count("\r\n")
    pieces, pos = [], 0
    for e in sorted(edits, key=lambda e: (e.range.start, e.range.end)):  # one pass: linear in the text
        a, b = lines.offset(e.range.start), lines.offset(e.range.end)
        new = e.new_text
        if crlf and "\n" in new:
            new = new.replace("\r\n", "\n").replace("\n", "\r\n")
        pieces += [text[pos:a], new]
        pos = max(pos, b)
    pieces.append(text[pos:])
    return "".join(pieces)

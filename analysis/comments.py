"""Comments that steer prune-lsp: the model modeline and suppressions (design.md).

  # prune-lsp: model=RELATIVE/OR/ABSOLUTE/PATH        (in the first 5 lines)
  # prune-lsp: disable=CODE[,CODE]                     (end of a line: that line only)
  # prune-lsp: disable-file=CODE[,CODE]                (anywhere: the whole file)

PyYAML drops comments, so they are found by a small scanner that skips quoted text. The same
syntax works in Python files, whose comments also start with '#'.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Optional

from .positions import LineIndex, Range

MODELINE_LINES = 5
_DIRECTIVE = re.compile(r"prune-lsp:\s*(model|disable-file|disable)\s*=\s*(\S.*?)\s*$")
_CODE = re.compile(r"^[A-Za-z]+[0-9]+$")


@dataclass
class Comment:
    line: int
    start: int  # code-point column of '#'
    text: str  # after '#'


@dataclass
class Directives:
    model: Optional[str] = None
    model_range: Optional[Range] = None
    disabled_lines: dict[int, set[str]] = field(default_factory=dict)
    disabled_file: set[str] = field(default_factory=set)

    def suppressed(self, code: str, line: int) -> bool:
        if code in self.disabled_file or "all" in self.disabled_file:
            return True
        on_line = self.disabled_lines.get(line)
        return bool(on_line) and (code in on_line or "all" in on_line)


def line_comment(line: str) -> Optional[int]:
    """Column of the '#' starting a comment on this line, or None (quotes are skipped)."""
    quote = ""
    for i, c in enumerate(line):
        if quote:
            if c == quote:
                quote = ""
            continue
        if c in "\"'" and (i == 0 or line[i - 1] in " \t[{,:-"):
            quote = c
        elif c == "#" and (i == 0 or line[i - 1] in " \t"):
            return i
    return None


def scan_comments(lines: LineIndex) -> list[Comment]:
    out = []
    text = lines.text
    if "#" not in text:
        return out
    for ln in range(lines.line_count):
        s = lines.line_text(ln)
        if "#" not in s:
            continue
        col = line_comment(s)
        if col is not None:
            out.append(Comment(ln, col, s[col + 1:]))
    return out


def _directive_comments(lines: LineIndex) -> list[Comment]:
    """scan_comments(lines), keeping only the comments that can hold a directive: those on a line
    that says `prune-lsp:` (a generated config has thousands of other comments)."""
    text, starts, out = lines.text, lines.line_starts, []
    last = -1
    i = text.find("prune-lsp:")
    while i >= 0:
        ln = bisect.bisect_right(starts, i) - 1
        if ln != last:
            last = ln
            s = lines.line_text(ln)
            col = line_comment(s)
            if col is not None:
                out.append(Comment(ln, col, s[col + 1:]))
        i = text.find("prune-lsp:", i + 1)
    return out


def parse_directives(lines: LineIndex, comments: Optional[list[Comment]] = None) -> Directives:
    d = Directives()
    if "prune-lsp:" not in lines.text:
        return d
    for c in comments if comments is not None else _directive_comments(lines):
        m = _DIRECTIVE.search(c.text)
        if not m:
            continue
        kind, value = m.group(1), m.group(2)
        if kind == "model":
            if c.line < MODELINE_LINES and d.model is None:
                value = value.strip().strip("\"'")
                d.model = value
                col = c.start + 1 + m.start(2)
                d.model_range = Range.point(c.line, col)
                d.model_range = Range(d.model_range.start,
                                      type(d.model_range.start)(c.line, col + len(m.group(2))))
            continue
        codes = {x.strip() for x in value.split(",") if x.strip()}
        codes = {x.upper() if _CODE.match(x) else x for x in codes}
        if kind == "disable":
            d.disabled_lines.setdefault(c.line, set()).update(codes)
        else:
            d.disabled_file.update(codes)
    return d

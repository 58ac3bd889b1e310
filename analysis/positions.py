"""Positions in a text as the engine reports them: 0-based lines, columns in Unicode code points.

The LSP layer converts these to the client's encoding (UTF-16 by default) through pygls's
position codec; the CLI prints them 1-based. Lines break at \\n, \\r\\n and \\r only, as in LSP
(PyYAML also breaks at U+0085/U+2028/U+2029, so its own line numbers are never used).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Position:
    line: int
    character: int

    def to_json(self) -> dict:
        return {"line": self.line, "character": self.character}


@dataclass(frozen=True)
class Range:
    start: Position
    end: Position

    def to_json(self) -> dict:
        return {"start": self.start.to_json(), "end": self.end.to_json()}

    def contains(self, pos: Position) -> bool:
        return self.start <= pos <= self.end

    @staticmethod
    def point(line: int, character: int) -> "Range":
        p = Position(line, character)
        return Range(p, p)


_bisect_right = bisect.bisect_right
_new = object.__new__


class LineIndex:
    """Maps code-point offsets in a text to (line, character) and back, in O(log lines)."""

    def __init__(self, text: str):
        self.text = text
        starts = [0]
        i, n = 0, len(text)
        find = text.find
        # Fast path: most texts only use \n.
        if "\r" not in text:
            while True:
                j = find("\n", i)
                if j < 0:
                    break
                starts.append(j + 1)
                i = j + 1
        else:
            while i < n:
                c = text[i]
                if c == "\n":
                    starts.append(i + 1)
                elif c == "\r":
                    if i + 1 < n and text[i + 1] == "\n":
                        i += 1
                    starts.append(i + 1)
                i += 1
        self.line_starts = starts

    @property
    def line_count(self) -> int:
        return len(self.line_starts)

    def position(self, offset: int) -> Position:
        # Called for every finding's start and end (126,000 times on a 21,000-pruner config): the
        # frozen dataclass's __init__ (two object.__setattr__ calls) is skipped for the same fields.
        if offset < 0:
            offset = 0
        elif offset > len(self.text):
            offset = len(self.text)
        starts = self.line_starts
        line = _bisect_right(starts, offset) - 1
        p = _new(Position)
        p.__dict__.update(line=line, character=offset - starts[line])
        return p

    def offset(self, pos: Position) -> int:
        if pos.line >= len(self.line_starts):
            return len(self.text)
        start = self.line_starts[pos.line]
        return min(start + pos.character, self.line_end(pos.line))

    def range(self, start: int, end: int) -> Range:
        s = self.position(start)
        starts = self.line_starts
        line = s.line
        if 0 <= start <= end and line + 1 < len(starts) and end < starts[line + 1]:
            # on the start's line (most findings): its character without a second search
            e = _new(Position)
            e.__dict__.update(line=line, character=end - starts[line])
        else:
            e = self.position(end)
        r = _new(Range)  # Range(...) without the frozen dataclass's object.__setattr__ calls
        r.__dict__.update(start=s, end=e)
        return r

    def line_end(self, line: int) -> int:
        """Offset of the end of `line`, before its line break."""
        if line + 1 < len(self.line_starts):
            end = self.line_starts[line + 1] - 1
            if end > 0 and self.text[end] == "\n" and self.text[end - 1] == "\r":
                end -= 1
            return end
        return len(self.text)

    def line_text(self, line: int) -> str:
        if line >= len(self.line_starts):
            return ""
        return self.text[self.line_starts[line]:self.line_end(line)]

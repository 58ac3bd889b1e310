"""Engine positions (0-based lines, code-point columns) <-> LSP positions in the client's units.

Every conversion goes through the document's pygls position codec (UTF-16, UTF-8 or UTF-32, as
negotiated). The codec wants the document's lines; `CodecLines` gives it the engine's line table
(one per check) instead of re-splitting the text for each position (pygls issue #538).
"""

from __future__ import annotations

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from analysis.positions import LineIndex, Position, Range


class CodecLines:
    """A read-only sequence of a text's lines (without their line breaks), backed by a LineIndex."""

    __slots__ = ("index",)

    def __init__(self, index: LineIndex):
        self.index = index

    def __len__(self) -> int:
        return self.index.line_count

    def __getitem__(self, i: int) -> str:
        if i < 0:
            i += self.index.line_count
        if not 0 <= i < self.index.line_count:
            raise IndexError(i)
        return self.index.line_text(i)


class Converter:
    def __init__(self, codec: PositionCodec, lines: LineIndex):
        self.codec = codec
        self.lines = lines
        self._seq = CodecLines(lines)
        # In ASCII text a code point is one unit in UTF-8, UTF-16 and UTF-32 alike: no per-position
        # counting (pygls sums over the line's characters for each one: seconds for 40,000 findings).
        self._ascii = lines.text.isascii()
        self._ascii_lines: dict[int, bool] = {}

    def _line_is_ascii(self, line: int) -> bool:
        got = self._ascii_lines.get(line)
        if got is None:
            got = self._ascii_lines[line] = self.lines.line_text(line).isascii()
        return got

    def position(self, p: Position) -> types.Position:
        lines = self.lines
        if p.line < lines.line_count and (self._ascii or self._line_is_ascii(p.line)):
            # what the codec computes, clamped to the line's end as it is
            width = lines.line_end(p.line) - lines.line_starts[p.line]
            return types.Position(line=p.line, character=min(p.character, width))
        return self.codec.position_to_client_units(self._seq, types.Position(line=p.line, character=p.character))

    def range(self, r: Range) -> types.Range:
        return types.Range(start=self.position(r.start), end=self.position(r.end))

    def to_engine(self, p: types.Position) -> Position:
        if p.line >= self.lines.line_count:
            last = self.lines.line_count - 1
            return Position(last, len(self.lines.line_text(last)))
        sp = self.codec.position_from_client_units(self._seq, types.Position(line=p.line, character=p.character))
        return Position(sp.line, sp.character)

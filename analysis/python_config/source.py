"""Python source positions as the engine counts them.

`ast` gives 1-based lines and columns in UTF-8 *bytes*; the engine (and LSP after conversion)
counts code points from the start of the text. Lines break where LineIndex breaks them (\\n,
\\r\\n, \\r), which is also where Python's tokenizer breaks them. A leading byte-order mark is
not valid Python source, so it is cut before parsing and `shift` adds it back to every offset.
"""

from __future__ import annotations

import ast
from typing import Optional

from ..positions import LineIndex

BOM = "\ufeff"


class SourceMap:
    def __init__(self, text: str):
        self.shift = 1 if text.startswith(BOM) else 0
        self.src = text[self.shift:]
        self.lines = LineIndex(self.src)
        self._encoded: dict[int, Optional[bytes]] = {}

    def offset(self, lineno: int, col_bytes: int) -> int:
        """Code-point offset in the original text of (1-based line, UTF-8 byte column)."""
        ln = lineno - 1
        if ln >= self.lines.line_count:
            return len(self.src) + self.shift
        start = self.lines.line_starts[ln]
        if ln not in self._encoded:
            line = self.lines.line_text(ln)
            self._encoded[ln] = None if line.isascii() else line.encode("utf-8")
        enc = self._encoded[ln]
        cp = col_bytes if enc is None else len(enc[:col_bytes].decode("utf-8", "replace"))
        return start + cp + self.shift

    def span(self, node: ast.AST) -> tuple[int, int]:
        start = self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end_line = getattr(node, "end_lineno", None) or node.lineno  # type: ignore[attr-defined]
        end_col = getattr(node, "end_col_offset", None)
        end = self.offset(end_line, end_col) if end_col is not None else start
        return start, end

    def text(self, start: int, end: int) -> str:
        return self.src[start - self.shift:end - self.shift]

"""Incremental text sync with the LSP's own line model.

pygls's TextDocument splits lines with `str.splitlines`, which also breaks at \\x0b, \\x0c,
\\x1c-\\x1e, \\x85, U+2028 and U+2029; the LSP (and every client) breaks only at \\n, \\r\\n and
\\r. One such character in a comment and every later incremental edit on that line lands in the
wrong place: the server's text drifts from the client's (found by tests/robustness's edit
fuzz). pygls also clamps a character past the end of the last line to one before its end, where
the LSP says "defaults back to the line length". This document keeps the client's line model.
"""

from __future__ import annotations

import re
from typing import Sequence

from lsprotocol import types
from pygls.workspace import TextDocument, Workspace

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def lsp_lines(text: str) -> list[str]:
    """The text's lines as the LSP counts them, each with its line break."""
    if "\r" not in text:  # the usual case: cheaper than the regex
        lines = text.split("\n")
        out = [ln + "\n" for ln in lines[:-1]]
        if lines[-1]:
            out.append(lines[-1])
        return out
    return _LINE.findall(text)


def _strip_break(line: str) -> str:
    if line.endswith("\r\n"):
        return line[:-2]
    if line.endswith(("\n", "\r")):
        return line[:-1]
    return line


class LspTextDocument(TextDocument):
    @property
    def lines(self) -> Sequence[str]:
        return tuple(lsp_lines(self.source))

    def _offset(self, lines: Sequence[str], pos: types.Position) -> int:
        """The code-point offset of a client position; past the end of a line: the line's end
        (before its break); past the last line: the end of the text."""
        if pos.line >= len(lines):
            return sum(len(ln) for ln in lines)
        base = sum(len(ln) for ln in lines[:pos.line])
        line = _strip_break(lines[pos.line])
        impl = self.position_codec.impl
        units, col = 0, 0
        for c in line:
            if units >= pos.character:
                break
            units += impl.code_units_for_char(c)
            col += 1
        return base + col

    def _apply_incremental_change(self, change: types.TextDocumentContentChangePartial) -> None:
        lines = self.lines
        start = self._offset(lines, change.range.start)
        end = self._offset(lines, change.range.end)
        if end < start:  # a reversed range: take it as the span it names
            start, end = end, start
        src = self.source
        self._source = src[:start] + change.text + src[end:]


def install(workspace: Workspace) -> None:
    """Make `workspace` create LspTextDocuments (called once the workspace exists: initialize)."""

    def create(doc_uri: str, source=None, version=None, language_id=None) -> TextDocument:
        return LspTextDocument(doc_uri, source=source, version=version, language_id=language_id,
                               sync_kind=workspace._sync_kind, position_codec=workspace.position_codec)

    workspace._create_text_document = create

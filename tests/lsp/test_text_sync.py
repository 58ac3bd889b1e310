"""lsp_server/text_sync.py: incremental edits land where the client means them, with LSP's line
breaks only (pygls's splitlines also breaks at U+2028, \\x0c, \\x85 ... and drifted)."""

from __future__ import annotations

from lsprotocol import types
from pygls.workspace import Workspace

from lsp_server.text_sync import install, lsp_lines


def _doc(text: str, encoding=types.PositionEncodingKind.Utf16):
    ws = Workspace(None, position_encoding=encoding)
    install(ws)
    ws.put_text_document(types.TextDocumentItem(uri="file:///x.yaml", language_id="yaml", version=1, text=text))
    return ws, ws.get_text_document("file:///x.yaml")


def _edit(ws, line, start, end, new, version=2):
    ws.update_text_document(
        types.VersionedTextDocumentIdentifier(uri="file:///x.yaml", version=version),
        types.TextDocumentContentChangePartial(range=types.Range(
            start=types.Position(line=line, character=start), end=types.Position(line=line, character=end)), text=new))


def test_lines_break_only_at_lsp_line_breaks():
    assert lsp_lines("a\u2028b\x0cc\nd\r\ne\rf") == ["a\u2028b\x0cc\n", "d\r\n", "e\r", "f"]


def test_edit_after_a_unicode_line_separator_lands_on_the_clients_line():
    ws, doc = _doc("# note\u2028still the comment\npattern: 2:4\n")
    _edit(ws, 1, 9, 12, '"2:4"')
    assert ws.get_text_document("file:///x.yaml").source == '# note\u2028still the comment\npattern: "2:4"\n'


def test_utf16_columns_after_astral_characters():
    ws, doc = _doc("k: '😀é' x\n")
    _edit(ws, 0, 9, 10, "y")  # 😀 is two UTF-16 units: the x is at UTF-16 column 9 (code point 8)
    assert ws.get_text_document("file:///x.yaml").source == "k: '😀é' y\n"


def test_a_position_past_the_end_of_the_last_line_means_its_end():
    ws, doc = _doc("a: 1")
    _edit(ws, 0, 99, 99, "0")
    assert ws.get_text_document("file:///x.yaml").source == "a: 10"

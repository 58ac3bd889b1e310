"""Completion, hover, code actions and symbols end to end, under both client profiles."""

from __future__ import annotations

import asyncio

from lsprotocol import types

from .conftest import diagnostics, open_doc

DOC = """\
pruning:
  approach:
    weight_compression_v2:
      target_sparsity: 0.8
      start_step: 0
      end_step: 100
      pruners:
        - !PrunerV2
          op_names: ['layer1.*']
          pattern: 2:4
          pruning_type: magnitud
          tar
"""
URI = "file:///tmp/prune-e2e/features.yaml"


def raw_request(client, method: str, params) -> asyncio.Future:
    """Send a request as raw JSON (bypassing the client's typed serializer) and get its future."""
    import uuid

    msg_id = f"raw-{uuid.uuid4()}"
    fut = asyncio.get_running_loop().create_future()
    client.protocol._request_futures[msg_id] = fut
    client.protocol._send_data({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
    return fut


def _td():
    return types.TextDocumentIdentifier(uri=URI)


def _apply(text: str, edits) -> str:
    """Apply LSP edits (ASCII text: units are code points) as an editor would."""
    lines = text.split("\n")
    offs = [0]
    for ln in lines:
        offs.append(offs[-1] + len(ln) + 1)
    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        a = offs[e.range.start.line] + e.range.start.character
        b = offs[e.range.end.line] + e.range.end.character
        text = text[:a] + e.new_text + text[b:]
    return text


async def test_key_completion_while_line_is_broken(client):
    open_doc(client, URI, DOC)
    res = await client.text_document_completion_async(types.CompletionParams(
        text_document=_td(), position=types.Position(line=11, character=13)))
    labels = {i.label for i in res.items}
    assert "target_sparsity" in labels and "start_step" in labels
    assert "pattern" not in labels and "op_names" not in labels  # already present in this pruner
    assert "low_memory_usage" not in labels  # global-only key
    item = next(i for i in res.items if i.label == "target_sparsity")
    assert "default `0.9`" in item.documentation.value
    assert item.text_edit.range.start.character == 10 and item.text_edit.range.end.character == 13
    if client.profile == "vscode":
        assert item.insert_text_format == types.InsertTextFormat.Snippet and "${1:" in item.text_edit.new_text
    else:
        assert item.insert_text_format == types.InsertTextFormat.PlainText and "$" not in item.text_edit.new_text


async def test_value_completion_for_enums_and_patterns(client):
    text = DOC.replace("          tar\n", "          pruning_scope: \n")
    open_doc(client, URI, text)
    res = await client.text_document_completion_async(types.CompletionParams(
        text_document=_td(), position=types.Position(line=11, character=25)))
    assert {i.label for i in res.items} == {"global", "local"}
    text = DOC.replace("          tar\n", "          reg_type: \n").replace("pattern: 2:4", "pattern: ")
    open_doc(client, URI, text)  # reopen: the new text replaces the old
    res = await client.text_document_completion_async(types.CompletionParams(
        text_document=_td(), position=types.Position(line=9, character=19)))
    inserts = {i.text_edit.new_text for i in res.items}
    assert '"2:4"' in inserts and "4x1" in inserts and "channelx1" in inserts and "1xchannel" in inserts


async def test_new_pruner_snippet_or_plain_text(client):
    text = DOC.replace("          tar\n", "        - \n")
    open_doc(client, URI, text)
    res = await client.text_document_completion_async(types.CompletionParams(
        text_document=_td(), position=types.Position(line=11, character=10)))
    item = next(i for i in res.items if i.kind == types.CompletionItemKind.Snippet)
    assert item.text_edit.new_text.startswith("- !PrunerV2\n            op_names:")
    assert ("${1:" in item.text_edit.new_text) == (client.profile == "vscode")


async def test_hover_shows_docs_and_effective_origin(client):
    open_doc(client, URI, DOC)
    h = await client.text_document_hover_async(types.HoverParams(
        text_document=_td(), position=types.Position(line=3, character=10)))
    assert "target_sparsity" in h.contents.value and "pruner 1" in h.contents.value
    h = await client.text_document_hover_async(types.HoverParams(
        text_document=_td(), position=types.Position(line=9, character=12)))
    assert "set in this pruner" in h.contents.value and "Unquoted `2:4`" in h.contents.value
    h = await client.text_document_hover_async(types.HoverParams(
        text_document=_td(), position=types.Position(line=9, character=20)))
    assert "integer 124" in h.contents.value


async def test_quick_fix_suppression_and_fix_all(client):
    open_doc(client, URI, DOC)
    diags = await diagnostics(client, URI, 1)
    codes = {d.code for d in diags}
    assert {"PL014", "PL017"} <= codes
    pl014 = next(d for d in diags if d.code == "PL014")
    acts = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=_td(), range=pl014.range, context=types.CodeActionContext(diagnostics=[pl014])))
    titles = [a.title for a in acts]
    assert 'quote it: "2:4"' in titles and "Disable PL014 for this line" in titles

    def edits_of(a):
        if a.edit.document_changes:
            return a.edit.document_changes[0].edits
        return a.edit.changes[URI]

    sup = next(a for a in acts if a.title == "Disable PL014 for this line")
    fixed = _apply(DOC, edits_of(sup))
    assert fixed.splitlines()[9] == "          pattern: 2:4  # prune-lsp: disable=PL014"
    fa = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=_td(), range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
        context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.SourceFixAll])))
    assert len(fa) == 1 and fa[0].kind == types.CodeActionKind.SourceFixAll
    after = _apply(DOC, edits_of(fa[0]))
    assert 'pattern: "2:4"' in after and "pruning_type: magnitude" in after
    # minimal: every other line is untouched
    changed = [i for i, (a, b) in enumerate(zip(DOC.splitlines(), after.splitlines())) if a != b]
    assert changed == [9, 10]


async def test_document_symbols_name_pruners(client):
    open_doc(client, URI, DOC)
    syms = await client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=_td()))
    names = [s.name for s in syms]
    assert "global section (weight_compression_v2)" in names
    assert "pruner 1: layer1.*" in names


async def test_robust_unknown_document_bad_params_and_unknown_method(client):
    other = types.TextDocumentIdentifier(uri="file:///nowhere/never-opened.yaml")
    assert await client.text_document_hover_async(types.HoverParams(
        text_document=other, position=types.Position(line=0, character=0))) is None
    res = await client.text_document_completion_async(types.CompletionParams(
        text_document=other, position=types.Position(line=0, character=0)))
    assert res is None or len(res.items) == 0
    # bad params: an error response, and the server keeps serving
    fut = raw_request(client, types.TEXT_DOCUMENT_HOVER, {"textDocument": {"uri": 3}})
    try:
        await asyncio.wait_for(fut, 5)
        raise AssertionError("bad params were accepted")
    except asyncio.TimeoutError:
        raise AssertionError("no answer to a request with bad params")
    except Exception as exc:  # the JSON-RPC error
        assert "nvalid" in str(exc) or "-32602" in str(exc)
    fut = raw_request(client, "prune-lsp/noSuchMethod", {})
    try:
        await asyncio.wait_for(fut, 5)
        raise AssertionError("unknown method answered")
    except asyncio.TimeoutError:
        raise AssertionError("no answer to an unknown method")
    except Exception as exc:
        assert "noSuchMethod" in str(exc) or "not found" in str(exc).lower()
    open_doc(client, URI, DOC)
    h = await client.text_document_hover_async(types.HoverParams(
        text_document=_td(), position=types.Position(line=3, character=10)))
    assert h is not None

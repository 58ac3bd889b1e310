"""A big config of many pruners of few kinds is checked one pruner per kind (analysis/repeated_pruners.py):
the server publishes those findings at once and parses the whole text later (after an idle pause, or
when a feature asks). Through the real server: what the editor gets equals the whole check's findings,
before and after an edit, and the features that need the whole parse (symbols, hover, code actions)
answer on it."""

from __future__ import annotations

import pytest
from lsprotocol import types

from analysis.engine import DeferredResult, check_text

from .conftest import change_doc, diagnostics, open_doc

pytestmark = pytest.mark.asyncio

HEAD = ("# a generated config: one pruner per layer\n"
        "pruning:\n  approach:\n    weight_compression_v2:\n      target_sparsity: 0.25\n      start_step: 0\n"
        "      end_step: 1000\n      pruners:\n")
N = 400


def _config(odd_one: int) -> str:
    """N pruners with an unknown key (PL031), one of them with an unquoted 2:4 instead (PL014)."""
    out = [HEAD]
    for i in range(N):
        bad = "pattern: 2:4" if i == odd_one else "prune_freq: 5"
        out.append(f"        - !PrunerV2\n          op_names: ['encoder.layer{i}.dense']\n          {bad}\n")
    return "".join(out)


def _rows_of_whole_check(text: str, path: str) -> set:
    whole = check_text(text, path, by_kind=False)
    assert not isinstance(whole, DeferredResult)
    return {(d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character, d.code, d.message)
            for d in whole.diagnostics}


def _rows(items) -> set:
    return {(d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character, d.code, d.message)
            for d in items}


def _line_of(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines()) if needle in ln)


async def test_findings_equal_the_whole_check_and_features_answer(client, tmp_path):
    path = tmp_path / "generated.yaml"
    uri = path.as_uri()
    text = _config(odd_one=7)
    assert isinstance(check_text(text, str(path)), DeferredResult), "not checked by kind: the test proves nothing"
    want = _rows_of_whole_check(text, str(path))
    assert len(want) == N and {r[4] for r in want} == {"PL031", "PL014"}

    open_doc(client, uri, text)
    assert _rows(await diagnostics(client, uri, 1, timeout=60)) == want

    # Features that need the whole parse, asked for at once (before the idle parse has run).
    td = types.TextDocumentIdentifier(uri=uri)
    syms = await client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=td))
    names = [s.name for s in syms]
    assert sum(n.startswith("pruner ") for n in names) == N, names[:5]
    assert "pruner 300: encoder.layer299.dense" in names
    line = _line_of(text, "encoder.layer299.dense")
    h = await client.text_document_hover_async(types.HoverParams(
        text_document=td, position=types.Position(line=line, character=12)))
    assert h is not None and "op_names" in h.contents.value
    items = await diagnostics(client, uri, 1, timeout=60)
    finding = next(d for d in items if d.range.start.line == line + 1)
    acts = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=td, range=finding.range, context=types.CodeActionContext(diagnostics=[finding])))
    assert f"Disable {finding.code} for this line" in [a.title for a in acts]

    # An edit moves the odd pruner: the new findings are the whole check's of the new text.
    text2 = _config(odd_one=250)
    change_doc(client, uri, 2, text2)
    assert _rows(await diagnostics(client, uri, 2, timeout=60)) == _rows_of_whole_check(text2, str(path))

"""source.fixAll and "Migrate to weight_compression_v2" through the real server over stdio (pytest-lsp,
VS Code and Neovim client profiles): the editor gets exactly what `check --fix` and `migrate` write."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from analysis.engine import CheckSettings
from analysis.migrate import migrate
from prune_lsp.check import check_source
from tests.fix.test_fix_cli import COMMENTED
from tests.lsp.conftest import client, open_doc  # noqa: F401  (the pytest-lsp fixture)

URI = "file:///tmp/prune-fix-e2e/c.yaml"
LEGACY = """\
model: {name: m, framework: pytorch}   # model
pruning:
  approach:
    weight_compression_pytorch:
      target_sparsity: 0.5   # half
      end_step: 10
      pruners:
        - !Pruner
            prune_type: magnitude   # type
            names: ['layer1.*']
"""


def _apply(text: str, edits) -> str:
    lines = text.split("\n")
    offs = [0]
    for ln in lines:
        offs.append(offs[-1] + len(ln) + 1)
    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        a = offs[e.range.start.line] + e.range.start.character
        b = offs[e.range.end.line] + e.range.end.character
        text = text[:a] + e.new_text + text[b:]
    return text


def _edits(action):
    if action.edit.document_changes:
        return action.edit.document_changes[0].edits
    return action.edit.changes[URI]


def _ask(client, only):  # noqa: F811
    return client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=URI),
        range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
        context=types.CodeActionContext(diagnostics=[], only=only)))


async def test_fix_all_is_check_fix(client):  # noqa: F811
    open_doc(client, URI, COMMENTED)
    acts = await _ask(client, [types.CodeActionKind.SourceFixAll])
    assert len(acts) == 1
    after = _apply(COMMENTED, _edits(acts[0]))
    from analysis.fix_all import fix_text

    cli = fix_text(COMMENTED, lambda t: check_source(t, Path("/tmp/prune-fix-e2e/c.yaml"), CheckSettings())).text
    assert after == cli
    assert "reg_coeff: 0.1  # coeff comment" in after and "- !PrunerV2 {op_names" in after
    # only changed lines are replaced: the first line's edit range never starts at 0:0 unless it changed
    assert all(e.range.start.line > 5 for e in _edits(acts[0]))


async def test_migrate_code_action(client):  # noqa: F811
    open_doc(client, URI, LEGACY)
    acts = await _ask(client, [types.CodeActionKind.RefactorRewrite])
    titles = [a.title for a in acts]
    assert titles == ["Migrate to weight_compression_v2"]
    after = _apply(LEGACY, _edits(acts[0]))
    assert after == migrate(LEGACY, "v2").text
    assert "weight_compression_v2:" in after and "# type" in after and "# half" in after
    # a v2 config is not offered the migration
    open_doc(client, "file:///tmp/prune-fix-e2e/v2.yaml", after)
    acts = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri="file:///tmp/prune-fix-e2e/v2.yaml"),
        range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
        context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.RefactorRewrite])))
    assert not acts

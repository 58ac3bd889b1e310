"""Diagnostics end to end over stdio, under the VS Code-like and Neovim-0.7-like profiles."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types

from .conftest import change_doc, diagnostics, open_doc, start, wait_until, CONFIG

import pytest_lsp
from pytest_lsp import LanguageClient

BAD = """\
pruning:
  approach:
    weight_compression_v2:
      start_step: 10
      end_step: 5
      pruners:
        - !PrunerV2
          pattern: 2:4
          target_sparsity: 0.4
"""

# A non-ASCII comment above, and non-ASCII text before the diagnostic on its own line.
UNICODE = """\
# é 😀 中文: a comment that must not shift anything
pruning:
  approach:
    weight_compression_v2:
      pruners:
        - !PrunerV2 {op_names: ['é😀中'], pruning_type: magnitud}
"""


def _units(s: str, enc: str) -> int:
    return len(s.encode("utf-16-le")) // 2 if enc == "utf-16" else len(s.encode("utf-8"))


async def test_push_or_pull_on_open_has_code_link_related_and_fix(client):
    uri = "file:///tmp/prune-e2e/bad.yaml"
    open_doc(client, uri, BAD)
    diags = await diagnostics(client, uri, 1)
    by_code = {d.code: d for d in diags}
    assert {"PL002", "PL014"} <= set(by_code), [d.code for d in diags]
    d = by_code["PL002"]
    assert d.code_description.href.endswith("#pl002")
    assert d.source == "prune-lsp"
    assert d.related_information and d.related_information[0].location.range.start.line == 3
    q = by_code["PL014"]
    assert (q.range.start.line, q.range.start.character) == (7, 19)
    assert q.data["fixes"][0]["edits"][0]["newText"] == '"2:4"'


async def test_non_ascii_does_not_shift_ranges(client):
    uri = "file:///tmp/prune-e2e/unicode.yaml"
    open_doc(client, uri, UNICODE)
    diags = await diagnostics(client, uri, 1)
    d = next(d for d in diags if d.code == "PL017")
    line = UNICODE.splitlines()[5]
    col = line.index("magnitud")
    enc = "utf-16" if client.profile == "vscode" else "utf-8"
    assert d.range.start.line == 5
    assert d.range.start.character == _units(line[:col], enc)
    assert d.range.end.character == _units(line[:col + len("magnitud")], enc)
    # and the encoding really differs from code points here
    assert _units(line[:col], enc) != col


async def test_change_is_never_stale_and_close_clears(client):
    uri = "file:///tmp/prune-e2e/edit.yaml"
    open_doc(client, uri, BAD)
    await diagnostics(client, uri, 1)
    # fix end_step with an incremental edit: "5" -> "50"
    change_doc(client, uri, 2, "50", types.Range(start=types.Position(line=4, character=16),
                                                end=types.Position(line=4, character=17)))
    diags = await diagnostics(client, uri, 2)
    assert "PL002" not in {d.code for d in diags}
    if client.profile == "neovim":
        client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))
        await wait_until(lambda: client.published[-1][0] == uri and len(client.published[-1][2]) == 0,
                         what="cleared diagnostics")


async def test_plain_yaml_is_left_alone(client):
    uri = "file:///tmp/prune-e2e/other.yaml"
    open_doc(client, uri, "name: ci\non: [push]\njobs: {build: {runs-on: ubuntu-latest}\n")  # broken, not ours
    if client.profile == "vscode":
        assert len(await diagnostics(client, uri)) == 0
    else:
        await asyncio.sleep(0.5)
        assert all(u != uri for u, _, _ in client.published)


async def test_burst_of_changes_ends_with_final_text(client):
    uri = "file:///tmp/prune-e2e/burst.yaml"
    open_doc(client, uri, BAD)
    await diagnostics(client, uri, 1)
    n = 300
    for v in range(2, n + 2):
        end = 5 if v % 2 else 50  # alternate bad/good; the last one (v = n + 1) is odd: bad
        change_doc(client, uri, v, BAD.replace("end_step: 5", f"end_step: {end}"))
    # the server answers other requests during the burst
    hover = await asyncio.wait_for(client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=3, character=8))), 5)
    assert hover is not None and "start_step" in hover.contents.value
    diags = await diagnostics(client, uri, n + 1)
    assert "PL002" in {d.code for d in diags}
    if client.profile == "neovim":
        await asyncio.sleep(0.3)
        last = [p for p in client.published if p[0] == uri][-1]
        assert last[1] == n + 1  # nothing older was published after the newest


@pytest_lsp.fixture(config=CONFIG, params=["vscode", "neovim"])
async def configured(request, lsp_client: LanguageClient):
    # disabledRules through each profile's own channel: pulled (vscode) or initializationOptions
    if request.param == "vscode":
        await start(lsp_client, "vscode", init={"pruneLsp": {"debounceMs": 0}},
                    settings={"disabledRules": ["PL014"]})
    else:
        await start(lsp_client, "neovim", init={"pruneLsp": {"debounceMs": 0, "disabledRules": ["PL014"]}})
    yield lsp_client
    await lsp_client.shutdown_session()


async def test_settings_disable_rules_and_change_rechecks(configured):
    client = configured
    uri = "file:///tmp/prune-e2e/settings.yaml"
    open_doc(client, uri, BAD)
    codes = {d.code for d in await diagnostics(client, uri, 1)}
    assert "PL014" not in codes and "PL002" in codes
    n_before = len(client.published)
    refreshes = client.diagnostic_refresh_count
    if client.profile == "vscode":
        client.set_configuration({"disabledRules": ["PL002"]}, section="pruneLsp")
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        await wait_until(lambda: client.diagnostic_refresh_count > refreshes, what="diagnostic refresh")
    else:
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
            settings={"pruneLsp": {"disabledRules": ["PL002"]}}))
        await wait_until(lambda: len(client.published) > n_before, what="re-publish")
    codes = {d.code for d in await diagnostics(client, uri, 1)}
    assert "PL002" not in codes and "PL014" in codes

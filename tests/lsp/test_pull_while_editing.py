"""A diagnostic pull while the user types: the answer is about the text as it is now, and an answer the
server cannot give is LSP's ServerCancelled (the client asks again), never an error in the log.

The real VS Code's log once showed "internal error (JsonRpcContentModified)" with a traceback: the
server answered a pull whose text changed during the check with an error, and pygls logged it."""

from __future__ import annotations

import asyncio

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from .conftest import CONFIG, change_doc, open_doc, start

URI = "file:///tmp/pull-while-editing.yaml"


PRUNER_LINES = 7


def big_config(pruners: int) -> str:
    """A v2 config whose check takes a noticeable time (hundreds of ms): the edits land mid-check. No two
    pruners alike (each its own steps and target): the by-kind check (analysis/repeated_pruners.py)
    cannot shorten it, so a faster engine for repeated pruners does not make these tests race (stop 22's
    CI: 3,000 alike pruners were checked between two edits and the pull was answered, not cancelled)."""
    out = ["version: 1.0", "model:", "  name: m", "  framework: pytorch", "pruning:", "  approach:",
           "    weight_compression_v2:", "      start_step: 0", "      end_step: 10", "      pruners:"]
    for i in range(pruners):
        out += ["        - !PrunerV2", f"          op_names: ['layer{i}\\.dense']",
                "          pattern: 4x1",
                "          pruning_type: snip_momentum", f"          target_sparsity: {0.3 + i / 100_000:.5f}",
                f"          start_step: {i}", f"          end_step: {i + 1000}"]
    return "\n".join(out) + "\n"


def pattern_line(pruner: int) -> int:
    return 10 + PRUNER_LINES * pruner + 2


def typo(client: LanguageClient, version: int, pruner: int) -> None:
    """A small edit, as typing sends: `pattern` becomes `patern` in one pruner."""
    line = pattern_line(pruner)
    change_doc(client, URI, version, "patern", types.Range(start=types.Position(line=line, character=10),
                                                           end=types.Position(line=line, character=17)))


def typo_lines(items) -> list[int]:
    return [d.range.start.line for d in items if d.code == "PL031"]


@pytest_lsp.fixture(config=CONFIG)
async def vscode(lsp_client: LanguageClient):
    await start(lsp_client, "vscode", init={"pruneLsp": {"debounceMs": 0}})
    yield lsp_client
    await lsp_client.shutdown_session()


def pull(client: LanguageClient) -> asyncio.Future:
    """The request, sent now (a bare coroutine would be sent only when awaited)."""
    return asyncio.ensure_future(client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
        text_document=types.TextDocumentIdentifier(uri=URI))))


def error_logs(client: LanguageClient) -> list[str]:
    return [m.message for m in client.log_messages if m.type == types.MessageType.Error]


@pytest.mark.asyncio
async def test_a_pull_answers_for_the_text_as_it_is_after_an_edit_during_the_check(vscode):
    open_doc(vscode, URI, big_config(3000))
    first = await pull(vscode)  # settles the configuration pull too
    assert typo_lines(first.items) == []
    typo(vscode, 2, 2)
    answer = pull(vscode)
    await asyncio.sleep(0.1)
    typo(vscode, 3, 3)
    await asyncio.sleep(0.3)  # the check of this 3,000-pruner text takes longer than that
    typo(vscode, 4, 4)
    report = await answer
    answered = int(report.result_id.split(".")[0])
    # Version 4 unless this machine checks so fast that version 3's answer was out before the edit.
    assert answered in (3, 4), report.result_id
    assert typo_lines(report.items) == [pattern_line(k) for k in range(2, answered + 1)]
    assert error_logs(vscode) == []


@pytest.mark.asyncio
async def test_a_document_that_keeps_changing_gets_server_cancelled_then_its_diagnostics(vscode):
    open_doc(vscode, URI, big_config(3000))
    await pull(vscode)
    answer = pull(vscode)
    version = 1
    # An edit every 10 ms, for as long as the pull runs: many edits land during each of the server's
    # attempts (a check of this text takes hundreds of ms), so none of them sees the text it checked.
    while not answer.done() and version < 1000:
        version += 1
        typo(vscode, version, version)
        await asyncio.sleep(0.01)
    with pytest.raises(JsonRpcException) as cancelled:
        await answer
    assert cancelled.value.code == -32802 and cancelled.value.data == {"retriggerRequest": True}
    # The typing stops: the client's next pull gets the last text's findings.
    report = await pull(vscode)
    assert report.result_id.startswith(f"{version}.")
    assert typo_lines(report.items) == [pattern_line(k) for k in range(2, version + 1)]
    assert error_logs(vscode) == []


def test_the_server_log_keeps_cancellations_out_and_real_errors_in(caplog):
    """pygls logs every error answer with its traceback; a cancellation is an answer, not a failure."""
    import logging

    from pygls.exceptions import JsonRpcContentModified, JsonRpcInternalError

    from lsp_server.features.diagnostics import server_cancelled
    from lsp_server.server import _not_a_cancellation

    log = logging.getLogger("pygls.protocol.json_rpc.test")
    log.addFilter(_not_a_cancellation)
    with caplog.at_level(logging.ERROR, logger=log.name):
        for exc in (server_cancelled(), JsonRpcContentModified(), JsonRpcInternalError("boom")):
            try:
                raise exc
            except Exception:
                log.exception("Exception occurred for message")
    assert [r.exc_info[1] for r in caplog.records] == [JsonRpcInternalError("boom")]

"""Faults: model files truncated or rewritten while read, loads that hang or exhaust memory, a
client that vanishes mid-request, cancelled sparsity counts. The server keeps serving, says what
happened, and leaves no process behind."""

from __future__ import annotations

import json
import os
import struct
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp.conftest import SERVER, make_client, neovim_caps

from . import rawlsp

# A folder of user "factories" for the worker children, unique to this run: found through the
# server's PYTHONPATH, and the mark by which their processes are found in /proc.
FACTORIES = Path(tempfile.mkdtemp(prefix="prune-lsp-robust-factories-"))
(FACTORIES / "hangfac.py").write_text("import time\n\ndef model():\n    time.sleep(3600)\n")
(FACTORIES / "hogfac.py").write_text("import numpy\n\ndef model():\n    return numpy.ones(100 * 2**30 // 8)\n")

CONFIG_TAIL = "pruning:\n  approach:\n    weight_compression_v2:\n      target_sparsity: 0.9\n"


def workers() -> list[int]:
    """Live loader children started for this module's factories."""
    out = []
    for e in Path("/proc").iterdir():
        if not e.name.isdigit():
            continue
        try:
            cmd, env = (e / "cmdline").read_bytes(), (e / "environ").read_bytes()
            state = (e / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if b"analysis.models.worker" in cmd and str(FACTORIES).encode() in env and state != "Z":
            out.append(int(e.name))
    return out


def _wait(pred, timeout: float, what: str):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = pred()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


# -- a client that vanishes --------------------------------------------------------------------

def test_client_vanishing_during_a_hanging_load_leaves_nothing_behind(tmp_path):
    """Regression: the server used to wait in its exit for the loader thread (up to the load's
    60 s timeout) with the factory's child alive all along."""
    cfg = tmp_path / "p.yaml"
    cfg.write_text("# prune-lsp: model=hangfac:model\n" + CONFIG_TAIL)
    proc = rawlsp.start({"PYTHONPATH": str(FACTORIES)})
    try:
        rawlsp.initialize(proc, {"pruneLsp": {"allowCodeExecution": True, "debounceMs": 0}})
        rawlsp.did_open(proc, cfg.as_uri(), cfg.read_text())
        _wait(workers, 20, "the factory's loader process")
        proc.stdin.close()  # the client goes away: no shutdown, no exit
        proc.stdout.close()
        t0 = time.monotonic()
        assert proc.wait(timeout=10) is not None
        assert time.monotonic() - t0 < 5, "the server took too long to exit"
        _wait(lambda: not workers(), 3, "the loader process to be gone")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# -- loads that hang or exhaust memory ----------------------------------------------------------

LIMITED = ClientServerConfig(server_command=SERVER, client_factory=make_client, server_env={
    **os.environ, "PYTHONPATH": str(FACTORIES), "PRUNE_LSP_MODEL_TIMEOUT_S": "8"})


@pytest_lsp.fixture(config=LIMITED)
async def limited(lsp_client: LanguageClient):
    lsp_client.profile = "neovim"
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=neovim_caps(), initialization_options={"pruneLsp": {"allowCodeExecution": True, "debounceMs": 0}}))
    yield lsp_client
    await lsp_client.shutdown_session()


async def _pl070(client: LanguageClient, uri: str, timeout: float, containing: str = "") -> types.Diagnostic:
    """The document's newest PL070 saying `containing` (the newest publish may still be of the state
    before the last change: under load, the "ok" state's publish came after the file was deleted)."""
    import asyncio

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for u, _, diags in reversed(client.published):
            if u == uri:
                hit = [d for d in diags if d.code == "PL070" and containing in d.message]
                if hit:
                    return hit[0]
                break
        await asyncio.sleep(0.05)
    raise AssertionError(f"no PL070 on {uri} within {timeout} s: {client.published[-3:]}")


async def test_hanging_and_memory_hungry_factories_are_reported(limited: LanguageClient, tmp_path):
    import asyncio

    client = limited
    hang, hog, plain = tmp_path / "hang.yaml", tmp_path / "hog.yaml", tmp_path / "plain.yaml"
    hang.write_text("# prune-lsp: model=hangfac:model\n" + CONFIG_TAIL)
    hog.write_text("# prune-lsp: model=hogfac:model\n" + CONFIG_TAIL)
    plain.write_text(CONFIG_TAIL + "      pruners:\n        - !PrunerV2\n          pattern: 9x9x9\n")
    for f in (hang, hog):
        client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
            uri=f.as_uri(), language_id="yaml", version=1, text=f.read_text())))
    end = time.monotonic() + 20  # a loaded machine may take a while to fork the loader
    while not workers() and time.monotonic() < end:
        await asyncio.sleep(0.05)
    assert workers(), "no loader process started"
    # While the factory hangs, the server answers everything else: the answers below arrive
    # while the hanging loader is still alive (it is killed after 8 s).
    rep = await asyncio.wait_for(client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
        text_document=types.TextDocumentIdentifier(uri=plain.as_uri()))), 5)
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=plain.as_uri(), language_id="yaml", version=1, text=plain.read_text())))
    rep = await asyncio.wait_for(client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
        text_document=types.TextDocumentIdentifier(uri=plain.as_uri()))), 5)
    assert rep.items
    assert workers(), "the diagnostics waited for the hanging loader to end"
    d = await _pl070(client, hang.as_uri(), 20)
    assert "timed out after 8 s" in d.message and d.range.start.line == 0
    d = await _pl070(client, hog.as_uri(), 30)
    assert "out of memory" in d.message, d.message
    await asyncio.sleep(0.2)
    assert not workers(), "a loader process outlived its load"


# -- files that change under the reader ---------------------------------------------------------

def _safetensors(path: Path, tensors: dict) -> None:
    from safetensors.numpy import save_file

    save_file(tensors, str(path))


def test_truncated_file_during_a_count_is_an_error_not_sigbus(tmp_path):
    """Regression: the sparsity count read files through shared mappings; a file truncated while
    mapped killed the whole process with SIGBUS. With safe reads (the server's mode) it is an
    OSError naming the cause."""
    from analysis.sparsity import sources

    f = tmp_path / "m.bin"
    f.write_bytes(np.arange(1 << 20, dtype=np.uint32).tobytes())
    fd = os.open(f, os.O_RDONLY)
    old = sources.SAFE_READS
    try:
        sources.use_safe_reads(True)
        src = sources.FileSource(fd, 4096, np.dtype(np.uint32), (1 << 20) - 1024)
        assert src.apply(0, 10, lambda a: a.tolist()) == list(range(1024, 1034))
        os.truncate(f, 8192)  # a training job rewriting its checkpoint
        with pytest.raises(OSError, match="truncated or rewritten while being read"):
            src.apply(0, 1 << 19, lambda a: int(a.sum()))
    finally:
        sources.use_safe_reads(old)
        os.close(fd)


async def test_model_truncated_rewritten_deleted_between_loads(limited: LanguageClient, tmp_path):
    import asyncio

    client = limited
    model = tmp_path / "model.safetensors"
    _safetensors(model, {"a.weight": np.ones((4, 4), np.float32)})
    cfg = tmp_path / "p.yaml"
    cfg.write_text("# prune-lsp: model=model.safetensors\n" + CONFIG_TAIL)
    uri = cfg.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id="yaml", version=1, text=cfg.read_text())))

    async def info(status: str, timeout: float = 15):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            got = await client.protocol.send_request_async("prune-lsp/modelInfo", {"uri": uri})
            if got.status == status:
                return got
            await asyncio.sleep(0.1)
        raise AssertionError(f"model never reached {status}: {got}")

    await info("ok")
    with open(model, "r+b") as fh:  # truncated inside the JSON header
        fh.truncate(20)
    d = await _pl070(client, uri, 15, "larger than the file")
    assert "model.safetensors" in d.message
    _safetensors(model, {"a.weight": np.ones((4, 4), np.float32), "b.weight": np.zeros((2, 4), np.float32)})
    got = await info("ok")
    assert got.status == "ok"
    model.unlink()
    d = await _pl070(client, uri, 15, "no such file")
    assert "no such file" in d.message and "model.safetensors" in d.message
    # still serving
    rep = await asyncio.wait_for(client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
        text_document=types.TextDocumentIdentifier(uri=uri))), 5)
    assert any(x.code == "PL070" for x in rep.items)


# -- cancelling a long count ----------------------------------------------------------------------

def _sparse_checkpoint(path: Path, gib: int) -> None:
    """A safetensors file of `gib` GiB of zeros that costs no disk: the data is a hole."""
    cols, rows = 4096, 16384  # 256 MiB per fp32 tensor
    n = rows * cols * 4
    header = {f"layers.{i}.weight": {"dtype": "F32", "shape": [rows, cols], "data_offsets": [i * n, (i + 1) * n]}
              for i in range(gib * 4)}
    blob = json.dumps(header).encode()
    blob += b" " * (-len(blob) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)) + blob)
        f.truncate(8 + len(blob) + gib * 4 * n)


def _start_count(proc, request_id: int, cmd: dict) -> str:
    """Send the command, answer its progress creation, return the token once `begin` is reported."""
    rawlsp.send(proc, {"jsonrpc": "2.0", "id": request_id, "method": "workspace/executeCommand", "params": cmd})
    while True:
        msg = rawlsp.read(proc)
        if msg.get("method") == "window/workDoneProgress/create":
            rawlsp.send(proc, {"jsonrpc": "2.0", "id": msg["id"], "result": None})
        elif msg.get("method") == "$/progress" and msg["params"]["value"].get("kind") == "begin":
            return msg["params"]["token"]


def test_cancelling_a_long_sparsity_count(tmp_path):
    model = tmp_path / "big.safetensors"
    _sparse_checkpoint(model, 16)
    proc = rawlsp.start()
    try:
        rawlsp.initialize(proc, {"pruneLsp": {"debounceMs": 0}}, caps={"window": {"workDoneProgress": True}})
        cmd = {"command": "prune-lsp.computeSparsity", "arguments": [{"model": str(model), "device": "cpu"}]}
        # 1. $/cancelRequest
        token = _start_count(proc, 10, cmd)
        time.sleep(0.3)
        t0 = time.monotonic()
        rawlsp.send(proc, {"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 10}})
        ans = rawlsp.read_until(proc, lambda m: m.get("id") == 10, 10)
        assert time.monotonic() - t0 < 2, "cancellation took too long"
        assert "error" in ans and ans["error"]["code"] == -32800, ans
        # Regression: pygls answered the cancel but the count went on (and the next one queued
        # behind it): the count itself must stop, which ends its progress.
        rawlsp.read_until(proc, lambda m: m.get("method") == "$/progress" and m["params"]["token"] == token
                          and m["params"]["value"].get("kind") == "end", 10)
        assert time.monotonic() - t0 < 2, "the cancelled count went on"
        # 2. the progress's own cancel button
        token = _start_count(proc, 11, cmd)
        time.sleep(0.3)
        t0 = time.monotonic()
        rawlsp.send(proc, {"jsonrpc": "2.0", "method": "window/workDoneProgress/cancel", "params": {"token": token}})
        ans = rawlsp.read_until(proc, lambda m: m.get("id") == 11, 10)
        assert time.monotonic() - t0 < 2, "cancellation took too long"
        assert "error" in ans and ans["error"]["code"] == -32800 and "cancel" in ans["error"]["message"], ans
        # 3. still serving
        rawlsp.send(proc, {"jsonrpc": "2.0", "id": 12, "method": "workspace/executeCommand",
                           "params": {"command": "prune-lsp.computeSparsity", "arguments": [42]}})
        ans = rawlsp.read_until(proc, lambda m: m.get("id") == 12, 5)
        assert ans["error"]["code"] == -32602
        rawlsp.send(proc, {"jsonrpc": "2.0", "id": 13, "method": "shutdown"})
        rawlsp.read_until(proc, lambda m: m.get("id") == 13, 5)
        rawlsp.send(proc, {"jsonrpc": "2.0", "method": "exit"})
        proc.wait(timeout=10)  # exits (status: test_clean_exit_status_after_shutdown)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_clean_exit_status_after_shutdown():
    # Regression: with the client's pipe still open, a daemon thread blocked in sys.stdin's
    # BufferedReader made CPython abort at exit; fast_start.py reads fd 0 with os.read instead.
    proc = rawlsp.start()
    try:
        rawlsp.initialize(proc, {})
        rawlsp.send(proc, {"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
        rawlsp.read_until(proc, lambda m: m.get("id") == 2, 5)
        rawlsp.send(proc, {"jsonrpc": "2.0", "method": "exit"})
        rc = proc.wait(timeout=10)
        assert rc == 0, proc.stderr.read().decode()[-500:]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

"""The config's model: layer-name completion, PL070, prune-lsp/modelInfo and computeSparsity,
with a real (small) safetensors file."""

from __future__ import annotations

import asyncio
import shutil

import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from .conftest import CONFIG as CONFIG_SERVER
from .conftest import diagnostics, open_doc, start, wait_until

CONFIG = """\
# prune-lsp: model=model.safetensors
pruning:
  approach:
    weight_compression_v2:
      target_sparsity: 0.9
      pruners:
        - !PrunerV2
          op_names: ['encoder\\.layer\\.0\\.dense']
          pattern: "1x1"
          pruning_type: magnitude
          target_sparsity: 0.6
          excluded_op_names: ['enc
"""


async def _layers(client, uri, line, character):
    async def ask():
        res = await client.text_document_completion_async(types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=character)))
        return [i for i in res.items if i.kind == types.CompletionItemKind.Reference]
    # the index loads off the event loop: the first answers may come before it is there
    got = []

    async def poll():
        while not got:
            got.extend(await ask())
            if not got:
                await asyncio.sleep(0.05)
    await asyncio.wait_for(poll(), 20)
    return got


async def test_layer_completion_and_model_info(client, model_dir, tmp_path):
    cfg = tmp_path / "prune.yaml"
    shutil.copy(model_dir / "model.safetensors", tmp_path / "model.safetensors")
    cfg.write_text(CONFIG)
    uri = cfg.as_uri()
    open_doc(client, uri, CONFIG)
    items = await _layers(client, uri, 11, 33)
    labels = {i.label for i in items}
    assert "encoder.layer.0.dense" in labels and "classifier" not in labels  # filtered by 'enc'
    item = next(i for i in items if i.label == "encoder.layer.1.dense")
    assert item.text_edit.new_text == "encoder\\.layer\\.1\\.dense"  # inside '...': dots escaped
    assert "8x8" in item.detail
    info = await client.protocol.send_request_async("prune-lsp/modelInfo", {"uri": uri})
    assert info.model == str(tmp_path / "model.safetensors") and info.status == "ok"


async def _pl070(client, uri: str, timeout: float = 20) -> list:
    """The PL070 diagnostics of `uri`, once there are some (the model loads off the event loop)."""
    async def poll():
        while True:
            hit = [d for d in await diagnostics(client, uri, 1) if d.code == "PL070"]
            if hit:
                return hit
            await asyncio.sleep(0.05)
    return await asyncio.wait_for(poll(), timeout)


async def test_unreadable_model_is_pl070_on_the_modeline(client, tmp_path):
    cfg = tmp_path / "prune.yaml"
    cfg.write_text(CONFIG)
    uri = cfg.as_uri()
    open_doc(client, uri, CONFIG)

    (d,) = await _pl070(client, uri)
    assert d.range.start.line == 0 and d.range.start.character == len("# prune-lsp: model=")
    assert "no such file" in d.message


@pytest_lsp.fixture(config=CONFIG_SERVER, params=["vscode", "neovim"])
async def settings_client(request, lsp_client: LanguageClient, tmp_path):
    """The models come from the pruneLsp.models setting (a glob of configs -> a model path)."""
    settings = {"debounceMs": 0, "models": {"configs/*.yaml": "models/missing.safetensors"}}
    await start(lsp_client, request.param, init={"pruneLsp": settings}, root=tmp_path, settings=settings)
    lsp_client.root = tmp_path
    yield lsp_client
    await lsp_client.shutdown_session()


async def test_unreadable_model_from_the_setting_is_pl070_naming_the_setting(settings_client):
    client = settings_client
    (client.root / "configs").mkdir()
    cfg = client.root / "configs" / "prune.yaml"
    text = CONFIG.replace("# prune-lsp: model=model.safetensors\n", "# no modeline: the setting names the model\n")
    cfg.write_text(text)
    uri = cfg.as_uri()
    open_doc(client, uri, text)

    (d,) = await _pl070(client, uri)
    assert (d.range.start.line, d.range.start.character) == (0, 0)
    assert "models/missing.safetensors" in d.message and "pruneLsp.models setting 'configs/*.yaml'" in d.message
    assert "no such file" in d.message


async def test_compute_sparsity_command_with_progress(client, model_dir, tmp_path):
    shutil.copy(model_dir / "model.safetensors", tmp_path / "model.safetensors")
    cfg = tmp_path / "prune.yaml"
    cfg.write_text(CONFIG.replace("          excluded_op_names: ['enc\n", ""))
    uri = cfg.as_uri()
    open_doc(client, uri, cfg.read_text())
    report = await asyncio.wait_for(client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="prune-lsp.computeSparsity", arguments=[{"uri": uri, "device": "cpu"}])), 60)
    p1 = next(p for p in report["pruners"] if p["index"] == 0)
    assert p1["layers"] == ["encoder.layer.0.dense"]
    assert abs(p1["selected"]["elementwise_over_matmul_gemm_conv"] - 0.5) < 1e-9  # half the weight is zero
    if client.profile == "vscode":
        assert any(any(isinstance(v, types.WorkDoneProgressEnd) for v in vals)
                   for vals in client.progress_reports.values())
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    titles = [lens.command.title for lens in lenses]
    assert "now 50.0% of 60%" in titles
    # a bad argument is an error answer, not a crash
    try:
        await client.workspace_execute_command_async(types.ExecuteCommandParams(
            command="prune-lsp.computeSparsity", arguments=[42]))
        raise AssertionError("accepted a bad argument")
    except Exception as exc:
        assert "wants" in str(exc)


async def test_sparsity_lens_follows_a_checkpoint_rewritten_on_disk(client, model_dir, tmp_path):
    """A training job keeps rewriting its checkpoint: once measured, the config's lens is measured
    again when the file changes (polled by size and mtime), and the client is asked to refresh."""
    import os

    import numpy as np
    from safetensors.numpy import load_file, save_file

    ckpt = tmp_path / "model.safetensors"
    shutil.copy(model_dir / "model.safetensors", ckpt)
    cfg = tmp_path / "prune.yaml"
    cfg.write_text(CONFIG.replace("          excluded_op_names: ['enc\n", ""))
    uri = cfg.as_uri()
    open_doc(client, uri, cfg.read_text())
    await asyncio.wait_for(client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="prune-lsp.computeSparsity", arguments=[{"uri": uri, "device": "cpu"}])), 60)

    async def titles() -> list[str]:
        lenses = await client.text_document_code_lens_async(types.CodeLensParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))
        return [lens.command.title for lens in lenses]
    assert "now 50.0% of 60%" in await titles()

    refreshes = client.lens_refreshes
    tensors = load_file(str(ckpt))
    w = tensors["encoder.layer.0.dense.weight"]
    w[:, :12] = 0.0  # the next pruning step: 75 %
    save_file(tensors, str(ckpt))
    st = ckpt.stat()
    os.utime(ckpt, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # coarse mtime filesystems
    assert np.count_nonzero(w == 0) == 96

    async def follows():
        while "now 75.0% of 60%" not in await titles():
            await asyncio.sleep(0.2)
    await asyncio.wait_for(follows(), 20)
    if client.profile == "vscode":  # Neovim 0.7 has no workspace/codeLens/refresh: it re-asks itself
        await wait_until(lambda: client.lens_refreshes > refreshes, what="a codeLens refresh")


_EVIL = """\
import os, sys, torch
class Evil:
    def __init__(self, target):
        self.target = target
    def __reduce__(self):
        return (os.system, ("touch " + self.target,))
torch.save({"encoder.layer.0.dense.weight": torch.ones(8, 8), "payload": Evil(sys.argv[2])}, sys.argv[1])
"""


async def test_a_pickle_that_would_run_code_is_never_unpickled(client, tmp_path):
    """Default settings (allowCodeExecution false): a config names a .pt whose unpickling would
    create a file; completion and diagnostics are asked for; the file is never created."""
    import subprocess
    import sys

    marker = tmp_path / "pwned"
    subprocess.run([sys.executable, "-c", _EVIL, str(tmp_path / "evil.pt"), str(marker)], check=True)
    assert not marker.exists()
    text = CONFIG.replace("model.safetensors", "evil.pt")
    cfg = tmp_path / "prune.yaml"
    cfg.write_text(text)
    uri = cfg.as_uri()
    open_doc(client, uri, text)

    (d,) = await _pl070(client, uri)
    assert "system" in d.message  # the refused global is named
    res = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=11, character=33)))
    assert not [i for i in res.items if i.kind == types.CompletionItemKind.Reference]  # no layers from it
    await asyncio.sleep(0.5)
    assert not marker.exists()

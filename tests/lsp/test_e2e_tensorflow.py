"""The editor flow on TensorFlow models: a modeline naming a SavedModel folder (Keras 3
`model.export()` and tf-keras `model.save(dir)`, written by TensorFlow 2.21 in
tests/sparsity/tf_writer.py), layer-name completion, the selection lens, and Compute Sparsity
with the lens that follows it. Over stdio, with the real server."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types

from tests.sparsity.tf_models import tf_written

from .conftest import open_doc

CONFIG = """\
# prune-lsp: model={model}
version: 1.0
model:
  name: k
  framework: keras
pruning:
  approach:
    weight_compression_v2:
      pruning_type: magnitude
      pattern: 4x1
      pruning_op_types: [Conv, Dense]
      pruners:
        - !PrunerV2
          target_sparsity: 0.5
          op_names: ['h
"""
SELECTED = {"conv": 288, "hidden": 2048, "half": 256, "bf": 128}  # fc is the classifier head


def _td(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


async def _poll(fn, ok, timeout: float = 30.0):
    async def loop():
        while True:
            got = await fn()
            if ok(got):
                return got
            await asyncio.sleep(0.05)
    return await asyncio.wait_for(loop(), timeout)


@pytest.mark.parametrize("flavour", ["keras3", "keras2"])
async def test_savedmodel_completion_lens_and_compute_sparsity(client, tmp_path_factory, tmp_path, flavour):
    _, truth = tf_written(flavour, tmp_path_factory)
    fmt = truth["formats"]["savedmodel"]
    (tmp_path / "saved").symlink_to(fmt["path"], target_is_directory=True)
    text = CONFIG.format(model="saved")
    cfg = tmp_path / "prune.yaml"
    cfg.write_text(text)
    uri = cfg.as_uri()
    open_doc(client, uri, text)

    # layer names from the SavedModel's own bytes, offered inside op_names (last line, after 'h)
    line = text.count("\n") - 1
    params = types.CompletionParams(text_document=_td(uri), position=types.Position(line=line, character=len(
        "          op_names: ['h")))

    async def layers():
        res = await client.text_document_completion_async(params)
        return [i for i in (res.items if res else []) if i.kind == types.CompletionItemKind.Reference]
    items = await _poll(layers, bool)
    labels = {i.label for i in items}
    assert {"hidden", "half"} <= labels
    hidden = next(i for i in items if i.label == "hidden")
    assert "Dense" in (hidden.detail or "") and "128x16" in (hidden.detail or "")

    # the selection lens: INC's Keras selection (op_names ignored; fc is the head)
    async def lenses():
        return await client.text_document_code_lens_async(types.CodeLensParams(text_document=_td(uri))) or []
    got = await _poll(lenses, lambda ls: any("selects" in x.command.title for x in ls))
    titles = [x.command.title for x in got]
    assert f"selects {len(SELECTED)} layers, 2.7K weights" in titles  # 2,720
    assert "measure sparsity" in titles

    # Compute Sparsity: exact counts, then the lens says how far the pruner is
    report = await asyncio.wait_for(client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="prune-lsp.computeSparsity", arguments=[{"uri": uri, "device": "cpu"}])), 120)
    rows = {r["name"]: r for r in report["layers"]}
    for name, want in fmt["layers"].items():
        assert (rows[name]["zeros"], rows[name]["size"], rows[name]["read"]) == (want["zeros"], want["size"], True)
    p = report["pruners"][0]
    assert p["layers"] == list(SELECTED)
    zeros = sum(fmt["layers"][n]["zeros"] for n in SELECTED)
    assert p["selected"]["elementwise_over_matmul_gemm_conv"] == zeros / sum(SELECTED.values())
    want = f"now {zeros / sum(SELECTED.values()) * 100:.1f}% of 50%"
    got = await _poll(lenses, lambda ls: any(x.command.title == want for x in ls))
    assert any(x.command.title == want for x in got)

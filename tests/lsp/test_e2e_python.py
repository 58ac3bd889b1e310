"""Python files with `WeightPruningConfig(...)` calls over stdio: diagnostics, completion of
keyword arguments, pruner-dict keys and values, layer names from the modeline's model, hover;
and every other Python file left alone."""

from __future__ import annotations

import asyncio

from lsprotocol import types

from analysis.schema import DIALECTS, Level

from .conftest import diagnostics, open_doc

SOURCE = '''\
# prune-lsp: model=model.safetensors
from neural_compressor import WeightPruningConfig

configs = [
    {"op_names": ["encoder\\\\.layer\\\\.0\\\\."], "pattern": "4x1", "pruning_type": "magnitud"},
]
cfg = WeightPruningConfig(configs, target_sparsity=0.8, start_step=0, end_step=10)
'''


def _td(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


def _setup(tmp_path, model_dir, text: str = SOURCE):
    (tmp_path / "model.safetensors").symlink_to(model_dir / "model.safetensors")
    f = tmp_path / "train.py"
    f.write_text(text)
    return f.as_uri()


async def _complete(client, uri, line, character):
    res = await client.text_document_completion_async(types.CompletionParams(
        text_document=_td(uri), position=types.Position(line=line, character=character)))
    return res.items if res is not None else []


def _edit(client, uri: str, version: int, text: str) -> None:
    open_doc(client, uri, text, language="python", version=version)


async def test_diagnostics_hover_and_keyword_completion(client, model_dir, tmp_path):
    uri = _setup(tmp_path, model_dir)
    open_doc(client, uri, SOURCE, language="python")
    diags = await diagnostics(client, uri, 1)
    bad = [d for d in diags if d.code == "PL017"]  # `magnitud`: an unknown pruning_type
    assert bad and bad[0].range.start.line == 4

    h = await client.text_document_hover_async(types.HoverParams(
        text_document=_td(uri), position=types.Position(line=6, character=40)))  # on `target_sparsity`
    assert "**target_sparsity**" in h.contents.value and h.range.start.character == 35
    h = await client.text_document_hover_async(types.HoverParams(
        text_document=_td(uri), position=types.Position(line=4, character=50)))  # on the dict key "pattern"
    assert "**pattern**" in h.contents.value

    # a keyword being typed in the call: the file does not parse, completion still works
    text = SOURCE.replace("end_step=10)", "end_step=10, pruning_sc")
    _edit(client, uri, 2, text)
    line = text.splitlines()[6]
    items = await _complete(client, uri, 6, len(line))
    got = {i.label: i for i in items}
    # every WeightPruningConfig keyword from the schema, less those the call already sets
    assert set(got) == set(DIALECTS["A"].keys_at(Level.GLOBAL)) - {"pruning_configs", "target_sparsity",
                                                                     "start_step", "end_step"}
    item = got["pruning_scope"]
    assert item.text_edit.new_text == "pruning_scope="
    assert item.text_edit.range.start.character == line.index("pruning_sc")
    assert "default" in item.detail


async def test_pruner_dict_keys_values_and_layer_names(client, model_dir, tmp_path):
    text = SOURCE.replace('"pruning_type": "magnitud"}', '"pruning_type": "magnitude", }')
    uri = _setup(tmp_path, model_dir, text)
    open_doc(client, uri, text, language="python")
    row = text.splitlines()[4]
    items = await _complete(client, uri, 4, row.index(", }") + 2)
    keys = {i.label: i.text_edit.new_text for i in items}
    assert keys["target_sparsity"] == '"target_sparsity": '
    assert not {"op_names", "pattern", "pruning_type"} & set(keys)  # already in this dict
    assert "pruning_configs" not in keys and "backend" not in keys  # WeightPruningConfig-only keys

    # a value inside the string of "pattern"
    t2 = text.replace('"pattern": "4x1"', '"pattern": "')
    _edit(client, uri, 2, t2)
    row = t2.splitlines()[4]
    items = await _complete(client, uri, 4, row.index('"pattern": "') + len('"pattern": "'))
    vals = {i.label for i in items}
    assert {"4x1", "2:4", "channelx1"} <= vals

    # layer names inside op_names, from the modeline's model, escaped for a plain Python string
    t3 = text.replace('["encoder\\\\.layer\\\\.0\\\\."]', '["enc"]')
    assert t3 != text
    _edit(client, uri, 3, t3)
    row = t3.splitlines()[4]
    col = row.index('["enc') + len('["enc')

    async def layers():
        while True:
            got = [i for i in await _complete(client, uri, 4, col) if i.kind == types.CompletionItemKind.Reference]
            if got:
                return got
            await asyncio.sleep(0.05)
    got = {i.label: i.text_edit.new_text for i in await asyncio.wait_for(layers(), 20)}
    assert got["encoder.layer.1.dense"] == "encoder\\\\.layer\\\\.1\\\\.dense"
    assert got["encoder.layer.*"] == "encoder\\\\.layer\\\\..*"
    assert "classifier" not in got  # filtered by what is typed


async def test_other_python_files_are_left_alone(client, tmp_path):
    f = tmp_path / "utils.py"
    text = "import os\n\n\ndef f(x):\n    return dict(a=1, b=[2, 3])\n" * 200
    f.write_text(text)
    uri = f.as_uri()
    open_doc(client, uri, text, language="python")
    items = await _complete(client, uri, 4, 20)  # how fast: bench/, not a timed test
    assert not items
    h = await client.text_document_hover_async(types.HoverParams(
        text_document=_td(uri), position=types.Position(line=4, character=12)))
    assert h is None
    if client.profile == "neovim":  # pushed diagnostics: nothing is published for such a file
        await asyncio.sleep(0.3)
        assert not [p for p in client.published if p[0] == uri]

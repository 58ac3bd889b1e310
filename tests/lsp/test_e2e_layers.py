"""What the config selects in its model, in the editor: per-pruner code lenses, per-entry hover,
layer-name completion (regexes, common prefixes, dialect D's parameter names), progress while a
slow model loads, and the client's workDoneToken on computeSparsity. Over stdio, with a real
TorchScript model written by torch (exact classes and registration order, as INC sees them)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from .conftest import CONFIG as CONFIG_SERVER
from .conftest import diagnostics, make_client, open_doc, start, wait_until

# A DistilBERT-like tail: `pre_classifier` then the head `classifier`, whose name INC uses as a
# regex for its auto-exclusion (so it removes `pre_classifier` too).
_MODEL = """
import sys, warnings, torch
from torch import nn
class Attn(nn.Module):
    def __init__(s):
        super().__init__(); s.query = nn.Linear(8, 8); s.key = nn.Linear(8, 8); s.value = nn.Linear(8, 8)
    def forward(s, x): return s.query(x) + s.key(x) + s.value(x)
class Out(nn.Module):
    def __init__(s):
        super().__init__(); s.dense = nn.Linear(8, 8)
    def forward(s, x): return s.dense(x)
class Layer(nn.Module):
    def __init__(s):
        super().__init__(); s.attention = Attn(); s.output = Out()
    def forward(s, x): return s.output(s.attention(x))
class Enc(nn.Module):
    def __init__(s):
        super().__init__(); s.layer = nn.ModuleList([Layer() for _ in range(3)])
    def forward(s, x):
        for m in s.layer: x = m(x)
        return x
class Bert(nn.Module):
    def __init__(s):
        super().__init__(); s.encoder = Enc()
    def forward(s, x): return s.encoder(x)
class Model(nn.Module):
    def __init__(s):
        super().__init__(); s.bert = Bert(); s.pre_classifier = nn.Linear(8, 8); s.dropout = nn.Dropout(0.1)
        s.classifier = nn.Linear(8, 2)
    def forward(s, x): return s.classifier(s.dropout(s.pre_classifier(s.bert(x))))
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    torch.jit.script(Model()).save(sys.argv[1])
"""


@pytest.fixture(scope="session")
def bert_ts(tmp_path_factory) -> Path:
    pytest.importorskip("torch")
    d = tmp_path_factory.mktemp("bert")
    (d / "make_bert.py").write_text(_MODEL)  # torch.jit.script reads the classes' source from a file
    path = d / "bert.ts"
    subprocess.run([sys.executable, str(d / "make_bert.py"), str(path)], check=True, timeout=120)
    return path


CONFIG = """\
# prune-lsp: model=bert.ts
pruning:
  approach:
    weight_compression_v2:
      target_sparsity: 0.8
      pruners:
        - !PrunerV2
          op_names: ['bert\\.encoder\\.layer\\.0\\.', 'classifier']
          excluded_op_names: ['value']
          pattern: "1x1"
        - !PrunerV2
          op_names: ['layer\\.[12]\\.']
          pattern: "4x1"
"""


def _td(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


async def _lenses(client, uri: str, want: str, timeout: float = 20.0) -> list[types.CodeLens]:
    """The document's code lenses once one of them contains `want` (the model loads off the loop)."""
    async def poll():
        while True:
            got = await client.text_document_code_lens_async(types.CodeLensParams(text_document=_td(uri))) or []
            if any(want in lens.command.title for lens in got):
                return got
            await asyncio.sleep(0.05)
    return await asyncio.wait_for(poll(), timeout)


def _setup(tmp_path: Path, bert_ts: Path, text: str = CONFIG, name: str = "prune.yaml") -> str:
    (tmp_path / "bert.ts").symlink_to(bert_ts)
    cfg = tmp_path / name
    cfg.write_text(text)
    return cfg.as_uri()


async def test_pruner_lenses_and_entry_hover_count_what_inc_selects(client, bert_ts, tmp_path):
    uri = _setup(tmp_path, bert_ts)
    open_doc(client, uri, CONFIG)
    lenses = await _lenses(client, uri, "selects")
    by_line = {}
    for lens in lenses:
        by_line.setdefault(lens.range.start.line, []).append(lens.command.title)
    # pruner 1: layer 0's query, key, output.dense (value excluded; the head rule takes the classifiers)
    assert by_line[6] == ["selects 3 layers, 192 weights"]
    assert by_line[10] == ["selects 8 layers, 512 weights"]  # layers 1 and 2: 4 Linear(8, 8) each
    assert any(lens.command.title == "measure sparsity" for lens in lenses)  # the sparsity lens is still there
    # clicking a selection lens lists the layers (a lens must carry a runnable command)
    lens = next(x for x in lenses if x.range.start.line == 6)
    assert lens.command.command == "prune-lsp.showSelection"
    shown = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=lens.command.command, arguments=lens.command.arguments))
    assert shown["layers"] == ["bert.encoder.layer.0.attention.query", "bert.encoder.layer.0.attention.key",
                               "bert.encoder.layer.0.output.dense"]

    # hover on each entry (the model is loaded: one server, one load, for both)
    async def hover(line: int, character: int) -> str:
        h = await client.text_document_hover_async(types.HoverParams(
            text_document=_td(uri), position=types.Position(line=line, character=character)))
        return h.contents.value if h else ""

    md = await hover(7, 25)
    assert "selects **3 layers** of bert.ts, 192 weights" in md
    assert "`bert.encoder.layer.0.attention.query` Linear 8x8" in md
    assert "1 more layer match but `excluded_op_names` removes them" in md
    md = await hover(7, 52)
    assert "selects **0 layers**" in md
    assert "classifier-head exclusion (`classifier`, used as a regex) removes `pre_classifier`, `classifier`" in md
    md = await hover(8, 31)
    assert "excludes **1 layer**" in md and "`bert.encoder.layer.0.attention.value`" in md and "64 weights" in md
    md = await hover(7, 12)  # the key: the pruner's total
    assert "selects 3 layers, 192 weights" in md


async def test_layer_completion_regexes_prefixes_and_parameter_names(client, bert_ts, tmp_path):
    text = CONFIG.replace("          op_names: ['layer\\.[12]\\.']\n", "          op_names: ['bert.enc\n")
    assert text != CONFIG
    uri = _setup(tmp_path, bert_ts, text)
    open_doc(client, uri, text)

    async def complete(line: int, character: int) -> list[types.CompletionItem]:
        while True:  # the index loads off the event loop: the first answers may come before it is there
            res = await client.text_document_completion_async(types.CompletionParams(
                text_document=_td(uri), position=types.Position(line=line, character=character)))
            items = [i for i in res.items if i.kind == types.CompletionItemKind.Reference]
            if items:
                return items
            await asyncio.sleep(0.05)

    items = await asyncio.wait_for(complete(11, 30), 20)
    prefix = next(i for i in items if i.label == "bert.encoder.layer.*")
    assert prefix.text_edit.new_text == "bert\\.encoder\\.layer\\..*" and prefix.detail == "12 layers, 768 weights"
    q = next(i for i in items if i.label == "bert.encoder.layer.1.attention.query")
    assert q.text_edit.new_text == "bert\\.encoder\\.layer\\.1\\.attention\\.query" and "Linear 8x8" in q.detail
    # `classifier` alone would also select `pre_classifier`: the regex is anchored
    text2 = text.replace("['bert.enc\n", "['\n")
    open_doc(client, uri, text2)
    items = await asyncio.wait_for(complete(11, 22), 20)
    assert next(i for i in items if i.label == "classifier").text_edit.new_text == "^classifier$"
    assert next(i for i in items if i.label == "pre_classifier").text_edit.new_text == "pre_classifier"
    assert "dropout" not in {i.label for i in items}  # no weight: INC never hooks it

    # dialect D: `names` are full parameter names, inserted as written
    d_text = ("# prune-lsp: model=bert.ts\npruning:\n  approach:\n    weight_compression:\n      target_sparsity: 0.9\n"
              "      pruners:\n        - !Pruner\n          names: [bert.encoder.layer.0.attention.q\n")
    d_uri = (tmp_path / "legacy.yaml").as_uri()
    (tmp_path / "legacy.yaml").write_text(d_text)
    open_doc(client, d_uri, d_text)
    res = await client.text_document_completion_async(types.CompletionParams(
        text_document=_td(d_uri), position=types.Position(line=7, character=50)))
    labels = {i.label: i.text_edit.new_text for i in res.items if i.kind == types.CompletionItemKind.Reference}
    assert labels == {"bert.encoder.layer.0.attention.query.weight": "bert.encoder.layer.0.attention.query.weight"}


@pytest_lsp.fixture(config=CONFIG_SERVER, params=["neovim-0.11"])
async def defaults_client(request, lsp_client: LanguageClient):
    await start(lsp_client, request.param, init={"pruneLsp": {"debounceMs": 0}})
    yield lsp_client
    await lsp_client.shutdown_session()


async def test_item_defaults_carry_the_shared_edit_range(defaults_client, bert_ts, tmp_path):
    """A client that takes CompletionList.itemDefaults (Neovim 0.11) gets the edit range once and
    each item's text as textEditText; applied, it gives the same regex as a full TextEdit."""
    client = defaults_client
    text = CONFIG.replace("          op_names: ['layer\\.[12]\\.']\n", "          op_names: ['bert.enc\n")
    uri = _setup(tmp_path, bert_ts, text)
    open_doc(client, uri, text)

    async def complete() -> types.CompletionList:
        while True:
            res = await client.text_document_completion_async(types.CompletionParams(
                text_document=_td(uri), position=types.Position(line=11, character=30)))
            if any(i.kind == types.CompletionItemKind.Reference for i in res.items):
                return res
            await asyncio.sleep(0.05)

    res = await asyncio.wait_for(complete(), 20)
    assert res.item_defaults is not None and res.item_defaults.edit_range == types.Range(
        start=types.Position(line=11, character=22), end=types.Position(line=11, character=30))
    q = next(i for i in res.items if i.label == "bert.encoder.layer.1.attention.query")
    assert q.text_edit is None and q.text_edit_text == "bert\\.encoder\\.layer\\.1\\.attention\\.query"
    assert res.item_defaults.insert_text_format == types.InsertTextFormat.PlainText and q.insert_text_format is None


async def test_compute_sparsity_reports_on_the_clients_token(client, model_dir, tmp_path):
    (tmp_path / "model.safetensors").symlink_to(model_dir / "model.safetensors")
    text = CONFIG.replace("model=bert.ts", "model=model.safetensors")
    cfg = tmp_path / "prune.yaml"
    cfg.write_text(text)
    uri = cfg.as_uri()
    open_doc(client, uri, text)
    client.progress_reports["vscode-token-1"] = []  # the client made the token: it knows it
    before = set(client.progress_reports)
    report = await asyncio.wait_for(client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="prune-lsp.computeSparsity", arguments=[{"uri": uri, "device": "cpu"}],
        work_done_token="vscode-token-1")), 60)
    assert "pruners" in report
    kinds = [type(v).__name__ for v in client.progress_reports["vscode-token-1"]]
    assert kinds[0] == "WorkDoneProgressBegin" and kinds[-1] == "WorkDoneProgressEnd"
    assert set(client.progress_reports) == before  # no token of the server's own


# -- a slow model load: progress, and editing never waits for it -------------------------------

SLOW_SECONDS = 2.0
_SLOW_SERVER = [sys.executable, "-c", (
    "import time, lsp_server.features.models as m\n"
    "fast = m._load\n"
    f"def slow(path, allow):\n    time.sleep({SLOW_SECONDS})\n    return fast(path, allow)\n"
    "m._load = slow\n"
    "from lsp_server.server import main\n"
    "raise SystemExit(main([]))\n")]


@pytest_lsp.fixture(config=ClientServerConfig(server_command=_SLOW_SERVER, client_factory=make_client),
                    params=["vscode", "neovim"])
async def slow_client(request, lsp_client: LanguageClient):
    await start(lsp_client, request.param, init={"pruneLsp": {"debounceMs": 0}})
    yield lsp_client
    await lsp_client.shutdown_session()


async def test_slow_model_load_shows_progress_and_blocks_nothing(slow_client, bert_ts, tmp_path):
    client = slow_client
    uri = _setup(tmp_path, bert_ts)
    t0 = time.monotonic()
    open_doc(client, uri, CONFIG)
    diags = await diagnostics(client, uri, 1)  # the check does not wait for the model
    assert time.monotonic() - t0 < SLOW_SECONDS - 0.5
    assert not any(d.code == "PL070" for d in diags)
    t1 = time.monotonic()
    res = await client.text_document_completion_async(types.CompletionParams(
        text_document=_td(uri), position=types.Position(line=11, character=10)))
    assert res is not None and time.monotonic() - t1 < 1.0
    await _lenses(client, uri, "selects", timeout=SLOW_SECONDS + 15)
    # both profiles (VS Code, Neovim 0.7) advertise window.workDoneProgress
    def loading():
        return [vals for vals in client.progress_reports.values()
                if vals and isinstance(vals[0], types.WorkDoneProgressBegin) and vals[0].title == "Loading model"]
    (vals,) = await wait_until(loading, 5, "model-load progress")
    await wait_until(lambda: isinstance(vals[-1], types.WorkDoneProgressEnd), 5, "the end of the progress")
    assert vals[-1].message.startswith("bert.ts: ") and vals[-1].message.endswith(" layers")


async def test_fast_model_load_shows_no_progress(client, model_dir, tmp_path):
    (tmp_path / "model.safetensors").symlink_to(model_dir / "model.safetensors")
    text = CONFIG.replace("model=bert.ts", "model=model.safetensors")
    cfg = tmp_path / "prune.yaml"
    cfg.write_text(text)
    open_doc(client, cfg.as_uri(), text)
    await _lenses(client, cfg.as_uri(), "selects")  # a header read: loaded in milliseconds
    await asyncio.sleep(0.6)  # past the progress delay
    assert not [v for v in client.progress_reports.values() if v and getattr(v[0], "title", "") == "Loading model"]

"""The server <-> VS Code extension contract (lsp_server/contract.py): the generated JSON Schema and
TypeScript are current, and the REAL outputs conform: `prune-lsp sparsity --format json` on the
example model, and the real server's modelInfo, modelStatus and computeSparsity answers (the
latter equal to the CLI's). The extension checks the same schema at run time (vscode-client)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from lsp_server.contract import (COMPUTE_SPARSITY, EXPERIMENTAL_CAPABILITY, MODEL_INFO, MODEL_STATUS,
                                 generated_files, schema_for)

from .conftest import CONFIG as CONFIG_SERVER
from .conftest import PROFILES, open_doc, wait_until

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def test_generated_files_are_current():
    for path, text in generated_files().items():
        assert path.exists(), f"{path} is missing: run python -m lsp_server.contract"
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale: run python -m lsp_server.contract"


def test_schema_rejects_what_the_extension_could_not_show():
    schema = schema_for("ModelInfo")
    jsonschema.validate({"model": None}, schema)
    jsonschema.validate({"model": "/m.safetensors", "status": "ok", "layers": 3, "added_later": 1}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"path": "/m.safetensors"}, schema)  # `model` renamed
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"model": "/m", "status": "done"}, schema)


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> dict:
    """examples/ with its model written by its own script, and the CLI's JSON for it."""
    d = tmp_path_factory.mktemp("example")
    for name in ("prune_tiny_bert.yaml", "broken_config.yaml"):
        (d / name).write_text((EXAMPLES / name).read_text())
    subprocess.run([sys.executable, str(EXAMPLES / "make_tiny_model.py"), str(d / "tiny_bert.safetensors")],
                   check=True, capture_output=True)
    out = subprocess.run([sys.executable, "-m", "prune_lsp", "sparsity", str(d / "tiny_bert.safetensors"),
                          "--config", str(d / "prune_tiny_bert.yaml"), "--format", "json", "--device", "cpu"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return {"dir": d, "cli": json.loads(out.stdout)}


def test_cli_sparsity_json_conforms(example):
    jsonschema.validate(example["cli"], schema_for("SparsityReport"))
    assert example["cli"]["pruners"] and example["cli"]["layers"]


def _plain(obj):
    """pygls hands custom messages' params over as named tuples (attrs classes for known ones):
    back to plain JSON values."""
    if hasattr(obj, "_asdict"):
        return {k: _plain(v) for k, v in obj._asdict().items()}
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if hasattr(obj, "__attrs_attrs__"):
        from pygls.protocol import default_converter

        return default_converter().unstructure(obj)
    return obj


@pytest_lsp.fixture(config=CONFIG_SERVER)
async def vs_client(lsp_client: LanguageClient):
    """Like VS Code's client with the extension's experimental capability."""
    lsp_client.profile = "vscode"
    lsp_client.statuses = []

    @lsp_client.feature(MODEL_STATUS)
    def on_status(params):
        lsp_client.statuses.append(_plain(params))

    caps = PROFILES["vscode"]()
    caps.experimental = {EXPERIMENTAL_CAPABILITY: True}
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=caps, initialization_options={"pruneLsp": {"debounceMs": 0}}))
    yield lsp_client
    await lsp_client.shutdown_session()


async def test_server_answers_conform_and_follow_the_modeline(vs_client, example):
    client, d = vs_client, example["dir"]
    cfg = d / "prune_tiny_bert.yaml"
    uri, text = cfg.as_uri(), cfg.read_text()
    open_doc(client, uri, text)
    model = str(d / "tiny_bert.safetensors")
    status_schema = schema_for("ModelStatus")

    # After didOpen, without being asked: the model, first loading, then loaded.
    ok = await wait_until(lambda: [s for s in client.statuses if s.get("status") == "ok"], 30, "modelStatus ok")
    for s in client.statuses:
        jsonschema.validate(s, status_schema)
    assert ok[-1]["uri"] == uri and ok[-1]["model"] == model and ok[-1]["layers"] > 0

    info = _plain(await client.protocol.send_request_async(MODEL_INFO, {"uri": uri}))
    jsonschema.validate(info, schema_for("ModelInfo"))
    assert info["model"] == model and info["status"] == "ok"

    # An edit of the modeline: the new model (missing here) is announced, with its error.
    n = len(client.statuses)
    edited = text.replace("model=tiny_bert.safetensors", "model=gone.safetensors", 1)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited)]))
    err = await wait_until(lambda: [s for s in client.statuses[n:] if s.get("status") == "error"], 30, "modelStatus error")
    jsonschema.validate(err[-1], status_schema)
    assert err[-1]["model"] == str(d / "gone.safetensors") and err[-1]["error"]
    # Nothing is sent again while nothing changes.
    count = len(client.statuses)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=3),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited + "\n")]))
    await asyncio.sleep(1.0)
    assert len(client.statuses) == count

    # Back to the real model, then the command: the CLI's very object, conforming.
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=4),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
    await wait_until(lambda: client.statuses[-1].get("status") == "ok" and client.statuses[-1]["model"] == model,
                     30, "modelStatus back to ok")
    res = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=COMPUTE_SPARSITY, arguments=[{"uri": uri, "device": "cpu"}]))
    report = _plain(res)
    jsonschema.validate(report, schema_for("SparsityReport"))
    assert report == example["cli"]


@pytest_lsp.fixture(config=CONFIG_SERVER)
async def plain_client(lsp_client: LanguageClient):
    lsp_client.unknown = []
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=PROFILES["neovim"](), initialization_options={"pruneLsp": {"debounceMs": 0}}))
    yield lsp_client
    await lsp_client.shutdown_session()


async def test_no_model_status_for_clients_that_did_not_ask(plain_client, example):
    got = []
    plain_client.feature(MODEL_STATUS)(lambda params: got.append(params))
    cfg = example["dir"] / "prune_tiny_bert.yaml"
    open_doc(plain_client, cfg.as_uri(), cfg.read_text())
    await wait_until(lambda: any(u == cfg.as_uri() for u, _, _ in plain_client.published), 30, "diagnostics")
    await asyncio.sleep(1.0)
    assert got == []


async def test_a_config_opened_after_its_model_loaded_gets_the_model_findings(vs_client, example):
    """Found in the real VS Code: the first (pulled) check of a config ran before the server knew
    its modeline, and a model already loaded for another config never re-checked it."""
    from .conftest import diagnostics

    client, d = vs_client, example["dir"]
    first = d / "prune_tiny_bert.yaml"
    open_doc(client, first.as_uri(), first.read_text())
    await wait_until(lambda: any(s.get("status") == "ok" for s in client.statuses), 30, "model loaded")
    broken = d / "broken_config.yaml"
    out = subprocess.run([sys.executable, "-m", "prune_lsp", "check", str(broken), "--format", "json"],
                         capture_output=True, text=True, timeout=120)
    want = sorted((f["code"], f["range"]["start"]["line"], f["range"]["start"]["character"])
                  for f in json.loads(out.stdout))
    assert any(code == "PL052" or "also selected" in f["message"] for f, code in
               ((f, f["code"]) for f in json.loads(out.stdout))), "the CLI reports no model finding here"
    open_doc(client, broken.as_uri(), broken.read_text())

    async def same():
        while True:
            got = sorted((str(x.code), x.range.start.line, x.range.start.character)
                         for x in await diagnostics(client, broken.as_uri()))
            if got == want:
                return got
            await asyncio.sleep(0.1)
    await asyncio.wait_for(same(), 30)

"""pytest-lsp fixtures: the real server over stdio, under two client profiles.

- "vscode": like VS Code (UTF-16 positions, snippets, pull diagnostics, workspace/configuration);
- "neovim": like Neovim 0.7 (UTF-8 positions, no snippets, push diagnostics only, no
  workspace/configuration: settings arrive by initializationOptions/didChangeConfiguration).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest
import pytest_lsp
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

REPO = Path(__file__).resolve().parents[2]
SERVER = [sys.executable, "-m", "lsp_server"]


def vscode_caps() -> types.ClientCapabilities:
    caps = client_capabilities("visual-studio-code")
    caps.general = caps.general or types.GeneralClientCapabilities()
    caps.general.position_encodings = [types.PositionEncodingKind.Utf16]
    caps.text_document.diagnostic = types.DiagnosticClientCapabilities(dynamic_registration=False,
                                                                      related_document_support=False)
    caps.text_document.completion.completion_item.snippet_support = True
    caps.workspace.configuration = True
    caps.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    caps.window.work_done_progress = True
    return caps


def neovim_caps() -> types.ClientCapabilities:
    caps = client_capabilities("neovim@v0.7.0")
    caps.general = caps.general or types.GeneralClientCapabilities()
    caps.general.position_encodings = [types.PositionEncodingKind.Utf8, types.PositionEncodingKind.Utf16]
    caps.text_document.diagnostic = None
    if caps.text_document.completion and caps.text_document.completion.completion_item:
        caps.text_document.completion.completion_item.snippet_support = False
    if caps.workspace:
        caps.workspace.configuration = False
    return caps


def neovim011_caps() -> types.ClientCapabilities:
    """Neovim 0.11 as pytest-lsp records it: takes CompletionList.itemDefaults (LSP 3.17)."""
    caps = client_capabilities("neovim@v0.11.0")
    caps.text_document.diagnostic = None
    if caps.workspace:
        caps.workspace.configuration = False
    return caps


PROFILES = {"vscode": vscode_caps, "neovim": neovim_caps, "neovim-0.11": neovim011_caps}


def make_client() -> LanguageClient:
    client = LanguageClient(converter_factory=default_converter)
    client.published = []  # every publishDiagnostics, in order: (uri, version, diagnostics)

    def publish(c: LanguageClient, params: types.PublishDiagnosticsParams):
        c.diagnostics[params.uri] = params.diagnostics
        c.published.append((params.uri, params.version, params.diagnostics))

    client.lens_refreshes = 0

    def lens_refresh(c: LanguageClient, params: None):
        c.lens_refreshes += 1

    register_lsp_features(client, {**DEFAULT_CLIENT_FEATURES, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish,
                                   types.WORKSPACE_CODE_LENS_REFRESH: lens_refresh})
    return client


CONFIG = ClientServerConfig(server_command=SERVER, client_factory=make_client)


async def start(lsp_client: LanguageClient, profile: str, init: Any = None, root: Path | None = None,
                settings: Any = None) -> LanguageClient:
    lsp_client.profile = profile
    if settings is not None:
        lsp_client.set_configuration(settings, section="pruneLsp")
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=PROFILES[profile](), initialization_options=init,
        root_uri=root.as_uri() if root else None,
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="ws")] if root else None))
    return lsp_client


@pytest_lsp.fixture(config=CONFIG, params=["vscode", "neovim"])
async def client(request, lsp_client: LanguageClient):
    await start(lsp_client, request.param, init={"pruneLsp": {"debounceMs": 0}})
    yield lsp_client
    await lsp_client.shutdown_session()


async def wait_until(pred: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        got = pred()
        if got:
            return got
        if loop.time() > end:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def open_doc(client: LanguageClient, uri: str, text: str, language: str = "yaml", version: int = 1) -> None:
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id=language, version=version, text=text)))


def change_doc(client: LanguageClient, uri: str, version: int, text: str, rng: types.Range | None = None) -> None:
    change: Any = types.TextDocumentContentChangeWholeDocument(text=text) if rng is None else \
        types.TextDocumentContentChangePartial(range=rng, text=text)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version), content_changes=[change]))


async def diagnostics(client: LanguageClient, uri: str, version: int | None = None, timeout: float = 10.0):
    """The diagnostics of `uri` (at `version`): pulled under the vscode profile, pushed otherwise."""
    if client.profile == "vscode":
        async def pull():
            rep = await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
                text_document=types.TextDocumentIdentifier(uri=uri)))
            return rep.items
        return await asyncio.wait_for(pull(), timeout)

    def last():
        for u, v, d in reversed(client.published):
            if u == uri and (version is None or v == version):
                return (d,)
        return None
    return (await wait_until(last, timeout, f"diagnostics of {uri} v{version}"))[0]


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    """A small real safetensors model: two Linear layers and a classifier, some weights zero."""
    from safetensors.numpy import save_file

    d = tmp_path_factory.mktemp("model")
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((8, 16)).astype(np.float32)
    w0[:, :8] = 0.0  # half zeros
    save_file({
        "encoder.layer.0.dense.weight": w0,
        "encoder.layer.0.dense.bias": np.zeros(8, np.float32),
        "encoder.layer.1.dense.weight": rng.standard_normal((8, 8)).astype(np.float32),
        "classifier.weight": rng.standard_normal((2, 8)).astype(np.float32),
    }, str(d / "model.safetensors"))
    return d

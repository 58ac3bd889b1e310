"""Hostile input through the server and the CLI: bounded time, bounded memory, a clear message.
(`prune-lsp check` on bombs, deep nesting, invalid UTF-8 and a 50 MB file: tests/engine/test_cli_check.py.)"""

from __future__ import annotations

import asyncio
import pickle
import subprocess
import sys
import time
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import CONFIG

from .conftest import PUSH_PROFILES

REPO = Path(__file__).resolve().parents[2]
HEAD = "pruning:\n  approach:\n    weight_compression_v2:\n      target_sparsity: 0.9\n"
HOSTILE = {
    "big": (HEAD + "# filler é😀\n" * (50 * 1024 * 1024 // 14), "too large"),
    "bomb": (HEAD + "      x0: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"      k{i}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(9)),
        "aliases written out"),
    # a 1.x pruner's `names` through eight levels of aliases: the schedule's str() of them hung the check
    "bomb-in-names": ("".join(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}" if i else "x"] * 10) + "]\n"
                              for i in range(8)) + "pruning:\n  approach:\n    weight_compression:\n      pruners:\n"
                      "        - !Pruner\n            names: *a7\n", "aliases written out"),
    "recursive": (HEAD + "      pruners: &p [*p]\n", "aliases written out"),
    "deep": ("pruning: " + "[" * 10000 + "]" * 10000 + "\n", "nested"),
    "deep-block": ("pruning:\n" + "".join(" " * i + f"k{i}:\n" for i in range(1, 1200)), "nested"),
}


@pytest_lsp.fixture(config=CONFIG)
async def push(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=PUSH_PROFILES["utf16"](), initialization_options={"pruneLsp": {"debounceMs": 0}}))
    yield lsp_client
    await lsp_client.shutdown_session()


async def test_hostile_documents_are_answered_quickly_with_a_message(push: LanguageClient, tmp_path):
    for name, (text, expect) in HOSTILE.items():
        uri = (tmp_path / f"{name}.yaml").as_uri()
        t0 = time.monotonic()
        push.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=text)))
        while not any(u == uri for u, _, _ in push.published):
            assert time.monotonic() - t0 < 10, f"{name}: no answer"
            await asyncio.sleep(0.01)
        elapsed = time.monotonic() - t0
        diags = next(d for u, _, d in push.published if u == uri)
        assert expect is None or any(expect in d.message for d in diags), (name, [d.message for d in diags])
        assert elapsed < (10 if name == "big" else 2), f"{name}: {elapsed:.1f} s"
        # and the server still answers at once
        t1 = time.monotonic()
        await asyncio.wait_for(push.text_document_diagnostic_async(types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri=uri))), 10)
        push.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
        assert time.monotonic() - t1 < (10 if name == "big" else 2)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "prune_lsp", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=120)


class _Boom:
    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def test_pickle_that_would_run_code_is_refused(tmp_path):
    import torch

    marker = tmp_path / "PWNED"
    evil = tmp_path / "evil.pt"
    torch.save({"layer.weight": torch.zeros(2, 2), "x": _Boom(str(marker))}, evil)
    legacy = tmp_path / "evil_legacy.pt"
    with open(legacy, "wb") as f:
        pickle.dump(_Boom(str(marker)), f, protocol=2)
    for f in (evil, legacy):
        r = _cli("layers", str(f))
        assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
        assert "code execution" in r.stderr or "unpickle" in r.stderr, r.stderr
        assert not marker.exists(), "the pickle ran code"


def test_symlink_loop_as_a_model_path(tmp_path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    r = _cli("layers", str(tmp_path / "a"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "symlink loop" in r.stderr, r.stderr
    cfg = tmp_path / "p.yaml"
    cfg.write_text("# prune-lsp: model=a\n" + HEAD)
    r = _cli("check", str(cfg))
    assert "Traceback" not in r.stderr and "symlink loop" in r.stdout + r.stderr, (r.stdout, r.stderr)

"""The server accepts the flags LSP clients add when they launch it (design.md: `--stdio`,
`--tcp HOST:PORT`; an unknown flag is reported, not fatal), through both entry points, with a
whole LSP session over stdio; and the layering that keeps `analysis` free of the server."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

ENTRY_POINTS = {"python -m lsp_server": ["-m", "lsp_server"], "prune-lsp serve": ["-m", "prune_lsp", "serve"]}


def frame(msg: dict) -> bytes:
    body = json.dumps(msg).encode()
    return f"Content-Length: {len(body)}\r\n\r\n".encode() + body


def responses(data: bytes) -> dict:
    out = {}
    while b"\r\n\r\n" in data:
        head, _, rest = data.partition(b"\r\n\r\n")
        n = int([h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")][0].split(b":")[1])
        msg = json.loads(rest[:n])
        if "id" in msg and "method" not in msg:
            out[msg["id"]] = msg
        data = rest[n:]
    return out


def lsp_session(args: list[str], tmp_path: Path) -> tuple[int, dict, str]:
    msgs = [{"jsonrpc": "2.0", "id": 1, "method": "initialize",
             "params": {"processId": None, "rootUri": None, "capabilities": {}}},
            {"jsonrpc": "2.0", "method": "initialized", "params": {}},
            {"jsonrpc": "2.0", "id": 2, "method": "shutdown"}, {"jsonrpc": "2.0", "method": "exit"}]
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    r = subprocess.run([sys.executable, *args], input=b"".join(map(frame, msgs)), capture_output=True,
                       cwd=REPO, env=env, timeout=60)
    return r.returncode, responses(r.stdout), r.stderr.decode()


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("flags", [[], ["--stdio"], ["--stdio", "--clientProcessId=4242"], ["--no-such-flag", "--stdio"]])
def test_stdio_session_with_client_flags(entry, flags, tmp_path):
    rc, answers, err = lsp_session([*ENTRY_POINTS[entry], *flags], tmp_path)
    assert rc == 0, err
    assert answers[1]["result"]["serverInfo"]["name"] == "prune-lsp"
    assert "result" in answers[2]
    if "--no-such-flag" in flags:
        assert "ignoring unknown argument(s): --no-such-flag" in err
    else:
        assert "unknown" not in err


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_tcp_needs_host_and_port(entry, tmp_path):
    r = subprocess.run([sys.executable, *ENTRY_POINTS[entry], "--tcp", "nowhere"], capture_output=True,
                       cwd=REPO, timeout=60, text=True)
    assert r.returncode == 2
    assert "--tcp wants HOST:PORT" in r.stderr


def test_other_subcommands_still_reject_unknown_flags():
    r = subprocess.run([sys.executable, "-m", "prune_lsp", "schema", "--no-such-flag"], capture_output=True,
                       cwd=REPO, timeout=60, text=True)
    assert r.returncode == 2
    assert "unrecognized arguments: --no-such-flag" in r.stderr


def _imported_modules(package: Path) -> set[str]:
    names = set()
    for f in package.rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_text(), str(f))):
            if isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
    return names


@pytest.mark.parametrize("package, forbidden", [("analysis", ("lsp_server", "prune_lsp", "pygls", "lsprotocol")),
                                                ("lsp_server", ("prune_lsp",))])
def test_layering(package, forbidden):
    """analysis is the pure library; the command line sits above both packages."""
    bad = sorted(m for m in _imported_modules(REPO / package) if m.split(".")[0] in forbidden)
    assert not bad, f"{package} imports {bad}"

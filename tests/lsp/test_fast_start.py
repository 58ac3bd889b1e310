"""lsp_server/fast_start.py: `initialize` answered from the cache while the server imports, with
exactly the answer the server itself gives, once; a bad cache never stops the server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REPO

INIT = {"jsonrpc": "2.0", "id": 7, "method": "initialize",
        "params": {"processId": None, "rootUri": None, "capabilities": {"general": {"positionEncodings": ["utf-8"]}}}}


def frame(msg: dict) -> bytes:
    body = json.dumps(msg).encode()
    return f"Content-Length: {len(body)}\r\n\r\n".encode() + body


def read_all(data: bytes) -> list[dict]:
    out = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        n = int([h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")][0].split(b":")[1])
        out.append(json.loads(rest[:n]))
        data = rest[n:]
    return out


def session(cache: Path, extra: list[dict] = ()) -> tuple[list[dict], float]:
    """Run the server on stdio through a whole session; the messages it sent and the time to the
    first byte of output."""
    msgs = [INIT, {"jsonrpc": "2.0", "method": "initialized", "params": {}}, *extra,
            {"jsonrpc": "2.0", "id": 99, "method": "shutdown"}, {"jsonrpc": "2.0", "method": "exit"}]
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    t0 = time.perf_counter()
    p = subprocess.Popen([sys.executable, "-m", "lsp_server"], cwd=REPO, env=env, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    p.stdin.write(frame(msgs[0]))
    p.stdin.flush()
    first = p.stdout.read(1)
    t_first = time.perf_counter() - t0
    for m in msgs[1:]:
        p.stdin.write(frame(m))
    p.stdin.flush()
    rest = p.stdout.read()
    p.wait(timeout=30)
    return read_all(first + rest), t_first


def test_cached_answer_equals_the_servers_own_and_is_sent_once(tmp_path):
    cold, _ = session(tmp_path)
    files = list((tmp_path / "prune-lsp" / "initialize").glob("*.json"))
    assert len(files) == 1  # the first start recorded the server's answer
    warm, _ = session(tmp_path)
    init_cold = [m for m in cold if m.get("id") == 7]
    init_warm = [m for m in warm if m.get("id") == 7]
    assert len(init_cold) == 1 and len(init_warm) == 1  # the server's duplicate answer is dropped
    assert init_warm[0]["result"] == init_cold[0]["result"]
    assert init_warm[0]["result"]["capabilities"]["positionEncoding"] == "utf-8"
    assert any(m.get("id") == 99 for m in warm)  # and the session goes on normally


def test_a_corrupt_cache_is_ignored(tmp_path):
    session(tmp_path)
    for f in (tmp_path / "prune-lsp" / "initialize").glob("*.json"):
        f.write_text("{not json")
    msgs, _ = session(tmp_path)
    (init,) = [m for m in msgs if m.get("id") == 7]
    assert "capabilities" in init["result"]


def test_documents_are_served_after_a_cached_answer(tmp_path):
    session(tmp_path)
    uri = "file:///tmp/fast_start.yaml"
    text = "pruning:\n  approach:\n    weight_compression_v2:\n      pattern: 2:4\n      pruners: []\n"
    opened = {"jsonrpc": "2.0", "method": "textDocument/didOpen",
              "params": {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}}
    hover = {"jsonrpc": "2.0", "id": 8, "method": "textDocument/hover",
             "params": {"textDocument": {"uri": uri}, "position": {"line": 3, "character": 8}}}
    msgs, _ = session(tmp_path, [opened, hover])
    (h,) = [m for m in msgs if m.get("id") == 8]
    assert "pattern" in json.dumps(h["result"])

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


def test_answer_is_sent_once_and_a_wrong_cache_entry_is_corrected(tmp_path):
    from lsp_server.fast_start import cache_key

    first, _ = session(tmp_path)  # no cache: the pygls-free answer (initialize_answer.py)
    (init,) = [m for m in first if m.get("id") == 7]  # the server's duplicate is dropped
    assert init["result"]["capabilities"]["positionEncoding"] == "utf-8"
    assert any(m.get("id") == 99 for m in first)  # and the session goes on normally
    # A cache entry that is wrong (an older server's answer): sent once, then corrected.
    cache = tmp_path / "prune-lsp" / "initialize" / f"{cache_key(INIT['params'])}.json"
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({**init["result"], "stale": True}))
    second, _ = session(tmp_path)
    (init2,) = [m for m in second if m.get("id") == 7]
    assert init2["result"].get("stale") is True  # what the cache said, once
    assert json.loads(cache.read_text()) == init["result"]  # the server's real answer, for next time
    third, _ = session(tmp_path)
    assert [m for m in third if m.get("id") == 7][0]["result"] == init["result"]


def test_a_corrupt_cache_is_ignored(tmp_path):
    from lsp_server.fast_start import cache_key

    cache = tmp_path / "prune-lsp" / "initialize" / f"{cache_key(INIT['params'])}.json"
    cache.parent.mkdir(parents=True)
    cache.write_text("{not json")
    msgs, _ = session(tmp_path)
    (init,) = [m for m in msgs if m.get("id") == 7]
    assert "capabilities" in init["result"] and any(m.get("id") == 99 for m in msgs)


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


def _client_profiles() -> dict[str, dict]:
    import importlib.resources

    out = {}
    for f in importlib.resources.files("pytest_lsp.clients").iterdir():
        if f.name.endswith(".json"):
            data = json.loads(f.read_text())
            out[f.name[:-5]] = data.get("capabilities", data)
    return out


def test_the_pygls_free_answer_equals_the_servers_for_every_known_client():
    """initialize_answer.json is current and, adjusted per client, is exactly the server's answer
    (regenerate with `python -m lsp_server.initialize_answer` when a feature changes)."""
    from lsp_server.initialize_answer import fast_answer, real_answer

    profiles = _client_profiles()
    assert len(profiles) >= 8  # VS Code, Neovim 0.6-0.11, Emacs
    profiles["no capabilities"] = {}
    for name, caps in profiles.items():
        params = {"processId": None, "rootUri": None, "capabilities": caps}
        assert fast_answer(params) == real_answer(params), f"{name}: run python -m lsp_server.initialize_answer"


def test_a_first_start_answers_before_the_server_has_imported(tmp_path):
    msgs, first_byte_s = session(tmp_path)  # an empty cache: the first start for this editor
    (init,) = [m for m in msgs if m.get("id") == 7]
    assert init["result"]["capabilities"]["positionEncoding"] == "utf-8"
    assert any(m.get("id") == 99 for m in msgs)
    # no timing assertion (benchmarks measure it): but the answer must not wait for pygls, which
    # the server's own (dropped) duplicate proves by arriving second
    assert len([m for m in msgs if m.get("id") == 7]) == 1

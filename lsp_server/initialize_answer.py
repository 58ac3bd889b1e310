"""The answer to `initialize`, computed without importing pygls, for the very first start.

fast_start.py answers `initialize` from a per-editor cache while the server imports; on a start
with no cache entry (a new install, a new editor) it uses this instead: the server's answer for a
client without capabilities (initialize_answer.json, generated from the real server by
`python -m lsp_server.initialize_answer`), adjusted for the only client capabilities pygls reads
when it builds the answer: the position encodings and textDocument.synchronization's willSave /
willSaveWaitUntil. tests/lsp/test_fast_start.py compares it with the real server's answer for
every client profile pytest-lsp ships (VS Code, Neovim 0.6-0.11, Emacs), and fails when the
JSON file is stale; at run time fast_start.py compares again and caches the real answer on a
mismatch.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Optional

TEMPLATE = Path(__file__).with_name("initialize_answer.json")
_ENCODINGS = ("utf-8", "utf-16", "utf-32")  # what pygls supports, in no preference order


def fast_answer(params: dict) -> Optional[dict]:
    """The InitializeResult the server will send for these params, or None when unknown."""
    from analysis import __version__

    try:
        template = json.loads(TEMPLATE.read_text())
    except (OSError, ValueError):
        return None
    if template.get("version") != __version__:
        return None
    result = copy.deepcopy(template["result"])
    caps = params.get("capabilities") or {}
    offered = ((caps.get("general") or {}).get("positionEncodings")) or []
    # pygls: the client's first encoding it supports, else utf-16
    result["capabilities"]["positionEncoding"] = next((e for e in offered if e in _ENCODINGS), "utf-16")
    sync = ((caps.get("textDocument") or {}).get("synchronization")) or {}
    tds = result["capabilities"].get("textDocumentSync")
    if isinstance(tds, dict):
        for key in ("willSave", "willSaveWaitUntil"):
            if sync.get(key) is not None:
                tds[key] = False  # the client can; our server registers neither
    return result


def real_answer(params: dict) -> dict:
    """The running server's own answer (fast paths off): for the generator and the tests."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params}).encode()
    exit_ = json.dumps({"jsonrpc": "2.0", "method": "exit"}).encode()
    data = b"".join(f"Content-Length: {len(b)}\r\n\r\n".encode() + b for b in (body, exit_))
    env = {**os.environ, "PRUNE_LSP_NO_FAST_START": "1"}
    out = subprocess.run([sys.executable, "-m", "lsp_server"], input=data, capture_output=True, env=env,
                         timeout=120, cwd=str(Path(__file__).resolve().parent.parent)).stdout
    while out:
        head, _, rest = out.partition(b"\r\n\r\n")
        n = int([h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")][0].split(b":")[1])
        msg = json.loads(rest[:n])
        if msg.get("id") == 1:
            return msg["result"]
        out = rest[n:]
    raise RuntimeError("the server did not answer initialize")


def main() -> int:
    from analysis import __version__

    result = real_answer({"processId": None, "rootUri": None, "capabilities": {}})
    result["capabilities"].pop("positionEncoding", None)
    TEMPLATE.write_text(json.dumps({"version": __version__, "result": result}, indent=1, sort_keys=True) + "\n")
    print(f"wrote {TEMPLATE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

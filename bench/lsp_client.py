"""A small synchronous LSP client over stdio, for benchmarks that drive a server as an editor does
(ours, or a peer such as yaml-language-server). Not a test framework: tests use pytest-lsp."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Callable, Optional


class LspClient:
    def __init__(self, argv: list[str], *, cwd: Optional[str] = None, env: Optional[dict] = None,
                 settings: Optional[dict] = None):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     cwd=cwd, env={**os.environ, **(env or {})})
        self._id = 0
        self._pending: dict[int, queue.Queue] = {}
        self._lock = threading.Lock()
        self.notifications: "queue.Queue[tuple[float, dict]]" = queue.Queue()
        self.settings = settings or {}
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    # -- wire -------------------------------------------------------------------------------
    def _send(self, msg: dict) -> None:
        body = json.dumps(msg).encode()
        with self._lock:
            self.proc.stdin.write(f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            self.proc.stdin.flush()

    def _read_loop(self) -> None:
        out = self.proc.stdout
        while True:
            headers = {}
            while True:
                line = out.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                k, _, v = line.decode().partition(":")
                headers[k.strip().lower()] = v.strip()
            msg = json.loads(out.read(int(headers["content-length"])))
            now = time.perf_counter()
            if "id" in msg and "method" in msg:  # a request from the server
                self._answer(msg)
            elif "id" in msg:
                q = self._pending.pop(msg["id"], None)
                if q is not None:
                    q.put(msg)
            else:
                self.notifications.put((now, msg))

    def _answer(self, msg: dict) -> None:
        method, result = msg["method"], None
        if method == "workspace/configuration":
            result = [self._section(item.get("section")) for item in msg["params"]["items"]]
        self._send({"jsonrpc": "2.0", "id": msg["id"], "result": result})

    def _section(self, section: Optional[str]) -> Any:
        if not section:
            return self.settings
        node: Any = self.settings
        for part in section.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        return node

    # -- API ---------------------------------------------------------------------------------
    def request(self, method: str, params: Any, timeout: float = 30) -> Any:
        self._id += 1
        q: queue.Queue = queue.Queue()
        self._pending[self._id] = q
        self._send({"jsonrpc": "2.0", "id": self._id, "method": method, "params": params})
        msg = q.get(timeout=timeout)
        if "error" in msg:
            raise RuntimeError(f"{method}: {msg['error']}")
        return msg.get("result")

    def notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def initialize(self, root: Path, options: Optional[dict] = None, capabilities: Optional[dict] = None) -> Any:
        caps = capabilities or {"textDocument": {"publishDiagnostics": {"relatedInformation": True},
                                                 "synchronization": {"didSave": True}},
                                "workspace": {"configuration": True}}
        result = self.request("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(),
                                             "capabilities": caps, "initializationOptions": options or {},
                                             "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}]})
        self.notify("initialized", {})
        return result

    def wait_diagnostics(self, uri: str, timeout: float = 10, version: Optional[int] = None,
                         accept: Optional[Callable[[dict], bool]] = None) -> tuple[float, list]:
        """The next publishDiagnostics for `uri` (and `version` when the server sends one)."""
        deadline = time.perf_counter() + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"no diagnostics for {uri}")
            t, msg = self.notifications.get(timeout=left)
            if msg.get("method") != "textDocument/publishDiagnostics":
                continue
            p = msg["params"]
            if p["uri"] != uri:
                continue
            if version is not None and p.get("version") not in (None, version):
                continue
            if accept is not None and not accept(p):
                continue
            return t, p["diagnostics"]

    def close(self) -> None:
        try:
            self.request("shutdown", None, timeout=5)
            self.notify("exit", None)
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()
            self.proc.wait()

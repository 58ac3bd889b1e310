"""Answer `initialize` at once, while pygls and lsprotocol are still importing.

Importing lsprotocol alone takes ~0.3-0.5 s of CPU on this kind of machine (it defines ~900
attrs classes), which is most of an editor's wait for a Python language server. The answer to
`initialize` depends only on our code and the client's capabilities, so it is cached
(~/.cache/prune-lsp/initialize/<key>.json, key = our version, the mtimes of the server's source
files and a hash of the client's capabilities) the first time a real server answers it. On the
next start with the same editor, this module sends the cached answer as soon as the request
arrives and imports the server in parallel; the server then receives the same `initialize`
(through a pipe that replays it ahead of the rest of stdin), sets itself up exactly as usual, and
its own, identical answer is dropped on the way out. A cache miss costs nothing but the write.

Only the stdio transport uses this; --tcp starts the server directly.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
from pathlib import Path
from typing import Any, BinaryIO, Optional

_HERE = Path(__file__).resolve().parent


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "prune-lsp" / "initialize"


def cache_key(params: dict) -> str:
    from analysis import __version__

    h = hashlib.sha256(__version__.encode())
    for p in sorted(_HERE.rglob("*.py")):  # any change to the server's code changes the key
        st = p.stat()
        h.update(f"{p.relative_to(_HERE)}:{st.st_mtime_ns}:{st.st_size};".encode())
    h.update(json.dumps(params.get("capabilities", {}), sort_keys=True).encode())
    return h.hexdigest()[:32]


def read_first_frame(fd: int) -> tuple[bytes, Optional[dict]]:
    """Read from the file descriptor until one whole LSP frame is in; return every byte read (the
    frame and whatever followed it) and the frame's decoded body, or None at EOF/garbage.

    Raw os.read on the descriptor, never sys.stdin.buffer: a daemon thread blocked inside a
    BufferedReader makes CPython abort at exit ("could not acquire lock for stdin")."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = os.read(fd, 65536)
        if not chunk:
            return buf, None
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    length = None
    for line in head.split(b"\r\n"):
        name, _, value = line.decode("ascii", "replace").partition(":")
        if name.strip().lower() == "content-length" and value.strip().isdigit():
            length = int(value.strip())
    if length is None:
        return buf, None
    while len(rest) < length:
        chunk = os.read(fd, 65536)
        if not chunk:
            return buf, None
        buf += chunk
        rest += chunk
    try:
        return buf, json.loads(rest[:length])
    except ValueError:
        return buf, None


def _frame(msg: dict) -> bytes:
    body = json.dumps(msg, separators=(",", ":")).encode()
    return f"Content-Length: {len(body)}\r\n\r\n".encode() + body


class FilteringStdout:
    """The server's stdout: drops its own answer to an `initialize` already answered from the
    cache, or records that answer in the cache when it was not. Everything else passes as is."""

    def __init__(self, out: BinaryIO, init_id: Any, cache_file: Optional[Path], answered: bool,
                 sent: Optional[dict] = None):
        self._out = out
        self._sent = sent
        self._init_id = init_id
        self._cache_file = cache_file
        self._answered = answered
        self._pending = b""
        self._done = init_id is None

    def write(self, data: bytes) -> None:
        if self._done:
            self._out.write(data)
            self._out.flush()
            return
        self._pending += data
        while not self._done:
            head, sep, rest = self._pending.partition(b"\r\n\r\n")
            if not sep:
                return
            length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length")), None)
            if length is None or len(rest) < length:
                return
            frame, self._pending = head + sep + rest[:length], rest[length:]
            self._pass(frame, rest[:length])
        if self._done and self._pending:
            self._out.write(self._pending)
            self._out.flush()
            self._pending = b""

    def _pass(self, frame: bytes, body: bytes) -> None:
        try:
            msg = json.loads(body)
        except ValueError:
            msg = {}
        if msg.get("id") == self._init_id and "method" not in msg:
            self._done = True
            if self._answered and msg.get("result") == self._sent:
                return  # the client has this very answer already
            if self._answered:  # should not happen (tests compare both for every known client)
                print("prune-lsp: the early initialize answer differed from the server's; corrected for "
                      "the next start", file=sys.stderr)
            if "result" in msg and self._cache_file is not None:
                try:
                    self._cache_file.parent.mkdir(parents=True, exist_ok=True)
                    tmp = self._cache_file.with_suffix(".tmp")
                    tmp.write_text(json.dumps(msg["result"]))
                    os.replace(tmp, self._cache_file)
                except OSError:
                    pass
            if self._answered:
                return  # the client cannot take a second answer
        self._out.write(frame)
        self._out.flush()

    def flush(self) -> None:
        self._out.flush()

    def close(self) -> None:
        self._out.close()


def serve_stdio() -> int:
    stdin_fd, stdout = sys.stdin.fileno(), sys.stdout.buffer
    box: dict = {}

    def load() -> None:
        try:
            from . import server

            box["server"] = server
        except BaseException as exc:  # re-raised on the main thread
            box["error"] = exc

    loader = threading.Thread(target=load, name="prune-lsp-import", daemon=True)
    loader.start()
    raw, msg = read_first_frame(stdin_fd)
    init_id, cache_file, answered = None, None, False
    sent = None
    if msg is not None and msg.get("method") == "initialize":
        init_id = msg.get("id")
        params = msg.get("params") or {}
        try:
            cache_file = _cache_dir() / f"{cache_key(params)}.json"
            sent = json.loads(cache_file.read_text()) if cache_file.is_file() else None
            if sent is None:  # no cache for this editor yet: the answer computed without pygls
                from .initialize_answer import fast_answer

                sent = fast_answer(params)
            if sent is not None:
                stdout.write(_frame({"jsonrpc": "2.0", "id": init_id, "result": sent}))
                stdout.flush()
                answered = True
        except Exception:  # an optimisation only: any problem means the server answers itself
            cache_file, answered, sent = None, False, None
    # Replay the consumed frame, then the rest of stdin, through a pipe the server reads.
    r, w = os.pipe()

    def feed() -> None:
        try:
            os.write(w, raw)
            while True:
                chunk = os.read(stdin_fd, 65536)
                if not chunk:
                    break
                os.write(w, chunk)
        except OSError:
            pass
        finally:
            os.close(w)

    threading.Thread(target=feed, name="prune-lsp-stdin", daemon=True).start()
    loader.join()
    if "error" in box:
        raise box["error"]
    out = FilteringStdout(stdout, init_id, cache_file, answered, sent)
    return box["server"].serve(None, stdin=os.fdopen(r, "rb"), stdout=out)


def main(argv: Optional[list[str]] = None) -> int:
    """`python -m lsp_server [--stdio | --tcp HOST:PORT]`: stdio goes through the fast start."""
    from .launch_args import parse_launch_args

    args = parse_launch_args(sys.argv[1:] if argv is None else argv)
    if args.tcp or os.environ.get("PRUNE_LSP_NO_FAST_START"):
        from .server import main as server_main

        return server_main(["--tcp", args.tcp] if args.tcp else [])
    return serve_stdio()

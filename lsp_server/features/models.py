"""The model a config names: resolved through analysis.model_ref, indexed by analysis.models on a
worker thread (editing never waits for it), PL070 on the modeline when it cannot be read, layer
names for completion once it is, and for the VS Code status bar `prune-lsp/modelInfo` (asked) and
`prune-lsp/modelStatus` (sent after a check or a load settles, to clients that ask for it with
ClientCapabilities.experimental.pruneLspModelStatus). Their shapes: lsp_server/contract.py.

Model files are watched by polling their (size, mtime) every few seconds, which works with every
client (Neovim 0.7 has no file watcher); a change reloads the index and re-measures sparsity.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

from analysis.diagnostics import Diagnostic
from analysis.model_ref import ModelRef, resolve_model
from analysis.positions import Range

from ..documents import fs_path

if TYPE_CHECKING:  # pragma: no cover
    from analysis.engine import CheckResult

    from ..server import PruneLanguageServer

from ..contract import EXPERIMENTAL_CAPABILITY, MODEL_INFO, MODEL_STATUS

log = logging.getLogger(__name__)
POLL_SECONDS = 2.0


@dataclass
class ModelEntry:
    path: str
    allow: bool
    status: str = "loading"  # "loading", "ok", "error"
    index: Any = None  # analysis.models.LayerIndex
    error: str = ""
    fingerprint: Any = None  # the files' (path, size, mtime) when the load started
    waiters: set = field(default_factory=set)  # uris to re-publish when it settles


def fingerprint(path: str) -> Any:
    """The files a model's index is read from, with their size and mtime (analysis.models.cache)."""
    try:
        from analysis.models.cache import cache_key

        return cache_key(path)[1]
    except Exception:
        try:
            st = os.stat(path)
            return ((path, st.st_size, st.st_mtime_ns),)
        except OSError:
            return None


def _limits() -> dict:
    """The loader child's limits (analysis.models.sandbox); the environment may lower them (tests
    of a hanging or memory-hungry factory; a small machine)."""
    out = {}
    for env, key, conv in (("PRUNE_LSP_MODEL_TIMEOUT_S", "timeout_s", float), ("PRUNE_LSP_MODEL_MEMORY_MB", "memory_mb", int)):
        try:
            if os.environ.get(env):
                out[key] = conv(os.environ[env])
        except ValueError:
            log.warning("ignored %s=%r: not a number", env, os.environ[env])
    return out


def _load(path: str, allow: bool):
    from analysis.gc_pause import settle_heap
    from analysis.layer_hints import warm_caches
    from analysis.models import cached_layer_index

    index = cached_layer_index(path, allow_code_execution=allow, **_limits())
    warm_caches(index.layers)  # here, on the loader thread, not on the first completion's event loop
    if _settled.get(id(index)) is not index:  # a fresh index, not a cache hit for another config
        settle_heap()  # a big index must not make every full collection slow (analysis/gc_pause.py)
        _settled[id(index)] = index
    return index


_settled: "weakref.WeakValueDictionary[int, object]" = weakref.WeakValueDictionary()


class ModelManager:
    def __init__(self, server: "PruneLanguageServer"):
        self.server = server
        self.pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="prune-model")
        self.entries: dict[tuple[str, bool], ModelEntry] = {}
        self.refs: dict[str, Optional[ModelRef]] = {}  # uri -> its model, as of its last check
        self.generation = 0  # bumps when any model's state changes (pull diagnostics' result ids)
        self._poller: Optional[asyncio.Task] = None
        self.on_model_changed: list = []  # callbacks(path) when a watched model file changes
        self.on_load_started: list = []  # callbacks(entry, future) as a load starts (load_progress)
        self.on_loaded: list = []  # callbacks(entry) when a load settles (code_lens refresh)
        self.status_sent: dict[str, dict] = {}  # uri -> the last prune-lsp/modelStatus sent for it

    # -- resolving -----------------------------------------------------------------------------

    def workspace_folder(self, path: Optional[str]) -> Optional[str]:
        try:
            ws = self.server.workspace
        except RuntimeError:
            return None
        best = None
        for folder in ws.folders.values():
            fp = fs_path(folder.uri)
            if fp and path and (path == fp or path.startswith(fp.rstrip(os.sep) + os.sep)):
                if best is None or len(fp) > len(best):
                    best = fp
        return best or ws.root_path

    def ref_for(self, uri: str, result: "Optional[CheckResult]") -> Optional[ModelRef]:
        path = fs_path(uri)
        d = result.directives if result is not None else None
        return resolve_model(path, modeline=d.model if d else None, modeline_range=d.model_range if d else None,
                             models=self.server.settings.models, workspace_folder=self.workspace_folder(path))

    def current_ref(self, uri: str) -> Optional[ModelRef]:
        if uri in self.refs:
            return self.refs[uri]
        return self.ref_for(uri, self.server.latest_result(uri))

    # -- loading -------------------------------------------------------------------------------

    def entry(self, ref: ModelRef, uri: Optional[str] = None) -> ModelEntry:
        allow = self.server.settings.allow_code_execution
        key = (ref.path, allow)
        e = self.entries.get(key)
        if e is None:
            e = ModelEntry(ref.path, allow)
            self.entries[key] = e
            self._start_load(e)
        if uri is not None and e.status == "loading":
            e.waiters.add(uri)
        return e

    def _start_load(self, e: ModelEntry) -> None:
        e.status, e.error = "loading", ""
        e.fingerprint = fingerprint(e.path)
        loop = self.server.loop or asyncio.get_event_loop()
        fut = loop.run_in_executor(self.pool, _load, e.path, e.allow)
        fut.add_done_callback(lambda f: self._loaded(e, f))
        for cb in self.on_load_started:
            cb(e, fut)
        self._ensure_poller()

    def _loaded(self, e: ModelEntry, fut: "asyncio.Future") -> None:
        try:
            e.index, e.status = fut.result(), "ok"
        except Exception as exc:
            reason = getattr(exc, "reason", None) or str(exc) or type(exc).__name__
            if type(exc).__name__ != "ModelLoadError":
                log.warning("model %s: %s", e.path, exc, exc_info=True)
            e.index, e.status, e.error = None, "error", reason.splitlines()[0]
        self.generation += 1
        waiters = [u for u in e.waiters if u in self.server.docs]
        e.waiters.clear()
        # also every open document naming this model
        waiters += [u for u, r in self.refs.items() if r is not None and r.path == e.path and u not in waiters]
        self.server.model_state_changed(waiters)
        for uri in waiters:
            self.notify_status(uri)
        for cb in self.on_loaded:
            cb(e)

    def index_for(self, uri: str) -> Any:
        """The layer index of the document's model if it is loaded (never waits); starts a load."""
        ref = self.current_ref(uri)
        if ref is None:
            return None
        e = self.entry(ref, uri)
        return e.index if e.status == "ok" else None

    def forget(self, uri: str) -> None:
        self.refs.pop(uri, None)
        self.status_sent.pop(uri, None)

    # -- status for the client -----------------------------------------------------------------

    def checked(self, uri: str, result: "CheckResult") -> None:
        """A check of `uri` is done: its modeline may name another model now; tell the client.
        The check ran with the model of the previous check (none for a just-opened document): when
        the model it names now is already loaded, check again with it (model rules, PL05x); when it
        is loading, the load's end re-checks (waiters)."""
        if not result.is_pruning_config and result.directives.model is None:
            self.set_ref(uri, None)
        else:
            self.set_ref(uri, self.ref_for(uri, result))
        self.notify_status(uri)

    def set_ref(self, uri: str, new: Optional[ModelRef]) -> None:
        old = self.refs.get(uri)
        self.refs[uri] = new
        if new is not None:
            e = self.entry(new, uri)
            if e.status == "ok" and (old is None or old.path != new.path):
                # The result at hand was checked without this (loaded) model: a new generation
                # makes pushed and pulled results stale, and the re-check runs with the model.
                self.generation += 1
                self.server.model_state_changed([uri])

    def _wants_status(self) -> bool:
        try:
            exp = self.server.client_capabilities.experimental
        except Exception:  # before initialize
            return False
        return isinstance(exp, dict) and bool(exp.get(EXPERIMENTAL_CAPABILITY))

    def notify_status(self, uri: str) -> None:
        """Send prune-lsp/modelStatus for an open document when it differs from the last one."""
        if uri not in self.server.docs or not self._wants_status():
            return
        msg = {"uri": uri, **self.info(uri)}
        if self.status_sent.get(uri) == msg:
            return
        self.status_sent[uri] = msg
        self.server.protocol.notify(MODEL_STATUS, msg)

    # -- diagnostics ---------------------------------------------------------------------------

    def diagnostics(self, uri: str, result: "CheckResult") -> list[Diagnostic]:
        """PL070 when the document's model cannot be read (called on each publish)."""
        if not result.is_pruning_config and result.directives.model is None:
            self.refs[uri] = None
            return []
        ref = self.ref_for(uri, result)
        self.set_ref(uri, ref)
        if ref is None:
            return []
        e = self.entry(ref, uri)
        if e.status != "error":
            return []
        from analysis.rules.model_ref import MODEL_UNREADABLE, unreadable_message

        disabled = self.server.settings.disabled_rules
        if MODEL_UNREADABLE.code in disabled or MODEL_UNREADABLE.name in disabled:
            return []
        rng = ref.range if ref.source == "modeline" and ref.range is not None else Range.point(0, 0)
        if result.directives.suppressed(MODEL_UNREADABLE.code, rng.start.line):
            return []
        return [Diagnostic(MODEL_UNREADABLE.code, MODEL_UNREADABLE.severity, unreadable_message(ref, e.error), rng)]

    # -- watching ------------------------------------------------------------------------------

    async def register_watchers(self) -> None:
        """Nothing to register: model files are polled (see the module docstring)."""
        self._ensure_poller()

    def _ensure_poller(self) -> None:
        if self._poller is not None or self.server.loop is None:
            return
        self._poller = self.server.loop.create_task(self._poll())

    async def _poll(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(POLL_SECONDS)
            try:
                entries = [e for e in self.entries.values() if e.status != "loading"]
                if not entries:
                    continue
                prints = await loop.run_in_executor(self.pool, lambda: [fingerprint(e.path) for e in entries])
                for e, fp in zip(entries, prints):
                    if fp != e.fingerprint:
                        log.info("model %s changed on disk: reloading", e.path)
                        e.waiters.update(u for u, r in self.refs.items() if r is not None and r.path == e.path)
                        self._start_load(e)
                        for cb in self.on_model_changed:
                            cb(e.path)
            except Exception:  # never let the poller die
                log.exception("model poll failed")

    def info(self, uri: str) -> dict:
        ref = self.current_ref(uri) if uri in self.server.docs else None
        if ref is None and uri not in self.server.docs:
            path = fs_path(uri)
            ref = resolve_model(path, models=self.server.settings.models,
                                workspace_folder=self.workspace_folder(path)) if path else None
        if ref is None:
            return {"model": None}
        e = self.entry(ref, uri if uri in self.server.docs else None)
        out = {"model": ref.path, "source": ref.source, "status": e.status}
        if e.status == "error":
            out["error"] = e.error
        if e.status == "ok" and e.index is not None:
            out["layers"] = len(e.index.layers)
            out["framework"] = e.index.framework
        return out


def register(server: "PruneLanguageServer") -> None:
    @server.feature(MODEL_INFO)
    def model_info(ls: "PruneLanguageServer", params: Any) -> dict:
        uri = _get(params, "uri")
        if not isinstance(uri, str):
            from pygls.exceptions import JsonRpcInvalidParams

            raise JsonRpcInvalidParams(f'{MODEL_INFO} wants {{"uri": DOCUMENT_URI}}')
        return ls.models.info(uri)


def _get(obj: Any, key: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(key)
    return getattr(obj, key, None)


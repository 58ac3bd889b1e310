"""The server class: document state, the check pipeline and the JSON-RPC edge cases.

Checks run on a small thread pool, never on the event loop, so requests are answered while a
10,000-line file is being checked; at most one check per document runs at a time and a result is
published only if it belongs to the document's newest version (never stale). Models load and
sparsity runs on their own pools, so a model load never delays a check.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import logging
import sys
import traceback
from typing import TYPE_CHECKING, Any, Callable, Optional

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcInvalidRequest
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.workspace import TextDocument

from analysis import __version__

from .documents import DocState, doc_kind, run_check
from .features import MODULES
from .features.settings import Settings

if TYPE_CHECKING:  # pragma: no cover
    from analysis.engine import CheckResult

log = logging.getLogger(__name__)
# Seconds a big config checked by kind waits, untouched, before its whole parse runs (prepare_when_idle).
PREPARE_IDLE_S = 1.5


class _BadMessage:
    """A request whose params could not be read: answered with InvalidParams, not dropped."""

    def __init__(self, msg_id: Any, method: str, error: str):
        self.id, self.method, self.error = msg_id, method, error


# The id of the request whose handler is running (asyncio tasks copy it when they are created).
CURRENT_REQUEST: contextvars.ContextVar = contextvars.ContextVar("prune_lsp_request", default=None)


class PruneProtocol(LanguageServerProtocol):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # request id -> callback, for handlers whose work runs on a thread: pygls answers
        # $/cancelRequest by cancelling its own result future, which an async command handler
        # (run behind pygls's executeCommand generator) never sees; its thread went on counting.
        self.cancel_callbacks: dict[Any, Callable[[], None]] = {}

    def _handle_cancel_notification(self, msg_id):
        cb = self.cancel_callbacks.pop(msg_id, None)
        if cb is not None:
            cb()
        if msg_id not in self._request_futures:
            # Answered before the cancel arrived: normal in LSP (VS Code cancels a code lens or
            # symbol request it no longer needs as the answer crosses), so no warning on stderr.
            log.debug("$/cancelRequest for %s, already answered", msg_id)
            return
        super()._handle_cancel_notification(msg_id)

    def structure_message(self, data: dict):
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if isinstance(data, dict) and "id" in data and "method" in data:
                cause = exc.__cause__ or exc
                return _BadMessage(data["id"], data["method"], f"invalid params for {data['method']}: "
                                   f"{str(cause).splitlines()[0] if str(cause) else type(cause).__name__}")
            raise

    def handle_message(self, message):
        if isinstance(message, _BadMessage):
            self._send_response(message.id, error=JsonRpcInvalidParams(message.error).to_response_error())
            return
        # pygls drops requests after `shutdown` silently; LSP wants an InvalidRequest error.
        if self._shutdown and getattr(message, "method", "") != types.EXIT and getattr(message, "id", None) is not None \
                and hasattr(message, "method"):
            self._send_response(message.id, error=JsonRpcInvalidRequest(
                "the server is shutting down: no request but `exit` is accepted").to_response_error())
            return
        if getattr(message, "id", None) is not None and hasattr(message, "method"):
            token = CURRENT_REQUEST.set(message.id)
            try:
                super().handle_message(message)
            finally:
                CURRENT_REQUEST.reset(token)
            return
        super().handle_message(message)


class PruneLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("prune-lsp", __version__, protocol_cls=PruneProtocol,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.settings = Settings()
        self.settings_gen = 0
        self.docs: dict[str, DocState] = {}
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        # Two check threads: one document's check never queues behind another's long one.
        self.check_pool = concurrent.futures.ThreadPoolExecutor(2, thread_name_prefix="prune-check")
        self.pull_mode = False
        self.snippets = False
        # CompletionList.itemDefaults fields the client applies (LSP 3.17): "editRange", ...
        self.completion_defaults: frozenset[str] = frozenset()
        # Set once the first workspace/configuration answer is in (at once for clients that do
        # not offer it): a check before that would use the wrong disabledRules.
        self.config_ready: Optional[asyncio.Event] = None
        self._on_published: list[Callable[[str, int], None]] = []  # test/bench hooks (unused in prod)
        from .features import models as _models

        self.models = _models.ModelManager(self)

    # -- lifecycle -----------------------------------------------------------------------------

    def on_initialize(self, params: types.InitializeParams) -> None:
        self.loop = asyncio.get_running_loop() if _loop_running() else None
        from .text_sync import install

        install(self.workspace)  # the client's line model for incremental edits (text_sync.py)
        caps = params.capabilities
        td = caps.text_document
        self.pull_mode = bool(td and td.diagnostic)
        comp = td.completion if td else None
        self.snippets = bool(comp and comp.completion_item and comp.completion_item.snippet_support)
        cl = comp.completion_list if comp else None
        self.completion_defaults = frozenset(cl.item_defaults or ()) if cl else frozenset()
        self.config_ready = asyncio.Event()
        ws = caps.workspace
        if not (ws and ws.configuration):
            self.config_ready.set()

    def configuration_done(self) -> None:
        if self.config_ready is not None and not self.config_ready.is_set():
            self.config_ready.set()
            for uri in list(self.docs):
                self.schedule_check(uri, 0.0)

    async def wait_config(self) -> None:
        if self.config_ready is not None and not self.config_ready.is_set():
            try:
                await asyncio.wait_for(self.config_ready.wait(), 3.0)
            except asyncio.TimeoutError:  # a client that never answers: go on with what we have
                self.config_ready.set()

    def warm_up(self) -> None:
        """Import the engine on a check thread once the client is initialized (not before the
        initialize answer: start-up stays fast; not on first keystroke: that stays fast too)."""
        import importlib

        for name in ("analysis.engine", "analysis.completion", "analysis.hover", "analysis.fixes"):
            self.check_pool.submit(importlib.import_module, name)

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Any handler's exception: logged here and to the client (requests also get an error
        response from pygls); the server keeps serving. A cancellation is an answer, not an error."""
        if is_cancellation(error):
            log.debug("request cancelled: %s", error)
            return
        text = f"prune-lsp: internal error ({type(error).__name__}): {error}"
        log.error("%s", text)
        self.log_to_client(text, types.MessageType.Error)

    def log_to_client(self, message: str, kind: types.MessageType = types.MessageType.Log) -> None:
        try:
            self.window_log_message(types.LogMessageParams(type=kind, message=message))
        except Exception:  # no client connected (unit use) or the pipe is gone
            log.debug("could not log to the client", exc_info=True)

    def apply_settings(self, raw: Any, source: str, recheck: bool = True) -> bool:
        new, bad = self.settings.merged(raw)
        for msg in bad:
            self.log_to_client(f"prune-lsp: ignored setting from {source}: {msg}", types.MessageType.Warning)
        if new == self.settings:
            return False
        self.settings = new
        if recheck:
            self.settings_changed()
        return True

    @property
    def gen(self) -> tuple:
        """What a result depends on besides the text: the settings and the loaded models."""
        return (self.settings_gen, self.models.generation)

    def model_index(self, uri: str):
        """The loaded layer index of the model this document named at its last check (no wait)."""
        ref = self.models.refs.get(uri)
        if ref is None:
            return None
        e = self.models.entries.get((ref.path, self.settings.allow_code_execution))
        return e.index if e is not None and e.status == "ok" else None

    def settings_changed(self) -> None:
        """Re-check every open document under the new settings (and reload models)."""
        self.settings_gen += 1
        for uri in list(self.docs):
            self.schedule_check(uri, 0.0)
        if self.pull_mode:
            self.refresh_pull_diagnostics()

    def refresh_pull_diagnostics(self) -> None:
        ws = self.client_capabilities.workspace
        if ws and ws.diagnostics and ws.diagnostics.refresh_support:
            fut = self.workspace_diagnostic_refresh(None)
            fut.add_done_callback(lambda f: f.cancelled() or f.exception())

    # -- documents -----------------------------------------------------------------------------

    def document(self, uri: str) -> Optional[TextDocument]:
        """The open document, or None for a URI the client never opened (never read from disk)."""
        try:
            return self.workspace.text_documents.get(uri)
        except RuntimeError:  # not initialized
            return None

    def state(self, uri: str) -> Optional[DocState]:
        return self.docs.get(uri)

    def open_document(self, uri: str, language_id: Optional[str]) -> DocState:
        st = self.docs.get(uri)
        if st is None or st.closed:
            st = DocState(uri, doc_kind(uri, language_id))
            self.docs[uri] = st
        return st

    def close_document(self, uri: str) -> None:
        st = self.docs.pop(uri, None)
        if st is None:
            return
        st.closed = True
        if st.timer is not None:
            st.timer.cancel()
        if st.published and not self.pull_mode:
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def result_now(self, uri: str) -> "Optional[CheckResult]":
        """The check of the document's current text, computed here if no fresh one is cached."""
        doc, st = self.document(uri), self.docs.get(uri)
        if doc is None or st is None:
            return None
        if st.fresh(doc.version, self.gen):
            return st.result
        result = run_check(doc.source, uri, st.kind, self.settings.disabled_rules, self.model_index(uri))
        st.result, st.result_version, st.result_gen = result, doc.version, self.gen
        return result

    def latest_result(self, uri: str) -> "Optional[CheckResult]":
        """The newest check there is, even for an older version (enough to know the dialect)."""
        st = self.docs.get(uri)
        if st is None:
            return None
        return st.result if st.result is not None else self.result_now(uri)

    def schedule_check(self, uri: str, delay: float) -> None:
        st = self.docs.get(uri)
        if st is None or st.kind is None:
            return
        if st.timer is not None:
            st.timer.cancel()
            st.timer = None
        loop = self.loop or asyncio.get_event_loop()
        if delay <= 0:
            self._start_check(uri)
        else:
            st.timer = loop.call_later(delay, self._start_check, uri)

    def _start_check(self, uri: str) -> None:
        st = self.docs.get(uri)
        doc = self.document(uri)
        if st is None or doc is None:
            return
        st.timer = None
        if self.config_ready is not None and not self.config_ready.is_set():
            return  # configuration_done() starts it
        if st.running:
            st.rerun = True  # coalesce: one more check when the running one ends
            return
        version, gen = doc.version, self.gen
        if st.fresh(version, gen):
            self.publish(uri)
            return
        st.running = True
        text, kind, disabled = doc.source, st.kind, self.settings.disabled_rules
        loop = self.loop or asyncio.get_event_loop()
        fut = loop.run_in_executor(self.check_pool, run_check, text, uri, kind, disabled, self.model_index(uri))
        fut.add_done_callback(lambda f: self._check_done(uri, version, gen, f))

    def _check_done(self, uri: str, version: Optional[int], gen: int, fut: "asyncio.Future") -> None:
        st = self.docs.get(uri)
        if st is None:
            return
        st.running = False
        try:
            result = fut.result()
        except Exception as exc:  # a bug in a check: say so, keep serving
            self.report_server_error(exc, "check")
            log.error("check of %s failed:\n%s", uri, "".join(traceback.format_exception(exc)))
            result = None
        doc = self.document(uri)
        current = doc is not None and doc.version == version and gen == self.gen
        if result is not None and current:
            st.result, st.result_version, st.result_gen = result, version, gen
            self.publish(uri)
            self.models.checked(uri, result)  # prune-lsp/modelStatus when the model changed
            self.prepare_when_idle(uri, result)
        if st.rerun or not current:
            st.rerun = False
            if st.timer is None:  # else the pending debounce will start it
                self._start_check(uri)

    def prepare_when_idle(self, uri: str, result: "CheckResult") -> None:
        """A repeated-pruner config checked by kind (analysis/repeated_pruners.py) has its diagnostics but
        not its whole parse, which hover, lenses and code actions need. Parse it off the loop once the
        document has been left alone for PREPARE_IDLE_S and this result is still its newest: the parse of
        a 2 MB config holds the GIL for about a second, and started after every keystroke it slowed the
        next check twofold (bench/bench_big_config.py). A feature asked for earlier parses on demand.
        Any other result is whole already: nothing to do."""
        if not hasattr(result, "prepare"):
            return

        def go() -> None:
            st = self.docs.get(uri)
            if st is not None and st.result is result and not st.running and st.timer is None:
                (self.loop or asyncio.get_event_loop()).run_in_executor(self.check_pool, result.prepare)

        (self.loop or asyncio.get_event_loop()).call_later(PREPARE_IDLE_S, go)

    def publish(self, uri: str) -> None:
        """Push the diagnostics of the cached result (only if it is the newest version's)."""
        from .features.diagnostics import lsp_diagnostics_json

        if self.pull_mode:
            return
        st, doc = self.docs.get(uri), self.document(uri)
        if st is None or doc is None or not st.fresh(doc.version, self.gen):
            return
        items = lsp_diagnostics_json(self, uri, st.result, doc.version)
        if not items and not st.published and not st.result.is_pruning_config:
            return  # not a pruning config, and never had a finding (most YAML files): say nothing
        st.published = bool(items) or st.result.is_pruning_config
        # Sent as plain JSON: pygls serialises a dict with the C json encoder, where lsprotocol objects go
        # through cattrs one field at a time (seconds for a generated config's 40,000 findings).
        params = {"uri": uri, "diagnostics": items}
        if doc.version is not None:
            params["version"] = doc.version
        self.protocol._send_data({"jsonrpc": "2.0", "method": types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
                                  "params": params})
        for hook in self._on_published:
            hook(uri, doc.version)

    def model_state_changed(self, uris: list[str]) -> None:
        """A model finished loading (or failed): check again what depends on it (the model
        rules run with the index; PL070 comes or goes)."""
        for uri in uris:
            self.schedule_check(uri, 0.0)
        if self.pull_mode and uris:
            self.refresh_pull_diagnostics()


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
        return True
    except RuntimeError:
        return False


def create_server() -> PruneLanguageServer:
    import importlib

    server = PruneLanguageServer()
    for name in MODULES:
        importlib.import_module(f"{__package__}.features.{name}").register(server)
    return server


def parse_tcp(spec: str) -> tuple[str, int]:
    host, sep, port = spec.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--tcp wants HOST:PORT, got {spec!r}")
    return host or "127.0.0.1", int(port)


# Answers that are part of the protocol, not failures: the request was cancelled (by the client,
# or by the server because the text moved on). pygls logs every error answer with a traceback.
_CANCELLATION_CODES = frozenset({-32800, -32801, -32802})  # RequestCancelled, ContentModified, ServerCancelled


def is_cancellation(error: BaseException) -> bool:
    return getattr(error, "code", None) in _CANCELLATION_CODES and hasattr(error, "to_response_error")


def _not_a_cancellation(record: logging.LogRecord) -> bool:
    exc = record.exc_info[1] if record.exc_info else None
    return exc is None or not is_cancellation(exc)


def serve(tcp: Optional[str] = None, stdin=None, stdout=None) -> int:
    # stdout is the JSON-RPC channel: logs go to stderr, pygls's at WARNING (at INFO it logs
    # every message in full).
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="prune-lsp %(levelname)s %(name)s: %(message)s")
    logging.getLogger("pygls").setLevel(logging.WARNING)
    logging.getLogger("pygls.protocol.json_rpc").addFilter(_not_a_cancellation)
    server = create_server()
    if tcp:
        host, port = parse_tcp(tcp)
        server.start_tcp(host, port)
    else:
        server.start_io(stdin, stdout)  # fast_start.py passes its replaying pipe and filter here
    return 0


def main(argv: Optional[list[str]] = None) -> int:
    from .launch_args import parse_launch_args

    args = parse_launch_args(argv)
    try:
        return serve(args.tcp)
    except ValueError as exc:
        print(f"prune-lsp serve: {exc}", file=sys.stderr)
        return 2

"""`prune-lsp.computeSparsity` and the code lenses that show its result next to each pruner's
`target_sparsity` ("now 43.1% of 90%"), re-measured when the checkpoint changes on disk
(served by lsp_server.features.code_lens, with the selection lenses).

The count runs on a worker thread with work-done progress, on the client's `workDoneToken` when
the request carries one; `window/workDoneProgress/cancel` or `$/cancelRequest` stops it. It returns the same JSON object as `prune-lsp sparsity --format json`
(analysis.sparsity.report.compute_sparsity_report).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcRequestCancelled

from analysis.positions import Range

from ..documents import fs_path

if TYPE_CHECKING:  # pragma: no cover
    from ..server import PruneLanguageServer

log = logging.getLogger(__name__)
COMPUTE_SPARSITY = "prune-lsp.computeSparsity"
_pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="prune-sparsity")
# The request's workDoneToken: pygls hands a command its `arguments` only, so the builtin
# executeCommand handler (wrapped below) sets this as it starts the command's task, which copies it.
_work_done_token: contextvars.ContextVar = contextvars.ContextVar("prune_lsp_work_done_token", default=None)


class JsonRpcRequestFailed(JsonRpcException):
    """LSP's RequestFailed: the request was valid but could not be carried out."""

    CODE = -32803


def _report_fn():
    """compute_sparsity_report, or None while the sparsity engine is not installed."""
    try:
        from analysis.sparsity.report import compute_sparsity_report

        return compute_sparsity_report
    except ImportError:
        return None


@dataclass
class Measured:
    report: dict
    model: str
    config_uri: Optional[str]
    device: str
    when: float


def _pass_work_done_token(server: "PruneLanguageServer") -> None:
    fm = server.protocol.fm
    builtin = fm.builtin_features.get(types.WORKSPACE_EXECUTE_COMMAND)
    if builtin is None:
        return

    def execute_command(params: types.ExecuteCommandParams):
        _work_done_token.set(getattr(params, "work_done_token", None))
        return (yield from builtin(params))

    fm.add_builtin_feature(types.WORKSPACE_EXECUTE_COMMAND, execute_command)


def register(server: "PruneLanguageServer") -> None:
    server.sparsity = {}  # config uri -> Measured
    _pass_work_done_token(server)
    server.models.on_model_changed.append(lambda path: _remeasure(server, path))

    @server.command(COMPUTE_SPARSITY)
    async def compute_sparsity(ls, *args: Any) -> dict:  # no annotation on ls: pygls resolves the hints
        opts = args[0] if args else None
        if not isinstance(opts, dict) or not (isinstance(opts.get("uri"), str) or isinstance(opts.get("model"), str)):
            raise JsonRpcInvalidParams(f'{COMPUTE_SPARSITY} wants [{{"uri": CONFIG_URI}}] or [{{"model": PATH}}]')
        device = opts.get("device") or ls.settings.device
        if not isinstance(device, str):
            raise JsonRpcInvalidParams("device must be a string: auto, cpu, cuda or cuda:N")
        uri = opts.get("uri")
        config_path = fs_path(uri) if uri else None
        if isinstance(opts.get("model"), str):
            model = os.path.abspath(os.path.expanduser(opts["model"]))
        else:
            ref = ls.models.current_ref(uri) if uri in ls.docs else ls.models.ref_for(uri, None)
            if ref is None:
                raise JsonRpcRequestFailed("this config names no model: add `# prune-lsp: model=PATH` "
                                           "in its first 5 lines or set pruneLsp.models")
            model = ref.path
        if config_path is not None and not os.path.isfile(config_path):
            config_path = None  # an unsaved buffer: measure with INC's default pruner
        report = await measure(ls, model, config_path, device, progress=True, token=_work_done_token.get())
        add_schedule(report, model, config_path)
        if uri:
            ls.sparsity[uri] = Measured(report, model, uri, device, time.time())
            _refresh_lenses(ls)
        return report


def sparsity_lenses(ls: "PruneLanguageServer", uri: str, result, conv) -> list[types.CodeLens]:
    """The sparsity lenses of a config that names a model ("measure sparsity", then "now X% of
    Y%" per pruner); lsp_server.features.code_lens serves them with the selection lenses."""
    measured = ls.sparsity.get(uri)
    lenses = []
    run = types.Command(title="", command=COMPUTE_SPARSITY, arguments=[{"uri": uri}])
    if measured is None:
        anchor = _first_anchor(result)
        if anchor is None:
            return []
        run.title = "measure sparsity"
        return [types.CodeLens(range=conv.range(anchor), command=run)]
    by_index = {p.get("index"): p for p in measured.report.get("pruners", [])}
    for checked in result.configs:
        for ep in checked.pruners:
            figs = by_index.get(ep.index)
            if figs is None:
                continue
            where = _lens_range(result, checked, ep)
            if where is None:
                continue
            now = (figs.get("selected") or {}).get("elementwise_over_matmul_gemm_conv")
            target = figs.get("target_sparsity")
            title = f"now {_pct(now)}" + (f" of {_pct(target, 3)}" if isinstance(target, (int, float)) else "")
            title += _schedule_part(checked, ep, measured.report.get("model"))
            lenses.append(types.CodeLens(range=conv.range(where), command=types.Command(
                title=title, command=COMPUTE_SPARSITY, arguments=[{"uri": uri, "device": measured.device}])))
    return lenses


def _schedule_part(checked, ep, model_path) -> str:
    """", schedule expects Z% at step S" when the measured checkpoint says its step
    (analysis.watch.discover.checkpoint_step) and INC's schedule (analysis.schedule) is known."""
    if not isinstance(model_path, str):
        return ""
    try:
        from analysis.schedule.config import schedules_for_checked
        from analysis.watch.discover import checkpoint_step

        step = checkpoint_step(model_path)
        if step is None:
            return ""
        cs = schedules_for_checked(checked)
        s = next((s for s, a in zip(cs.pruners, cs.anchors) if a is ep), None)
        expected = s.expected_after(step) if s is not None else None
    except Exception:  # a lens never fails: the schedule part is left out
        return ""
    return "" if expected is None else f", schedule expects {_pct(expected)} at {s.unit} {step}"


def add_schedule(report: dict, model: str, config_path: Optional[str]) -> None:
    """When the checkpoint says its step: `step` in the report and, per pruner, what INC's schedule
    expects after it (`scheduled`, `schedule_unit`): the lens's figure, for the VS Code view. The
    schedule's pruners are in the config's order, as the report's (analysis.watch.compare)."""
    if config_path is None:
        return
    try:
        from analysis.schedule import schedules_from_file
        from analysis.watch.discover import checkpoint_step

        step = checkpoint_step(model)
        if step is None:
            return
        scheds = schedules_from_file(config_path).pruners
    except Exception:  # no schedule: the report stays the CLI's
        return
    report["step"] = step
    for i, p in enumerate(report.get("pruners", [])):
        s = scheds[i] if i < len(scheds) else None
        p["scheduled"] = s.expected_after(step) if s is not None else None
        p["schedule_unit"] = s.unit if s is not None else "step"


def _pct(x: Any, digits: int = 1) -> str:
    if not isinstance(x, (int, float)):
        return "?"
    s = f"{x * 100:.{digits}f}".rstrip("0").rstrip(".") if digits > 1 else f"{x * 100:.{digits}f}"
    return s + "%"


def _first_anchor(result) -> Optional[Range]:
    for checked in result.configs:
        doc = checked.config
        node = doc.container.key if doc.container is not None else (doc.root.pairs[0].key if doc.root.pairs else None)
        if node is not None:
            return result.parsed.lines.range(node.start, node.end)
    return None


def _lens_range(result, checked, ep) -> Optional[Range]:
    """Next to the pruner's own `target_sparsity`; else on its entry's first line; else (the one
    pruner built from the global keys) next to the global `target_sparsity` or the container."""
    lines = result.parsed.lines
    s = ep.settings.get("target_sparsity")
    if s is not None and s.pair is not None and (s.origin in ("pruner", "parameters") or ep.entry is None):
        return lines.range(s.pair.key.start, s.pair.key.end)
    if ep.entry is not None:
        n = ep.entry.node
        return lines.range(n.start, n.start)
    return _first_anchor(result)


def _refresh_lenses(ls: "PruneLanguageServer") -> None:
    ws = ls.client_capabilities.workspace
    if ws and ws.code_lens and ws.code_lens.refresh_support:
        fut = ls.workspace_code_lens_refresh(None)
        # a client that advertises refresh but fails it: nothing to do, and no unretrieved error
        fut.add_done_callback(lambda f: f.cancelled() or f.exception())


async def measure(ls: "PruneLanguageServer", model: str, config_path: Optional[str], device: str,
                  progress: bool, token: Optional[Any] = None) -> dict:
    fn = _report_fn()
    if fn is None:
        raise JsonRpcRequestFailed("the sparsity engine (analysis.sparsity) is not installed")
    from analysis.sparsity.sources import use_safe_reads

    use_safe_reads()  # a checkpoint rewritten mid-count must be an error, not SIGBUS killing the server
    from ..server import CURRENT_REQUEST

    loop = asyncio.get_running_loop()
    cancel_event = threading.Event()
    request_id = CURRENT_REQUEST.get() if progress else None
    if request_id is not None:  # $/cancelRequest stops the count (see PruneProtocol.cancel_callbacks)
        ls.protocol.cancel_callbacks[request_id] = cancel_event.set
    wdp = ls.client_capabilities.window
    token = token if progress else None
    if token is not None:  # the client's token: no window/workDoneProgress/create
        ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(
            title="Measuring sparsity", message=os.path.basename(model), cancellable=True, percentage=0))
    elif progress and wdp and wdp.work_done_progress:
        token = f"prune-lsp-sparsity-{uuid.uuid4()}"
        try:
            await ls.work_done_progress.create_async(token)
            ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(
                title="Measuring sparsity", message=os.path.basename(model), cancellable=True, percentage=0))
        except Exception:
            token = None
    last = [0.0]

    def on_progress(done: int, total: int, message: str) -> None:  # worker thread
        now = time.monotonic()
        if token is None or now - last[0] < 0.1:
            return
        last[0] = now
        pct = int(100 * done / total) if total else 0
        loop.call_soon_threadsafe(lambda: ls.work_done_progress.report(
            token, types.WorkDoneProgressReport(message=message, percentage=min(100, pct), cancellable=True)))

    def cancelled() -> bool:  # worker thread
        if cancel_event.is_set():
            return True
        fut = ls.work_done_progress.tokens.get(token) if token else None
        return bool(fut is not None and fut.cancelled())

    fut = loop.run_in_executor(_pool, lambda: fn(model, config_path, device=device, progress=on_progress,
                                                 cancel=cancelled))
    ok = False
    try:
        report = await fut
        ok = True
        return report
    except asyncio.CancelledError:  # $/cancelRequest
        cancel_event.set()
        raise
    except Exception as exc:
        if type(exc).__name__ == "Cancelled":
            raise JsonRpcRequestCancelled("sparsity measurement cancelled") from None
        if type(exc).__name__ in ("SparsityError", "DeviceError", "ModelLoadError"):
            raise JsonRpcRequestFailed(str(exc)) from None
        raise
    finally:
        if request_id is not None:
            ls.protocol.cancel_callbacks.pop(request_id, None)
        if token is not None:
            ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message="done" if ok else "stopped"))


def _remeasure(ls: "PruneLanguageServer", path: str) -> None:
    """The checkpoint changed on disk: measure again the configs that showed its sparsity."""
    stale = [m for m in ls.sparsity.values() if m.model == path]
    if not stale or ls.loop is None:
        return

    async def again() -> None:
        for m in stale:
            try:
                cfg = fs_path(m.config_uri) if m.config_uri else None
                report = await measure(ls, m.model, cfg if cfg and os.path.isfile(cfg) else None, m.device, False)
                ls.sparsity[m.config_uri] = Measured(report, m.model, m.config_uri, m.device, time.time())
            except Exception as exc:
                ls.log_to_client(f"prune-lsp: re-measuring {m.model} failed: {exc}", types.MessageType.Warning)
        _refresh_lenses(ls)

    ls.loop.create_task(again())

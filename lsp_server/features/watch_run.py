"""`prune-lsp.watchRun` / `prune-lsp.stopWatch`: the server side of `prune-lsp watch`.

`prune-lsp.watchRun [{"runDir": PATH, "uri": CONFIG_URI, "device"?: ..., "poll"?: SECONDS,
"stepsPerEpoch"?: N}]` (stepsPerEpoch: `watch --steps-per-epoch`, for INC 1.x configs)
follows a training run's output folder with the CLI's own code (analysis.watch.follow.Watcher),
on a thread per watched folder (never on the event loop: measuring reads whole checkpoints). It
answers at once with the watch's id and INC's schedule per pruner (sent once, here), then sends
each measured checkpoint as a `prune-lsp/watchPoint` notification: `{"watchId": ID, ...}` with
exactly the object of one `prune-lsp watch --format jsonl` line. Only clients that declare
ClientCapabilities.experimental.pruneLspWatch may start a watch (others never asked for the
notifications). `prune-lsp.stopWatch [{"watchId": ID}]` stops one, shutdown stops them all.
Shapes: lsp_server/contract.py (WatchStarted, WatchPointMessage).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import uuid
from typing import TYPE_CHECKING, Any, Optional

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from ..contract import STOP_WATCH, WATCH_CAPABILITY, WATCH_POINT, WATCH_RUN
from ..documents import fs_path
from .commands import JsonRpcRequestFailed

if TYPE_CHECKING:  # pragma: no cover
    from ..server import PruneLanguageServer

log = logging.getLogger(__name__)
DEFAULT_POLL_S = 2.0


class RunWatch:
    """One followed folder: a daemon thread polling the Watcher until stopped."""

    def __init__(self, ls: "PruneLanguageServer", watch_id: str, watcher, poll: float,
                 loop: asyncio.AbstractEventLoop):
        self.ls, self.id, self.watcher, self.poll_s, self.loop = ls, watch_id, watcher, poll, loop
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"prune-watch-{watch_id[:8]}", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopped.set()  # the thread ends after the checkpoint it may be measuring (not joined here)

    def _run(self) -> None:
        while not self.stopped.is_set():
            try:
                self.watcher.poll(self._send)
            except Exception as exc:  # a folder that vanished, a permission error: say so, keep going
                log.warning("watch %s: %s", self.watcher.run_dir, exc)
            self.stopped.wait(self.poll_s)

    def _send(self, res) -> None:  # watch thread
        if self.stopped.is_set():
            return
        msg = {"watchId": self.id, **res.to_json()}
        try:
            self.loop.call_soon_threadsafe(self.ls.protocol.notify, WATCH_POINT, msg)
        except RuntimeError:  # the loop closed: the server is exiting
            self.stopped.set()


def _wants_watch(ls: "PruneLanguageServer") -> bool:
    exp = ls.client_capabilities.experimental if ls.client_capabilities else None
    return isinstance(exp, dict) and bool(exp.get(WATCH_CAPABILITY))


def _schedule_json(schedule) -> list:
    """Per pruner, what `prune-lsp schedule --format json` prints for it."""
    return [] if schedule is None else [s.to_json() for s in schedule.pruners]


def register(server: "PruneLanguageServer") -> None:
    server.watches = {}  # watch id -> RunWatch

    @server.command(WATCH_RUN)
    async def watch_run(ls, *args: Any) -> dict:  # no annotation on ls: pygls resolves the hints
        opts = args[0] if args else None
        if not isinstance(opts, dict) or not isinstance(opts.get("runDir"), str):
            raise JsonRpcInvalidParams(f'{WATCH_RUN} wants [{{"runDir": PATH, "uri": CONFIG_URI}}]')
        if not _wants_watch(ls):
            raise JsonRpcRequestFailed(f"{WATCH_RUN}: the client did not declare the experimental capability "
                                       f"{WATCH_CAPABILITY!r}, so it would get no {WATCH_POINT} notifications")
        run_dir = os.path.abspath(os.path.expanduser(opts["runDir"]))
        if not os.path.isdir(run_dir):
            raise JsonRpcRequestFailed(f"{run_dir}: no such folder")
        uri = opts.get("uri")
        config: Optional[str] = fs_path(uri) if isinstance(uri, str) else None
        if config is not None and not os.path.isfile(config):
            config = None  # an unsaved buffer: INC's default pruner, no schedule
        device = opts.get("device") or ls.settings.device
        poll = opts.get("poll", DEFAULT_POLL_S)
        if not isinstance(device, str) or not isinstance(poll, (int, float)) or poll <= 0:
            raise JsonRpcInvalidParams("device must be a string (auto, cpu, cuda, cuda:N), poll a number > 0")
        steps_per_epoch = opts.get("stepsPerEpoch")
        if steps_per_epoch is not None and (not isinstance(steps_per_epoch, int) or isinstance(steps_per_epoch, bool)
                                            or steps_per_epoch <= 0):
            raise JsonRpcInvalidParams("stepsPerEpoch must be an integer > 0")

        def build():
            from analysis.sparsity.sources import use_safe_reads
            from analysis.watch.follow import Watcher

            use_safe_reads()  # a checkpoint rewritten mid-count is an error, not SIGBUS killing the server
            return Watcher(run_dir, config, device, steps_per_epoch=steps_per_epoch)

        loop = asyncio.get_running_loop()
        try:
            watcher = await loop.run_in_executor(None, build)  # parses the config, may import torch
        except Exception as exc:
            if type(exc).__name__ == "DeviceError":
                raise JsonRpcRequestFailed(str(exc)) from None
            raise
        watch_id = str(uuid.uuid4())
        rw = RunWatch(ls, watch_id, watcher, float(poll), loop)
        ls.watches[watch_id] = rw
        rw.start()
        return {"watchId": watch_id, "runDir": run_dir, "config": config,
                "schedule": _schedule_json(watcher.schedule), "notes": list(watcher.notes)}

    @server.command(STOP_WATCH)
    def stop_watch(ls, *args: Any) -> dict:
        opts = args[0] if args else None
        if not isinstance(opts, dict) or not isinstance(opts.get("watchId"), str):
            raise JsonRpcInvalidParams(f'{STOP_WATCH} wants [{{"watchId": ID}}]')
        rw = ls.watches.pop(opts["watchId"], None)
        if rw is not None:
            rw.stop()
        return {"stopped": rw is not None}

    @server.feature(types.SHUTDOWN)
    def on_shutdown(ls: "PruneLanguageServer", params: Any = None) -> None:
        for rw in list(ls.watches.values()):
            rw.stop()
        ls.watches.clear()

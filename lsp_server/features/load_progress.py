"""Work-done progress while a model's layer index loads, when the load takes longer than
DELAY seconds (most loads are header reads of a few milliseconds: no flicker for those).

The load itself runs on the model pool (lsp_server.features.models); this only watches its
future, so nothing here can delay a check or a request.
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from typing import TYPE_CHECKING, Any

from lsprotocol import types

if TYPE_CHECKING:  # pragma: no cover
    from ..server import PruneLanguageServer
    from .models import ModelEntry

log = logging.getLogger(__name__)
DELAY = 0.5


def _supported(ls: "PruneLanguageServer") -> bool:
    try:
        w = ls.client_capabilities.window
    except Exception:  # not initialized
        return False
    return bool(w and w.work_done_progress)


def track(ls: "PruneLanguageServer", entry: "ModelEntry", fut: "asyncio.Future") -> None:
    """Show progress for the load `fut` of `entry` once it has run DELAY seconds."""
    if ls.loop is None or not _supported(ls):
        return
    ls.loop.call_later(DELAY, lambda: fut.done() or ls.loop.create_task(_show(ls, entry, fut)))


async def _show(ls: "PruneLanguageServer", entry: "ModelEntry", fut: "asyncio.Future") -> None:
    token = f"prune-lsp-model-{uuid.uuid4()}"
    name = os.path.basename(os.path.normpath(entry.path)) or entry.path
    try:
        await ls.work_done_progress.create_async(token)
    except Exception as exc:  # the client refused: no progress, the load goes on
        log.debug("work-done progress refused: %s", exc)
        return
    ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(
        title="Loading model", message=f"reading the layers of {name}", cancellable=False))

    def end(f: Any) -> None:
        ok = not f.cancelled() and f.exception() is None
        ls.work_done_progress.end(token, types.WorkDoneProgressEnd(
            message=f"{name}: {len(f.result().layers)} layers" if ok else f"{name}: could not be read"))

    fut.add_done_callback(end)  # runs at once when the load ended during the create request


def register(server: "PruneLanguageServer") -> None:
    server.models.on_load_started.append(lambda entry, fut: track(server, entry, fut))

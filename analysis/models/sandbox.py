"""Run a loader that needs torch, transformers or TensorFlow in a child process with limits.

Why a child: importing torch costs ~1.5 s and 300 MB, TensorFlow ~3 s and 600 MB, and some
loaders run code from the model (TorchScript, factories, full pickles). The child gets an
address-space limit (RLIMIT_AS) and a wall-clock timeout; it runs in its own process group,
which is killed whole on timeout or when it returns, so no stray process outlives a call.
The child writes its JSON answer to a file, not stdout (user code may print).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from .types import ModelLoadError

_REPO_ROOT = str(Path(__file__).resolve().parents[2])

# Process groups of the loader children running now. A process that exits while one runs (a
# language server whose client went away) would otherwise wait in its exit for the thread
# blocked in communicate(), up to the whole timeout, with the child alive all along.
_live: set[int] = set()
_live_lock = threading.Lock()


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def kill_all_workers() -> None:
    """Kill every loader child still running (their callers get a ModelLoadError)."""
    with _live_lock:
        groups = list(_live)
    for pgid in groups:
        _kill_group(pgid)


# Runs at interpreter exit before the executor threads are joined: threading's exit hooks run
# before atexit's, newest first, so this one (registered after concurrent.futures', imported
# here for that) kills the children before the pool's threads are waited for.
import concurrent.futures.thread  # noqa: E402,F401

try:
    threading._register_atexit(kill_all_workers)  # type: ignore[attr-defined]
except (AttributeError, RuntimeError):  # pragma: no cover - other Pythons
    import atexit

    atexit.register(kill_all_workers)


def run_worker(path: str, task: dict, *, timeout_s: float = 60, memory_mb: int = 4096) -> dict:
    """Run `analysis.models.worker` on `task` in a limited child; return its JSON answer.

    Raises ModelLoadError(path, reason) on timeout, memory exhaustion, a crash, or an error the
    worker reported (its one-line message).
    """
    with tempfile.TemporaryDirectory(prefix="prune-lsp-") as tmp:
        task_file = os.path.join(tmp, "task.json")
        out_file = os.path.join(tmp, "out.json")
        with open(task_file, "w") as f:
            # the worker applies the memory limit itself, first thing (preexec_fn is unsafe in
            # a threaded server)
            json.dump(dict(task, memory_mb=memory_mb), f)
        env = dict(os.environ)
        env["PYTHONPATH"] = _REPO_ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        env["HF_HUB_OFFLINE"] = "1"  # never reach a hub from the editor
        env["TRANSFORMERS_OFFLINE"] = "1"
        env.setdefault("OMP_NUM_THREADS", "1")
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "analysis.models.worker", task_file, out_file],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=env,
                start_new_session=True,  # own process group: killpg reaches grandchildren too
            )
        except OSError as e:
            raise ModelLoadError(path, f"could not start a loader process: {e}") from None
        with _live_lock:
            _live.add(proc.pid)
        try:
            _, err = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid)
            proc.communicate()
            raise ModelLoadError(path, f"timed out after {timeout_s:g} s while loading") from None
        finally:
            _kill_group(proc.pid)
            with _live_lock:
                _live.discard(proc.pid)
        stderr = err.decode("utf-8", "replace")
        answer = None
        if os.path.exists(out_file):
            try:
                with open(out_file) as f:
                    answer = json.load(f)
            except (OSError, json.JSONDecodeError):
                answer = None
        if isinstance(answer, dict) and "error" in answer:
            if answer.get("oom"):
                raise ModelLoadError(path, f"out of memory (limit {memory_mb} MB) while loading")
            raise ModelLoadError(path, answer["error"])
        if isinstance(answer, dict) and proc.returncode == 0:
            return answer
        if "MemoryError" in stderr or "bad_alloc" in stderr or "Cannot allocate memory" in stderr:
            raise ModelLoadError(path, f"out of memory (limit {memory_mb} MB) while loading")
        last = next((ln for ln in reversed(stderr.strip().splitlines()) if ln.strip()), "")
        how = f"signal {-proc.returncode}" if proc.returncode < 0 else f"exit status {proc.returncode}"
        raise ModelLoadError(path, f"loader process failed ({how}){': ' + last[:200] if last else ''}")

"""Ask INC 2.6 (in its own venv) for its verdict on configs, in batches, with an on-disk cache.

The cache is one JSON file under ~/.cache/prune-lsp/oracle/ (or $PRUNE_LSP_ORACLE_CACHE), keyed by
the hash of (runner version, dialect, config text); the runner version is the hash of
inc_runner.py and of the model it runs on (corpus_model.py), so editing either invalidates every
verdict they produced (a deeper runner never reuses a shallower one's verdicts).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable, Optional

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
RUNNER = HERE / "inc_runner.py"
SETUP_SCRIPT = REPO / "scripts" / "inc_oracle_venv.sh"
CACHE_DIR = Path(os.environ.get("PRUNE_LSP_ORACLE_CACHE", Path.home() / ".cache" / "prune-lsp" / "oracle"))
CACHE_FILE = CACHE_DIR / "verdicts.json"


def inc_python(timeout_s: int = 1800) -> tuple[Optional[Path], str]:
    """The INC 2.6 venv's python, or None and why: $PRUNE_LSP_INC_PYTHON when scripts/test exported it,
    else what scripts/inc_oracle_venv.sh prints (it builds the venv when missing)."""
    env = os.environ.get("PRUNE_LSP_INC_PYTHON")
    if env and Path(env).exists():
        return Path(env), ""
    try:
        proc = subprocess.run(["bash", str(SETUP_SCRIPT)], capture_output=True, text=True, timeout=timeout_s)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"scripts/inc_oracle_venv.sh did not finish: {exc}"
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines or not Path(lines[-1]).exists():
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"the INC 2.6 venv could not be set up (scripts/inc_oracle_venv.sh: {tail})"
    return Path(lines[-1]), ""


MODEL = HERE / "corpus_model.py"


def runner_version() -> str:
    h = hashlib.sha256(RUNNER.read_bytes())
    h.update(MODEL.read_bytes())
    return h.hexdigest()[:16]


def cache_key(dialect: str, text: str, version: Optional[str] = None) -> str:
    h = hashlib.sha256()
    for part in (version or runner_version(), dialect, text):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def _load_cache() -> dict:
    try:
        return json.loads(CACHE_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _save_cache(new: dict) -> None:
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    merged = _load_cache()  # another session may have added verdicts meanwhile
    merged.update(new)
    fd, tmp = tempfile.mkstemp(dir=CACHE_DIR, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(merged, f)
    os.replace(tmp, CACHE_FILE)


def _run_batch(python: Path, cases: list[dict], timeout_s: float) -> dict:
    with tempfile.TemporaryDirectory() as d:
        req, res = Path(d) / "request.json", Path(d) / "result.json"
        req.write_text(json.dumps({"cases": cases}), encoding="utf-8")
        proc = subprocess.run([str(python), str(RUNNER), str(req), str(res)], capture_output=True, text=True,
                              timeout=timeout_s, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        if proc.returncode != 0 or not res.exists():
            raise RuntimeError(f"INC runner failed (rc {proc.returncode}): {proc.stderr[-2000:]}")
        return json.loads(res.read_text(encoding="utf-8"))


def verdicts(python: Path, cases: Iterable, *, jobs: Optional[int] = None,
             timeout_s: float = 900) -> tuple[dict[str, dict], dict]:
    """INC's verdict for each case (objects with .id, .dialect, .text), and run statistics."""
    cases = list(cases)
    version = runner_version()
    cache = _load_cache()
    keys = {c.id: cache_key(c.dialect, c.text, version) for c in cases}
    todo = [c for c in cases if keys[c.id] not in cache]
    stats = {"cases": len(cases), "cached": len(cases) - len(todo), "ran": len(todo), "seconds": 0.0}
    if todo:
        jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo), 8))
        chunks = [todo[i::jobs] for i in range(jobs)]
        t0 = time.perf_counter()
        with ThreadPoolExecutor(jobs) as pool:
            parts = list(pool.map(lambda ch: _run_batch(
                python, [{"id": c.id, "dialect": c.dialect, "text": c.text} for c in ch], timeout_s), chunks))
        stats["seconds"] = round(time.perf_counter() - t0, 1)
        fresh = {}
        for part in parts:
            for c in todo:
                if c.id in part:
                    fresh[keys[c.id]] = part[c.id]
        cache.update(fresh)
        _save_cache(fresh)
    return {c.id: cache[keys[c.id]] for c in cases if keys[c.id] in cache}, stats

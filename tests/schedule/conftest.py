"""The INC 2.6 recording of tests/schedule/configs/ (see test_inc_schedule.py), cached."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.conftest import INC_PYTHON

HERE = Path(__file__).resolve().parent
CONFIGS = sorted((HERE / "configs").glob("*.yaml"))
RECORDER = HERE / "inc_record_schedule.py"
MODELS = HERE / "inc_toy_models.py"  # the models it trains: part of what a recording depends on
CACHE = Path(os.environ.get("PRUNE_LSP_SCHEDULE_CACHE", Path.home() / ".cache" / "prune-lsp" / "schedule"))


def _key(path: Path) -> str:
    h = hashlib.sha256(RECORDER.read_bytes() + MODELS.read_bytes())
    h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:32]


@pytest.fixture(scope="session")
def inc_record() -> dict:
    cache_file = CACHE / "inc26.json"
    cache = json.loads(cache_file.read_text()) if cache_file.is_file() else {}
    todo = [p for p in CONFIGS if _key(p) not in cache]
    if todo:
        if not INC_PYTHON.exists():
            pytest.skip(f"INC 2.6 oracle venv absent ({INC_PYTHON}; scripts/test builds it) and no cached recording")
        with tempfile.TemporaryDirectory() as tmp:
            req = Path(tmp) / "req.json"
            res = Path(tmp) / "res.json"
            req.write_text(json.dumps({"cases": [{"id": _key(p), "dialect": p.name[0].upper(), "path": str(p)}
                                                 for p in todo]}))
            proc = subprocess.run([str(INC_PYTHON), str(RECORDER), str(req), str(res)], capture_output=True,
                                  text=True, timeout=1200)
            assert proc.returncode == 0, proc.stderr[-3000:]
            cache.update(json.loads(res.read_text()))
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp_file = cache_file.with_suffix(f".{os.getpid()}.tmp")
        tmp_file.write_text(json.dumps(cache))
        os.replace(tmp_file, cache_file)
    return {p.name: cache[_key(p)] for p in CONFIGS}



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


def _dialect(path: Path) -> str:
    return path.name[0].upper()  # a_ b_ c_ d_ configs by dialect; k_: a Keras model (dialect A keys)


def _tf_python() -> Path:
    """INC's oracle venv with TensorFlow, for the Keras pruner (built once by inc_tf_venv.sh)."""
    proc = subprocess.run(["bash", str(HERE / "inc_tf_venv.sh"), str(INC_PYTHON)], capture_output=True, text=True,
                          timeout=1800)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return Path(proc.stdout.strip().splitlines()[-1])


def _record(python, todo) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        req = Path(tmp) / "req.json"
        res = Path(tmp) / "res.json"
        req.write_text(json.dumps({"cases": [{"id": _key(p), "dialect": _dialect(p), "path": str(p)} for p in todo]}))
        proc = subprocess.run([str(python), str(RECORDER), str(req), str(res)], capture_output=True, text=True,
                              timeout=1800)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return json.loads(res.read_text())


@pytest.fixture(scope="session")
def inc_record() -> dict:
    cache_file = CACHE / "inc26.json"
    cache = json.loads(cache_file.read_text()) if cache_file.is_file() else {}
    todo = [p for p in CONFIGS if _key(p) not in cache]
    if todo:
        if not INC_PYTHON.exists():
            pytest.skip(f"INC 2.6 oracle venv absent ({INC_PYTHON}; scripts/test builds it) and no cached recording")
        keras = [p for p in todo if _dialect(p) == "K"]
        for python, cases in ((INC_PYTHON, [p for p in todo if p not in keras]), (_tf_python, keras)):
            if not cases:
                continue
            if callable(python):
                python = python()
            cache.update(_record(python, cases))
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp_file = cache_file.with_suffix(f".{os.getpid()}.tmp")
        tmp_file.write_text(json.dumps(cache))
        os.replace(tmp_file, cache_file)
    return {p.name: cache[_key(p)] for p in CONFIGS}



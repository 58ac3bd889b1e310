"""Fixtures for the sparsity tests: the INC 2.6 oracle's python, and model files written once."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
from tests.conftest import INC_PYTHON  # noqa: E402


def inc_python() -> Path | None:
    """The INC 2.6 venv's python: set up by the lead's script when present, else the known path."""
    script = REPO / "scripts" / "inc_oracle_venv.sh"
    if script.is_file() and not INC_PYTHON.exists():
        subprocess.run(["bash", str(script)], check=False, capture_output=True, timeout=1800)
    return INC_PYTHON if INC_PYTHON.exists() else None


@pytest.fixture(scope="session")
def inc_pruned(tmp_path_factory):
    """Models pruned by INC 2.6 itself: {case: (state dict path, INC's own report)}."""
    import json

    py = inc_python()
    if py is None:
        pytest.skip("INC 2.6 oracle venv absent (/root/.cache/prune-lsp-inc26; scripts/inc_oracle_venv.sh)")
    out = tmp_path_factory.mktemp("inc_oracle")
    proc = subprocess.run([str(py), str(HERE / "inc_oracle_prune.py"), str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {p.stem: (p.with_suffix(".pt"), json.loads(p.read_text())) for p in out.glob("*.json")}

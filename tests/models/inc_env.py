"""Where the INC 2.6 oracle's python is (scripts/inc_oracle_venv.sh builds that venv)."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

try:  # the suite-wide location (honours PRUNE_LSP_INC_PYTHON / PRUNE_LSP_INC_VENV)
    from tests.conftest import INC_PYTHON
except ImportError:  # pragma: no cover - run from another rootdir
    INC_PYTHON = Path.home() / ".cache" / "prune-lsp-inc26" / "bin" / "python"


def inc_python() -> Path | None:
    """The oracle's python, set up by the lead's script when absent; None when unavailable (tests skip)."""
    script = REPO / "scripts" / "inc_oracle_venv.sh"
    if script.is_file() and not INC_PYTHON.exists():
        subprocess.run(["bash", str(script)], check=False, capture_output=True, timeout=1800)
    return INC_PYTHON if INC_PYTHON.exists() else None

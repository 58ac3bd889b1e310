"""Shared test helpers: where ../shared is, and skipping cleanly when a user's clone lacks it."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test: a user's clone has no ../shared (CI always has it)."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} is absent: the shared corpus and reference docs exist only beside the project's own checkout")
    return p


def _inc_python() -> Path:
    import os

    env = os.environ.get("PRUNE_LSP_INC_PYTHON")
    if env:
        return Path(env)
    venv = os.environ.get("PRUNE_LSP_INC_VENV", str(Path.home() / ".cache" / "prune-lsp-inc26"))
    return Path(venv) / "bin" / "python"


# INC 2.6's python, the oracle for INC's behaviour: built by scripts/inc_oracle_venv.sh (scripts/test
# runs it and exports PRUNE_LSP_INC_PYTHON).
INC_PYTHON = _inc_python()

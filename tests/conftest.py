"""Shared test helpers: where the optional data beside the repository is, and skipping cleanly when a
user's clone lacks it.

Optional data (never copied into the repository; CI always has it at ../shared):
- INC's config corpus (55 real configs with INC 2.6's verdicts): `../shared/corpus`, or the folder named by
  PRUNE_LSP_CORPUS (it holds README.md and inc-configs/).
- INC's documentation examples: `../shared/reference/inc-docs-configs.md`, or under the folder named by
  PRUNE_LSP_SHARED (which also moves the corpus default to $PRUNE_LSP_SHARED/corpus).
Tests that need them skip with a reason that says how to run them. Every dialect and every rule is also
covered by configs the project writes itself (tests/configs/, tests/rules/test_rule_coverage.py).

In CI (.ci/run sets PRUNE_LSP_NO_SKIP=1) nothing may skip: the corpus, INC's oracle venv, Neovim, Emacs
and the real VS Code are all set up there, so a skip would hide a broken set-up; it fails instead.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("PRUNE_LSP_SHARED") or REPO.parent / "shared")
# The project's own configs, one per dialect and per rule family (tests/rules/test_rule_coverage.py).
OWN_CONFIGS = REPO / "tests" / "configs"

HOW_TO_ENABLE = ("put the shared folder beside the repository (../shared), or point PRUNE_LSP_CORPUS at a "
                 "copy of INC's config corpus (a folder with README.md and inc-configs/), or PRUNE_LSP_SHARED "
                 "at a copy of the whole shared folder")


def corpus_dir() -> Optional[Path]:
    """INC's config corpus: $PRUNE_LSP_CORPUS, else $PRUNE_LSP_SHARED/corpus, else ../shared/corpus; None
    when it is not there (a user's fresh clone)."""
    env = os.environ.get("PRUNE_LSP_CORPUS")
    p = Path(env) if env else SHARED / "corpus"
    return p if (p / "inc-configs").is_dir() else None


def corpus_skip_reason() -> str:
    env = os.environ.get("PRUNE_LSP_CORPUS")
    where = Path(env) if env else SHARED / "corpus"
    return f"INC's config corpus is not at {where} (optional data): to run this test, {HOW_TO_ENABLE}"


def corpus_configs() -> list[Path]:
    """The corpus's YAML configs, sorted; [] when the corpus is absent."""
    root = corpus_dir()
    return sorted((root / "inc-configs").glob("*.yaml")) if root else []


def shared_path(*parts: str) -> Path:
    """A path under the shared folder, or skip the test: a user's clone has no ../shared (CI always has it)."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} is absent (optional data beside the project's own checkout): to run this test, put "
                    "the shared folder beside the repository (../shared) or point PRUNE_LSP_SHARED at a copy of it")
    return p


def _inc_python() -> Path:
    env = os.environ.get("PRUNE_LSP_INC_PYTHON")
    if env:
        return Path(env)
    venv = os.environ.get("PRUNE_LSP_INC_VENV", str(Path.home() / ".cache" / "prune-lsp-inc26"))
    return Path(venv) / "bin" / "python"


# INC 2.6's python, the oracle for INC's behaviour: built by scripts/inc_oracle_venv.sh (scripts/test
# runs it and exports PRUNE_LSP_INC_PYTHON).
INC_PYTHON = _inc_python()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under PRUNE_LSP_NO_SKIP=1 (CI), a skipped test is a failure that says why it skipped."""
    outcome = yield
    rep = outcome.get_result()
    if rep.skipped and not hasattr(rep, "wasxfail") and os.environ.get("PRUNE_LSP_NO_SKIP") == "1":
        reason = rep.longrepr[2] if isinstance(rep.longrepr, tuple) else str(rep.longrepr)
        rep.outcome = "failed"
        rep.longrepr = f"skipped where everything must run (PRUNE_LSP_NO_SKIP=1, as in CI): {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    """The same for a whole module skipped at import (pytest.importorskip at module level)."""
    outcome = yield
    rep = outcome.get_result()
    if rep.skipped and os.environ.get("PRUNE_LSP_NO_SKIP") == "1":
        reason = rep.longrepr[2] if isinstance(rep.longrepr, tuple) else str(rep.longrepr)
        rep.outcome = "failed"
        rep.longrepr = f"skipped where everything must run (PRUNE_LSP_NO_SKIP=1, as in CI): {reason}"

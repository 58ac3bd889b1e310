"""A user's fresh clone has no ../shared: the tests that read INC's corpus or docs examples skip there
with a reason that says how to run them, and everything else (the fuzzers' volumes included) passes.
Simulated here with PRUNE_LSP_SHARED naming an empty folder, so CI (which has ../shared) proves it too."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, corpus_dir

MODULES = ["tests/oracle/test_corpus.py", "tests/rules/test_merge_semantics.py",
           "tests/python/test_wpc_docs_corpus.py", "tests/fuzz/test_engine_fuzz.py",
           "tests/rules/test_rule_coverage.py", "tests/engine/test_repeated_pruners.py"]


def test_without_shared_the_optional_tests_skip_saying_how_and_the_rest_pass(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k not in ("PRUNE_LSP_CORPUS", "PRUNE_LSP_FUZZ", "PRUNE_LSP_NO_SKIP")}
    env["PRUNE_LSP_SHARED"] = str(tmp_path / "no-shared")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *MODULES],
                       cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-4000:]
    skips = [ln for ln in out.splitlines() if ln.startswith("SKIPPED")]
    assert skips, out[-2000:]
    for ln in skips:  # every skip names what is missing and how to provide it
        assert "no-shared" in ln and ("PRUNE_LSP_CORPUS" in ln or "PRUNE_LSP_SHARED" in ln), ln
    m = re.search(r"(\d+) passed, (\d+) skipped", out)
    skipped = sum(int(re.match(r"SKIPPED \[(\d+)\]", ln)[1]) for ln in skips)
    assert m and int(m[1]) >= 20 and int(m[2]) == skipped, out[-1000:]
    # the fuzzers' volume test ran and passed without the corpus
    assert "test_zz_full_run_reached_its_volume" not in out


def test_corpus_folder_named_by_the_environment_is_used(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("PRUNE_LSP_CORPUS", str(tmp_path))
    assert corpus_dir() is None  # no inc-configs/ in it
    (tmp_path / "inc-configs").mkdir()
    assert corpus_dir() == tmp_path
